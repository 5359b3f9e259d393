-- +goose Up
-- A pause's latest resume date ("genoptages senest 1. januar"): at it the team's courses resume
-- by themselves, unless a new decision moves it. NULL for pauses from before it was kept.
ALTER TABLE team_pauses ADD COLUMN resume_by date;

-- +goose Down
ALTER TABLE team_pauses DROP COLUMN resume_by;
