package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"tvp/domain"
	"tvp/internal/apptest"
	"tvp/internal/demo"
	"tvp/worker"
	"tvp/workflows/retention"
)

// The audit retention job on the real server: the schedule exists (and creating it again
// updates it), and a run deletes exactly the entries older than the retention.
func TestAuditRetention(t *testing.T) {
	app := apptest.Start(t)
	ctx := context.Background()
	cid := demo.Citizens[0].ID
	for _, e := range []domain.AuditEntry{
		{At: time.Now().AddDate(0, -7, 0), ActorID: "admin", Action: "old.read", SubjectType: "course", SubjectID: "x", CitizenID: &cid, Purpose: "test"},
		{At: time.Now().AddDate(0, -1, 0), ActorID: "admin", Action: "recent.read", SubjectType: "course", SubjectID: "x", CitizenID: &cid, Purpose: "test"},
	} {
		require.NoError(t, app.Store.AppendAudit(ctx, e))
	}

	require.NoError(t, worker.EnsureSchedules(ctx, app.Temporal, app.TaskQueue, domain.Days(182)))
	require.NoError(t, worker.EnsureSchedules(ctx, app.Temporal, app.TaskQueue, domain.Days(180)), "again: updated, not an error")
	h := app.Temporal.ScheduleClient().GetHandle(ctx, retention.ScheduleID)
	t.Cleanup(func() { _ = h.Delete(context.Background()) })
	desc, err := h.Describe(ctx)
	require.NoError(t, err)
	require.Len(t, desc.Schedule.Spec.Intervals, 1)
	assert.Equal(t, 24*time.Hour, desc.Schedule.Spec.Intervals[0].Every)

	run, err := app.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "retention-test-" + t.Name(), TaskQueue: app.TaskQueue},
		retention.AuditRetentionWorkflow, retention.Input{Retention: domain.Days(182)})
	require.NoError(t, err)
	var res retention.Result
	require.NoError(t, run.Get(ctx, &res))
	assert.Equal(t, int64(1), res.Deleted)
	left, err := app.Store.CitizenAccessLog(ctx, cid)
	require.NoError(t, err)
	require.Len(t, left, 1)
	assert.Equal(t, domain.AuditAction("recent.read"), left[0].Action)
}
