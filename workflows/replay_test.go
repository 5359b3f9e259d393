package workflows_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"tvp/internal/apptest"
	tvpworker "tvp/worker"
)

// Every history recorded from the real server (testdata/ of each workflow package, made by
// the API's integration tests with TVP_RECORD_HISTORIES=1) must replay on today's code: a
// change to workflow logic that would break running workflows fails here.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("*/testdata/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no recorded histories")
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				DataConverter: apptest.Keyring(t).DataConverter(), // histories are recorded encrypted
			})
			require.NoError(t, err)
			for _, w := range tvpworker.Workflows() {
				r.RegisterWorkflow(w)
			}
			logger := tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(logger, f))
		})
	}
}
