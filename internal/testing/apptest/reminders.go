package apptest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/store"
)

// Reminder is an inbox item as the workflow tests compare it: kind, recipient, the simulated
// day it was raised on (counted from the test's start), and whether it is done.
type Reminder struct {
	Kind domain.ReminderKind
	To   string
	Day  int
	Done bool
}

// Reminders returns a subject's inbox items as Reminders, and asserts that each was raised
// when its occasion was due (the test environment's timers fire on time).
func Reminders(t testing.TB, s *store.Store, subjectType domain.SubjectType, subjectID string, start time.Time) []Reminder {
	t.Helper()
	items, err := s.ListReminders(context.Background(), subjectType, subjectID)
	require.NoError(t, err)
	out := make([]Reminder, len(items))
	for i, r := range items {
		out[i] = Reminder{Kind: r.Kind, To: r.RecipientID, Day: int(r.CreatedAt.Sub(start) / (24 * time.Hour)), Done: r.DoneAt != nil}
		if assert.NotNil(t, r.ScheduledFor, "%s has no scheduled time", r.Key) {
			assert.True(t, r.ScheduledFor.Equal(r.CreatedAt), "%s: scheduled for %s, raised %s", r.Key, r.ScheduledFor, r.CreatedAt)
		}
	}
	return out
}
