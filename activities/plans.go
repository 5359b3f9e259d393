package activities

import (
	"context"

	"tvp/domain"
)

// SavePlanInput is a plan's read model at one revision.
type SavePlanInput struct {
	Plan domain.PlanRecord `json:"plan"`
}

// SavePlanResult is empty.
type SavePlanResult struct{}

// SavePlan writes the plan's read model (ordered by revision; idempotent).
func (a *Activities) SavePlan(ctx context.Context, in SavePlanInput) (SavePlanResult, error) {
	return SavePlanResult{}, permanent(a.Store.SavePlan(ctx, in.Plan))
}

// ReassignRemindersInput hands one person's open items about a subject to another.
type ReassignRemindersInput struct {
	SubjectType domain.SubjectType `json:"subject_type"`
	SubjectID   string             `json:"subject_id"`
	From        string             `json:"from"`
	To          string             `json:"to"`
}

// ReassignRemindersResult counts the items moved.
type ReassignRemindersResult struct {
	Moved int64 `json:"moved"`
}

// ReassignReminders moves open items; moved once, a retry finds none left to move.
func (a *Activities) ReassignReminders(ctx context.Context, in ReassignRemindersInput) (ReassignRemindersResult, error) {
	n, err := a.Store.ReassignReminders(ctx, in.SubjectType, in.SubjectID, in.From, in.To, domain.DayIn(a.now()))
	return ReassignRemindersResult{Moved: n}, permanent(err)
}
