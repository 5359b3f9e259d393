package workflows_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"tvp/internal/apptest"
	"tvp/internal/codec"
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
			// Histories are recorded encrypted, and the codec refuses a payload in plain text;
			// the .v0 ones were recorded before payloads were encrypted.
			var opts []codec.Option
			if strings.HasSuffix(f, ".v0.json") {
				opts = append(opts, codec.AcceptPlaintext())
			}
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				DataConverter: apptest.Keyring(t).DataConverter(opts...),
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
