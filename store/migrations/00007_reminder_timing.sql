-- +goose Up
-- When each reminder's occasion was due to fire (its timer's target) and when the item reached
-- the inbox: the difference is how late the reminder was (make bench reports it).
ALTER TABLE reminders ADD COLUMN scheduled_for timestamptz;
ALTER TABLE reminders ADD COLUMN stored_at timestamptz;
ALTER TABLE reminders ALTER COLUMN stored_at SET DEFAULT clock_timestamp();

-- +goose Down
ALTER TABLE reminders DROP COLUMN stored_at;
ALTER TABLE reminders DROP COLUMN scheduled_for;
