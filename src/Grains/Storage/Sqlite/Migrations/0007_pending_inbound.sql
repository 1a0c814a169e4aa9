-- Inbound messages decrypted but not yet acknowledged (DESIGN.md durability rule 1), written in the
-- same transaction as the Signal state that decrypted them. Records are opaque bytes.

CREATE TABLE signal_pending_inbound (
    session_id TEXT NOT NULL,
    chat       TEXT NOT NULL,
    sender     TEXT NOT NULL,
    message_id TEXT NOT NULL,
    record     BLOB NOT NULL,
    PRIMARY KEY (session_id, chat, sender, message_id)
);
