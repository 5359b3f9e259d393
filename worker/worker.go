// Package worker assembles the Temporal worker that runs TVP's workflows and activities.
package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"

	"tvp/activities"
	"tvp/domain"
	"tvp/workflows/collab"
	"tvp/workflows/committee"
	"tvp/workflows/course"
	"tvp/workflows/digest"
	"tvp/workflows/retention"
	"tvp/workflows/teampause"
)

// Options tune the worker; zero values take the SDK's defaults.
type Options struct {
	MaxConcurrentActivities int
	MaxConcurrentWorkflows  int
	// CacheSize bounds the workflows kept in memory (the sticky cache), for every worker of
	// the process: the SDK holds one cache per process, so the first worker's setting counts.
	CacheSize int
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
	w := sdkworker.New(c, taskQueue, sdkworker.Options{
		MaxConcurrentActivityExecutionSize:     o.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize: o.MaxConcurrentWorkflows,
	})
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
		retention.AuditRetentionWorkflow, digest.DigestWorkflow, committee.StatusReportWorkflow}
}

// EnsureSchedules creates TVP's Temporal Schedules, or updates them to the current settings:
// the daily deletion of expired audit entries, the coordinators' daily digest, and the
// half-yearly status report for the committees.
func EnsureSchedules(ctx context.Context, c client.Client, taskQueue string, auditRetention domain.Duration) error {
	every := func(d time.Duration) client.ScheduleSpec {
		return client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: d}}}
	}
	halfYearly := client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{{
		Month: []client.ScheduleRange{{Start: 1}, {Start: 7}}, DayOfMonth: []client.ScheduleRange{{Start: 1}},
		Hour: []client.ScheduleRange{{Start: 6}}, Minute: []client.ScheduleRange{{Start: 0}}, Second: []client.ScheduleRange{{Start: 0}},
	}}}
	schedules := []struct {
		id     string
		spec   client.ScheduleSpec
		action *client.ScheduleWorkflowAction
	}{
		{retention.ScheduleID, every(retention.Every), &client.ScheduleWorkflowAction{
			ID: retention.ScheduleID, Workflow: retention.AuditRetentionWorkflow, TaskQueue: taskQueue,
			Args: []any{retention.Input{Retention: auditRetention}},
		}},
		{digest.ScheduleID, every(digest.Every), &client.ScheduleWorkflowAction{
			ID: digest.ScheduleID, Workflow: digest.DigestWorkflow, TaskQueue: taskQueue,
			Args: []any{digest.Input{Role: domain.RoleCoordinator}},
		}},
		{committee.ScheduleID, halfYearly, &client.ScheduleWorkflowAction{
			ID: committee.ScheduleID, Workflow: committee.StatusReportWorkflow, TaskQueue: taskQueue,
			Args: []any{committee.Input{}},
		}},
	}
	for _, sc := range schedules {
		_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
			ID:     sc.id,
			Spec:   sc.spec,
			Action: sc.action,
		})
		if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			action := sc.action
			err = c.ScheduleClient().GetHandle(ctx, sc.id).Update(ctx, client.ScheduleUpdateOptions{
				DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
					in.Description.Schedule.Action = action
					return &client.ScheduleUpdate{Schedule: &in.Description.Schedule}, nil
				}})
		}
		if err != nil {
			return fmt.Errorf("schedule %s: %w", sc.id, err)
		}
	}
	return nil
}
