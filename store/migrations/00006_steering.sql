-- +goose Up
-- Programme steering: the committees' and the steering group's decisions, and what they
-- changed: team settings from a date, targets, a team's phase-out, a course's terms.
CREATE TABLE decisions (
    id          bigserial PRIMARY KEY,
    decided_on  date NOT NULL,
    body        text NOT NULL CHECK (body IN ('SSU', 'BUL', 'AET', 'ØU', 'steering_group')),
    title       text NOT NULL,
    text        text NOT NULL,
    changes     jsonb NOT NULL DEFAULT '[]',
    recorded_by text NOT NULL,
    key         text UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decisions_decided_on ON decisions (decided_on DESC);

CREATE TABLE team_settings_versions (
    team_id        text NOT NULL REFERENCES teams (id),
    effective_from date NOT NULL,
    settings       jsonb NOT NULL,
    decision_id    bigint NOT NULL REFERENCES decisions (id),
    PRIMARY KEY (team_id, effective_from)
);

CREATE TABLE team_targets (
    team_id     text NOT NULL REFERENCES teams (id),
    key         text NOT NULL CHECK (key IN ('employment_or_education_share', 'citizens_per_year', 'capacity_use')),
    target      numeric NOT NULL,
    description text NOT NULL DEFAULT '',
    decision_id bigint REFERENCES decisions (id),
    PRIMARY KEY (team_id, key)
);

ALTER TABLE teams ADD COLUMN phase_out_from date, ADD COLUMN phase_out_decision bigint REFERENCES decisions (id);

-- +goose Down
ALTER TABLE teams DROP COLUMN phase_out_decision, DROP COLUMN phase_out_from;
DROP TABLE team_targets;
DROP TABLE team_settings_versions;
DROP TABLE decisions;
