-- Broadcast jobs (DESIGN.md "REST API", broadcasts): one row per job and one per recipient, so a
-- job resumes where it stopped after a node loss. Each recipient is sent with the idempotency key
-- broadcast:{job}:{index}, which makes the resume send nobody twice. Times are Unix milliseconds.
CREATE TABLE broadcasts (
    job_id       TEXT    NOT NULL PRIMARY KEY,
    tenant_id    TEXT    NOT NULL,
    session_id   TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    content      TEXT    NOT NULL,
    delay_min_ms INTEGER NOT NULL,
    delay_max_ms INTEGER NOT NULL,
    total        INTEGER NOT NULL,
    processed    INTEGER NOT NULL DEFAULT 0,
    succeeded    INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    reason       TEXT,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    completed_at BIGINT
);

CREATE INDEX broadcasts_status ON broadcasts (status);
CREATE INDEX broadcasts_session ON broadcasts (session_id, created_at);

CREATE TABLE broadcast_recipients (
    job_id     TEXT    NOT NULL,
    recipient_index INTEGER NOT NULL,
    phone      TEXT    NOT NULL,
    name       TEXT,
    status     TEXT    NOT NULL,
    message_id TEXT,
    reason     TEXT,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (job_id, recipient_index)
);
