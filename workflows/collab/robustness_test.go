package collab_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/workflows/collab"
)

var admin = demo.Actor("admin")

func (h *harness) count(query string, args ...any) int {
	h.t.Helper()
	var n int
	require.NoError(h.t, h.store.DB().Get(&n, query, args...))
	return n
}

func (h *harness) run() collab.Result {
	h.t.Helper()
	h.env.ExecuteWorkflow(collab.CollaborationWorkflow, h.in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	var res collab.Result
	require.NoError(h.t, h.env.GetWorkflowResult(&res))
	return res
}

// Text that PostgreSQL would refuse (a NUL) is refused by the step's validator, at its field.
// Before, a consent scope with a NUL was accepted, its save failed for good and the plan's
// workflow failed.
func TestStepsRefuseTextTheDatabaseRefuses(t *testing.T) {
	h := newHarness(t, nil, start)
	bad := "a\x00b"
	h.at(time.Hour, func() {
		h.send("scope", collab.UpdateRecordConsent, collab.ConsentRequest{Actor: jonas, Scope: bad, Date: start})
		h.send("consent", collab.UpdateRecordConsent, collab.ConsentRequest{Actor: jonas, Scope: "Deling", Date: start})
	})
	h.at(2*day, func() {
		h.send("schedule", collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: ida, At: at(10, 10)})
	})
	h.at(10*day+12*time.Hour, func() {
		h.send("summary", collab.UpdateRecordMeeting, collab.MeetingRequest{Actor: ida, HeldAt: at(10, 10), Goals: goals, Summary: bad})
		h.send("goal", collab.UpdateRecordMeeting, collab.MeetingRequest{Actor: ida, HeldAt: at(10, 10), Summary: "x",
			Goals: []domain.FormGoal{{Goal: "Bolig", Agreements: []domain.Agreement{{Text: "Søge", Responsible: "borger\x00en"}}}}})
		h.send("attendee", collab.UpdateRecordMeeting, collab.MeetingRequest{Actor: ida, HeldAt: at(10, 10), Goals: goals, Summary: "x", Attendees: []string{"two\nlines"}})
		h.send("held", collab.UpdateRecordMeeting, collab.MeetingRequest{Actor: ida, HeldAt: at(10, 10), Goals: goals, Summary: "Plan"})
	})
	h.at(11*day, func() {
		h.send("minutes", collab.UpdateRecordMinutes, collab.MinutesRequest{Actor: ida, MeetingSeq: 1, Minutes: bad})
		h.send("leave", collab.UpdateLeave, collab.LeaveRequest{Actor: ida, Date: start.Add(11 * day), Reason: bad})
	})
	h.at(12*day, func() {
		h.send("end", collab.UpdateLeave, collab.LeaveRequest{Actor: ida, Date: start.Add(12 * day), Reason: "Flyttet"})
	})
	h.run()
	for label, field := range map[string]string{
		"scope": "scope", "summary": "summary", "goal": "goals[0].agreements[0].responsible", "attendee": "attendees[0]",
		"minutes": "minutes", "leave": "reason",
	} {
		assert.Equal(t, domain.EInvalid, h.failed(label), label)
		assert.Equal(t, field, h.field(label), label)
	}
	h.ok("consent")
	h.ok("held")
	h.ok("end")
}

// The second miss of the minutes goes to the coordinator's lead; a coordinator with no lead in
// the register (LeadOf not found) sends it to the administrators instead. Before, the raise
// failed for good and the plan's workflow failed with it.
func TestMinutesEscalationWithoutALead(t *testing.T) {
	h := newHarness(t, nil, start)
	_, err := h.store.DB().Exec(`UPDATE staff SET lead_id = NULL WHERE id = 'tovholder.ida'`)
	require.NoError(t, err)
	h.at(time.Hour, func() {
		h.send("consent", collab.UpdateRecordConsent, collab.ConsentRequest{Actor: jonas, Scope: "Deling", Date: start})
		h.send("schedule", collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: ida, At: at(1, 10)})
	})
	h.at(day+12*time.Hour, func() {
		h.send("held", collab.UpdateRecordMeeting, collab.MeetingRequest{Actor: ida, HeldAt: at(1, 10), Goals: goals, Summary: "Plan"})
	})
	// Minutes due five working days after day 1 (a Tuesday): day 8; missed then and on day 11.
	var afterEscalation collab.State
	h.at(12*day, func() { afterEscalation = h.query() })
	h.at(13*day, func() {
		h.send("minutes", collab.UpdateRecordMinutes, collab.MinutesRequest{Actor: ida, MeetingSeq: 1, Minutes: "Referat"})
	})
	h.at(14*day, func() {
		h.send("end", collab.UpdateLeave, collab.LeaveRequest{Actor: ida, Date: start.Add(14 * day), Reason: "Flyttet"})
	})
	h.run()
	assert.Equal(t, domain.PlanActive, afterEscalation.Phase)
	assert.Empty(t, afterEscalation.Effects.Stuck, "nothing stuck: the escalation reached someone")
	h.ok("minutes")
	var escalated []reminder
	for _, r := range h.reminders() {
		if r.Kind == domain.ReminderMinutesEscalated {
			escalated = append(escalated, r)
		}
	}
	assert.Equal(t, []reminder{{domain.ReminderMinutesEscalated, "admin", 11, true}}, escalated)
}

// A save that the database refuses after the step was accepted (a foreign-key violation: a
// caseworker joins who is not in the staff register) is a stuck effect: the plan goes on with
// its timers, and the save is made when an administrator retries after the register is fixed.
// Before, the plan's workflow failed.
func TestSaveRefusedByTheDatabaseIsStuckNotFatal(t *testing.T) {
	h := newHarness(t, nil, start)
	ctx := context.Background()
	var stuck collab.State
	h.at(time.Hour, func() {
		h.send("consent", collab.UpdateRecordConsent, collab.ConsentRequest{Actor: jonas, Scope: "Deling", Date: start})
		h.send("join", collab.UpdateChangeParticipants, collab.ParticipantsRequest{Actor: ida,
			Join: []collab.Caseworker{{StaffID: "sagsbehandler.ghost", Centre: domain.CentreLabour}}})
	})
	h.at(30*day, func() { stuck = h.query() })
	h.at(30*day+time.Hour, func() {
		centre := domain.CentreLabour
		require.NoError(t, h.store.UpsertStaff(ctx, domain.Staff{ID: "sagsbehandler.ghost", Name: "Ny Sagsbehandler", Centre: &centre,
			HoursPerWeek: 37, Roles: []domain.Role{domain.RoleCaseworker}}))
		h.send("retry", collab.UpdateRetryEffects, collab.RetryEffectsRequest{Actor: admin})
	})
	h.at(31*day, func() {
		h.send("end", collab.UpdateLeave, collab.LeaveRequest{Actor: ida, Date: start.Add(31 * day), Reason: "Flyttet"})
	})
	h.run()
	h.ok("join")
	require.Len(t, stuck.Effects.Stuck, 1, "%+v", stuck.Effects.List())
	assert.Equal(t, "save", stuck.Effects.Stuck[0].Kind)
	assert.Contains(t, stuck.Effects.Stuck[0].Error, "refers to something that does not exist")
	var reminded []string
	for _, r := range h.reminders() {
		if r.Kind == domain.ReminderScheduleMeeting {
			reminded = append(reminded, r.To)
		}
	}
	assert.Contains(t, reminded, "tovholder.ida", "the timers went on: the first meeting's date was reminded on day 21")
	assert.Empty(t, h.updates.OK("retry").(collab.RetryEffectsResult).Stuck)
	assert.Equal(t, 1, h.count("SELECT count(*) FROM collaboration_participants WHERE plan_id = $1 AND staff_id = 'sagsbehandler.ghost'", h.in.PlanID))
	assert.Equal(t, 1, h.count("SELECT count(*) FROM reminders WHERE kind = $1 AND recipient_id = 'admin' AND done_at IS NOT NULL", domain.ReminderEffectsStuck))
}

// Setting the next meeting's date moves the citizen meeting between the two (its midpoint): the
// reminder of its old date is done, and it is reminded from the new date. Before, the old
// reminder stayed open for ever.
func TestMovedMeetingClosesTheOldCitizenMeetingReminder(t *testing.T) {
	h := newHarness(t, nil, start)
	h.at(time.Hour, func() {
		h.send("consent", collab.UpdateRecordConsent, collab.ConsentRequest{Actor: jonas, Scope: "Deling", Date: start})
		h.send("schedule 1", collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: ida, At: at(1, 10)})
	})
	h.at(day+12*time.Hour, func() {
		h.send("held 1", collab.UpdateRecordMeeting, collab.MeetingRequest{Actor: ida, HeldAt: at(1, 10), Goals: goals, Summary: "Plan"})
	})
	h.at(3*day, func() {
		h.send("minutes 1", collab.UpdateRecordMinutes, collab.MinutesRequest{Actor: ida, MeetingSeq: 1, Minutes: "Referat"})
	})
	// The citizen meeting is due midway to the next meeting: day 1 + 60.8 = day 62; reminded then.
	// On day 64 the next meeting is set for day 200: the citizen meeting is now due on day 100.
	h.at(64*day, func() {
		h.send("schedule 2", collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: ida, At: at(200, 10)})
	})
	h.at(102*day, func() {
		h.send("end", collab.UpdateLeave, collab.LeaveRequest{Actor: ida, Date: start.Add(102 * day), Reason: "Flyttet"})
	})
	var before []reminder
	h.at(63*day, func() { before = h.reminders() })
	var after []reminder
	h.at(101*day, func() { after = h.reminders() })
	h.run()
	var open []reminder
	for _, r := range before {
		if r.Kind == domain.ReminderCitizenMeeting {
			open = append(open, r)
		}
	}
	assert.Equal(t, []reminder{{domain.ReminderCitizenMeeting, "koordinator.jonas", 62, false}}, open)
	var cm []reminder
	for _, r := range after {
		if r.Kind == domain.ReminderCitizenMeeting {
			cm = append(cm, r)
		}
	}
	assert.Equal(t, []reminder{
		{domain.ReminderCitizenMeeting, "koordinator.jonas", 62, true}, // done when the date moved
		{domain.ReminderCitizenMeeting, "koordinator.jonas", 100, false},
	}, cm)
}

// A step sent again with the same Update ID after continue-as-new changes nothing.
func TestUpdateSentAgainAfterContinueAsNew(t *testing.T) {
	h := newHarness(t, nil, start)
	h.at(time.Hour, func() {
		h.send("koordinator.jonas:consent", collab.UpdateRecordConsent, collab.ConsentRequest{Actor: jonas, Scope: "Deling", Date: start})
	})
	h.at(2*day, func() {
		h.send("tovholder.ida:schedule", collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: ida, At: at(30, 10)})
	})
	h.at(3*day, func() { h.env.SetContinueAsNewSuggested(true) })
	h.env.ExecuteWorkflow(collab.CollaborationWorkflow, h.in)
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)
	var next collab.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	assert.Equal(t, []string{"koordinator.jonas:consent", "tovholder.ida:schedule"}, next.Handled)

	h2 := newHarness(t, h.store, h.env.Now())
	h2.in = next
	h2.at(h.env.Now().Sub(start)+time.Hour, func() {
		h2.send("tovholder.ida:schedule", collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: ida, At: at(30, 10)})
	})
	h2.at(h.env.Now().Sub(start)+2*time.Hour, func() {
		h2.send("end", collab.UpdateLeave, collab.LeaveRequest{Actor: ida, Date: start.Add(3 * day), Reason: "Flyttet"})
	})
	h2.run()
	assert.Equal(t, domain.MeetingScheduled, h2.ok("tovholder.ida:schedule").Meetings[0].Status)
	assert.Zero(t, h2.count("SELECT count(*) FROM audit_log WHERE action = $1", domain.AuditMeetingMoved), "not moved: the same step")
	assert.Equal(t, 1, h2.count("SELECT count(*) FROM audit_log WHERE action = $1", domain.AuditMeetingScheduled))
}

// A step is logged once when the workflow task that ran it is lost after its writes were made
// and the same Update is run again, from the history, at another revision (issue 30: a citizen
// meeting of the day in the life had two audit rows). A step's writes are local activities,
// made inside the task that runs its handler; a task can be lost after them (its worker is
// killed, the task fails or times out, the server's registry of Updates is cleared), and the
// Update is then delivered again, or sent again by the client with its Idempotency-Key after
// an answer of 503. By then other steps and timers may have been applied, so the step is taken
// at another revision. Here the lost task is a run of the same plan on the same database whose
// history is then dropped (h1), and the history that remains is h2: a timer's reminder (the
// coordinator's: set the first meeting's date, day 21) and another step (the meeting
// scheduled) come before the same Update. Before, the audit key was the revision: two rows.
func TestStepLoggedOnceWhenItsTaskIsLostAndRunAgain(t *testing.T) {
	consent := collab.ConsentRequest{Actor: jonas, Scope: "Deling", Date: start}
	const id = "koordinator.jonas:k-1#0a1b2c"
	end := func(h *harness, d time.Duration) {
		h.at(d, func() {
			h.send("end", collab.UpdateLeave, collab.LeaveRequest{Actor: ida, Date: start.Add(d).Truncate(day), Reason: "Flyttet"})
		})
	}

	h1 := newHarness(t, nil, start)
	h1.at(time.Hour, func() { h1.send(id, collab.UpdateRecordConsent, consent) })
	end(h1, 2*day)
	h1.run()
	require.Equal(t, domain.AuditConsentRecorded, h1.lastAudit(), "the lost task's writes were made")

	h2 := newHarness(t, h1.store, start)
	h2.at(22*day, func() {
		h2.send("tovholder.ida:schedule", collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: ida, At: at(40, 10)})
	})
	h2.at(23*day, func() { h2.send(id, collab.UpdateRecordConsent, consent) })
	end(h2, 24*day)
	h2.run()
	require.NotNil(t, h2.ok(id).Consent, "the step was applied once, in the history that remains")
	var keys []string
	require.NoError(t, h2.store.DB().Select(&keys, `SELECT key FROM audit_log WHERE action = $1 AND subject_id = $2 ORDER BY id`,
		domain.AuditConsentRecorded, h2.in.PlanID))
	assert.Len(t, keys, 1, "one audit row for one step: %v", keys)
}

// lastAudit is the action of the plan's newest audit row but the end's.
func (h *harness) lastAudit() domain.AuditAction {
	h.t.Helper()
	var a domain.AuditAction
	require.NoError(h.t, h.store.DB().Get(&a, `SELECT action FROM audit_log WHERE subject_id = $1 AND action <> $2 ORDER BY id DESC LIMIT 1`,
		h.in.PlanID, domain.AuditLeft))
	return a
}

// The enrolment (the plan's first step, no Update) is logged once when its task is lost and run
// again with an Update that arrived meanwhile: the SDK handles the Update first, so the run
// again takes the enrolment at another revision (issue 30: a referral of the day in the life
// had two audit rows, its first task lost with the killed worker and a team pause's Update
// handled first when it was run again). h1 is the lost task's writes, h2 the history that
// remains.
func TestEnrolmentLoggedOnceWhenItsFirstTaskIsLost(t *testing.T) {
	h1 := newHarness(t, nil, start)
	h1.at(time.Hour, func() {
		h1.send("end", collab.UpdateLeave, collab.LeaveRequest{Actor: ida, Date: start, Reason: "Flyttet"})
	})
	h1.run()

	h2 := newHarness(t, h1.store, start)
	h2.at(0, func() {
		h2.send("koordinator.jonas:consent", collab.UpdateRecordConsent, collab.ConsentRequest{Actor: jonas, Scope: "Deling", Date: start})
	})
	h2.at(time.Hour, func() {
		h2.send("end", collab.UpdateLeave, collab.LeaveRequest{Actor: ida, Date: start, Reason: "Flyttet"})
	})
	h2.run()
	h2.ok("koordinator.jonas:consent")
	var keys []string
	require.NoError(t, h2.store.DB().Select(&keys, `SELECT key FROM audit_log WHERE action = $1 AND subject_id = $2 ORDER BY id`,
		domain.AuditEnrolled, h2.in.PlanID))
	assert.Len(t, keys, 1, "one audit row for one enrolment: %v", keys)
}
