package teampause_test

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
	"tvp/store/storetest"
	"tvp/worker"
	"tvp/workflows/teampause"
)

// The team lead is reminded on the planned resume date and every interval after, until they
// resume the team; only a team lead resumes it.
func TestRemindedUntilResumed(t *testing.T) {
	s, _ := storetest.MustOpen(t)
	ctx := context.Background()
	require.NoError(t, demo.LoadRegister(ctx, s))
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))))
	env := suite.NewTestWorkflowEnvironment()
	worker.Register(env, &activities.Activities{Store: s})
	start := time.Date(2020, 6, 15, 0, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	day := 24 * time.Hour
	resume := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC) // "no later than 1 January"

	var openDuring bool
	var byConsultant, byLead error
	env.RegisterDelayedCallback(func() {
		_, err := s.OpenTeamPause(ctx, "familieteam")
		openDuring = err == nil
		env.UpdateWorkflow(teampause.UpdateResume, "u1", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { byConsultant = err }, OnComplete: func(any, error) {},
		}, teampause.ResumeRequest{Actor: demo.Actor("konsulent.eva")})
	}, 30*day)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(teampause.UpdateResume, "u2", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { byLead = err }, OnComplete: func(_ any, err error) { byLead = err },
		}, teampause.ResumeRequest{Actor: demo.Actor("leder.finn")})
	}, resume.Sub(start)+10*day)

	env.ExecuteWorkflow(teampause.TeamPauseWorkflow, teampause.Input{
		TeamID: "familieteam", PausedBy: "leder.finn", PlannedResume: resume, Reason: "Ny organisering", RemindEvery: domain.Days(7),
	})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	assert.True(t, openDuring, "the pause is in the read model")
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, byConsultant, &appErr)
	assert.Equal(t, domain.EForbidden, appErr.Type())
	assert.NoError(t, byLead)

	items, err := s.ListReminders(ctx, "team", "familieteam")
	require.NoError(t, err)
	var got []string
	for _, r := range items {
		got = append(got, r.RecipientID+" "+r.CreatedAt.UTC().Format(time.DateOnly)+" done="+boolString(r.DoneAt != nil))
	}
	assert.Equal(t, []string{
		"leder.finn 2021-01-01 done=true",
		"leder.finn 2021-01-08 done=true",
	}, got)
	_, err = s.OpenTeamPause(ctx, "familieteam")
	assert.Equal(t, domain.ENotFound, domain.ErrorCode(err), "resumed in the read model")
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
