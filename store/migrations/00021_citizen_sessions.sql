-- +goose Up
-- Citizens log in too (MitID through NemLog-in or the municipality's broker), recognised by
-- the keyed hash of the CPR number their provider asserts; the number itself is stored
-- nowhere. Their page sessions are the staff's sessions with the other holder: one table and
-- one code path (idle timeout, maximum age, logout, CSRF), each session held by exactly one
-- staff member or one citizen, so that neither kind can pass for the other.
ALTER TABLE sessions ALTER COLUMN staff_id DROP NOT NULL;
ALTER TABLE sessions ADD COLUMN citizen_id uuid REFERENCES citizens (id);
ALTER TABLE sessions ADD CONSTRAINT sessions_one_holder CHECK ((staff_id IS NULL) <> (citizen_id IS NULL));
CREATE INDEX sessions_citizen ON sessions (citizen_id) WHERE ended_at IS NULL;

-- A login begun for one kind of session is finished for that kind only.
ALTER TABLE login_requests ADD COLUMN holder text NOT NULL DEFAULT 'staff' CHECK (holder IN ('staff', 'citizen'));

-- +goose Down
ALTER TABLE login_requests DROP COLUMN holder;
DELETE FROM sessions WHERE citizen_id IS NOT NULL;
DROP INDEX sessions_citizen;
ALTER TABLE sessions DROP CONSTRAINT sessions_one_holder;
ALTER TABLE sessions DROP COLUMN citizen_id;
ALTER TABLE sessions ALTER COLUMN staff_id SET NOT NULL;
