-- Every event a session raises (DESIGN.md "Webhooks"), written in the same transaction as the
-- change it reports where there is one. Webhook deliveries fan out from here and the event stream
-- (server-sent events) reads it by sequence. event_id is unique, so an event raised twice (an
-- inbound message WhatsApp redelivered) is stored once.
CREATE TABLE events (
    sequence   INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id   TEXT    NOT NULL UNIQUE,
    type       TEXT    NOT NULL,
    tenant_id  TEXT    NOT NULL,
    session_id TEXT,
    created_at BIGINT  NOT NULL,
    data       TEXT    NOT NULL
);

CREATE INDEX events_session ON events (session_id, sequence);
