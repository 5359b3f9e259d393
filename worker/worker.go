// Package worker assembles the Temporal worker that runs TVP's workflows and activities.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"tvp/activities"
	"tvp/workflows/collab"
	"tvp/workflows/course"
	"tvp/workflows/teampause"
)

// Options tune the worker; zero values take the SDK's defaults.
type Options struct {
	MaxConcurrentActivities int
	MaxConcurrentWorkflows  int
}

// New returns a worker on the task queue with every workflow and activity registered.
func New(c client.Client, taskQueue string, acts *activities.Activities, o Options) sdkworker.Worker {
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
	return []any{course.CourseWorkflow, teampause.TeamPauseWorkflow, collab.CollaborationWorkflow}
}
