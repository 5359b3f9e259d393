package teampause_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"tvp/activities"
	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/internal/mail"
	"tvp/internal/testing/mailtest"
	"tvp/internal/testing/storetest"
	"tvp/internal/testing/wftest"
	"tvp/store"
	"tvp/workflows/course"
	"tvp/workflows/teampause"
)

var (
	start  = time.Date(2020, 6, 15, 0, 0, 0, 0, time.UTC)
	day    = 24 * time.Hour
	resume = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC) // "no later than 1 January"
)

// harness runs a pause in the time-skipping environment, its activities on a real PostgreSQL;
// the Updates to the courses (an activity with a Temporal client) are recorded, not sent.
type harness struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	store   *store.Store
	mu      sync.Mutex
	updates []activities.UpdateTeamCoursesInput
	steps   *wftest.Updates[any] // the Updates sent to the pause, by label
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessMailing(t, nil)
}

// newHarnessMailing is newHarness with reminders mailed through the mailer.
func newHarnessMailing(t *testing.T, mailer *mail.Mailer) *harness {
	t.Helper()
	s, _ := storetest.MustOpen(t)
	require.NoError(t, demo.LoadRegister(context.Background(), s))
	env := wftest.Env(&activities.Activities{Store: s, Mailer: mailer, PublicURL: "https://tvp.test"}, start, wftest.Options{})
	h := &harness{t: t, env: env, store: s, steps: wftest.NewUpdates[any](t, env)}
	env.OnActivity("UpdateTeamCourses", mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.UpdateTeamCoursesInput) (activities.UpdateTeamCoursesResult, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.updates = append(h.updates, in)
			refs := []domain.CourseRef{{ID: "c1", WorkflowID: course.WorkflowID("c1")}}
			if !in.Open {
				refs = in.Courses
			}
			return activities.UpdateTeamCoursesResult{Applied: refs, Skipped: []domain.CourseRef{}}, nil
		})
	return h
}

func (h *harness) update(label, name string, req any, at time.Duration) {
	h.env.RegisterDelayedCallback(func() { h.steps.Send(label, name, req) }, at)
}

func (h *harness) run(in teampause.Input) teampause.Result {
	h.t.Helper()
	h.env.ExecuteWorkflow(teampause.TeamPauseWorkflow, in)
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	var res teampause.Result
	require.NoError(h.t, h.env.GetWorkflowResult(&res))
	return res
}

func (h *harness) code(label string) string {
	h.t.Helper()
	code, _ := h.steps.Failed(label)
	return code
}

func (h *harness) reminders() []string {
	items, err := h.store.ListReminders(context.Background(), "team", "familieteam")
	require.NoError(h.t, err)
	var got []string
	for _, r := range items {
		got = append(got, r.RecipientID+" "+r.CreatedAt.UTC().Format(time.DateOnly)+" done="+boolString(r.DoneAt != nil))
	}
	return got
}

func input() teampause.Input {
	return teampause.Input{TeamID: "familieteam", PausedBy: "leder.finn", PlannedResume: resume, Reason: "Ny organisering", RemindEvery: domain.Days(7)}
}

// The team lead is reminded on the planned resume date and every interval after, until they
// resume the team (before the latest resume date); only a team lead resumes it.
func TestRemindedUntilResumed(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	var openDuring bool
	h.env.RegisterDelayedCallback(func() {
		_, err := h.store.OpenTeamPause(ctx, "familieteam")
		openDuring = err == nil
	}, 30*day)
	h.update("by a consultant", teampause.UpdateResume, teampause.ResumeRequest{Actor: demo.Actor("konsulent.eva")}, 30*day)
	h.update("by the lead", teampause.UpdateResume, teampause.ResumeRequest{Actor: demo.Actor("leder.finn")}, resume.Sub(start)+10*day)
	in := input()
	in.ResumeBy = resume.AddDate(0, 1, 0)
	res := h.run(in)
	assert.True(t, openDuring, "the pause is in the read model")
	assert.Equal(t, domain.EForbidden, h.code("by a consultant"))
	assert.NoError(t, h.steps.Got("by the lead").Err)
	assert.False(t, res.Automatic)
	assert.Equal(t, []string{"c1"}, res.CourseIDs)
	assert.Equal(t, []string{
		"leder.finn 2021-01-01 done=true",
		"leder.finn 2021-01-08 done=true",
	}, h.reminders())
	_, err := h.store.OpenTeamPause(ctx, "familieteam")
	assert.Equal(t, domain.ENotFound, domain.ErrorCode(err), "resumed in the read model")
	require.Len(t, h.updates, 2)
	assert.Equal(t, course.UpdatePause, h.updates[0].Update)
	assert.True(t, h.updates[0].Open, "the team's open courses are paused")
	assert.Equal(t, course.UpdateResume, h.updates[1].Update)
	assert.Equal(t, "leder.finn", argOf[course.ResumeRequest](t, h.updates[1]).ResumedBy)
}

// "Genoptages senest 1. januar": at the latest resume date the courses resume by themselves,
// recorded as such, if nobody resumed the team before. Before, the pause only reminded and
// its courses stayed paused for ever.
func TestResumesByItselfAtTheLatestDate(t *testing.T) {
	h := newHarness(t)
	in := input()
	in.PlannedResume = resume.AddDate(0, 0, -14) // reminded for two weeks before
	in.ResumeBy = resume
	res := h.run(in)
	assert.True(t, res.Automatic)
	assert.Equal(t, resume, res.ResumedAt)
	assert.Equal(t, []string{
		"leder.finn 2020-12-18 done=true",
		"leder.finn 2020-12-25 done=true",
	}, h.reminders())
	require.Len(t, h.updates, 2)
	assert.Equal(t, course.ResumeRequest{PauseID: argOf[course.PauseRequest](t, h.updates[0]).PauseID, ResumedBy: teampause.AutomaticResumer, Automatic: true},
		argOf[course.ResumeRequest](t, h.updates[1]))
	_, err := h.store.OpenTeamPause(context.Background(), "familieteam")
	assert.Equal(t, domain.ENotFound, domain.ErrorCode(err), "resumed in the read model")
}

// A new decision moves the latest resume date (the steering group, with a recorded decision);
// the courses learn the new planned date; the pause then ends at the new date.
func TestNewDecisionMovesTheLatestResumeDate(t *testing.T) {
	h := newHarness(t)
	later := resume.AddDate(0, 2, 0)
	bo := demo.Actor("styregruppe.bo")
	h.update("by the lead", teampause.UpdateMoveResume, teampause.MoveResumeRequest{Actor: demo.Actor("leder.finn"), ResumeBy: later, DecisionID: 3}, 100*day)
	h.update("no decision", teampause.UpdateMoveResume, teampause.MoveResumeRequest{Actor: bo, ResumeBy: later}, 100*day)
	h.update("in the past", teampause.UpdateMoveResume, teampause.MoveResumeRequest{Actor: bo, ResumeBy: start, DecisionID: 3}, 100*day)
	h.update("move", teampause.UpdateMoveResume, teampause.MoveResumeRequest{Actor: bo, ResumeBy: later, DecisionID: 3}, 101*day)
	var resumeBy *time.Time
	h.env.RegisterDelayedCallback(func() {
		var err error
		resumeBy, err = h.store.TeamPauseResumeBy(context.Background(), "familieteam")
		require.NoError(t, err)
	}, 102*day)
	in := input()
	res := h.run(in)
	assert.Equal(t, domain.EForbidden, h.code("by the lead"))
	assert.Equal(t, domain.EInvalid, h.code("no decision"))
	assert.Equal(t, domain.EInvalid, h.code("in the past"))
	assert.NoError(t, h.steps.Got("move").Err)
	assert.True(t, res.Automatic)
	assert.Equal(t, later, res.ResumedAt, "at the moved date")
	require.NotNil(t, resumeBy)
	assert.Equal(t, later, resumeBy.UTC(), "in the read model")
	require.Len(t, h.updates, 3)
	assert.Equal(t, course.UpdatePause, h.updates[1].Update, "the same pause again tells the courses the date")
	assert.False(t, h.updates[1].Open)
	assert.Equal(t, []domain.CourseRef{{ID: "c1", WorkflowID: course.WorkflowID("c1")}}, h.updates[1].Courses)
	assert.Equal(t, resume, argOf[course.PauseRequest](t, h.updates[1]).PlannedResume, "planned resume kept: it is before the new latest date")
	assert.Equal(t, []string{ // from the planned date until the latest
		"leder.finn 2021-01-01 done=true", "leder.finn 2021-01-08 done=true", "leder.finn 2021-01-15 done=true",
		"leder.finn 2021-01-22 done=true", "leder.finn 2021-01-29 done=true", "leder.finn 2021-02-05 done=true",
		"leder.finn 2021-02-12 done=true", "leder.finn 2021-02-19 done=true", "leder.finn 2021-02-26 done=true",
	}, h.reminders())
}

// The team lead's reminders to end the pause are mailed like every other reminder. Before, the
// pause raised them without a mail step.
func TestResumeRemindersAreMailed(t *testing.T) {
	smtpd := mailtest.Start(t, 1)
	h := newHarnessMailing(t, &mail.Mailer{Addr: smtpd.Addr, From: "tvp@tvp.test"})
	in := input()
	in.PlannedResume = resume.AddDate(0, 0, -7)
	in.ResumeBy = resume
	h.run(in)
	require.Len(t, h.reminders(), 1)
	var to []string
	for _, m := range smtpd.Messages() {
		to = append(to, m.To...)
		assert.Contains(t, m.Data, "https://tvp.test/indbakke")
	}
	assert.Equal(t, []string{"leder.finn@tvp.example"}, to, "mailed once, although the server refused first")
}

// argOf decodes an Update's argument as the activity received it (JSON).
func argOf[T any](t *testing.T, in activities.UpdateTeamCoursesInput) T {
	t.Helper()
	b, err := json.Marshal(in.Arg)
	require.NoError(t, err)
	var v T
	require.NoError(t, json.Unmarshal(b, &v))
	return v
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
