package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"

	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/internal/testing/apptest"
	"tvp/worker"
	"tvp/workflows/schedules"
)

// The Schedules on the real server: created, and created again they are updated, their timing
// as well as their action (a Schedule made with an older timing, every 24 hours from the
// epoch in UTC, gets its calendar in Europe/Copenhagen).
func TestEnsureSchedulesUpdatesTimingAndAction(t *testing.T) {
	app := apptest.Start(t)
	ctx := context.Background()
	sc := app.Temporal.ScheduleClient()
	t.Cleanup(func() {
		for _, s := range schedules.All(schedules.Settings{}) {
			_ = sc.GetHandle(context.Background(), s.ID).Delete(context.Background())
		}
	})
	for _, s := range schedules.All(schedules.Settings{}) {
		_ = sc.GetHandle(ctx, s.ID).Delete(ctx) // left by an earlier run
	}
	_, err := sc.Create(ctx, client.ScheduleOptions{
		ID:   schedules.AuditRetentionID,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: 24 * time.Hour}}},
		Action: &client.ScheduleWorkflowAction{ID: schedules.AuditRetentionID, Workflow: schedules.AuditRetentionWorkflow,
			TaskQueue: app.TaskQueue, Args: []any{schedules.RetentionInput{Retention: domain.Days(182)}}},
	})
	require.NoError(t, err)

	settings := schedules.Settings{TaskQueue: app.TaskQueue, AuditRetention: domain.Days(180), IdempotencyTTL: domain.Duration(48 * time.Hour)}
	require.NoError(t, worker.EnsureSchedulesWith(ctx, app.Temporal, settings))
	require.NoError(t, worker.EnsureSchedulesWith(ctx, app.Temporal, settings), "again: updated, not an error")

	for _, want := range schedules.All(settings) {
		desc, err := sc.GetHandle(ctx, want.ID).Describe(ctx)
		require.NoError(t, err, want.ID)
		spec := desc.Schedule.Spec
		if len(want.Spec.Calendars) > 0 {
			assert.Equal(t, domain.TimeZone, spec.TimeZoneName, want.ID)
			assert.Empty(t, spec.Intervals, "%s: the old interval is gone", want.ID)
			require.Len(t, spec.Calendars, 1, want.ID)
			assert.Equal(t, want.Spec.Calendars[0].Hour[0].Start, spec.Calendars[0].Hour[0].Start, want.ID)
		} else {
			require.Len(t, spec.Intervals, 1, want.ID)
			assert.Equal(t, want.Spec.Intervals[0].Every, spec.Intervals[0].Every, want.ID)
		}
		action := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
		assert.Equal(t, app.TaskQueue, action.TaskQueue, want.ID)
	}
	desc, err := sc.GetHandle(ctx, schedules.AuditRetentionID).Describe(ctx)
	require.NoError(t, err)
	var in schedules.RetentionInput
	require.NoError(t, apptest.Keyring(t).DataConverter().FromPayload(desc.Schedule.Action.(*client.ScheduleWorkflowAction).Args[0].(*commonpb.Payload), &in))
	assert.Equal(t, domain.Days(180), in.Retention, "the action's new retention")
}

// The audit retention job deletes exactly the entries older than the retention.
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
	run, err := app.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "retention-test-" + t.Name(), TaskQueue: app.TaskQueue},
		schedules.AuditRetentionWorkflow, schedules.RetentionInput{Retention: domain.Days(182)})
	require.NoError(t, err)
	var res schedules.RetentionResult
	require.NoError(t, run.Get(ctx, &res))
	assert.Equal(t, int64(1), res.Deleted)
	left, err := app.Store.CitizenAccessLog(ctx, cid)
	require.NoError(t, err)
	require.Len(t, left, 1)
	assert.Equal(t, domain.AuditAction("recent.read"), left[0].Action)
}

// The daily sweep of idempotent answers deletes those older than their time to live.
func TestIdempotencySweep(t *testing.T) {
	app := apptest.Start(t)
	ctx := context.Background()
	for _, k := range []struct {
		key string
		age time.Duration
	}{{"old", 30 * time.Hour}, {"new", time.Hour}} {
		_, err := app.Store.ClaimIdempotencyKey(ctx, "konsulent.anna", k.key, "POST", "/api/v1/courses", []byte(k.key), 24*time.Hour)
		require.NoError(t, err)
		_, err = app.Store.DB().Exec(`UPDATE idempotency_keys SET created_at = now() - make_interval(secs => $2) WHERE key = $1`, k.key, k.age.Seconds())
		require.NoError(t, err)
	}
	run, err := app.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "idempotency-test-" + t.Name(), TaskQueue: app.TaskQueue},
		schedules.IdempotencySweepWorkflow, schedules.IdempotencyInput{TTL: domain.Duration(24 * time.Hour)})
	require.NoError(t, err)
	var res schedules.IdempotencyResult
	require.NoError(t, run.Get(ctx, &res))
	assert.Equal(t, int64(1), res.Deleted)
	var keys []string
	require.NoError(t, app.Store.DB().Select(&keys, `SELECT key FROM idempotency_keys ORDER BY key`))
	assert.Equal(t, []string{"new"}, keys)
}
