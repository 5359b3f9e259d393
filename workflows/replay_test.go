package workflows_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"tvp/internal/codec"
	"tvp/internal/testing/apptest"
	tvpworker "tvp/worker"
	"tvp/workflows/collab"
)

// historyConverter reads the payloads of a recorded history: histories are recorded
// encrypted, and the codec refuses a payload in plain text; the .v0 ones were recorded before
// payloads were encrypted.
func historyConverter(t *testing.T, file string) converter.DataConverter {
	var opts []codec.Option
	if strings.HasSuffix(file, ".v0.json") {
		opts = append(opts, codec.AcceptPlaintext())
	}
	return apptest.Keyring(t).DataConverter(opts...)
}

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
				DataConverter: historyConverter(t, f),
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

// The Danish working days (collab.DanishWorkingDays): the history recorded with them holds the
// version and, in a SideEffect marker, the minutes' due date the calendar made when the meeting
// was recorded (Monday 13 April 2026 for a meeting on the Wednesday before Easter): a replay
// reads the date back and never counts again. The plan histories recorded before hold no such
// version, so they replay Monday to Friday.
func TestRecordedHistoriesDanishWorkingDays(t *testing.T) {
	files, err := filepath.Glob("collab/testdata/*.json")
	require.NoError(t, err)
	require.Contains(t, files, "collab/testdata/minutes_due_working_days.json")
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			dc := historyConverter(t, f)
			r, err := os.Open(f)
			require.NoError(t, err)
			defer r.Close()
			h, err := client.HistoryFromJSON(r, client.HistoryJSONOptions{})
			require.NoError(t, err)
			version, dates := -1, []time.Time{}
			for _, ev := range h.GetEvents() {
				m := ev.GetMarkerRecordedEventAttributes()
				switch m.GetMarkerName() {
				case "Version":
					var id string
					require.NoError(t, dc.FromPayloads(m.GetDetails()["change-id"], &id))
					if id == collab.DanishWorkingDays {
						require.NoError(t, dc.FromPayloads(m.GetDetails()["version"], &version))
					}
				case "SideEffect":
					var due time.Time
					require.NoError(t, dc.FromPayloads(m.GetDetails()["data"], &due))
					dates = append(dates, due)
				}
			}
			if filepath.Base(f) != "minutes_due_working_days.json" {
				assert.Equal(t, -1, version, "recorded before the Danish working days")
				assert.Empty(t, dates)
				return
			}
			assert.Equal(t, 1, version)
			require.Len(t, dates, 1, "one meeting, one due date")
			assert.True(t, time.Date(2026, time.April, 13, 8, 0, 0, 0, time.UTC).Equal(dates[0]), "recorded %s", dates[0])
		})
	}
}
