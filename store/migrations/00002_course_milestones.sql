-- +goose Up
-- Outcomes reached while a course goes on (an education started, a job found).
CREATE TABLE course_milestones (
    course_id   uuid NOT NULL REFERENCES courses (id),
    seq         integer NOT NULL,
    outcome     text NOT NULL,
    reached_on  date NOT NULL,
    recorded_by text NOT NULL,
    PRIMARY KEY (course_id, seq)
);
CREATE INDEX course_milestones_outcome ON course_milestones (outcome);

-- +goose Down
DROP TABLE course_milestones;
