package collab

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
	"tvp/workflows"
	"tvp/workflows/effects"
)

var acts *activities.Activities // nil: only its methods' names are used

// CollaborationWorkflow runs one citizen's plan in the collaboration model, for as long as the
// citizen stays: it continues as new once a run has lasted RunLength (a year) or when the
// server suggests it, carrying the whole state.
func CollaborationWorkflow(ctx workflow.Context, in Input) (Result, error) {
	p := &plan{}
	if err := p.setup(ctx, in); err != nil {
		return Result{}, err
	}
	return p.run(ctx)
}

type plan struct {
	in       Input
	s        domain.CollaborationSettings
	state    State
	fresh    bool
	saved    int64
	runStart time.Time
	fx       *effects.Runner
	log      *workflows.UpdateLog
	// agreementsV is AgreementReminders' version in this run: 0 not asked yet, 1 on, -1 a
	// history from before.
	agreementsV int
}

func (p *plan) setup(ctx workflow.Context, in Input) error {
	if err := ValidateInput(in); err != nil {
		return workflows.Failure(err)
	}
	p.in, p.s = in, in.Settings
	p.log = workflows.NewUpdateLog(in.Handled)
	p.in.Handled = nil
	now := workflow.Now(ctx)
	p.runStart = now
	if in.Carry != nil {
		p.state, p.saved = *in.Carry, in.Carry.Revision
		p.in.Carry = nil
		p.state.Runs++
	} else {
		p.fresh = true
		if !in.EnrolledAt.IsZero() {
			now = in.EnrolledAt
		}
		parts := []domain.Participant{
			{StaffID: in.CoordinatorID, Role: domain.ParticipantCoordinator, JoinedAt: now},
			{StaffID: in.CoordinatingCaseworkerID, Role: domain.ParticipantCoordinatingCaseworker, JoinedAt: now},
		}
		for _, cw := range in.Caseworkers {
			parts = append(parts, domain.Participant{StaffID: cw.StaffID, Role: domain.ParticipantCaseworker, Centre: cw.Centre, JoinedAt: now})
		}
		p.state = State{
			PlanID: in.PlanID, CitizenID: in.CitizenID, Phase: domain.PlanAwaitingConsent,
			CoordinatorID: in.CoordinatorID, CoordinatingCaseworkerID: in.CoordinatingCaseworkerID,
			Participants: parts, FromCourseID: in.FromCourseID, EnrolledAt: now, Revision: 1, Runs: 1,
			Meetings:     []domain.Meeting{{Seq: 1, Kind: domain.MeetingCrossDisciplinary, Status: domain.MeetingUnscheduled, DueBy: now.Add(p.s.FirstMeetingWithin.D())}},
			FormVersions: []domain.FormVersion{}, Tracks: []Track{}, CitizenEmail: in.CitizenEmail,
		}
	}
	p.fx = &effects.Runner{
		Ledger: &p.state.Effects, Workflow: "collaboration", WorkflowID: WorkflowID(p.state.PlanID),
		SubjectType: domain.SubjectPlan, SubjectID: p.state.PlanID, Apply: p.apply,
		Saved: func() bool { return p.saved >= p.state.Revision },
	}
	p.refreshNext()
	if err := workflow.SetQueryHandler(ctx, QueryState, func(StateQuery) (State, error) { return p.state, nil }); err != nil {
		return fmt.Errorf("register query: %w", err)
	}
	return p.steps().Register(ctx)
}

func (p *plan) run(ctx workflow.Context) (Result, error) {
	if p.fresh {
		// Named: an Update that arrives while the first task is lost is handled before it when
		// the task is run again, and takes a revision first.
		if err := p.commit(effects.WithStep(ctx, "start"), p.in.EnrolledBy, domain.AuditEnrolled, domain.PurposeEnrolment, false); err != nil {
			return Result{}, err
		}
	}
	for p.state.Phase != domain.PlanEnded {
		if p.state.Revision > p.saved && !p.fx.Has(effects.SaveKey) {
			if err := p.save(ctx); err != nil {
				return Result{}, err
			}
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return Result{}, p.continueAsNew(ctx)
		}
		p.versionAgreements(ctx)
		at, o := p.next(workflow.Now(ctx))
		seen, seenFx := p.state.Revision, p.state.Effects.Seq
		changed := func() bool { return p.state.Revision != seen || p.state.Effects.Seq != seenFx }
		due := effects.ScheduledFor(ctx, at)
		if wait := at.Sub(workflow.Now(ctx)); wait > 0 {
			ok, err := workflow.AwaitWithTimeout(ctx, wait, changed)
			if err != nil {
				return Result{}, err
			}
			if ok {
				continue
			}
		}
		if o.kind == occContinueAsNew {
			return Result{}, p.continueAsNew(ctx)
		}
		if err := p.fire(ctx, o, due); err != nil {
			return Result{}, err
		}
	}
	if err := p.fx.Run(ctx, effects.Complete(ctx, domain.SubjectPlan, p.state.PlanID)); err != nil {
		return Result{}, err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return Result{}, err
	}
	if p.state.Revision > p.saved && !p.fx.Has(effects.SaveKey) {
		if err := p.save(ctx); err != nil {
			return Result{}, err
		}
	}
	if err := p.fx.Drain(ctx); err != nil {
		return Result{}, err
	}
	if err := workflows.Barrier(ctx); err != nil {
		return Result{}, err
	}
	if err := p.fx.Drain(ctx); err != nil { // a retry-effects sent during the barrier
		return Result{}, err
	}
	return Result{EndedOn: *p.state.EndedOn, EndReason: p.state.EndReason}, nil
}

// continueAsNew carries the state into a new run once every handler has finished.
func (p *plan) continueAsNew(ctx workflow.Context) error {
	p.log.Hold()
	idle := func() bool { return workflow.AllHandlersFinished(ctx) }
	if err := workflow.Await(ctx, idle); err != nil {
		return err
	}
	if err := workflows.Barrier(ctx); err != nil {
		return err
	}
	if err := workflow.Await(ctx, idle); err != nil {
		return err
	}
	if p.state.Revision > p.saved && !p.fx.Has(effects.SaveKey) {
		if err := p.save(ctx); err != nil {
			return err
		}
	}
	if err := p.fx.Settle(ctx); err != nil {
		return err
	}
	next := p.in
	st := p.state
	next.Carry = &st
	next.Handled = p.log.Carry()
	return workflow.NewContinueAsNewError(ctx, CollaborationWorkflow, next)
}

// commit records a step: a new revision (if bump), the read model, the audit log (keyed by the
// step: effects.StepKey, its name or Update's ID, or else its own revision, taken before
// anything blocks), and the inbox items of the occasions the step has answered (key prefixes).
// In an Update's handler the audit is appended first, after the Update's acceptance is recorded
// (effects.AfterAcceptance), and the other writes after it. An effect that fails is kept as
// stuck (effects.Runner): commit fails only in a history from before that.
func (p *plan) commit(ctx workflow.Context, actor string, action domain.AuditAction, purpose domain.Purpose, bump bool, done ...string) error {
	if bump {
		p.state.Revision++
	}
	rev := p.state.Revision
	p.refreshNext()
	audit := func() error {
		return p.fx.Run(ctx, effects.Audit(ctx, effects.StepKey(ctx, WorkflowID(p.state.PlanID), rev),
			domain.AuditEntry{ActorID: actor, Action: action, SubjectType: domain.SubjectPlan, SubjectID: p.state.PlanID, Purpose: purpose},
			[]string{p.state.CitizenID}))
	}
	if effects.AfterAcceptance(ctx) { // the audit first: the writes after it are made once the step is in the history
		if err := audit(); err != nil {
			return err
		}
		if err := p.save(ctx); err != nil {
			return err
		}
	} else {
		if err := p.save(ctx); err != nil {
			return err
		}
		if err := audit(); err != nil {
			return err
		}
	}
	if len(done) == 0 {
		return nil
	}
	return p.fx.Run(ctx, effects.CompleteOccasions(ctx, done...))
}

// save writes the read model, unless an earlier save is stuck: its retry writes the newest
// state.
func (p *plan) save(ctx workflow.Context) error {
	if p.fx.Has(effects.SaveKey) {
		return nil
	}
	return p.fx.Run(ctx, effects.Save())
}

// apply makes one effect: the plan's read model itself, the others by the shared runner.
func (p *plan) apply(ctx workflow.Context, e effects.Effect) error {
	if e.Kind == effects.KindSave {
		return p.write(ctx)
	}
	return p.fx.Common(ctx, e)
}

// write writes the plan's read model at its newest revision.
func (p *plan) write(ctx workflow.Context) error {
	rev := p.state.Revision
	if err := effects.Write(ctx, acts.SavePlan, activities.SavePlanInput{Plan: p.state.Record()}, nil); err != nil {
		return fmt.Errorf("save plan %s: %w", p.state.PlanID, err)
	}
	p.saved = max(p.saved, rev)
	return nil
}

// ValidateInput checks an enrolment.
func ValidateInput(in Input) error {
	switch {
	case in.PlanID == "":
		return domain.FieldError("plan_id", "is required")
	case in.CitizenID == "":
		return domain.FieldError("citizen_id", "is required")
	case in.CoordinatorID == "":
		return domain.FieldError("coordinator_id", "is required")
	case in.CoordinatingCaseworkerID == "":
		return domain.FieldError("coordinating_caseworker_id", "is required")
	}
	for _, f := range [][2]string{{"coordinator_id", in.CoordinatorID}, {"coordinating_caseworker_id", in.CoordinatingCaseworkerID}, {"enrolled_by", in.EnrolledBy}, {"citizen_email", in.CitizenEmail}} {
		if err := domain.CheckLine(f[0], f[1]); err != nil {
			return err
		}
	}
	if in.Carry == nil {
		for i, cw := range in.Caseworkers {
			if err := domain.CheckLine(fieldf("caseworkers[%d].staff_id", i), cw.StaffID); err != nil {
				return err
			}
		}
		if err := twoCentres(in.Caseworkers); err != nil {
			return err
		}
	}
	return in.Settings.Validate()
}

// twoCentres checks the model's premise: caseworkers from at least two centres.
func twoCentres(cws []Caseworker) error {
	centres := map[domain.Centre]bool{}
	for _, cw := range cws {
		if !cw.Centre.Valid() {
			return domain.FieldError("caseworkers", "%q is not a centre", cw.Centre)
		}
		centres[cw.Centre] = true
	}
	if len(centres) < 2 {
		return domain.FieldError("caseworkers", "the collaboration model needs caseworkers from at least two centres")
	}
	return nil
}
