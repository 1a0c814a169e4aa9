-- Tenants (DESIGN.md "REST API": tenants, keys, quotas). Sessions, webhooks and keys belong to one;
-- the 'default' tenant holds the sessions of single-user installations and those the admin creates
-- without naming a tenant. A null limit means unlimited.
CREATE TABLE tenants (
    tenant_id           TEXT   NOT NULL PRIMARY KEY,
    name                TEXT   NOT NULL,
    max_sessions        INTEGER,
    daily_message_limit INTEGER,
    created_at          BIGINT NOT NULL
);

INSERT INTO tenants (tenant_id, name, created_at) VALUES ('default', 'Default', 0);
