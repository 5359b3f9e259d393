package collab_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"tvp/domain"
	"tvp/internal/workdays"
	"tvp/workflows/collab"
)

// copenhagen is a wall-clock time in the municipality.
func copenhagen(y int, m time.Month, d, hour int) time.Time {
	return time.Date(y, m, d, hour, 0, 0, 0, workdays.Copenhagen)
}

// The minutes of a meeting fall due 5 working days after it on the Danish calendar, and the
// coordinator is reminded on that day and not before: a meeting on the Wednesday before Easter
// 2027 (skærtorsdag 25, langfredag 26, 2. påskedag 29 March) has its minutes due on Monday 5
// April, not on Wednesday 31 March (Monday to Friday, the rule before DanishWorkingDays, which
// a plan recorded before keeps). Around Christmas the closing days are the plan's settings.
func TestMinutesDueOnDanishWorkingDays(t *testing.T) {
	for _, tc := range []struct {
		name     string
		held     time.Time
		settings func(*domain.CollaborationSettings)
		old      bool // the plan runs the logic from before DanishWorkingDays
		due      time.Time
	}{
		{name: "before Easter 2027", held: copenhagen(2027, time.March, 24, 10), due: copenhagen(2027, time.April, 5, 10)},
		{name: "before Easter 2027, recorded before the change", held: copenhagen(2027, time.March, 24, 10), old: true,
			due: time.Date(2027, time.March, 31, 9, 0, 0, 0, time.UTC)}, // Monday to Friday, 24 hours a day (09:00 UTC is 11:00 in summer time)
		{name: "before Whitsun 2027", held: copenhagen(2027, time.May, 12, 13), due: copenhagen(2027, time.May, 20, 13)},
		{name: "before Christmas 2026, the eves closed", held: copenhagen(2026, time.December, 21, 9), due: copenhagen(2026, time.December, 30, 9)},
		{name: "before Christmas 2026, the eves open", held: copenhagen(2026, time.December, 21, 9),
			settings: func(s *domain.CollaborationSettings) { s.OpenOnChristmasEve, s.OpenOnNewYearsEve = true, true },
			due:      copenhagen(2026, time.December, 29, 9)},
		{name: "before Grundlovsdag 2026, closed", held: copenhagen(2026, time.June, 1, 14), due: copenhagen(2026, time.June, 9, 14)},
		{name: "before Grundlovsdag 2026, open", held: copenhagen(2026, time.June, 1, 14),
			settings: func(s *domain.CollaborationSettings) { s.OpenOnGrundlovsdag = true },
			due:      copenhagen(2026, time.June, 8, 14)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enrolled := tc.held.UTC().Truncate(day).Add(-14 * day)
			h := newHarness(t, nil, enrolled)
			if tc.settings != nil {
				tc.settings(&h.in.Settings)
			}
			if tc.old {
				h.env.OnGetVersion(collab.DanishWorkingDays, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
			}
			after := func(at time.Time, fn func()) { h.env.RegisterDelayedCallback(fn, at.Sub(enrolled)) }
			held := tc.held.UTC()
			after(enrolled.Add(time.Hour), func() {
				h.send("consent", collab.UpdateRecordConsent, collab.ConsentRequest{Actor: jonas, Scope: "Deling", Date: enrolled})
				h.send("schedule", collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: ida, At: held})
				h.send("invite", collab.UpdateRecordInvitation, collab.InvitationRequest{Actor: ida})
			})
			after(held.Add(2*time.Hour), func() {
				h.send("held", collab.UpdateRecordMeeting, collab.MeetingRequest{Actor: ida, HeldAt: held, Goals: goals, Summary: "Plan"})
			})
			var before []domain.Reminder
			after(tc.due.Add(-time.Minute), func() { before = h.minutesReminders() })
			var onTheDay []domain.Reminder
			after(tc.due.Add(time.Minute), func() { onTheDay = h.minutesReminders() })
			after(tc.due.Add(2*time.Hour), func() {
				h.send("minutes", collab.UpdateRecordMinutes, collab.MinutesRequest{Actor: ida, MeetingSeq: 1, Minutes: "Referat"})
			})
			after(tc.due.Add(day), func() {
				h.send("end", collab.UpdateLeave, collab.LeaveRequest{Actor: ida, Date: tc.due.Add(day), Reason: "Flyttet"})
			})
			h.run()

			st := h.ok("held")
			require.NotNil(t, st.Meetings[0].MinutesDue)
			assert.True(t, tc.due.Equal(*st.Meetings[0].MinutesDue), "minutes due %s, want %s", st.Meetings[0].MinutesDue, tc.due)
			assert.Empty(t, before, "no reminder before the due date")
			require.Len(t, onTheDay, 1, "reminded on the due date")
			assert.Equal(t, "tovholder.ida", onTheDay[0].RecipientID)
			assert.True(t, tc.due.Equal(onTheDay[0].DueAt), "due at %s", onTheDay[0].DueAt)
			require.NotNil(t, onTheDay[0].ScheduledFor)
			assert.True(t, tc.due.Equal(*onTheDay[0].ScheduledFor), "raised at %s", onTheDay[0].ScheduledFor)
			rec, err := h.store.GetPlan(context.Background(), h.in.PlanID)
			require.NoError(t, err)
			assert.True(t, tc.due.Equal(*rec.Meetings[0].MinutesDue), "the read model has the same date")
		})
	}
}

func (h *harness) minutesReminders() []domain.Reminder {
	h.t.Helper()
	items, err := h.store.ListReminders(context.Background(), "plan", h.in.PlanID)
	require.NoError(h.t, err)
	var out []domain.Reminder
	for _, r := range items {
		if r.Kind == domain.ReminderMinutesDue {
			out = append(out, r)
		}
	}
	return out
}
