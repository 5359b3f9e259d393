package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"tvp/domain"
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
	held    bool            // the run is about to continue as new: steps are refused
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

// Hold refuses every step from now on (EUnavailable: send it again, to the next run): the run is
// about to continue as new.
func (l *UpdateLog) Hold() { l.held = true }

// Held reports whether steps are refused because the run is about to continue as new.
func (l *UpdateLog) Held() bool { return l.held }

// Carry returns the IDs to carry into the next run: the newest KeepUpdateIDs.
func (l *UpdateLog) Carry() []string { return slices.Clone(l.ids) }

// EndBarrier is the change (GetVersion) from which a run that continues as new or ends first
// completes a workflow task of its own (Barrier).
const EndBarrier = "end-barrier"

// Barrier makes the steps accepted so far part of the history before the run continues as new
// or ends: it waits for a timer (a millisecond), so the workflow task that accepted them, and
// made their writes (local activities, inside that task), completes first. A workflow task
// that continues as new or completes while another step arrives is failed by the server, and
// the steps it accepted are aborted, although their writes were made; after the barrier the
// last task accepts none (they are refused: see Hold, and a closed workflow's validators).
func Barrier(ctx workflow.Context) error {
	if workflow.GetVersion(ctx, EndBarrier, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	return workflow.Sleep(ctx, time.Millisecond)
}

// Once wraps a step's validator and handler so that an Update applied in an earlier run is
// accepted again and changes nothing: the handler answers with again() (the state now).
func Once[R, S any](l *UpdateLog, validate func(workflow.Context, R) error, handle func(workflow.Context, R) (S, error), again func() S) (func(workflow.Context, R) error, func(workflow.Context, R) (S, error)) {
	v := func(ctx workflow.Context, r R) error {
		if l.Earlier(ctx) {
			return nil
		}
		if l.held {
			return Failure(errStartingNextRun)
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

// errStartingNextRun refuses an Update while the run is about to continue as new.
var errStartingNextRun = domain.Errorf(domain.EUnavailable, "the workflow is starting its next run: send the step again")

// Steps are a workflow's Updates, registered in one place: each step with its validator (which
// refuses without side effects) and applied once (Once), and the Updates that are not steps of
// the case (retry-effects) with their own. Add a step with AddStep, the rest with Add, then
// Register them all.
type Steps struct {
	log  *UpdateLog
	list []update
}

type update struct {
	name               string
	validator, handler any
}

// NewSteps collects the Updates of a workflow whose steps are logged in l.
func NewSteps(l *UpdateLog) *Steps { return &Steps{log: l} }

// AddStep adds a step: validate refuses it without side effects, handle takes it, again answers
// a step applied in an earlier run (the same Update ID, after continue-as-new).
func AddStep[R, S any](s *Steps, name string, validate func(workflow.Context, R) error, handle func(workflow.Context, R) (S, error), again func() S) {
	v, h := Once(s.log, validate, handle, again)
	s.list = append(s.list, update{name, v, h})
}

// Add adds an Update that is not a step of the case (no Once): refused, too, while the run is
// about to continue as new.
func Add[R, S any](s *Steps, name string, validate func(workflow.Context, R) error, handle func(workflow.Context, R) (S, error)) {
	v := func(ctx workflow.Context, r R) error {
		if s.log.Held() {
			return Failure(errStartingNextRun)
		}
		return Failure(validate(ctx, r))
	}
	s.list = append(s.list, update{name, v, handle})
}

// Register sets every Update's handler and validator on the workflow.
func (s *Steps) Register(ctx workflow.Context) error {
	for _, u := range s.list {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, u.handler, workflow.UpdateHandlerOptions{Validator: u.validator}); err != nil {
			return fmt.Errorf("register update %s: %w", u.name, err)
		}
	}
	return nil
}

// Check is a validator that needs no workflow context, as a step's validator.
func Check[R any](validate func(R) error) func(workflow.Context, R) error {
	return func(_ workflow.Context, r R) error { return validate(r) }
}
