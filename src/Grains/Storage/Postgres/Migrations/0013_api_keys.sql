-- API keys (DESIGN.md "REST API": admin, tenant and session keys, stored hashed, shown once). Only
-- the SHA-256 of a key is kept: keys are 32 random bytes, so a fast hash cannot be brute-forced,
-- and a lookup by hash is one index probe. prefix is the key's first characters, shown in lists
-- so a user can tell keys apart. A revoked key keeps its row (revoked_at set) for the audit trail.
CREATE TABLE api_keys (
    id           TEXT   NOT NULL PRIMARY KEY,
    kind         TEXT   NOT NULL,
    tenant_id    TEXT,
    session_id   TEXT,
    name         TEXT,
    prefix       TEXT   NOT NULL,
    hash         TEXT   NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);

CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);
