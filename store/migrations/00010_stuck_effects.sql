-- +goose Up
-- Writes that a workflow could not make after it had accepted the step that asked for them
-- (the database refused them, or their retries ran out). The workflow keeps each in its state,
-- retries it, and writes its list here, so that an administrator can see what is stuck where;
-- resolved_at is set when it has been made. seq is the workflow's count of changes to its list:
-- an older write changes nothing.
CREATE TABLE stuck_effects (
    workflow_id  text NOT NULL,
    effect_key   text NOT NULL,
    subject_type text NOT NULL,
    subject_id   text NOT NULL,
    kind         text NOT NULL,
    error        text NOT NULL,
    since        timestamptz NOT NULL,
    attempts     integer NOT NULL,
    retry_at     timestamptz,
    resolved_at  timestamptz,
    seq          bigint NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workflow_id, effect_key)
);
CREATE INDEX stuck_effects_open ON stuck_effects (since) WHERE resolved_at IS NULL;

-- +goose Down
DROP TABLE stuck_effects;
