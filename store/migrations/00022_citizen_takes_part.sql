-- +goose Up
-- The citizen takes part in their own plan: points on a meeting's agenda, their own words on
-- the goals, their answer to each version of the goals-and-agreements form; and the plan's
-- network list (outside participants responsible for agreements). An agreement's state (done)
-- is kept in the form version's own JSON, which the newest write now replaces.
ALTER TABLE meetings ADD COLUMN agenda jsonb NOT NULL DEFAULT '[]';
ALTER TABLE plan_form_versions ADD COLUMN responses jsonb NOT NULL DEFAULT '[]';
ALTER TABLE collaboration_plans ADD COLUMN network jsonb NOT NULL DEFAULT '[]';
ALTER TABLE collaboration_plans ADD COLUMN goal_words jsonb NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE collaboration_plans DROP COLUMN goal_words;
ALTER TABLE collaboration_plans DROP COLUMN network;
ALTER TABLE plan_form_versions DROP COLUMN responses;
ALTER TABLE meetings DROP COLUMN agenda;
