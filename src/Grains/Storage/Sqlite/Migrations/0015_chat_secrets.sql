-- What a client must keep across restarts besides its Signal state (issue 5): the message secrets
-- of polls, which encrypt every vote on them, and the privacy tokens contacts issued to us, which
-- go with our messages to them. Records and tokens are opaque bytes.

CREATE TABLE message_secrets (
    session_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    record     BLOB NOT NULL,
    PRIMARY KEY (session_id, message_id)
);

CREATE TABLE privacy_tokens (
    session_id TEXT   NOT NULL,
    user_jid   TEXT   NOT NULL,
    token      BLOB NOT NULL,
    issued_at  BIGINT NOT NULL,
    PRIMARY KEY (session_id, user_jid)
);
