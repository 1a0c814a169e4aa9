-- Orleans reminders on the embedded database (SqliteReminderTable), so a single node's reminders
-- survive a restart as they do on PostgreSQL (Orleans' own orleansreminderstable there). One row
-- per grain and reminder name; grain_hash is GrainId.GetUniformHashCode() (an unsigned 32-bit
-- value) for the range reads of the reminder service; times are Unix milliseconds; version is the
-- row's ETag, bumped on every write.
CREATE TABLE orleans_reminders (
    service_id    TEXT   NOT NULL,
    grain_id      TEXT   NOT NULL,
    reminder_name TEXT   NOT NULL,
    grain_hash    BIGINT NOT NULL,
    start_at      BIGINT NOT NULL,
    period_ms     BIGINT NOT NULL,
    version       BIGINT NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX orleans_reminders_hash ON orleans_reminders (service_id, grain_hash);
