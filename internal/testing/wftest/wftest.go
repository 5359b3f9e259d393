// Package wftest runs TVP's workflows in the SDK's time-skipping test environment, their
// activities writing to a real PostgreSQL: the one harness of the course's, the plan's and the
// team pause's tests (an environment, and the Updates sent to it with what each came to).
package wftest

import (
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"tvp/activities"
	"tvp/worker"
)

// Options change the environment.
type Options struct {
	// Timeout bounds the test in real time (a minute if zero).
	Timeout time.Duration
	// Metrics, if set, receives the workflows' metrics.
	Metrics client.MetricsHandler
}

// Env is a test environment with every workflow and the activities registered, its clock at
// start. It logs errors only (TVP_TEST_WORKFLOW_LOG=1: everything).
func Env(acts *activities.Activities, start time.Time, o Options) *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	if o.Metrics != nil {
		suite.SetMetricsHandler(o.Metrics)
	}
	level := slog.LevelError
	if os.Getenv("TVP_TEST_WORKFLOW_LOG") != "" {
		level = slog.LevelDebug
	}
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))))
	e := suite.NewTestWorkflowEnvironment()
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	e.SetTestTimeout(o.Timeout)
	worker.Register(e, acts)
	e.SetStartTime(start)
	return e
}

// Outcome is what an Update came to: refused by its validator or failed (Err), or done with
// its result.
type Outcome[R any] struct {
	Result R
	Err    error
	Done   bool
}

// Updates sends Updates to the environment's workflow and keeps what each came to, by label.
type Updates[R any] struct {
	t   testing.TB
	env *testsuite.TestWorkflowEnvironment
	got map[string]Outcome[R]
}

// NewUpdates sends Updates whose results are of type R.
func NewUpdates[R any](t testing.TB, env *testsuite.TestWorkflowEnvironment) *Updates[R] {
	return &Updates[R]{t: t, env: env, got: map[string]Outcome[R]{}}
}

// Send sends an Update; what it came to is known once the workflow has processed it (after the
// callback that sent it returns), under the label.
func (u *Updates[R]) Send(label, name string, req any) {
	u.env.UpdateWorkflow(name, label, &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { u.got[label] = Outcome[R]{Err: err, Done: true} },
		OnComplete: func(r any, err error) {
			o := Outcome[R]{Err: err, Done: true}
			if err == nil {
				o.Result = r.(R)
			}
			u.got[label] = o
		},
	}, req)
}

// Got is what the Update under the label came to; it must have finished.
func (u *Updates[R]) Got(label string) Outcome[R] {
	u.t.Helper()
	o := u.got[label]
	require.True(u.t, o.Done, "update %q never finished", label)
	return o
}

// OK is the result of the Update under the label, which must have succeeded.
func (u *Updates[R]) OK(label string) R {
	u.t.Helper()
	o := u.Got(label)
	require.NoError(u.t, o.Err, "update %q", label)
	return o.Result
}

// Failed is the error code and field of the Update under the label, which must have failed.
func (u *Updates[R]) Failed(label string) (code, field string) {
	u.t.Helper()
	o := u.Got(label)
	var appErr *temporal.ApplicationError
	require.ErrorAs(u.t, o.Err, &appErr, "update %q", label)
	_ = appErr.Details(&field)
	return appErr.Type(), field
}
