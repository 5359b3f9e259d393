-- +goose Up
-- Calendar invitations to the cross-disciplinary meetings. A meeting has a place.
ALTER TABLE meetings ADD COLUMN place text NOT NULL DEFAULT '';

-- The outbox of calendar messages: one row per message and recipient (a staff member, or the
-- citizen at the address on the plan), with the message as it is mailed. Claimed before it is
-- sent and marked after, like a reminder's mail. mail_due: the workers mailed when it was made.
CREATE TABLE invitation_mails (
    key             text PRIMARY KEY,
    plan_id         uuid NOT NULL REFERENCES collaboration_plans (id) ON DELETE CASCADE,
    meeting_seq     integer NOT NULL,
    method          text NOT NULL CHECK (method IN ('REQUEST', 'CANCEL')),
    sequence        integer NOT NULL,
    recipient       text NOT NULL,
    email           text NOT NULL,
    subject         text NOT NULL,
    body            text NOT NULL,
    ics             text NOT NULL,
    mail_due        boolean NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    mail_claimed_at timestamptz,
    mail_attempts   integer NOT NULL DEFAULT 0,
    mailed_at       timestamptz
);
CREATE INDEX invitation_mails_outbox ON invitation_mails (created_at) WHERE mail_due AND mailed_at IS NULL;
CREATE INDEX invitation_mails_plan ON invitation_mails (plan_id, meeting_seq);

-- A meeting's calendar now: the newest message to everyone invited (the invitation, its
-- update, or its cancellation), as mailed; the staff download it. revision orders the writes.
CREATE TABLE meeting_calendars (
    plan_id     uuid NOT NULL REFERENCES collaboration_plans (id) ON DELETE CASCADE,
    meeting_seq integer NOT NULL,
    revision    bigint NOT NULL,
    method      text NOT NULL CHECK (method IN ('REQUEST', 'CANCEL')),
    sequence    integer NOT NULL,
    ics         text NOT NULL,
    PRIMARY KEY (plan_id, meeting_seq)
);

-- +goose Down
DROP TABLE meeting_calendars;
DROP TABLE invitation_mails;
ALTER TABLE meetings DROP COLUMN place;
