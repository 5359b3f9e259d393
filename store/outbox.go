package store

import (
	"context"
	"fmt"
	"time"
)

// The mail outbox: reminders to mail, and the daily digests. A sender claims a mail before it
// sends it and marks it after; a claim lapses after MailLease, so a sender that died between
// sending and marking leaves its mail to be sent again (with the same Message-ID): SMTP has no
// way to ask whether a mail arrived.
const (
	MailLease       = 10 * time.Minute
	MaxMailAttempts = 10
)

// ClaimReminderMails claims the open, unmailed items with an addressed recipient: with a key
// prefix, one occasion's (its workflow asked for the mail); without, those raised to be mailed
// (the sweep), oldest first, at most limit. An item claimed by another sender within the lease,
// or tried MaxMailAttempts times, is left.
func (s *Store) ClaimReminderMails(ctx context.Context, keyPrefix string, limit int) ([]MailItem, error) {
	if limit <= 0 {
		limit = 1000
	}
	var out []MailItem
	err := s.db.SelectContext(ctx, &out, `
		WITH c AS (
			SELECT r.key FROM reminders r JOIN staff st ON st.id = r.recipient_id
			WHERE r.mailed_at IS NULL AND r.done_at IS NULL AND st.email <> ''
				AND (CASE WHEN $1 = '' THEN r.mail_due ELSE left(r.key, length($1) + 1) = $1 || '/' END)
				AND (r.mail_claimed_at IS NULL OR r.mail_claimed_at < now() - make_interval(secs => $2))
				AND r.mail_attempts < $3
			ORDER BY r.id LIMIT $4
			FOR UPDATE OF r SKIP LOCKED
		)
		UPDATE reminders r SET mail_claimed_at = now(), mail_attempts = r.mail_attempts + 1
		FROM c, staff st WHERE r.key = c.key AND st.id = r.recipient_id
		RETURNING r.key, r.id, r.kind, r.subject_type, r.subject_id, st.email`,
		keyPrefix, MailLease.Seconds(), MaxMailAttempts, limit)
	if err != nil {
		return nil, fmt.Errorf("claim reminder mails: %w", translate(err))
	}
	return out, nil
}

// MarkReminderMailed records that a claimed item was mailed.
func (s *Store) MarkReminderMailed(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE reminders SET mailed_at = now() WHERE key = $1`, key); err != nil {
		return fmt.Errorf("mark mailed: %w", translate(err))
	}
	return nil
}

// ReleaseReminderMail gives up a claim (the mail server refused): the next sender takes it at
// once.
func (s *Store) ReleaseReminderMail(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE reminders SET mail_claimed_at = NULL WHERE key = $1 AND mailed_at IS NULL`, key); err != nil {
		return fmt.Errorf("release mail: %w", translate(err))
	}
	return nil
}

// ClaimDigest claims the day's digest to the person: false if it was sent, or another sender
// holds it within the lease.
func (s *Store) ClaimDigest(ctx context.Context, day, staffID string) (bool, error) {
	var ok []bool
	err := s.db.SelectContext(ctx, &ok, `
		INSERT INTO digests_sent (day, staff_id, claimed_at, sent_at) VALUES ($1, $2, now(), NULL)
		ON CONFLICT (day, staff_id) DO UPDATE SET claimed_at = now()
		WHERE digests_sent.sent_at IS NULL
			AND (digests_sent.claimed_at IS NULL OR digests_sent.claimed_at < now() - make_interval(secs => $3))
		RETURNING true`, day, staffID, MailLease.Seconds())
	if err != nil {
		return false, fmt.Errorf("claim digest: %w", translate(err))
	}
	return len(ok) == 1, nil
}

// MarkDigestMailed records the day's digest to the person as sent.
func (s *Store) MarkDigestMailed(ctx context.Context, day, staffID string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE digests_sent SET sent_at = now() WHERE day = $1 AND staff_id = $2`, day, staffID)
	if err != nil {
		return fmt.Errorf("mark digest sent: %w", translate(err))
	}
	return nil
}

// ReleaseDigest gives up a claim of the day's digest to the person (the mail server refused).
func (s *Store) ReleaseDigest(ctx context.Context, day, staffID string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM digests_sent WHERE day = $1 AND staff_id = $2 AND sent_at IS NULL`, day, staffID)
	if err != nil {
		return fmt.Errorf("release digest: %w", translate(err))
	}
	return nil
}

// MailOutbox counts the items waiting to be mailed, and the oldest's age (for a metric and the
// sweep's log).
func (s *Store) MailOutbox(ctx context.Context) (n int, oldest *time.Time, err error) {
	row := s.db.QueryRowxContext(ctx, `
		SELECT count(*), min(created_at) FROM reminders WHERE mail_due AND mailed_at IS NULL AND done_at IS NULL
			AND mail_attempts < $1`, MaxMailAttempts)
	if err := row.Scan(&n, &oldest); err != nil {
		return 0, nil, fmt.Errorf("mail outbox: %w", translate(err))
	}
	return n, oldest, nil
}
