-- +goose Up
-- Inbox items get a short id for URLs, and remember when they were mailed.
ALTER TABLE reminders ADD COLUMN id bigserial UNIQUE;
ALTER TABLE reminders ADD COLUMN mailed_at timestamptz;

-- Stored committee reports (half-yearly status), as produced.
CREATE TABLE reports (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL,
    period_from date NOT NULL,
    period_to   date NOT NULL,
    produced_at timestamptz NOT NULL DEFAULT now(),
    key         text NOT NULL UNIQUE,     -- one report per kind and period
    body        jsonb NOT NULL
);

-- The daily digests mailed, so that a retried run mails nobody twice.
CREATE TABLE digests_sent (
    day      date NOT NULL,
    staff_id text NOT NULL REFERENCES staff (id),
    sent_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, staff_id)
);

-- +goose Down
DROP TABLE digests_sent;
DROP TABLE reports;
ALTER TABLE reminders DROP COLUMN mailed_at;
ALTER TABLE reminders DROP COLUMN id;
