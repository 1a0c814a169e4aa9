-- The message log (DESIGN.md "REST API", messages) and the session columns the API shows. Times
-- are Unix milliseconds; the same statements run on SQLite and PostgreSQL.

-- Sessions belong to a tenant, carry a display name and their creation time, and may override the
-- configured daily message limit (null: the configured default applies).
ALTER TABLE sessions ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE sessions ADD COLUMN name TEXT;
ALTER TABLE sessions ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN daily_limit INTEGER;
UPDATE sessions SET created_at = updated_at;
CREATE INDEX sessions_tenant ON sessions (tenant_id, session_id);

-- Every message a session sent or received. Outbound rows are written as pending with their id
-- before they leave (durability rule 3) and move forward only (pending, sent, delivered, read;
-- or failed); inbound rows are written before WhatsApp gets the ack (rule 1), once per id. content
-- holds the protobuf Message bytes, so media can be downloaded and replies quote it later.
-- tenant_id is copied from the session so a tenant's daily count needs no join.
CREATE TABLE messages (
    session_id      TEXT    NOT NULL,
    message_id      TEXT    NOT NULL,
    direction       TEXT    NOT NULL,
    tenant_id       TEXT    NOT NULL DEFAULT 'default',
    chat            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    type            TEXT    NOT NULL,
    text            TEXT,
    sender_jid      TEXT,
    sender_phone    TEXT,
    sender_lid      TEXT,
    push_name       TEXT,
    is_group        INTEGER NOT NULL DEFAULT 0,
    from_me         INTEGER NOT NULL DEFAULT 0,
    quoted_id       TEXT,
    mime_type       TEXT,
    media_size      BIGINT,
    file_name       TEXT,
    reason          TEXT,
    idempotency_key TEXT,
    content         BLOB,
    timestamp       BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, message_id, direction)
);

-- A retried idempotency key finds the first row instead of sending again (nulls never clash).
CREATE UNIQUE INDEX messages_idempotency ON messages (session_id, idempotency_key);
-- The log's pages: newest first, optionally per chat.
CREATE INDEX messages_session_time ON messages (session_id, timestamp, message_id);
CREATE INDEX messages_session_chat ON messages (session_id, chat, timestamp);
-- The daily limits count outbound rows since midnight, per session and per tenant.
CREATE INDEX messages_tenant_out ON messages (tenant_id, direction, created_at);

-- The outbound rows of 0002 become log rows; their table is then dropped (nothing else reads it).
INSERT INTO messages (session_id, message_id, direction, tenant_id, chat, status, type, reason, idempotency_key, timestamp, created_at, updated_at, attempts)
SELECT o.session_id, o.message_id, 'out', COALESCE(s.tenant_id, 'default'), o.recipient, o.status, 'text', o.reason, o.idempotency_key, o.created_at, o.created_at, o.updated_at, 1
FROM outbound_messages o LEFT JOIN sessions s ON s.session_id = o.session_id;

DROP TABLE outbound_messages;
