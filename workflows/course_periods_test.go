package workflows_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
	tvpworker "tvp/worker"
	"tvp/workflows/course"
)

// saves records the read-model rows a course's workflow writes while a history replays: what
// the workflow computes on today's code (the replay hands it the recorded results, but the
// rows are its own).
type saves struct {
	interceptor.WorkerInterceptorBase
	mu   sync.Mutex
	rows []domain.CourseRecord
}

func (s *saves) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &savesInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, s: s}
}

type savesInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	s *saves
}

func (i *savesInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&savesOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}, s: i.s})
}

type savesOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	s *saves
}

func (o *savesOutbound) record(args []any) {
	for _, a := range args {
		if in, ok := a.(activities.SaveCourseInput); ok {
			o.s.mu.Lock()
			o.s.rows = append(o.s.rows, in.Course)
			o.s.mu.Unlock()
		}
	}
}

func (o *savesOutbound) ExecuteLocalActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	o.record(args)
	return o.Next.ExecuteLocalActivity(ctx, activityType, args...)
}

func (o *savesOutbound) ExecuteActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	o.record(args)
	return o.Next.ExecuteActivity(ctx, activityType, args...)
}

// A course referred before its periods were counted in the calendar keeps its dates: replayed
// on today's code, every recorded course ends the fixed length its referral gave it after its
// start (365 days for a year, as it was then written; seconds for the tests' short teams), in
// the first row it writes.
func TestACourseFromBeforeKeepsItsFixedLengths(t *testing.T) {
	files, err := filepath.Glob("course/testdata/*.json")
	require.NoError(t, err)
	yearLong := 0
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			s := &saves{}
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				DataConverter: historyConverter(t, f), Interceptors: []interceptor.WorkerInterceptor{s},
			})
			require.NoError(t, err)
			for _, w := range tvpworker.Workflows() {
				r.RegisterWorkflow(w)
			}
			logger := tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(logger, f))
			in := recordedInput(t, f)
			if in.Carry != nil {
				return // a run continued as new: its dates came with it
			}
			require.NotEmpty(t, s.rows, "the course wrote its read model")
			length := in.Settings.CourseLength
			require.False(t, length.Calendar(), "recorded before periods: %s", length)
			assert.Equal(t, in.StartDate.Add(time.Duration(length.Days)*24*time.Hour+length.Exact), s.rows[0].PlannedEnd, "course length %s", length)
			if length == domain.DaysPeriod(365) {
				yearLong++
			}
		})
	}
	assert.Positive(t, yearLong, "no recorded course was referred for 365 days")
}

// recordedInput is the input a recorded course history started with.
func recordedInput(t *testing.T, file string) course.Input {
	t.Helper()
	r, err := os.Open(file)
	require.NoError(t, err)
	defer r.Close()
	h, err := client.HistoryFromJSON(r, client.HistoryJSONOptions{})
	require.NoError(t, err)
	var in course.Input
	require.NoError(t, historyConverter(t, file).FromPayloads(h.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes().GetInput(), &in))
	return in
}
