-- +goose Up
-- A staff member's absences: from one date to another (both included, the municipality's
-- days), with the colleague who stands in. With no stand-in, the absent person's lead holds
-- their reminders and stands in. One absence of a person covers a day at most (the store
-- refuses an overlap).
CREATE TABLE absences (
    id          text PRIMARY KEY,
    staff_id    text NOT NULL REFERENCES staff (id),
    from_date   date NOT NULL,
    to_date     date NOT NULL,
    stand_in_id text REFERENCES staff (id),
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CHECK (from_date <= to_date),
    CHECK (stand_in_id IS DISTINCT FROM staff_id)
);
CREATE INDEX absences_staff ON absences (staff_id, to_date);
CREATE INDEX absences_stand_in ON absences (stand_in_id, to_date);

-- Whom a reminder is for (the recipient its occasion named); recipient_id is who holds it
-- now: a stand-in while its owner is away, the owner again after.
ALTER TABLE reminders ADD COLUMN owner_id text REFERENCES staff (id);
UPDATE reminders SET owner_id = recipient_id;
ALTER TABLE reminders ALTER COLUMN owner_id SET NOT NULL;
CREATE INDEX reminders_owner ON reminders (owner_id) WHERE done_at IS NULL;

-- +goose Down
DROP INDEX reminders_owner;
UPDATE reminders SET recipient_id = owner_id WHERE done_at IS NULL;
ALTER TABLE reminders DROP COLUMN owner_id;
DROP TABLE absences;
