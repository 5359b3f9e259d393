package course_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/internal/mail"
	"tvp/internal/testing/apptest"
	"tvp/internal/testing/storetest"
	"tvp/internal/testing/wftest"
	"tvp/store"
	"tvp/workflows/collab"
	"tvp/workflows/course"
)

var (
	start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	day   = 24 * time.Hour
	anna  = demo.Actor("konsulent.anna")
	bilal = demo.Actor("konsulent.bilal")
	ulla  = demo.Actor("leder.ulla")
	bo    = demo.Actor("styregruppe.bo")
)

// harness is a time-skipping test environment whose activities write to a real PostgreSQL.
type harness struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	store   *store.Store
	in      course.Input
	updates *wftest.Updates[any]
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	s, _ := storetest.MustOpen(t)
	require.NoError(t, demo.LoadRegister(context.Background(), s))
	return newHarnessOn(t, s)
}

func newHarnessOn(t *testing.T, s *store.Store) *harness {
	t.Helper()
	return newHarnessWith(t, s, nil, nil)
}

// newHarnessWith is newHarnessOn with a metrics handler for the workflow's metrics, and a
// mailer for its reminders (either may be nil).
func newHarnessWith(t *testing.T, s *store.Store, metrics client.MetricsHandler, mailer *mail.Mailer) *harness {
	t.Helper()
	e := wftest.Env(&activities.Activities{Store: s, Mailer: mailer, PublicURL: "https://tvp.test"}, start, wftest.Options{Metrics: metrics})
	return &harness{t: t, env: e, store: s, updates: wftest.NewUpdates[any](t, e), in: course.Input{
		CourseID:      "3b0a6a2e-8d0f-4d8e-9a3c-000000000001",
		TeamID:        "ungeteam",
		Kind:          domain.TargetYoung,
		CitizenIDs:    []string{demo.Citizens[0].ID},
		ConsultantIDs: []string{"konsulent.anna"},
		StartDate:     start,
		Goals:         []course.Goal{{ID: "g1", Text: "Uddannelse"}, {ID: "g2", Text: "Døgnrytme"}},
		Settings:      domain.DefaultTeamSettings(domain.TargetYoung),
		ReferredBy:    "leder.ulla",
	}}
}

// at runs fn when the simulated clock is start+d.
func (h *harness) at(d time.Duration, fn func()) { h.env.RegisterDelayedCallback(fn, d) }

// send sends an update; what it came to is known once the workflow has processed it (after
// the callback that sent it returns), under the label.
func (h *harness) send(label, name string, req any) { h.updates.Send(label, name, req) }

// got is what the update under the label came to.
func (h *harness) got(label string) wftest.Outcome[any] { h.t.Helper(); return h.updates.Got(label) }

// ok returns the state after the update under the label, which must have succeeded.
func (h *harness) ok(label string) course.State {
	h.t.Helper()
	return h.updates.OK(label).(course.StepResult).State
}

// failed returns the error code and field of the update under the label, which must have failed.
func (h *harness) failed(label string) (code, field string) {
	h.t.Helper()
	return h.updates.Failed(label)
}

func (h *harness) query() course.State {
	v, err := h.env.QueryWorkflow(course.QueryState, course.StateQuery{})
	require.NoError(h.t, err)
	var st course.State
	require.NoError(h.t, v.Get(&st))
	return st
}

func (h *harness) run() course.Result {
	h.env.ExecuteWorkflow(course.CourseWorkflow, h.in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	var res course.Result
	require.NoError(h.t, h.env.GetWorkflowResult(&res))
	return res
}

// reminder is an inbox item as the tests compare it: kind, recipient, simulated day raised.
type reminder struct {
	Kind domain.ReminderKind
	To   string
	Day  int
	Done bool
}

func (h *harness) reminders() []reminder {
	items := apptest.Reminders(h.t, h.store, "course", h.in.CourseID, start)
	out := make([]reminder, len(items))
	for i, r := range items {
		out[i] = reminder(r)
	}
	return out
}

func (h *harness) record() domain.CourseRecord {
	rec, err := h.store.GetCourse(context.Background(), h.in.CourseID)
	require.NoError(h.t, err)
	return rec
}

func scores(a, b int) []course.GoalScore {
	return []course.GoalScore{{GoalID: "g1", Score: a}, {GoalID: "g2", Score: b}}
}

// A full year: progression reminded at six months (5 July, day 181) and recorded, the end
// approaching 60 days before, an education started, closed with education.
func TestFullYearEndingInEducation(t *testing.T) {
	h := newHarness(t)
	h.at(190*day, func() { // a week late: one reminder, one repeat
		h.send("progression", course.UpdateRecordProgression, course.ProgressionRequest{Actor: anna, Scores: scores(4, 6), Note: "God fremgang"})
	})
	h.at(320*day, func() {
		h.send("milestone", course.UpdateRecordMilestone, course.MilestoneRequest{Actor: anna, Outcome: domain.OutcomeEducation, Date: start.Add(319 * day)})
	})
	h.at(360*day, func() {
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeEducation, Date: start.Add(360 * day), Note: "Startet på HF"})
	})
	res := h.run()
	assert.Equal(t, domain.OutcomeEducation, res.Outcome)
	st := h.ok("progression")
	assert.Len(t, st.Progressions, 1)
	assert.Equal(t, start.AddDate(1, 0, 0), st.NextProgressionDue, "six months after the first")
	assert.Len(t, h.ok("milestone").Milestones, 1)

	assert.Equal(t, []reminder{
		{domain.ReminderProgressionDue, "konsulent.anna", 181, true},
		{domain.ReminderProgressionDue, "konsulent.anna", 188, true},
		{domain.ReminderEndApproaching, "konsulent.anna", 305, true},
		{domain.ReminderEndApproaching, "leder.ulla", 305, true},
	}, h.reminders())
	rec := h.record()
	assert.Equal(t, domain.PhaseClosed, rec.Phase)
	assert.Equal(t, domain.OutcomeEducation, *rec.Outcome)
	var n int
	require.NoError(t, h.store.DB().Get(&n, "SELECT count(*) FROM course_progressions WHERE course_id = $1", h.in.CourseID))
	assert.Equal(t, 1, n)
	require.NoError(t, h.store.DB().Get(&n, "SELECT count(*) FROM course_milestones WHERE course_id = $1 AND outcome = 'education'", h.in.CourseID))
	assert.Equal(t, 1, n)
}

func TestExtensionApprovedThenClosed(t *testing.T) {
	h := newHarness(t)
	h.in.Settings.ProgressionInterval = domain.DaysPeriod(1000) // keep this test about the end
	end := start.Add(365 * day)
	newEnd := end.Add(120 * day)
	var pendingInReadModel domain.CoursePhase
	h.at(310*day, func() {
		h.send("request", course.UpdateRequestExtension, course.ExtensionRequest{Actor: anna, Reason: "Mangler afklaring", NewEnd: newEnd})
	})
	h.at(320*day, func() {
		pendingInReadModel = h.record().Phase
		h.send("approve", course.UpdateDecideExtension, course.DecisionRequest{Actor: bo, Approve: true, Reason: "Godkendt", Sequence: 1})
	})
	h.at(470*day, func() {
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeEmployment, Date: start.Add(470 * day)})
	})
	h.run()
	assert.Equal(t, domain.PhaseExtensionPending, h.ok("request").Phase)
	assert.Equal(t, domain.PhaseExtensionPending, pendingInReadModel, "the read model knew")
	approved := h.ok("approve")
	assert.Equal(t, newEnd, approved.PlannedEnd)
	assert.Equal(t, domain.PhaseActive, approved.Phase)
	assert.Equal(t, []reminder{
		{domain.ReminderEndApproaching, "konsulent.anna", 305, true},
		{domain.ReminderEndApproaching, "leder.ulla", 305, true},
		{domain.ReminderExtensionDecision, "styregruppe.bo", 310, true},
		{domain.ReminderExtensionDecision, "styregruppe.dorte", 310, true},
		{domain.ReminderExtensionDecision, "styregruppe.bo", 317, true},
		{domain.ReminderExtensionDecision, "styregruppe.dorte", 317, true},
		{domain.ReminderEndApproaching, "konsulent.anna", 425, true}, // re-armed for the new end
		{domain.ReminderEndApproaching, "leder.ulla", 425, true},
	}, h.reminders())
	assert.Equal(t, newEnd, h.record().PlannedEnd.UTC())
	var decision string
	require.NoError(t, h.store.DB().Get(&decision, "SELECT decision FROM course_extensions WHERE course_id = $1 AND seq = 1", h.in.CourseID))
	assert.Equal(t, "approved", decision)
}

func TestExtensionRejected(t *testing.T) {
	h := newHarness(t)
	h.in.Settings.ProgressionInterval = domain.DaysPeriod(400)
	end := start.Add(365 * day)
	h.at(300*day, func() {
		h.send("request", course.UpdateRequestExtension, course.ExtensionRequest{Actor: anna, Reason: "Behov", NewEnd: end.Add(90 * day)})
	})
	h.at(301*day, func() {
		h.send("reject", course.UpdateDecideExtension, course.DecisionRequest{Actor: bo, Approve: false, Reason: "Ikke grundlag", Sequence: 1})
	})
	h.at(340*day, func() {
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeSelfSupport, Date: start.Add(340 * day)})
	})
	h.run()
	st := h.ok("reject")
	assert.Equal(t, end, st.PlannedEnd, "rejection keeps the old end")
	assert.Equal(t, domain.PhaseActive, st.Phase)
	assert.Equal(t, []reminder{
		{domain.ReminderExtensionDecision, "styregruppe.bo", 300, true},
		{domain.ReminderExtensionDecision, "styregruppe.dorte", 300, true},
		{domain.ReminderEndApproaching, "konsulent.anna", 305, true},
		{domain.ReminderEndApproaching, "leder.ulla", 305, true},
	}, h.reminders())
	assert.Equal(t, end, h.record().PlannedEnd.UTC())
	var decision string
	require.NoError(t, h.store.DB().Get(&decision, "SELECT decision FROM course_extensions WHERE course_id = $1", h.in.CourseID))
	assert.Equal(t, "rejected", decision)
}

// At the planned end with neither an outcome nor an extension request, the course waits:
// weekly reminders to the consultants, and after 14 days the team lead is told.
func TestNoDecisionAtTheEnd(t *testing.T) {
	h := newHarness(t)
	h.in.Settings.ProgressionInterval = domain.DaysPeriod(400)
	var phase, readPhase domain.CoursePhase
	h.at(366*day, func() {
		phase, readPhase = h.query().Phase, h.record().Phase
	})
	h.at(390*day, func() {
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: ulla, Outcome: domain.OutcomeHandedBack, Date: start.Add(390 * day)})
	})
	h.run()
	assert.Equal(t, domain.PhaseAwaitingDecision, phase, "it neither ended nor went on silently")
	assert.Equal(t, domain.PhaseAwaitingDecision, readPhase)
	assert.Equal(t, []reminder{
		{domain.ReminderEndApproaching, "konsulent.anna", 305, true},
		{domain.ReminderEndApproaching, "leder.ulla", 305, true},
		{domain.ReminderEndOverdue, "konsulent.anna", 365, true},
		{domain.ReminderEndOverdue, "konsulent.anna", 372, true},
		{domain.ReminderEndEscalated, "leder.ulla", 379, true},
		{domain.ReminderEndOverdue, "konsulent.anna", 379, true},
		{domain.ReminderEndOverdue, "konsulent.anna", 386, true},
	}, h.reminders())
}

func TestOnlyTheSteeringGroupDecides(t *testing.T) {
	h := newHarness(t)
	h.in.Settings.ProgressionInterval = domain.DaysPeriod(400)
	var phase domain.CoursePhase
	h.at(300*day, func() {
		h.send("request", course.UpdateRequestExtension, course.ExtensionRequest{Actor: anna, Reason: "Behov", NewEnd: start.Add(400 * day)})
	})
	h.at(301*day, func() {
		for _, who := range []course.Actor{anna, ulla, bilal} {
			h.send("decide by "+who.ID, course.UpdateDecideExtension, course.DecisionRequest{Actor: who, Approve: true, Reason: "ja"})
		}
		h.send("request by bilal", course.UpdateRequestExtension, course.ExtensionRequest{Actor: bilal, Reason: "x", NewEnd: start.Add(400 * day)})
	})
	h.at(302*day, func() {
		phase = h.query().Phase
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeNoResult, Date: start.Add(302 * day)})
	})
	h.run()
	for _, who := range []course.Actor{anna, ulla, bilal} {
		code, _ := h.failed("decide by " + who.ID)
		assert.Equal(t, domain.EForbidden, code, who.ID)
	}
	code, _ := h.failed("request by bilal")
	assert.Equal(t, domain.EPhase, code, "one request at a time")
	assert.Equal(t, domain.PhaseExtensionPending, phase, "nothing was decided")
	var decided int
	require.NoError(t, h.store.DB().Get(&decided, "SELECT count(*) FROM course_extensions WHERE decision IS NOT NULL"))
	assert.Zero(t, decided)
}

// A three-month team pause: no reminder fires during it, and the end moves by three months.
func TestTeamPauseMovesTheEnd(t *testing.T) {
	h := newHarness(t)
	pauseAt, resumeAt := 150*day, 242*day // 92 days: June to September
	var paused, resumed course.State
	h.at(pauseAt, func() {
		h.env.SignalWorkflow(course.SignalPause, course.PauseSignal{PauseID: "p1", PausedBy: "leder.ulla", PlannedResume: start.Add(resumeAt)})
	})
	h.at(pauseAt+day, func() {
		paused = h.query()
		h.send("progression while paused", course.UpdateRecordProgression, course.ProgressionRequest{Actor: anna, Scores: scores(3, 3), Note: "x"})
		h.env.SignalWorkflow(course.SignalPause, course.PauseSignal{PauseID: "p1", PausedBy: "leder.ulla"}) // repeated: no effect
	})
	h.at(resumeAt, func() {
		h.env.SignalWorkflow(course.SignalResume, course.ResumeSignal{PauseID: "p1", ResumedBy: "leder.ulla"})
	})
	h.at(resumeAt+day, func() { resumed = h.query() })
	h.at(resumeAt+40*day, func() {
		h.send("progression", course.UpdateRecordProgression, course.ProgressionRequest{Actor: anna, Scores: scores(5, 5), Note: "Efter pausen"})
	})
	h.at(resumeAt+41*day, func() {
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeEmployment, Date: start.Add(resumeAt + 41*day)})
	})
	h.run()
	assert.Equal(t, domain.PhasePaused, paused.Phase)
	code, _ := h.failed("progression while paused")
	assert.Equal(t, domain.EPhase, code)
	assert.Equal(t, domain.PhaseActive, resumed.Phase)
	assert.Equal(t, start.Add(365*day+92*day), resumed.PlannedEnd, "the end moved by the pause's length")
	assert.Equal(t, start.AddDate(0, 6, 0).Add(92*day), resumed.NextProgressionDue)
	assert.Len(t, resumed.Pauses, 1)

	got := h.reminders()
	assert.Equal(t, []reminder{ // due 92 days late; recorded 8 days after that
		{domain.ReminderProgressionDue, "konsulent.anna", 181 + 92, true},
		{domain.ReminderProgressionDue, "konsulent.anna", 181 + 92 + 7, true},
	}, got)
	for _, r := range got {
		assert.False(t, r.Day >= 150 && r.Day < 242, "a reminder during the pause: %+v", r)
	}
	assert.Equal(t, start.Add(457*day), h.record().PlannedEnd.UTC())
}

func TestPausedCourseHandedBack(t *testing.T) {
	h := newHarness(t)
	h.at(10*day, func() {
		h.env.SignalWorkflow(course.SignalPause, course.PauseSignal{PauseID: "p1", PausedBy: "leder.ulla", PlannedResume: start.Add(100 * day)})
	})
	h.at(11*day, func() {
		h.send("education while paused", course.UpdateClose, course.CloseRequest{Actor: ulla, Outcome: domain.OutcomeEducation, Date: start.Add(11 * day)})
	})
	h.at(12*day, func() {
		h.send("hand back", course.UpdateClose, course.CloseRequest{Actor: ulla, Outcome: domain.OutcomeHandedBack, Date: start.Add(12 * day)})
	})
	res := h.run()
	_, field := h.failed("education while paused")
	assert.Equal(t, "outcome", field)
	assert.Equal(t, domain.OutcomeHandedBack, res.Outcome)
	assert.Empty(t, h.reminders())
	assert.Equal(t, domain.OutcomeHandedBack, *h.record().Outcome)
}

func TestProgressionValidation(t *testing.T) {
	cases := []struct {
		name  string
		req   course.ProgressionRequest
		code  string
		field string
	}{
		{"a goal not scored", course.ProgressionRequest{Actor: anna, Scores: []course.GoalScore{{GoalID: "g1", Score: 3}}, Note: "n"}, domain.EInvalid, "scores"},
		{"an unknown goal", course.ProgressionRequest{Actor: anna, Scores: append(scores(3, 3), course.GoalScore{GoalID: "g9", Score: 1}), Note: "n"}, domain.EInvalid, "scores[2].goal_id"},
		{"a goal scored twice", course.ProgressionRequest{Actor: anna, Scores: append(scores(3, 3), course.GoalScore{GoalID: "g1", Score: 1}), Note: "n"}, domain.EInvalid, "scores[2].goal_id"},
		{"a score of 0", course.ProgressionRequest{Actor: anna, Scores: scores(0, 3), Note: "n"}, domain.EInvalid, "scores[0].score"},
		{"a score above the scale", course.ProgressionRequest{Actor: anna, Scores: scores(3, 11), Note: "n"}, domain.EInvalid, "scores[1].score"},
		{"no note", course.ProgressionRequest{Actor: anna, Scores: scores(3, 3), Note: "  "}, domain.EInvalid, "note"},
		{"not the course's consultant", course.ProgressionRequest{Actor: bilal, Scores: scores(3, 3), Note: "n"}, domain.EForbidden, ""},
	}
	h := newHarness(t)
	var progressions []course.Progression
	h.at(day, func() {
		for _, tc := range cases {
			h.send(tc.name, course.UpdateRecordProgression, tc.req)
		}
	})
	h.at(2*day, func() {
		progressions = h.query().Progressions
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeNoResult, Date: start.Add(2 * day)})
	})
	h.at(3*day, func() {
		h.send("after close", course.UpdateRecordProgression, course.ProgressionRequest{Actor: anna, Scores: scores(3, 3), Note: "n"})
	})
	h.run()
	for _, tc := range cases {
		code, field := h.failed(tc.name)
		assert.Equal(t, tc.code, code, tc.name)
		assert.Equal(t, tc.field, field, tc.name)
	}
	assert.Empty(t, progressions, "no rejected progression is kept")
	var n int
	require.NoError(t, h.store.DB().Get(&n, "SELECT count(*) FROM course_progressions"))
	assert.Zero(t, n)
}

// Continue-as-new in the middle of a course loses nothing: progressions, the pending
// extension and the reminders already raised; the next run goes on where the last stopped.
func TestContinueAsNewCarriesEverything(t *testing.T) {
	h := newHarness(t)
	h.at(190*day, func() {
		h.send("progression", course.UpdateRecordProgression, course.ProgressionRequest{Actor: anna, Scores: scores(4, 6), Note: "ok"})
	})
	h.at(300*day, func() {
		h.send("request", course.UpdateRequestExtension, course.ExtensionRequest{Actor: anna, Reason: "Behov", NewEnd: start.Add(400 * day)})
	})
	h.at(308*day, func() { h.env.SetContinueAsNewSuggested(true) }) // as the server does when the history grows
	h.env.ExecuteWorkflow(course.CourseWorkflow, h.in)
	require.True(t, h.env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can, "the run continued as new")
	var next course.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.Carry)
	carried := *next.Carry
	require.Len(t, carried.Progressions, 1)
	require.Equal(t, domain.PhaseExtensionPending, carried.Phase)
	before := h.reminders()
	require.NotEmpty(t, before)

	// The next run, in a fresh environment on the same database, from when the first stopped.
	h2 := newHarnessOn(t, h.store)
	h2.in = next
	stoppedAt := h.env.Now()
	h2.env.SetStartTime(stoppedAt)
	var resumed course.State
	h2.at(time.Hour, func() {
		resumed = h2.query()
		h2.send("approve", course.UpdateDecideExtension, course.DecisionRequest{Actor: bo, Approve: true, Reason: "ok", Sequence: 1})
	})
	h2.at(2*time.Hour, func() {
		h2.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeEducation, Date: stoppedAt})
	})
	h2.run()
	assert.Equal(t, carried.Progressions, resumed.Progressions)
	assert.Equal(t, carried.Extensions, resumed.Extensions)
	assert.Equal(t, carried.Revision, resumed.Revision)
	h2.ok("approve")
	after := h.reminders()
	require.GreaterOrEqual(t, len(after), len(before))
	for i := range before {
		assert.Equal(t, before[i].Kind, after[i].Kind, "nothing raised before was lost or raised again")
		assert.Equal(t, before[i].Day, after[i].Day)
	}
	for _, r := range after {
		assert.True(t, r.Done, "closing completes every reminder: %+v", r)
	}
	var n int
	require.NoError(t, h.store.DB().Get(&n, "SELECT count(*) FROM course_progressions"))
	assert.Equal(t, 1, n)
	require.NoError(t, h.store.DB().Get(&n, "SELECT count(*) FROM course_extensions WHERE decision = 'approved'"))
	assert.Equal(t, 1, n)
}

// During a team pause a course is moved to the collaboration model: the course closes with
// that outcome and starts the citizen's plan (the plan itself is tested in package collab).
func TestMoveToCollaborationDuringPause(t *testing.T) {
	h := newHarness(t)
	var started collab.Input
	h.env.OnWorkflow(collab.CollaborationWorkflow, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in collab.Input) (collab.Result, error) {
			started = in
			return collab.Result{}, nil
		})
	enrol := collab.Input{
		PlanID: "7d1e0c4a-2b6f-4f7e-8a1d-0000000000aa", CitizenID: h.in.CitizenIDs[0], FromCourseID: h.in.CourseID,
		CoordinatorID: "tovholder.ida", CoordinatingCaseworkerID: "koordinator.jonas", EnrolledBy: "leder.ulla",
		Caseworkers: []collab.Caseworker{{StaffID: "sagsbehandler.lise", Centre: domain.CentreChildren}, {StaffID: "sagsbehandler.mads", Centre: domain.CentreHealth}},
		Settings:    domain.DefaultCollaborationSettings(),
	}
	h.at(100*day, func() {
		h.env.SignalWorkflow(course.SignalPause, course.PauseSignal{PauseID: "p1", PausedBy: "leder.ulla", PlannedResume: start.Add(200 * day)})
	})
	h.at(101*day, func() {
		h.send("without enrolment", course.UpdateClose, course.CloseRequest{Actor: ulla, Outcome: domain.OutcomeCollaboration, Date: start.Add(101 * day)})
		other := enrol
		other.CitizenID = demo.Citizens[3].ID
		h.send("someone else", course.UpdateClose, course.CloseRequest{Actor: ulla, Outcome: domain.OutcomeCollaboration, Date: start.Add(101 * day), Enrolment: &other})
	})
	h.at(102*day, func() {
		h.send("move", course.UpdateClose, course.CloseRequest{Actor: ulla, Outcome: domain.OutcomeCollaboration, Date: start.Add(102 * day), Enrolment: &enrol})
	})
	res := h.run()
	assert.Equal(t, domain.OutcomeCollaboration, res.Outcome)
	_, field := h.failed("without enrolment")
	assert.Equal(t, "outcome", field)
	_, field = h.failed("someone else")
	assert.Equal(t, "citizen_id", field)
	assert.Equal(t, enrol.PlanID, h.ok("move").MovedToPlanID)
	assert.Equal(t, enrol, started, "the plan's workflow started with the enrolment")
	assert.Equal(t, domain.OutcomeCollaboration, *h.record().Outcome)
}

// A rule changed behind workflow.GetVersion: a course started before the change (its history
// has no version marker: the test environment answers DefaultVersion, as a replay does) keeps
// the old rule, the end-approaching reminder to the consultants only; a new course also tells
// the team lead. Recorded histories from before the change replay (TestReplayRecordedHistories).
func TestRulesVersionIsKeptForLife(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version workflow.Version
		want    []reminder
	}{
		{"started before the change", workflow.DefaultVersion, []reminder{
			{domain.ReminderEndApproaching, "konsulent.anna", 305, true},
		}},
		{"started after the change", course.RulesVersion, []reminder{
			{domain.ReminderEndApproaching, "konsulent.anna", 305, true},
			{domain.ReminderEndApproaching, "leder.ulla", 305, true},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.in.Settings.ProgressionInterval = domain.DaysPeriod(1000)
			h.env.OnGetVersion(course.RulesChange, workflow.DefaultVersion, course.RulesVersion).Return(tc.version)
			var rules workflow.Version
			h.at(306*day, func() {
				rules = h.query().Rules
				h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeEducation, Date: start.Add(306 * day)})
			})
			h.run()
			assert.Equal(t, tc.version, rules)
			assert.Equal(t, tc.want, h.reminders())
		})
	}
}

// A date is today by the municipality's day: at 23:30 UTC in winter it is already the next day
// in Copenhagen, and a milestone or a close dated that day has come; the day after has not.
// (The validators compared the date's midnight UTC with the instant, and refused today's date
// for the last hour of every day.)
func TestTodayIsTheMunicipalitysDayInTheLastHourOfTheUTCDay(t *testing.T) {
	h := newHarness(t)
	late := 100*day + 23*time.Hour + 30*time.Minute // 00:30 in Copenhagen on day 101
	today, tomorrow := start.Add(101*day), start.Add(102*day)
	h.at(late, func() {
		h.send("milestone tomorrow", course.UpdateRecordMilestone, course.MilestoneRequest{Actor: anna, Outcome: domain.OutcomeEducation, Date: tomorrow})
		h.send("close tomorrow", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeEducation, Date: tomorrow})
	})
	h.at(late+time.Minute, func() {
		h.send("milestone today", course.UpdateRecordMilestone, course.MilestoneRequest{Actor: anna, Outcome: domain.OutcomeEducation, Date: today})
	})
	h.at(late+2*time.Minute, func() {
		h.send("close today", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeEducation, Date: today})
	})
	h.run()
	for _, label := range []string{"milestone tomorrow", "close tomorrow"} {
		code, field := h.failed(label)
		assert.Equal(t, domain.EInvalid, code, label)
		assert.Equal(t, "date", field, label)
	}
	h.ok("milestone today")
	st := h.ok("close today")
	require.NotNil(t, st.ClosedOn)
	assert.Equal(t, today, st.ClosedOn.UTC())
}

// A course of one year is counted in the calendar: started on 1 November 2019 it ends on
// 1 November 2020 (365 days would end it on 31 October, 2020 being a leap year), and its
// progression falls due six calendar months on, on 1 May 2020. A course that started under
// the rules before (version 1) keeps counting a year as 365 days and half a year as 182.
func TestAYearIsCountedInTheCalendar(t *testing.T) {
	for _, tc := range []struct {
		name             string
		rules            workflow.Version
		end, progression string
	}{
		{"calendar rules", course.RulesVersion, "2020-11-01", "2020-05-01"},
		{"the rules before", 1, "2020-10-31", "2020-05-01"}, // 182 days from 1 November 2019
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			// tvp:fixed-date the calendar's leap year is the point; nothing here reads the clock
			begin := time.Date(2019, time.November, 1, 0, 0, 0, 0, time.UTC)
			h.env.SetStartTime(begin)
			h.in.StartDate = begin
			h.env.OnGetVersion(course.RulesChange, workflow.DefaultVersion, course.RulesVersion).Return(tc.rules)
			var st course.State
			h.env.RegisterDelayedCallback(func() {
				st = h.query()
				h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeNoResult, Date: begin.Add(day)})
			}, day)
			h.run()
			assert.Equal(t, tc.rules, st.Rules)
			assert.Equal(t, tc.end, st.PlannedEnd.Format(time.DateOnly))
			assert.Equal(t, tc.progression, st.NextProgressionDue.Format(time.DateOnly))
			assert.Equal(t, tc.end, h.record().PlannedEnd.Format(time.DateOnly), "the read model")
		})
	}
}

// A course's settings are one answer: its team's at the referral, then the terms a decision
// moved it to. The pages and the citizen's view read them from the course (before, the staff's
// page read the team's current settings and the citizen's saw a scale only after a change).
func TestACourseKnowsItsOwnSettings(t *testing.T) {
	h := newHarness(t)
	next := h.in.Settings
	next.ProgressionScoreMax, next.CourseLength = 5, domain.Years(2)
	var before course.State
	h.at(day, func() {
		before = h.query()
		h.send("terms", course.UpdateApplyTerms, course.TermsRequest{Actor: bo, Settings: next, DecisionID: 7})
	})
	h.at(2*day, func() {
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeNoResult, Date: start.Add(2 * day)})
	})
	h.run()
	assert.Equal(t, h.in.Settings, before.Settings, "the referral's snapshot")
	assert.Equal(t, next, h.ok("terms").Settings, "the new terms")
}
