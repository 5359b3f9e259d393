package course_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"tvp/activities"
	"tvp/domain"
	"tvp/internal/demo"
	"tvp/store"
	"tvp/store/storetest"
	"tvp/worker"
	"tvp/workflows/course"
)

// env is a time-skipping test environment whose activities write to a real PostgreSQL.
func env(t *testing.T) (*testsuite.TestWorkflowEnvironment, *store.Store) {
	t.Helper()
	s, _ := storetest.MustOpen(t)
	require.NoError(t, demo.LoadRegister(context.Background(), s))
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	e := suite.NewTestWorkflowEnvironment()
	worker.Register(e, &activities.Activities{Store: s})
	return e, s
}

func input() course.Input {
	return course.Input{
		CourseID:      "3b0a6a2e-8d0f-4d8e-9a3c-000000000001",
		TeamID:        "ungeteam",
		Kind:          domain.TargetYoung,
		CitizenIDs:    []string{demo.Citizens[0].ID},
		ConsultantIDs: []string{"konsulent.anna"},
		StartDate:     time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC),
		Goals:         []course.Goal{{ID: "g1", Text: "Uddannelse"}},
		Settings:      domain.DefaultTeamSettings(domain.TargetYoung),
		ReferredBy:    "leder.ulla",
	}
}

func TestCourseClosesWithOutcome(t *testing.T) {
	e, s := env(t)
	in := input()
	e.SetStartTime(in.StartDate)
	closeOn := in.StartDate.AddDate(0, 10, 0)

	e.RegisterDelayedCallback(func() {
		v, err := e.QueryWorkflow(course.QueryState, course.StateQuery{})
		require.NoError(t, err)
		var st course.State
		require.NoError(t, v.Get(&st))
		assert.Equal(t, domain.PhaseActive, st.Phase)
		assert.Equal(t, in.StartDate.AddDate(1, 0, 0), st.PlannedEnd)

		e.UpdateWorkflow(course.UpdateClose, "close-1", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("close rejected: %v", err) },
			OnComplete: func(r any, err error) {
				require.NoError(t, err)
				assert.Equal(t, domain.PhaseClosed, r.(course.CloseResult).State.Phase)
			},
		}, course.CloseRequest{Actor: course.Actor{ID: "konsulent.anna"}, Outcome: domain.OutcomeEducation, Date: closeOn})
	}, 300*24*time.Hour)

	e.ExecuteWorkflow(course.Workflow, in)
	require.True(t, e.IsWorkflowCompleted())
	require.NoError(t, e.GetWorkflowError())
	var res course.Result
	require.NoError(t, e.GetWorkflowResult(&res))
	assert.Equal(t, course.Result{Outcome: domain.OutcomeEducation, ClosedOn: closeOn}, res)

	rec, err := s.GetCourse(context.Background(), in.CourseID)
	require.NoError(t, err)
	assert.Equal(t, domain.PhaseClosed, rec.Phase)
	require.NotNil(t, rec.Outcome)
	assert.Equal(t, domain.OutcomeEducation, *rec.Outcome)
	assert.Equal(t, int64(2), rec.Revision)

	log, err := s.CitizenAccessLog(context.Background(), in.CitizenIDs[0])
	require.NoError(t, err)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.ActorID+" "+e.Action)
	}
	assert.Equal(t, []string{"leder.ulla course.referred", "konsulent.anna course.closed"}, actions)
}

func TestCloseValidation(t *testing.T) {
	in := input()
	cases := []struct {
		name  string
		req   course.CloseRequest
		field string
	}{
		{"unknown outcome", course.CloseRequest{Outcome: "won_the_lottery", Date: in.StartDate}, "outcome"},
		{"before the start", course.CloseRequest{Outcome: domain.OutcomeNoResult, Date: in.StartDate.AddDate(0, 0, -1)}, "date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := env(t)
			e.SetStartTime(in.StartDate)
			rejected := false
			e.RegisterDelayedCallback(func() {
				e.UpdateWorkflow(course.UpdateClose, "u", &testsuite.TestUpdateCallback{
					OnReject: func(err error) {
						rejected = true
						var appErr *temporal.ApplicationError
						require.ErrorAs(t, err, &appErr)
						assert.Equal(t, domain.EInvalid, appErr.Type())
						var field string
						require.NoError(t, appErr.Details(&field))
						assert.Equal(t, tc.field, field)
					},
					OnComplete: func(any, error) {},
				}, tc.req)
			}, time.Hour)
			e.RegisterDelayedCallback(func() {
				v, err := e.QueryWorkflow(course.QueryState, course.StateQuery{})
				require.NoError(t, err)
				var st course.State
				require.NoError(t, v.Get(&st))
				assert.Equal(t, domain.PhaseActive, st.Phase, "a rejected close changes nothing")
				e.CancelWorkflow()
			}, 2*time.Hour)
			e.ExecuteWorkflow(course.Workflow, in)
			assert.True(t, rejected, "the update was not rejected")
		})
	}
}
