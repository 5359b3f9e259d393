package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"
)

// KeepUpdateIDs is how many Update IDs a workflow carries across continue-as-new: the newest,
// the oldest dropped first. The API sends a step again with the same ID when its client repeats
// an Idempotency-Key whose answer it could not keep (its ID is the caller and the key).
const KeepUpdateIDs = 256

// UpdateLog remembers the IDs of the Updates a workflow has applied. Temporal itself gives an
// Update ID sent again the first outcome within one run only; the log, carried across
// continue-as-new, makes a step sent again after it change nothing either.
type UpdateLog struct {
	earlier map[string]bool // applied in an earlier run
	ids     []string        // applied, oldest first (earlier runs' too)
}

// NewUpdateLog starts the log of a run with the IDs the previous run carried.
func NewUpdateLog(carried []string) *UpdateLog {
	l := &UpdateLog{earlier: make(map[string]bool, len(carried)), ids: slices.Clone(carried)}
	for _, id := range carried {
		l.earlier[id] = true
	}
	return l
}

// Earlier reports whether the Update being handled was applied in an earlier run.
func (l *UpdateLog) Earlier(ctx workflow.Context) bool {
	info := workflow.GetCurrentUpdateInfo(ctx)
	return info != nil && l.earlier[info.ID]
}

// Add records the Update being handled as applied.
func (l *UpdateLog) Add(ctx workflow.Context) {
	if info := workflow.GetCurrentUpdateInfo(ctx); info != nil && info.ID != "" {
		l.ids = append(l.ids, info.ID)
		if n := len(l.ids) - KeepUpdateIDs; n > 0 {
			l.ids = slices.Delete(l.ids, 0, n)
		}
	}
}

// Carry returns the IDs to carry into the next run: the newest KeepUpdateIDs.
func (l *UpdateLog) Carry() []string { return slices.Clone(l.ids) }

// Once wraps a step's validator and handler so that an Update applied in an earlier run is
// accepted again and changes nothing: the handler answers with again() (the state now).
func Once[R, S any](l *UpdateLog, validate func(workflow.Context, R) error, handle func(workflow.Context, R) (S, error), again func() S) (func(workflow.Context, R) error, func(workflow.Context, R) (S, error)) {
	v := func(ctx workflow.Context, r R) error {
		if l.Earlier(ctx) {
			return nil
		}
		return Failure(validate(ctx, r))
	}
	h := func(ctx workflow.Context, r R) (S, error) {
		if l.Earlier(ctx) {
			return again(), nil
		}
		l.Add(ctx)
		return handle(ctx, r)
	}
	return v, h
}
