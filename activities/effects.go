package activities

import (
	"context"
	"time"

	"tvp/domain"
	"tvp/store"
)

// StuckEffectsInput is a workflow's list of stuck effects at one change (Seq) of it.
type StuckEffectsInput struct {
	WorkflowID  string               `json:"workflow_id"`
	SubjectType domain.SubjectType   `json:"subject_type"`
	SubjectID   string               `json:"subject_id"`
	Seq         int64                `json:"seq"`
	Effects     []domain.StuckEffect `json:"effects"`
	At          time.Time            `json:"at"`
}

// StuckEffectsResult is empty.
type StuckEffectsResult struct{}

// RecordStuckEffects writes the workflow's stuck effects to the read model (ordered by Seq,
// so a retry or a late write changes nothing).
func (a *Activities) RecordStuckEffects(ctx context.Context, in StuckEffectsInput) (StuckEffectsResult, error) {
	return StuckEffectsResult{}, permanent(a.Store.RecordStuckEffects(ctx, store.StuckEffects{
		WorkflowID: in.WorkflowID, SubjectType: in.SubjectType, SubjectID: in.SubjectID,
		Seq: in.Seq, Effects: in.Effects, At: in.At,
	}))
}
