// Package worker assembles the Temporal worker that runs TVP's workflows and activities.
package worker

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"

	"tvp/activities"
	"tvp/workflows/collab"
	"tvp/workflows/course"
	"tvp/workflows/schedules"
	"tvp/workflows/teampause"
)

// Options tune the worker; zero values take the SDK's defaults.
type Options struct {
	MaxConcurrentActivities int
	MaxConcurrentWorkflows  int
	// CacheSize bounds the workflows kept in memory (the sticky cache), for every worker of
	// the process: the SDK holds one cache per process, so the first worker's setting counts.
	CacheSize int
	// FixedPollers, if set, polls for workflow tasks with that many pollers, as the SDK does
	// by default (2), instead of autoscaling pollers. Fixed pollers serve the worker's sticky
	// queue first whenever the server reports a backlog there, so a worker that falls behind
	// stops polling the task queue itself, where new workflows' first tasks and other
	// workers' evicted ones wait (seen in the municipality-year: minutes). Autoscaling pollers
	// keep at least one poll on each queue.
	FixedPollers int
}

// New returns a worker on the task queue with every workflow and activity registered. The
// activities get the worker's client for the Updates a team pause sends to its courses.
func New(c client.Client, taskQueue string, acts *activities.Activities, o Options) sdkworker.Worker {
	if acts.Temporal == nil {
		acts.Temporal = c
	}
	if o.CacheSize > 0 {
		sdkworker.SetStickyWorkflowCacheSize(o.CacheSize) // ignored once a worker has started
	}
	opts := sdkworker.Options{
		MaxConcurrentActivityExecutionSize:     o.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize: o.MaxConcurrentWorkflows,
		WorkflowTaskPollerBehavior:             sdkworker.NewPollerBehaviorAutoscaling(sdkworker.PollerBehaviorAutoscalingOptions{}),
	}
	if o.FixedPollers > 0 {
		opts.WorkflowTaskPollerBehavior = sdkworker.NewPollerBehaviorSimpleMaximum(sdkworker.PollerBehaviorSimpleMaximumOptions{MaximumNumberOfPollers: o.FixedPollers})
	}
	w := sdkworker.New(c, taskQueue, opts)
	Register(w, acts)
	return w
}

// Register adds every workflow and activity to a registry (a worker, or a test environment).
func Register(r interface {
	RegisterWorkflow(w any)
	RegisterActivity(a any)
}, acts *activities.Activities) {
	for _, w := range Workflows() {
		r.RegisterWorkflow(w)
	}
	r.RegisterActivity(acts)
}

// Workflows are every workflow TVP runs (for a worker, a test environment or a replayer).
func Workflows() []any {
	return []any{course.CourseWorkflow, teampause.TeamPauseWorkflow, collab.CollaborationWorkflow,
		schedules.AuditRetentionWorkflow, schedules.DigestWorkflow, schedules.StatusReportWorkflow,
		schedules.IdempotencySweepWorkflow, schedules.MailOutboxWorkflow, schedules.HandOverWorkflow}
}

// EnsureSchedulesWith creates TVP's Temporal Schedules (schedules.All), or updates an existing
// one to the current settings: its timing (calendars in Europe/Copenhagen) as well as its
// action.
func EnsureSchedulesWith(ctx context.Context, c client.Client, s schedules.Settings) error {
	for _, sc := range schedules.All(s) {
		_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{ID: sc.ID, Spec: sc.Spec, Action: sc.Action})
		if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			spec, action := sc.Spec, sc.Action
			err = c.ScheduleClient().GetHandle(ctx, sc.ID).Update(ctx, client.ScheduleUpdateOptions{
				DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
					in.Description.Schedule.Spec = &spec
					in.Description.Schedule.Action = action
					return &client.ScheduleUpdate{Schedule: &in.Description.Schedule}, nil
				}})
		}
		if err != nil {
			return fmt.Errorf("schedule %s: %w", sc.ID, err)
		}
	}
	return nil
}
