package store

import (
	"context"
	"fmt"
	"time"

	"tvp/domain"
)

// InboxItem is a reminder as its recipient sees it.
type InboxItem struct {
	ID          int64               `json:"id" db:"id"`
	Kind        domain.ReminderKind `json:"kind" db:"kind"`
	SubjectType domain.SubjectType  `json:"subject_type" db:"subject_type"`
	SubjectID   string              `json:"subject_id" db:"subject_id"`
	DueAt       time.Time           `json:"due_at" db:"due_at"`
	CreatedAt   time.Time           `json:"created_at" db:"created_at"`
	DoneAt      *time.Time          `json:"done_at,omitempty" db:"done_at"`
	Overdue     bool                `json:"overdue" db:"overdue"`
	// OwnerID is whom the reminder is for: someone else than the reader while the reader
	// stands in for them.
	OwnerID string `json:"owner_id" db:"owner_id"`
}

// Inbox returns the person's reminders, overdue first, then by due time; done ones only if
// asked.
func (s *Store) Inbox(ctx context.Context, staffID string, now time.Time, includeDone bool) ([]InboxItem, error) {
	out := []InboxItem{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT id, kind, subject_type, subject_id, due_at, created_at, done_at, owner_id,
			(done_at IS NULL AND due_at < $2) AS overdue
		FROM reminders WHERE recipient_id = $1 AND ($3 OR done_at IS NULL)
		ORDER BY (done_at IS NULL AND due_at < $2) DESC, done_at IS NOT NULL, due_at, id`, staffID, now, includeDone)
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", translate(err))
	}
	return out, nil
}

// MarkReminderDone marks the person's own inbox item done (done stays done).
func (s *Store) MarkReminderDone(ctx context.Context, staffID string, id int64, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `
		UPDATE reminders SET done_at = COALESCE(done_at, $3) WHERE id = $1 AND recipient_id = $2`, id, staffID, at)
	if err != nil {
		return fmt.Errorf("mark reminder done: %w", translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.ENotFound, "you have no reminder %d", id)
	}
	return nil
}

// MailItem is a reminder to mail: only a reference, never a citizen's data.
type MailItem struct {
	Key         string              `db:"key"`
	ID          int64               `db:"id"`
	Kind        domain.ReminderKind `db:"kind"`
	SubjectType domain.SubjectType  `db:"subject_type"`
	SubjectID   string              `db:"subject_id"`
	Email       string              `db:"email"`
}

// DigestLine is one person's open reminders.
type DigestLine struct {
	StaffID string `db:"staff_id"`
	Email   string `db:"email"`
	Open    int    `db:"open"`
	Overdue int    `db:"overdue"`
}

// Digests counts the open and overdue reminders of every active holder of the role who has
// an address and at least one open item.
func (s *Store) Digests(ctx context.Context, role domain.Role, now time.Time) ([]DigestLine, error) {
	var out []DigestLine
	err := s.db.SelectContext(ctx, &out, `
		SELECT st.id AS staff_id, st.email, count(*) AS open, count(*) FILTER (WHERE r.due_at < $2) AS overdue
		FROM staff st JOIN staff_roles sr ON sr.staff_id = st.id AND sr.role = $1
		JOIN reminders r ON r.recipient_id = st.id AND r.done_at IS NULL
		WHERE st.active AND st.email <> ''
		GROUP BY st.id, st.email ORDER BY st.id`, role, now)
	if err != nil {
		return nil, fmt.Errorf("digests: %w", translate(err))
	}
	return out, nil
}
