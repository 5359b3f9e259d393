-- +goose Up
-- What the collaboration model's read model needs beyond the first schema.
ALTER TABLE meetings
    ADD COLUMN due_by timestamptz,
    ADD COLUMN minutes_due timestamptz,
    ADD COLUMN attendees text[] NOT NULL DEFAULT '{}',
    ADD COLUMN minutes text NOT NULL DEFAULT '',
    ADD COLUMN note text NOT NULL DEFAULT '';
CREATE INDEX meetings_due ON meetings (status, scheduled_at);

-- Programme-wide settings (for example the collaboration model's), as JSON by key.
CREATE TABLE programme_settings (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE programme_settings;
DROP INDEX meetings_due;
ALTER TABLE meetings DROP COLUMN due_by, DROP COLUMN minutes_due, DROP COLUMN attendees,
    DROP COLUMN minutes, DROP COLUMN note;
