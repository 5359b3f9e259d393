package collab_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/internal/testing/apptest"
	"tvp/internal/testing/storetest"
	"tvp/internal/testing/wftest"
	"tvp/store"
	"tvp/workflows/collab"
)

var (
	start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday
	day   = 24 * time.Hour
	ida   = demo.Actor("tovholder.ida")
	jonas = demo.Actor("koordinator.jonas")
	lise  = demo.Actor("sagsbehandler.lise")
	goals = []domain.FormGoal{{Goal: "Stabil bolig", Agreements: []domain.Agreement{{Text: "Søge bolig", Responsible: "borgeren"}}}}
)

type harness struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	store   *store.Store
	in      collab.Input
	origin  time.Time
	updates *wftest.Updates[any]
}

func newHarness(t *testing.T, s *store.Store, origin time.Time) *harness {
	t.Helper()
	if s == nil {
		s, _ = storetest.MustOpen(t)
		require.NoError(t, demo.LoadRegister(context.Background(), s))
	}
	e := wftest.Env(&activities.Activities{Store: s}, origin, wftest.Options{Timeout: 2 * time.Minute})
	return &harness{t: t, env: e, store: s, origin: origin, updates: wftest.NewUpdates[any](t, e), in: collab.Input{
		PlanID:                   "7d1e0c4a-2b6f-4f7e-8a1d-000000000001",
		CitizenID:                demo.Citizens[1].ID,
		CoordinatorID:            "tovholder.ida",
		CoordinatingCaseworkerID: "koordinator.jonas",
		Caseworkers: []collab.Caseworker{
			{StaffID: "sagsbehandler.lise", Centre: domain.CentreChildren},
			{StaffID: "sagsbehandler.mads", Centre: domain.CentreHealth},
		},
		EnrolledBy: "tovholder.ida",
		Settings:   domain.DefaultCollaborationSettings(),
	}}
}

// at runs fn at start+d (the plan's enrolment is at start).
func (h *harness) at(d time.Duration, fn func()) {
	h.env.RegisterDelayedCallback(fn, start.Add(d).Sub(h.origin))
}

func (h *harness) send(label, name string, req any) { h.updates.Send(label, name, req) }

// ok returns the state after the update under the label, which must have succeeded.
func (h *harness) ok(label string) collab.State {
	h.t.Helper()
	return h.updates.OK(label).(collab.StepResult).State
}

// failed returns the error code of the update under the label, which must have failed.
func (h *harness) failed(label string) string {
	h.t.Helper()
	code, _ := h.updates.Failed(label)
	return code
}

// field returns the field at fault of the update under the label, which must have failed.
func (h *harness) field(label string) string {
	h.t.Helper()
	_, f := h.updates.Failed(label)
	return f
}

func (h *harness) query() collab.State {
	v, err := h.env.QueryWorkflow(collab.QueryState, collab.StateQuery{})
	require.NoError(h.t, err)
	var st collab.State
	require.NoError(h.t, v.Get(&st))
	return st
}

type reminder struct {
	Kind domain.ReminderKind
	To   string
	Day  int
	Done bool
}

func (h *harness) reminders() []reminder {
	items := apptest.Reminders(h.t, h.store, "plan", h.in.PlanID, start)
	out := make([]reminder, len(items))
	for i, r := range items {
		out[i] = reminder(r)
	}
	return out
}

func at(d int, hour int) time.Time {
	return start.Add(time.Duration(d)*day + time.Duration(hour)*time.Hour)
}

// A year of the cycle: every reminder at the right time to the right person, none after the
// step it asks for; a moved meeting moves its reminders; missed minutes escalate to the
// coordinator's lead; a meeting that did not take place is rescheduled; continue-as-new after
// a year, and the second year goes on from where the first stopped.
func TestTwoYearsOfTheCycle(t *testing.T) {
	h := newHarness(t, nil, start)
	h.at(time.Hour, func() {
		h.send("hold before consent", collab.UpdateRecordMeeting, collab.MeetingRequest{Actor: ida, HeldAt: start, Goals: goals, Summary: "x"})
		h.send("consent", collab.UpdateRecordConsent, collab.ConsentRequest{Actor: jonas, Scope: "Deling mellem de tre centre", Date: start})
	})
	// Meeting 1 is due by day 42: the coordinator is reminded to set a date from day 21.
	h.at(22*day, func() {
		h.send("schedule 1", collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: ida, At: at(50, 10)})
	})
	h.at(30*day, func() { h.send("invite 1", collab.UpdateRecordInvitation, collab.InvitationRequest{Actor: ida}) })
	h.at(35*day, func() {
		h.send("move 1", collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: ida, At: at(70, 10)})
	})
	var afterMove collab.State
	h.at(36*day, func() { afterMove = h.query() })
	h.at(50*day, func() { h.send("invite 1 again", collab.UpdateRecordInvitation, collab.InvitationRequest{Actor: ida}) })
	h.at(70*day+12*time.Hour, func() {
		h.send("held 1", collab.UpdateRecordMeeting, collab.MeetingRequest{Actor: ida, HeldAt: at(70, 10), CitizenPresent: true,
			Attendees: []string{"sagsbehandler.lise", "sagsbehandler.mads", "koordinator.jonas"}, Goals: goals, Summary: "Første plan"})
	})
	// Minutes due 5 working days after day 70 (a Monday): day 77; missed on 77 and 80.
	h.at(84*day, func() {
		h.send("minutes 1", collab.UpdateRecordMinutes, collab.MinutesRequest{Actor: ida, MeetingSeq: 1, Minutes: "Referat"})
	})
	// The citizen meeting is due midway to the next meeting: day 70 + 60.8.
	h.at(132*day, func() {
		h.send("citizen meeting", collab.UpdateRecordCitizenMeeting, collab.CitizenMeetingRequest{Actor: jonas, HeldAt: at(132, 0), Note: "Opfølgning på aftaler"})
	})
	// Meeting 3 (the next cross-disciplinary one) is due by day 191: set on day 171 for day 190.
	h.at(171*day, func() {
		h.send("schedule 2", collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: ida, At: at(190, 10)})
	})
	h.at(172*day, func() { h.send("invite 2", collab.UpdateRecordInvitation, collab.InvitationRequest{Actor: ida}) })
	h.at(190*day+time.Hour, func() {
		h.send("not held", collab.UpdateRecordNotHeld, collab.NotHeldRequest{Actor: ida, Reason: "Borgeren var syg"})
	})
	h.at(191*day, func() {
		h.send("reschedule", collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: ida, At: at(215, 10)})
	})
	h.at(192*day, func() {
		h.send("invite rescheduled", collab.UpdateRecordInvitation, collab.InvitationRequest{Actor: ida})
	})
	h.at(215*day+12*time.Hour, func() {
		h.send("held 2", collab.UpdateRecordMeeting, collab.MeetingRequest{Actor: ida, HeldAt: at(215, 10), CitizenPresent: false,
			Goals: append(goals, domain.FormGoal{Goal: "Uddannelse", Agreements: []domain.Agreement{{Text: "Kontakt UU", Responsible: "sagsbehandler.lise"}}}), Summary: "Nyt mål: uddannelse"})
	})
	h.at(216*day, func() {
		h.send("minutes 2", collab.UpdateRecordMinutes, collab.MinutesRequest{Actor: ida, MeetingSeq: 4, Minutes: "Referat 2"})
	})

	h.env.ExecuteWorkflow(collab.CollaborationWorkflow, h.in)
	require.True(t, h.env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can, "a year on, the run continues as new")

	assert.Equal(t, domain.EPhase, h.failed("hold before consent"))
	// Since calendar invitations (CalendarInvitations), moving an invited meeting mails the
	// update: that is the invitation to the new time, and recording it again is refused.
	assert.Equal(t, domain.EPhase, h.failed("invite 1 again"))
	for _, l := range []string{"consent", "schedule 1", "invite 1", "move 1", "held 1", "minutes 1",
		"citizen meeting", "schedule 2", "invite 2", "not held", "reschedule", "invite rescheduled", "held 2", "minutes 2"} {
		h.ok(l)
	}
	assert.NotNil(t, afterMove.Meetings[0].InvitationSentAt, "a moved meeting's update is its invitation")
	require.Len(t, afterMove.Invitations, 1)
	assert.Equal(t, 1, afterMove.Invitations[0].Sequence, "the update's SEQUENCE")
	assert.Equal(t, at(70, 10), *afterMove.Meetings[0].ScheduledAt)

	year1 := []reminder{
		{domain.ReminderScheduleMeeting, "tovholder.ida", 21, true},
		{domain.ReminderSendInvitation, "tovholder.ida", 29, true},
		{domain.ReminderMinutesDue, "tovholder.ida", 77, true},
		{domain.ReminderMinutesDue, "tovholder.ida", 80, true},
		{domain.ReminderMinutesEscalated, "leder.karen", 80, true}, // the second miss
		{domain.ReminderMinutesDue, "tovholder.ida", 83, true},
		{domain.ReminderCitizenMeeting, "koordinator.jonas", 131, true}, // held + 60.8 days
		{domain.ReminderSendInvitation, "tovholder.ida", 171, true},     // set late: due at once
		{domain.ReminderScheduleMeeting, "tovholder.ida", 190, true},    // not held: rescheduled at once
		{domain.ReminderCitizenMeeting, "koordinator.jonas", 276, false},
		{domain.ReminderCitizenMeeting, "koordinator.jonas", 279, false},
	}
	got := h.reminders()
	require.GreaterOrEqual(t, len(got), len(year1))
	assert.Equal(t, year1, got[:len(year1)])
	for _, r := range got[len(year1):] { // outstanding: the citizen meeting, and from day 316 the next meeting's date
		ok := r.Kind == domain.ReminderCitizenMeeting || (r.Kind == domain.ReminderScheduleMeeting && r.Day >= 316)
		assert.True(t, ok, "unexpected: %+v", r)
	}

	var next collab.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.Carry)
	carried := *next.Carry
	assert.Len(t, carried.FormVersions, 2)
	assert.Len(t, carried.Meetings, 6)
	rec, err := h.store.GetPlan(context.Background(), h.in.PlanID)
	require.NoError(t, err)
	assert.Len(t, rec.FormVersions, 2, "every form version is in the read model")
	assert.Equal(t, 4, rec.FormVersions[1].MeetingSeq)
	assert.Equal(t, "Nyt mål: uddannelse", rec.FormVersions[1].Summary)

	// Year two: the next run, from where the first stopped, on the same database.
	stopped := h.env.Now()
	h2 := newHarness(t, h.store, stopped)
	h2.in = next
	var resumed collab.State
	h2.at(stopped.Sub(start)+time.Hour, func() {
		resumed = h2.query()
		h2.send("new coordinator", collab.UpdateChangeParticipants, collab.ParticipantsRequest{Actor: ida, NewCoordinator: "tovholder.nina",
			Join: []collab.Caseworker{{StaffID: "sagsbehandler.per", Centre: domain.CentreLabour}}, Leave: []string{"sagsbehandler.mads"}})
	})
	h2.at(stopped.Sub(start)+2*day, func() {
		h2.send("old coordinator", collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: ida, At: stopped.Add(40 * day)})
		h2.send("citizen meeting 2", collab.UpdateRecordCitizenMeeting, collab.CitizenMeetingRequest{Actor: jonas, HeldAt: stopped.Add(day), Note: "Opfølgning"})
	})
	h2.at(stopped.Sub(start)+30*day, func() {
		h2.send("withdraw", collab.UpdateWithdrawConsent, collab.WithdrawRequest{Actor: jonas, Date: stopped.Add(30 * day), Reason: "Ønsker ikke længere samarbejdet"})
	})
	h2.env.ExecuteWorkflow(collab.CollaborationWorkflow, h2.in)
	require.True(t, h2.env.IsWorkflowCompleted())
	require.NoError(t, h2.env.GetWorkflowError())
	var res collab.Result
	require.NoError(t, h2.env.GetWorkflowResult(&res))
	assert.Contains(t, res.EndReason, "consent withdrawn")

	assert.Equal(t, carried.Meetings, resumed.Meetings, "no meeting lost across continue-as-new")
	assert.Equal(t, carried.FormVersions, resumed.FormVersions, "no form version lost")
	assert.Equal(t, 2, resumed.Runs)
	assert.Equal(t, domain.EForbidden, h2.failed("old coordinator"), "the old coordinator has handed over")
	assert.Equal(t, "tovholder.nina", h2.ok("new coordinator").CoordinatorID)
	h2.ok("citizen meeting 2")

	all := h2.reminders()
	endDay := int(stopped.Sub(start)/day) + 30
	for _, r := range all {
		assert.True(t, r.Done, "nothing is left open after the end: %+v", r)
		assert.LessOrEqual(t, r.Day, endDay, "no reminder after the end: %+v", r)
		if r.Day > int(stopped.Sub(start)/day) && r.Kind != domain.ReminderCitizenMeeting {
			assert.Equal(t, "tovholder.nina", r.To, "the new coordinator gets the reminders: %+v", r)
		}
	}
	final, err := h.store.GetPlan(context.Background(), h.in.PlanID)
	require.NoError(t, err)
	assert.Equal(t, domain.PlanEnded, final.Phase)
	assert.NotNil(t, final.EndedOn)
	var left int
	for _, p := range final.Participants {
		if p.LeftAt != nil {
			left++
		}
	}
	assert.Equal(t, 2, left, "mads and ida left; their history stays")
}
