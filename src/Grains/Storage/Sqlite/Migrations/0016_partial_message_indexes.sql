-- Two indexes of the message log held a row for every message although only some are ever looked
-- up through them: most messages carry no idempotency key, and the daily limits count outbound
-- rows only. Every inbound message and every send without a key paid for entries nothing reads.
-- Both become partial; the queries that use them name the same condition (a key compared with =,
-- direction = 'out'), so they keep using them.

DROP INDEX messages_idempotency;
CREATE UNIQUE INDEX messages_idempotency ON messages (session_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

DROP INDEX messages_tenant_out;
CREATE INDEX messages_tenant_out ON messages (tenant_id, created_at) WHERE direction = 'out';
