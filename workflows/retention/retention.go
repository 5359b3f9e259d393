// Package retention deletes audit entries past their retention time (default six months,
// Datatilsynet's guidance). It runs daily as a Temporal Schedule.
package retention

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
	"tvp/workflows/effects"
)

// ScheduleID is the Temporal Schedule that runs AuditRetentionWorkflow daily; its workflow
// runs get IDs starting with it.
const ScheduleID = "audit-retention"

// Every is how often the schedule runs.
const Every = 24 * time.Hour

// Input says how long audit entries are kept.
type Input struct {
	Retention domain.Duration `json:"retention"`
}

// Result says how many entries were deleted and the limit used.
type Result struct {
	Deleted int64     `json:"deleted"`
	Before  time.Time `json:"before"`
}

var acts *activities.Activities

// AuditRetentionWorkflow deletes the audit entries older than the retention.
func AuditRetentionWorkflow(ctx workflow.Context, in Input) (Result, error) {
	if in.Retention <= 0 {
		return Result{}, fmt.Errorf("retention must be positive")
	}
	before := workflow.Now(ctx).Add(-in.Retention.D())
	var out activities.DeleteExpiredAuditResult
	if err := effects.Do(ctx, acts.DeleteExpiredAudit, activities.DeleteExpiredAuditInput{Before: before}, &out); err != nil {
		return Result{}, fmt.Errorf("delete expired audit entries: %w", err)
	}
	return Result{Deleted: out.Deleted, Before: before}, nil
}
