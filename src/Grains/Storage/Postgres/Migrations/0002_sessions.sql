-- The gateway's sessions and their outbound messages. The same statements run on SQLite and
-- PostgreSQL, so only portable types are used; times are Unix milliseconds.

-- One row per session. should_be_online marks sessions the silo brings back after a restart or a
-- node loss; epoch fences activations: each activation that goes online takes the next value, and
-- an activation that sees a newer one closes its socket without reconnecting.
CREATE TABLE sessions (
    session_id       TEXT    NOT NULL PRIMARY KEY,
    status           TEXT    NOT NULL,
    reason           TEXT,
    me_jid           TEXT,
    me_lid           TEXT,
    should_be_online INTEGER NOT NULL DEFAULT 0,
    epoch            BIGINT  NOT NULL DEFAULT 0,
    updated_at       BIGINT  NOT NULL
);

-- Every message the API sent, persisted with its id before it leaves (durability rule 3). A
-- retried idempotency key finds the first row instead of sending again.
CREATE TABLE outbound_messages (
    session_id      TEXT   NOT NULL,
    message_id      TEXT   NOT NULL,
    idempotency_key TEXT,
    recipient       TEXT   NOT NULL,
    status          TEXT   NOT NULL,
    reason          TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (session_id, message_id)
);

CREATE UNIQUE INDEX outbound_messages_idempotency ON outbound_messages (session_id, idempotency_key);
