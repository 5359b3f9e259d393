package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"

	"tvp/domain"
)

// RaiseReminders adds inbox items (each held by its RecipientID, for its OwnerID); with mail, each is due to be mailed as well (the outbox). An
// item whose key is there already adds nothing, so the same occasion raised twice (a retried
// activity) yields one item.
func (s *Store) RaiseReminders(ctx context.Context, items []domain.Reminder, mail bool) error {
	for _, r := range items {
		_, err := s.db.ExecContext(ctx, `
			INSERT INTO reminders (key, recipient_id, owner_id, kind, subject_type, subject_id, due_at, created_at, scheduled_for, mail_due)
			VALUES ($1, $2, COALESCE(NULLIF($10, ''), $2), $3, $4, $5, $6, COALESCE($7, now()), $8, $9) ON CONFLICT (key) DO NOTHING`,
			r.Key, r.RecipientID, r.Kind, r.SubjectType, r.SubjectID, r.DueAt, nullTime(r.CreatedAt), r.ScheduledFor, mail, r.OwnerID)
		if err != nil {
			return fmt.Errorf("raise reminder %s: %w", r.Kind, translate(err))
		}
	}
	return nil
}

// CompleteReminders marks the open items of a subject done; with kinds, only those kinds.
func (s *Store) CompleteReminders(ctx context.Context, subjectType domain.SubjectType, subjectID string, kinds []domain.ReminderKind, at time.Time) (int64, error) {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	res, err := s.db.ExecContext(ctx, `
		UPDATE reminders SET done_at = $4
		WHERE subject_type = $1 AND subject_id = $2 AND done_at IS NULL
			AND (COALESCE(cardinality($3::text[]), 0) = 0 OR kind = ANY($3))`,
		subjectType, subjectID, pq.StringArray(names), at)
	if err != nil {
		return 0, fmt.Errorf("complete reminders: %w", translate(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// ListReminders returns a subject's inbox items (open and done), by due time.
func (s *Store) ListReminders(ctx context.Context, subjectType domain.SubjectType, subjectID string) ([]domain.Reminder, error) {
	var out []domain.Reminder
	err := s.db.SelectContext(ctx, &out, `
		SELECT key, recipient_id, owner_id, kind, subject_type, subject_id, due_at, created_at, done_at, scheduled_for
		FROM reminders WHERE subject_type = $1 AND subject_id = $2 ORDER BY created_at, kind, recipient_id`,
		subjectType, subjectID)
	if err != nil {
		return nil, fmt.Errorf("list reminders: %w", translate(err))
	}
	return out, nil
}

// StaffWithRole returns the ids of the active staff with the role; with a team, only that
// team's members.
func (s *Store) StaffWithRole(ctx context.Context, role domain.Role, teamID string) ([]string, error) {
	var ids []string
	err := s.db.SelectContext(ctx, &ids, `
		SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id
		WHERE r.role = $1 AND s.active AND ($2 = '' OR s.team_id = $2) ORDER BY s.id`, role, teamID)
	if err != nil {
		return nil, fmt.Errorf("staff with role %s: %w", role, translate(err))
	}
	return ids, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// CompleteRemindersByKey marks done the open items whose keys start with one of the prefixes
// (the occasions a step has answered). Items of newer occasions, with other keys, stay open.
func (s *Store) CompleteRemindersByKey(ctx context.Context, prefixes []string, at time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `
		UPDATE reminders SET done_at = $2
		WHERE done_at IS NULL AND EXISTS (SELECT 1 FROM unnest($1::text[]) p WHERE left(key, length(p)) = p)`,
		pq.StringArray(prefixes), at)
	if err != nil {
		return 0, fmt.Errorf("complete reminders: %w", translate(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}
