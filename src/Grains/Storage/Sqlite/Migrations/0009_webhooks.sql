-- Webhooks and their durable delivery schedule (DESIGN.md "Webhooks"). A webhook belongs to a
-- tenant and to one session, or to every session of the tenant when session_id is NULL. The secret
-- is kept as given because signing needs it; the API shows it only when it is set. Times are unix
-- milliseconds.
CREATE TABLE webhooks (
    id              TEXT    NOT NULL PRIMARY KEY,
    tenant_id       TEXT    NOT NULL,
    session_id      TEXT,
    url             TEXT    NOT NULL,
    url_normalized  TEXT    NOT NULL,
    events          TEXT    NOT NULL,
    secret          TEXT    NOT NULL,
    enabled         INTEGER NOT NULL,
    disabled_reason TEXT,
    failing_since   BIGINT,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);

-- The same normalized URL twice on one session (or twice tenant-wide) is a conflict; COALESCE
-- because NULLs are distinct in a unique index.
CREATE UNIQUE INDEX webhooks_url ON webhooks (tenant_id, COALESCE(session_id, ''), url_normalized);
CREATE INDEX webhooks_session ON webhooks (tenant_id, session_id);

-- One row per event and webhook: the outbox the delivery workers claim from. delivery_id is the
-- webhook-id header, the same on every attempt and on a redelivery. A worker claims a row by
-- writing locked_by and a lease (locked_until); a lease that runs out (the silo died) makes the
-- row claimable again. round_started_at and round_attempts restart on a redelivery, so the retry
-- window counts from there; attempts counts every attempt ever made.
CREATE TABLE webhook_deliveries (
    delivery_id      TEXT    NOT NULL PRIMARY KEY,
    webhook_id       TEXT    NOT NULL,
    event_id         TEXT    NOT NULL,
    event_type       TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    attempts         INTEGER NOT NULL,
    round_attempts   INTEGER NOT NULL,
    round_started_at BIGINT  NOT NULL,
    next_attempt_at  BIGINT,
    locked_until     BIGINT,
    locked_by        TEXT,
    created_at       BIGINT  NOT NULL,
    completed_at     BIGINT
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at);

-- Every HTTP attempt of a delivery: status (NULL when no response came), latency and the start of
-- the response body or the error (at most 1 KiB).
CREATE TABLE webhook_attempts (
    attempt_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id   TEXT    NOT NULL,
    attempt_no    INTEGER NOT NULL,
    at            BIGINT  NOT NULL,
    status_code   INTEGER,
    latency_ms    BIGINT  NOT NULL,
    response      TEXT
);

CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt_no);
