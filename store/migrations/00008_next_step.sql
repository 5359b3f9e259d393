-- +goose Up
-- What a course or a plan waits for next, as a code with its parameters (domain.Next): the
-- pages say it in Danish by the code. next_action keeps the English sentence.
ALTER TABLE courses ADD COLUMN next jsonb;
ALTER TABLE collaboration_plans ADD COLUMN next jsonb;
-- Refused accesses are logged too (a refused look-up is in the citizen's access log).
ALTER TABLE audit_log ADD COLUMN refused boolean NOT NULL DEFAULT false;
-- An idempotent answer is given again only after the access rule for what it was about is
-- asked again; answers expire (TVP_IDEMPOTENCY_TTL) and a daily job deletes them.
ALTER TABLE idempotency_keys ADD COLUMN action text, ADD COLUMN subject_type text, ADD COLUMN subject_id text;

-- +goose Down
ALTER TABLE idempotency_keys DROP COLUMN action, DROP COLUMN subject_type, DROP COLUMN subject_id;
ALTER TABLE audit_log DROP COLUMN refused;
ALTER TABLE collaboration_plans DROP COLUMN next;
ALTER TABLE courses DROP COLUMN next;
