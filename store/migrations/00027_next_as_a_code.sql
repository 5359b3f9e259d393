-- +goose Up
-- What a course or a plan waits for is a code (next; package words says it in Danish): the
-- English sentence beside it is no longer written.
ALTER TABLE courses DROP COLUMN next_action;
ALTER TABLE collaboration_plans DROP COLUMN next_action;

-- +goose Down
ALTER TABLE courses ADD COLUMN next_action text NOT NULL DEFAULT '';
ALTER TABLE collaboration_plans ADD COLUMN next_action text NOT NULL DEFAULT '';
