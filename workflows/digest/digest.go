// Package digest mails each coordinator a daily digest of their open reminders. It runs as a
// Temporal Schedule.
package digest

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
	"tvp/workflows/effects"
)

// ScheduleID is the Temporal Schedule that runs DigestWorkflow daily.
const ScheduleID = "coordinator-digest"

// Every is how often the schedule runs.
const Every = 24 * time.Hour

// Input says whose digest to send.
type Input struct {
	Role domain.Role `json:"role"`
}

// Result counts the mails.
type Result struct {
	Mailed int `json:"mailed"`
}

var acts *activities.Activities

// DigestWorkflow mails the day's digests; the day is part of the key, so a retried run mails
// nobody twice.
func DigestWorkflow(ctx workflow.Context, in Input) (Result, error) {
	if in.Role == "" {
		in.Role = domain.RoleCoordinator
	}
	day := workflow.Now(ctx).UTC().Format(time.DateOnly)
	var out activities.SendDigestsResult
	if err := effects.Do(ctx, acts.SendDigests, activities.SendDigestsInput{Role: in.Role, Day: day}, &out); err != nil {
		return Result{}, fmt.Errorf("send digests: %w", err)
	}
	return Result{Mailed: out.Mailed}, nil
}
