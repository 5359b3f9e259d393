package course_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/internal/mail"
	"tvp/internal/testing/mailtest"
	"tvp/workflows/collab"
	"tvp/workflows/course"
)

var admin = demo.Actor("admin")

// retry sends retry-effects under the label; its result is the update's (RetryEffectsResult).
func (h *harness) retry(label string, who domain.Actor) {
	h.send(label, course.UpdateRetryEffects, course.RetryEffectsRequest{Actor: who})
}

func (h *harness) count(query string, args ...any) int {
	h.t.Helper()
	var n int
	require.NoError(h.t, h.store.DB().Get(&n, query, args...))
	return n
}

// A step whose text PostgreSQL would refuse (a NUL) is refused by its validator, at its field:
// before, a progression note with a NUL was accepted, its write failed for good, and the course
// workflow failed with it (every later step 404, its timers gone).
func TestStepsRefuseTextTheDatabaseRefuses(t *testing.T) {
	h := newHarness(t)
	h.at(day, func() {
		h.send("progression", course.UpdateRecordProgression, course.ProgressionRequest{Actor: anna, Scores: scores(3, 3), Note: "før\x00efter"})
		h.send("extension", course.UpdateRequestExtension, course.ExtensionRequest{Actor: anna, Reason: "grund\x00", NewEnd: start.Add(400 * day)})
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeNoResult, Date: start.Add(day), Note: "\x1b[31m"})
	})
	h.at(2*day, func() {
		h.send("progression ok", course.UpdateRecordProgression, course.ProgressionRequest{Actor: anna, Scores: scores(3, 3), Note: "Fint"})
	})
	h.at(3*day, func() {
		h.send("close ok", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeNoResult, Date: start.Add(3 * day)})
	})
	h.run()
	for label, field := range map[string]string{"progression": "note", "extension": "reason", "close": "note"} {
		code, f := h.failed(label)
		assert.Equal(t, domain.EInvalid, code, label)
		assert.Equal(t, field, f, label)
	}
	assert.Len(t, h.ok("progression ok").Progressions, 1)
	assert.Equal(t, 1, h.count("SELECT count(*) FROM course_progressions"))
}

// A decision names the request it decides; seq 0 (none) or another request is refused, so a
// late or repeated decision never applies to whatever is pending now.
func TestDecisionNamesItsRequest(t *testing.T) {
	h := newHarness(t)
	h.in.Settings.ProgressionInterval = domain.DaysPeriod(1000)
	h.at(300*day, func() {
		h.send("request", course.UpdateRequestExtension, course.ExtensionRequest{Actor: anna, Reason: "Behov", NewEnd: start.Add(400 * day)})
	})
	h.at(301*day, func() {
		h.send("no seq", course.UpdateDecideExtension, course.DecisionRequest{Actor: bo, Approve: true, Reason: "ja"})
		h.send("other seq", course.UpdateDecideExtension, course.DecisionRequest{Actor: bo, Approve: true, Reason: "ja", Sequence: 2})
	})
	h.at(302*day, func() {
		h.send("decide", course.UpdateDecideExtension, course.DecisionRequest{Actor: bo, Approve: false, Reason: "Nej", Sequence: 1})
	})
	h.at(303*day, func() {
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeNoResult, Date: start.Add(303 * day)})
	})
	h.run()
	for _, l := range []string{"no seq", "other seq"} {
		code, field := h.failed(l)
		assert.Equal(t, domain.EInvalid, code, l)
		assert.Equal(t, "seq", field, l)
	}
	assert.Equal(t, domain.DecisionRejected, h.ok("decide").Extensions[0].Decision)
}

// A course closes on a day that has come: a date ahead is refused.
func TestCloseDateNotAhead(t *testing.T) {
	h := newHarness(t)
	h.at(10*day, func() {
		h.send("ahead", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeEducation, Date: start.Add(11 * day)})
		h.send("far ahead", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeEducation, Date: start.Add(9000 * day)})
	})
	h.at(11*day, func() {
		h.send("today", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeEducation, Date: start.Add(11 * day)})
	})
	res := h.run()
	for _, l := range []string{"ahead", "far ahead"} {
		_, field := h.failed(l)
		assert.Equal(t, "date", field, l)
	}
	assert.Equal(t, start.Add(11*day), res.ClosedOn)
}

// The consultants of a course are within the team's settings (1 to 3) in the workflow too, not
// only in the API: a referral with four is refused at its start, at its field.
func TestReferralWithTooManyConsultants(t *testing.T) {
	h := newHarness(t)
	h.in.ConsultantIDs = []string{"konsulent.anna", "konsulent.bilal", "konsulent.cecilie", "konsulent.dennis"}
	h.env.ExecuteWorkflow(course.CourseWorkflow, h.in)
	require.True(t, h.env.IsWorkflowCompleted())
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, h.env.GetWorkflowError(), &appErr)
	var field string
	_ = appErr.Details(&field)
	assert.Equal(t, domain.EInvalid, appErr.Type())
	assert.Equal(t, "consultant_ids", field)
}

// Two steps in one workflow task are two audit rows: each is keyed by its own revision. Before,
// the key took the revision after the blocking save, which the second step had moved on: one
// row for both.
func TestTwoStepsInOneTaskAreEachAuditedOnce(t *testing.T) {
	h := newHarness(t)
	h.at(10*day, func() {
		h.send("education", course.UpdateRecordMilestone, course.MilestoneRequest{Actor: anna, Outcome: domain.OutcomeEducation, Date: start.Add(9 * day)})
		h.send("employment", course.UpdateRecordMilestone, course.MilestoneRequest{Actor: anna, Outcome: domain.OutcomeEmployment, Date: start.Add(9 * day)})
	})
	h.at(11*day, func() {
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeEmployment, Date: start.Add(11 * day)})
	})
	h.run()
	h.ok("education")
	h.ok("employment")
	assert.Equal(t, 2, h.count("SELECT count(*) FROM audit_log WHERE action = 'course.milestone_recorded' AND subject_id = $1", h.in.CourseID))
	assert.Equal(t, 2, h.count("SELECT count(*) FROM course_milestones WHERE course_id = $1", h.in.CourseID))
}

// Three moves to the collaboration model at once: one is accepted and starts one plan; the
// others are refused while it starts. Before, all three were accepted (the phase was set after
// the plan's start was awaited) and a citizen got several plans.
func TestConcurrentMovesStartOnePlan(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	var plans []string
	h.env.OnWorkflow(collab.CollaborationWorkflow, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in collab.Input) (collab.Result, error) {
			mu.Lock()
			plans = append(plans, in.PlanID)
			mu.Unlock()
			return collab.Result{}, nil
		})
	enrol := func(n string) *collab.Input {
		return &collab.Input{
			PlanID: "7d1e0c4a-2b6f-4f7e-8a1d-0000000000" + n, CitizenID: h.in.CitizenIDs[0], FromCourseID: h.in.CourseID,
			CoordinatorID: "tovholder.ida", CoordinatingCaseworkerID: "koordinator.jonas", EnrolledBy: "konsulent.anna",
			Caseworkers: []collab.Caseworker{{StaffID: "sagsbehandler.lise", Centre: domain.CentreChildren}, {StaffID: "sagsbehandler.mads", Centre: domain.CentreHealth}},
			Settings:    domain.DefaultCollaborationSettings(),
		}
	}
	h.at(20*day, func() {
		for _, n := range []string{"a1", "a2", "a3"} {
			h.send("move "+n, course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeCollaboration, Date: start.Add(20 * day), Enrolment: enrol(n)})
		}
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeNoResult, Date: start.Add(20 * day)})
	})
	res := h.run()
	assert.Equal(t, domain.OutcomeCollaboration, res.Outcome)
	accepted := 0
	for _, l := range []string{"move a1", "move a2", "move a3", "close"} {
		if o := h.got(l); o.Err == nil {
			accepted++
		} else {
			code, _ := h.failed(l)
			assert.Equal(t, domain.EPhase, code, l)
		}
	}
	assert.Equal(t, 1, accepted, "one close")
	assert.Len(t, plans, 1, "one plan")
	assert.Equal(t, 1, h.count("SELECT count(*) FROM audit_log WHERE action = 'course.closed' AND subject_id = $1", h.in.CourseID))
}

// A pause while an extension request waits: the steering group's reminder stops for the pause
// (they cannot decide during it), and the requested new end moves with the pause. Before, an
// approval after the pause set the end to the old requested date, already past: a request on
// day 300 for day 400, a pause from day 310 to 400, approval, and the course was at its end at
// once.
func TestPauseWhileAnExtensionWaits(t *testing.T) {
	h := newHarness(t)
	h.in.Settings.ProgressionInterval = domain.DaysPeriod(1000)
	var openDuringPause int
	h.at(300*day, func() {
		h.send("request", course.UpdateRequestExtension, course.ExtensionRequest{Actor: anna, Reason: "Mangler afklaring", NewEnd: start.Add(400 * day)})
	})
	h.at(310*day, func() {
		h.send("pause", course.UpdatePause, course.PauseRequest{PauseID: "p1", PausedBy: "leder.ulla", PlannedResume: start.Add(400 * day)})
	})
	h.at(350*day, func() {
		for _, r := range h.reminders() {
			if r.Kind == domain.ReminderExtensionDecision && !r.Done {
				openDuringPause++
			}
		}
		h.send("decide while paused", course.UpdateDecideExtension, course.DecisionRequest{Actor: bo, Approve: true, Reason: "ja", Sequence: 1})
	})
	h.at(400*day, func() {
		h.send("resume", course.UpdateResume, course.ResumeRequest{PauseID: "p1", ResumedBy: "leder.ulla"})
	})
	h.at(401*day, func() {
		h.send("approve", course.UpdateDecideExtension, course.DecisionRequest{Actor: bo, Approve: true, Reason: "Godkendt", Sequence: 1})
	})
	h.at(402*day, func() {
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeEducation, Date: start.Add(402 * day)})
	})
	h.run()
	assert.Zero(t, openDuringPause, "no reminder to the steering group while they cannot decide")
	code, _ := h.failed("decide while paused")
	assert.Equal(t, domain.EPhase, code)
	approved := h.ok("approve")
	assert.Equal(t, start.Add(490*day), approved.PlannedEnd, "the requested end moved by the pause's 90 days")
	assert.Equal(t, start.Add(490*day), approved.Extensions[0].NewEnd)
	assert.Equal(t, domain.PhaseActive, approved.Phase, "not at its end at once")
	assert.Equal(t, []reminder{ // weekly until the pause; the next would be on day 404, after the approval
		{domain.ReminderExtensionDecision, "styregruppe.bo", 300, true},
		{domain.ReminderExtensionDecision, "styregruppe.dorte", 300, true},
		{domain.ReminderExtensionDecision, "styregruppe.bo", 307, true},
		{domain.ReminderExtensionDecision, "styregruppe.dorte", 307, true},
	}, h.reminders())
}

// The team pause's Updates: a pause, the same pause again with a moved planned resume date
// (a decision moved it), and the automatic resume at the latest date, recorded as such.
func TestPauseAndResumeByUpdates(t *testing.T) {
	h := newHarness(t)
	var paused, moved course.State
	h.at(50*day, func() {
		h.send("pause", course.UpdatePause, course.PauseRequest{PauseID: "p1", PausedBy: "leder.ulla", PlannedResume: start.Add(100 * day)})
	})
	h.at(51*day, func() {
		paused = h.query()
		h.send("other pause", course.UpdatePause, course.PauseRequest{PauseID: "p2", PausedBy: "leder.ulla", PlannedResume: start.Add(90 * day)})
		h.send("wrong resume", course.UpdateResume, course.ResumeRequest{PauseID: "p2", ResumedBy: "leder.ulla"})
		h.send("moved", course.UpdatePause, course.PauseRequest{PauseID: "p1", PausedBy: "leder.ulla", PlannedResume: start.Add(120 * day)})
	})
	h.at(52*day, func() { moved = h.query() })
	h.at(120*day, func() {
		h.send("resume", course.UpdateResume, course.ResumeRequest{PauseID: "p1", ResumedBy: "system", Automatic: true})
	})
	h.at(121*day, func() {
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeHandedBack, Date: start.Add(121 * day)})
	})
	h.run()
	assert.Equal(t, domain.PhasePaused, paused.Phase)
	for _, l := range []string{"other pause", "wrong resume"} {
		code, _ := h.failed(l)
		assert.Equal(t, domain.EPhase, code, l)
	}
	require.Len(t, moved.Pauses, 1)
	assert.Equal(t, start.Add(120*day), moved.Pauses[0].PlannedResume)
	assert.Equal(t, start.Add(120*day), *moved.NextDeadline, "what the course waits for moved with it")
	resumed := h.ok("resume")
	assert.True(t, resumed.Pauses[0].ResumedAutomatically)
	assert.Equal(t, "system", resumed.Pauses[0].ResumedBy)
	assert.Equal(t, start.Add(365*day+70*day), resumed.PlannedEnd)
	assert.Equal(t, 1, h.count("SELECT count(*) FROM audit_log WHERE action = 'course.resumed' AND actor_id = 'system' AND details->>'automatic' = 'true'"))
}

// A pause signal being handled when the server suggests continue-as-new: the run waits for it,
// so the pause is audited and carried. Before, the goroutine that read the signals was not
// waited for: the run continued as new with the pause in its state and never audited.
func TestContinueAsNewWaitsForAPauseBeingHandled(t *testing.T) {
	h := newHarness(t)
	h.at(10*day, func() {
		h.env.SignalWorkflow(course.SignalPause, course.PauseSignal{PauseID: "p1", PausedBy: "leder.ulla", PlannedResume: start.Add(100 * day)})
		h.env.SetContinueAsNewSuggested(true)
	})
	h.env.ExecuteWorkflow(course.CourseWorkflow, h.in)
	require.True(t, h.env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)
	var next course.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	assert.Equal(t, domain.PhasePaused, next.Carry.Phase)
	assert.Equal(t, 1, h.count("SELECT count(*) FROM audit_log WHERE action = 'course.paused' AND subject_id = $1", h.in.CourseID), "the pause is audited")
	assert.Equal(t, string(domain.PhasePaused), func() string {
		var p string
		require.NoError(t, h.store.DB().Get(&p, "SELECT phase FROM courses WHERE id = $1", h.in.CourseID))
		return p
	}())
}

// A step sent again with the same Update ID after continue-as-new (the API repeats an
// Idempotency-Key whose answer it could not keep) is accepted and changes nothing: the IDs
// are carried into the next run. Before, Temporal deduplicated within one run only and the
// step was applied twice.
func TestUpdateSentAgainAfterContinueAsNew(t *testing.T) {
	h := newHarness(t)
	milestone := course.MilestoneRequest{Actor: anna, Outcome: domain.OutcomeEducation, Date: start.Add(9 * day)}
	h.at(10*day, func() { h.send("konsulent.anna:key-1", course.UpdateRecordMilestone, milestone) })
	h.at(11*day, func() { h.env.SetContinueAsNewSuggested(true) })
	h.env.ExecuteWorkflow(course.CourseWorkflow, h.in)
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)
	var next course.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	assert.Contains(t, next.Handled, "konsulent.anna:key-1")

	h2 := newHarnessOn(t, h.store)
	h2.in = next
	h2.env.SetStartTime(h.env.Now())
	h2.at(time.Hour, func() { h2.send("konsulent.anna:key-1", course.UpdateRecordMilestone, milestone) })
	h2.at(2*time.Hour, func() { h2.send("konsulent.anna:key-2", course.UpdateRecordMilestone, milestone) })
	h2.at(3*time.Hour, func() {
		h2.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeEducation, Date: h.env.Now()})
	})
	h2.run()
	assert.Len(t, h2.ok("konsulent.anna:key-1").Milestones, 1, "the repeat changed nothing")
	assert.Len(t, h2.ok("konsulent.anna:key-2").Milestones, 2, "a new key is a new step")
	assert.Equal(t, 2, h.count("SELECT count(*) FROM audit_log WHERE action = 'course.milestone_recorded'"))
}

// apply-terms moves a running course to new terms by a steering-group decision: its end moves
// by the change in course length and its timers follow. Only the steering group applies them;
// a decision is required.
func TestApplyTermsMovesTheEnd(t *testing.T) {
	h := newHarness(t)
	h.in.Settings.ProgressionInterval = domain.DaysPeriod(1000)
	longer := h.in.Settings
	longer.CourseLength = domain.DaysPeriod(730)
	h.at(100*day, func() {
		h.send("by the lead", course.UpdateApplyTerms, course.TermsRequest{Actor: ulla, Settings: longer, DecisionID: 7})
		h.send("by an admin", course.UpdateApplyTerms, course.TermsRequest{Actor: admin, Settings: longer, DecisionID: 7})
		h.send("no decision", course.UpdateApplyTerms, course.TermsRequest{Actor: bo, Settings: longer})
		h.send("terms", course.UpdateApplyTerms, course.TermsRequest{Actor: bo, Settings: longer, DecisionID: 7})
	})
	h.at(671*day, func() {
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeEmployment, Date: start.Add(671 * day)})
	})
	h.run()
	for _, l := range []string{"by the lead", "by an admin"} {
		code, _ := h.failed(l)
		assert.Equal(t, domain.EForbidden, code, l)
	}
	_, field := h.failed("no decision")
	assert.Equal(t, "decision_id", field)
	st := h.ok("terms")
	assert.Equal(t, start.Add(730*day), st.PlannedEnd)
	require.Len(t, st.TermsChanges, 1)
	assert.Equal(t, int64(7), st.TermsChanges[0].DecisionID)
	assert.Equal(t, []reminder{
		{domain.ReminderEndApproaching, "konsulent.anna", 670, true}, // 60 days before the new end, not day 305
		{domain.ReminderEndApproaching, "leder.ulla", 670, true},
	}, h.reminders())
	assert.Equal(t, 1, h.count("SELECT count(*) FROM audit_log WHERE action = 'course.terms_changed'"))
}

// counter counts the workflow's metrics (a client.MetricsHandler). A handler WithTags shares
// the counts and their lock (local activities count from goroutines of their own).
type counter struct {
	mu     *sync.Mutex
	counts map[string]int64
	tags   map[string]string
}

func newCounter() *counter { return &counter{mu: &sync.Mutex{}, counts: map[string]int64{}} }

func (c *counter) WithTags(tags map[string]string) client.MetricsHandler {
	return &counter{mu: c.mu, counts: c.counts, tags: tags}
}
func (c *counter) Counter(name string) client.MetricsCounter { return counterOf{c, name} }
func (c *counter) Gauge(string) client.MetricsGauge          { return client.MetricsNopHandler.Gauge("") }
func (c *counter) Timer(string) client.MetricsTimer          { return client.MetricsNopHandler.Timer("") }

type counterOf struct {
	c    *counter
	name string
}

func (x counterOf) Inc(n int64) {
	x.c.mu.Lock()
	defer x.c.mu.Unlock()
	key := x.name
	if e := x.c.tags["effect"]; e != "" {
		key += "/" + e
	}
	x.c.counts[key] += n
}

func (c *counter) get(key string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[key]
}

// An effect that fails for good after its step was accepted does not fail the course: it is a
// stuck effect, in the query and the read model, raised to the administrators and counted; the
// course keeps its timers, retries it with a long backoff, and makes it when an administrator
// asks once the cause is fixed. Here a consultant missing from the staff register (a foreign-key
// violation in the save, and in each reminder to them). Before, the first save failed the
// workflow.
func TestStuckEffectsKeepTheCourse(t *testing.T) {
	h := newHarness(t)
	metrics := newCounter()
	h = newHarnessWith(t, h.store, metrics, nil)
	h.in.ConsultantIDs = []string{"konsulent.ghost"}
	ctx := context.Background()
	var stuck course.State
	var readModel int
	h.at(183*day, func() {
		stuck = h.query()
		open, err := h.store.OpenStuckEffects(ctx, course.WorkflowID(h.in.CourseID))
		require.NoError(t, err)
		readModel = len(open)
		h.retry("retry by anna", anna)
		team := "ungeteam"
		require.NoError(t, h.store.UpsertStaff(ctx, domain.Staff{ID: "konsulent.ghost", Name: "Genfundet Konsulent", TeamID: &team,
			HoursPerWeek: 17, Roles: []domain.Role{domain.RoleConsultant}}))
	})
	h.at(183*day+time.Hour, func() { h.retry("retry", admin) })
	h.at(184*day, func() {
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: ulla, Outcome: domain.OutcomeHandedBack, Date: start.Add(184 * day)})
	})
	res := h.run()
	assert.Equal(t, domain.OutcomeHandedBack, res.Outcome)

	assert.Equal(t, domain.PhaseActive, stuck.Phase, "the course went on")
	kinds := map[string]int{}
	for _, e := range stuck.Effects.Stuck {
		kinds[e.Kind]++
		assert.NotEmpty(t, e.Error)
		assert.Greater(t, e.Attempts, 1, "retried with the backoff meanwhile")
	}
	assert.Equal(t, map[string]int{"save": 1, "raise": 1}, kinds, "the save, and the progression reminder of day 182")
	assert.Equal(t, 2, readModel, "in the read model")
	code, _ := h.failed("retry by anna")
	assert.Equal(t, domain.EForbidden, code, "administrators retry")
	byAdmin := h.updates.OK("retry").(course.RetryEffectsResult)
	assert.Empty(t, byAdmin.Stuck, "made once the register was fixed")

	assert.Equal(t, 1, h.count("SELECT count(*) FROM courses WHERE id = $1", h.in.CourseID), "the read model was written")
	assert.Equal(t, 1, h.count("SELECT count(*) FROM reminders WHERE kind = $1 AND recipient_id = 'konsulent.ghost'", domain.ReminderProgressionDue))
	assert.Equal(t, 1, h.count("SELECT count(*) FROM reminders WHERE kind = $1 AND recipient_id = 'admin' AND done_at IS NOT NULL", domain.ReminderEffectsStuck),
		"the administrators were told once, and it is done")
	open, err := h.store.OpenStuckEffects(ctx, "")
	require.NoError(t, err)
	assert.Empty(t, open)
	assert.Equal(t, int64(1), metrics.get("tvp_effects_stuck/save"))
	assert.Equal(t, int64(1), metrics.get("tvp_effects_recovered/save"))
}

// A reminder's mail step is awaited before the run continues as new (version 3 of
// mail-reminders): the mail goes out although the server refused at first. Before, the step
// was started and forgotten, and continue-as-new dropped it with the run.
func TestContinueAsNewWaitsForTheMailStep(t *testing.T) {
	smtpd := mailtest.Start(t, 3)
	h := newHarness(t)
	h = newHarnessWith(t, h.store, nil, &mail.Mailer{Addr: smtpd.Addr, From: "tvp@tvp.test"})
	h.at(181*day, func() { h.env.SetContinueAsNewSuggested(true) }) // as the progression reminder is raised (5 July)
	h.env.ExecuteWorkflow(course.CourseWorkflow, h.in)
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)
	var to []string
	for _, m := range smtpd.Messages() {
		to = append(to, m.To...)
	}
	assert.Equal(t, []string{"konsulent.anna@tvp.example"}, to)
	assert.GreaterOrEqual(t, smtpd.Refused(), 3)
	assert.Equal(t, 1, h.count("SELECT count(*) FROM reminders WHERE mailed_at IS NOT NULL"))
}

// A pause's latest resume date moved by a decision reaches the course: it waits for the new
// date. Before, the team pause sent the course only its planned date; once that had passed and
// the steering group moved the latest date, the course showed the old date, already past, as
// what it waited for.
func TestAPausedCourseWaitsForTheMovedLatestDate(t *testing.T) {
	h := newHarness(t)
	planned, latest, later := start.Add(100*day), start.Add(130*day), start.Add(160*day)
	var paused, moved course.State
	var row domain.CourseRecord
	h.at(50*day, func() {
		h.send("pause", course.UpdatePause, course.PauseRequest{PauseID: "p1", PausedBy: "leder.ulla", PlannedResume: planned, ResumeBy: latest})
	})
	h.at(51*day, func() { paused = h.query() })
	h.at(110*day, func() { // the planned date has passed; a decision moves the latest
		h.send("moved", course.UpdatePause, course.PauseRequest{PauseID: "p1", PausedBy: "leder.ulla", PlannedResume: planned, ResumeBy: later})
	})
	h.at(111*day, func() { moved, row = h.query(), h.record() })
	h.at(160*day, func() {
		h.send("resume", course.UpdateResume, course.ResumeRequest{PauseID: "p1", ResumedBy: "system", Automatic: true})
	})
	h.at(161*day, func() {
		h.send("close", course.UpdateClose, course.CloseRequest{Actor: anna, Outcome: domain.OutcomeHandedBack, Date: start.Add(161 * day)})
	})
	h.run()
	require.NotNil(t, paused.NextDeadline)
	assert.Equal(t, latest, *paused.NextDeadline, "it resumes by itself on the latest date at the latest")
	assert.Equal(t, domain.NextTeamPaused, paused.Next.Code)
	require.Len(t, moved.Pauses, 1)
	assert.Equal(t, later, moved.Pauses[0].ResumeBy)
	assert.Equal(t, later, *moved.NextDeadline, "the moved date, not the old one already past")
	assert.Greater(t, moved.Revision, paused.Revision, "the read model learns it")
	require.NotNil(t, row.NextDeadline)
	assert.Equal(t, later.Format(time.DateOnly), row.NextDeadline.UTC().Format(time.DateOnly), "the read model")
}
