-- Credentials, Signal state and LID mappings of every linked device, keyed by session id.
-- Records are opaque bytes written by the Protocol layer; the database never looks inside them.

CREATE TABLE device_credentials (
    session_id  TEXT NOT NULL PRIMARY KEY,
    credentials BLOB NOT NULL
);

CREATE TABLE signal_identity_keys (
    session_id   TEXT NOT NULL,
    address      TEXT NOT NULL,
    identity_key BLOB NOT NULL,
    PRIMARY KEY (session_id, address)
);

CREATE TABLE signal_prekeys (
    session_id TEXT    NOT NULL,
    prekey_id  INTEGER NOT NULL,
    record     BLOB    NOT NULL,
    PRIMARY KEY (session_id, prekey_id)
);

CREATE TABLE signal_signed_prekeys (
    session_id       TEXT    NOT NULL,
    signed_prekey_id INTEGER NOT NULL,
    record           BLOB    NOT NULL,
    PRIMARY KEY (session_id, signed_prekey_id)
);

CREATE TABLE signal_sessions (
    session_id TEXT NOT NULL,
    address    TEXT NOT NULL,
    record     BLOB NOT NULL,
    PRIMARY KEY (session_id, address)
);

CREATE TABLE signal_sender_keys (
    session_id TEXT NOT NULL,
    group_id   TEXT NOT NULL,
    sender     TEXT NOT NULL,
    record     BLOB NOT NULL,
    PRIMARY KEY (session_id, group_id, sender)
);

CREATE TABLE lid_mappings (
    session_id   TEXT NOT NULL,
    lid_user     TEXT NOT NULL,
    phone_user   TEXT NOT NULL,
    PRIMARY KEY (session_id, lid_user),
    UNIQUE (session_id, phone_user)
);
