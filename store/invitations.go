package store

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"tvp/domain"
)

// InvitationMail is one calendar message to one recipient, as it is mailed.
type InvitationMail struct {
	Key        string                `db:"key"`
	PlanID     string                `db:"plan_id"`
	MeetingSeq int                   `db:"meeting_seq"`
	Method     domain.CalendarMethod `db:"method"`
	Sequence   int                   `db:"sequence"`
	Recipient  string                `db:"recipient"` // a staff id, or "citizen"
	Email      string                `db:"email"`
	Subject    string                `db:"subject"`
	Body       string                `db:"body"`
	ICS        string                `db:"ics"`
}

// meetingCalendarRow is the row of a meeting's calendar (domain.MeetingCalendar).
type meetingCalendarRow struct {
	PlanID     string                `db:"plan_id"`
	MeetingSeq int                   `db:"meeting_seq"`
	Revision   int64                 `db:"revision"`
	Method     domain.CalendarMethod `db:"method"`
	Sequence   int                   `db:"sequence"`
	ICS        string                `db:"ics"`
}

// RecordInvitations keeps one calendar message: a row in the outbox for each recipient (a
// key recorded already adds nothing) and, if current is set, the meeting's calendar, unless a
// newer revision holds it. mailDue says the workers mail.
func (s *Store) RecordInvitations(ctx context.Context, mails []InvitationMail, current *domain.MeetingCalendar, mailDue bool) error {
	return s.Transact(ctx, func(tx *sqlx.Tx) error {
		if current != nil {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO meeting_calendars (plan_id, meeting_seq, revision, method, sequence, ics)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (plan_id, meeting_seq) DO UPDATE SET revision = EXCLUDED.revision, method = EXCLUDED.method,
					sequence = EXCLUDED.sequence, ics = EXCLUDED.ics
				WHERE meeting_calendars.revision <= EXCLUDED.revision`,
				current.PlanID, current.MeetingSeq, current.Revision, current.Method, current.Sequence, current.ICS); err != nil {
				return fmt.Errorf("record meeting calendar: %w", translate(err))
			}
		}
		for _, m := range mails {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO invitation_mails (key, plan_id, meeting_seq, method, sequence, recipient, email, subject, body, ics, mail_due)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
				ON CONFLICT (key) DO NOTHING`,
				m.Key, m.PlanID, m.MeetingSeq, m.Method, m.Sequence, m.Recipient, m.Email, m.Subject, m.Body, m.ICS, mailDue); err != nil {
				return fmt.Errorf("record invitation mail: %w", translate(err))
			}
		}
		return nil
	})
}

// ClaimInvitationMails claims the unmailed calendar messages: with a key prefix, one
// occasion's (its workflow asked for the mail); without, those made to be mailed (the sweep),
// oldest first, at most limit. A message claimed by another sender within the lease, or tried
// MaxMailAttempts times, is left.
func (s *Store) ClaimInvitationMails(ctx context.Context, keyPrefix string, limit int) ([]InvitationMail, error) {
	if limit <= 0 {
		limit = 1000
	}
	var out []InvitationMail
	err := s.db.SelectContext(ctx, &out, `
		WITH c AS (
			SELECT key FROM invitation_mails
			WHERE mailed_at IS NULL
				AND (CASE WHEN $1 = '' THEN mail_due ELSE left(key, length($1) + 1) = $1 || '/' END)
				AND (mail_claimed_at IS NULL OR mail_claimed_at < now() - make_interval(secs => $2))
				AND mail_attempts < $3
			ORDER BY created_at, key LIMIT $4
			FOR UPDATE SKIP LOCKED
		)
		UPDATE invitation_mails i SET mail_claimed_at = now(), mail_attempts = i.mail_attempts + 1
		FROM c WHERE i.key = c.key
		RETURNING i.key, i.plan_id, i.meeting_seq, i.method, i.sequence, i.recipient, i.email, i.subject, i.body, i.ics`,
		keyPrefix, MailLease.Seconds(), MaxMailAttempts, limit)
	if err != nil {
		return nil, fmt.Errorf("claim invitation mails: %w", translate(err))
	}
	return out, nil
}

// MarkInvitationMailed records that a claimed message was mailed.
func (s *Store) MarkInvitationMailed(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE invitation_mails SET mailed_at = now() WHERE key = $1`, key); err != nil {
		return fmt.Errorf("mark invitation mailed: %w", translate(err))
	}
	return nil
}

// ReleaseInvitationMail gives up a claim (the mail server refused): the next sender takes it
// at once.
func (s *Store) ReleaseInvitationMail(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE invitation_mails SET mail_claimed_at = NULL WHERE key = $1 AND mailed_at IS NULL`, key); err != nil {
		return fmt.Errorf("release invitation mail: %w", translate(err))
	}
	return nil
}

// InvitationOutbox counts the calendar messages waiting to be mailed.
func (s *Store) InvitationOutbox(ctx context.Context) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `
		SELECT count(*) FROM invitation_mails WHERE mail_due AND mailed_at IS NULL AND mail_attempts < $1`, MaxMailAttempts); err != nil {
		return 0, fmt.Errorf("invitation outbox: %w", translate(err))
	}
	return n, nil
}

// GetMeetingCalendar returns a meeting's calendar now (ENotFound: no invitation was made).
func (s *Store) GetMeetingCalendar(ctx context.Context, planID string, seq int) (domain.MeetingCalendar, error) {
	var c meetingCalendarRow
	err := s.db.GetContext(ctx, &c, `
		SELECT plan_id, meeting_seq, revision, method, sequence, ics FROM meeting_calendars
		WHERE plan_id = $1 AND meeting_seq = $2`, planID, seq)
	if err != nil {
		return domain.MeetingCalendar{}, fmt.Errorf("meeting calendar: %w", translate(err))
	}
	return domain.MeetingCalendar(c), nil
}
