-- +goose Up
-- The reminders table is the mail outbox. mail_due: the item is to be mailed (the workers mail;
-- set when it was raised). A sender claims an item (mail_claimed_at) before it sends it and
-- marks it mailed (mailed_at) after: another sender (a retry, the mail-outbox sweep) takes it
-- only once the claim has lapsed. mail_attempts bounds how often one is tried.
ALTER TABLE reminders ADD COLUMN mail_due boolean NOT NULL DEFAULT false;
ALTER TABLE reminders ADD COLUMN mail_claimed_at timestamptz;
ALTER TABLE reminders ADD COLUMN mail_attempts integer NOT NULL DEFAULT 0;
CREATE INDEX reminders_outbox ON reminders (id) WHERE mail_due AND mailed_at IS NULL AND done_at IS NULL;

-- The daily digests: claimed before they are sent, marked after (sent_at); a row from before
-- was sent.
ALTER TABLE digests_sent ADD COLUMN claimed_at timestamptz;
ALTER TABLE digests_sent ALTER COLUMN sent_at DROP NOT NULL;
ALTER TABLE digests_sent ALTER COLUMN sent_at DROP DEFAULT;

-- +goose Down
DELETE FROM digests_sent WHERE sent_at IS NULL;
ALTER TABLE digests_sent ALTER COLUMN sent_at SET DEFAULT now();
ALTER TABLE digests_sent ALTER COLUMN sent_at SET NOT NULL;
ALTER TABLE digests_sent DROP COLUMN claimed_at;
DROP INDEX reminders_outbox;
ALTER TABLE reminders DROP COLUMN mail_attempts;
ALTER TABLE reminders DROP COLUMN mail_claimed_at;
ALTER TABLE reminders DROP COLUMN mail_due;
