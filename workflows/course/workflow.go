package course

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
	"tvp/workflows"
	"tvp/workflows/effects"
)

// CourseWorkflow runs one borgerkonsulent course from referral to close. Every duration comes from
// the team's settings, snapshotted in the input at referral.
func CourseWorkflow(ctx workflow.Context, in Input) (Result, error) {
	c := &course{}
	if err := c.setup(ctx, in); err != nil {
		return Result{}, err
	}
	return c.run(ctx)
}

type course struct {
	in    Input
	s     domain.TeamSettings
	state State
	fresh bool  // started by a referral, not by continue-as-new
	saved int64 // the newest revision written to the read model
	fx    *effects.Runner
	log   *workflows.UpdateLog
	// closing: a close is under way (waiting for its plan's workflow to start); every other
	// step, and another close, is refused meanwhile.
	closing bool
	// signals counts pause or resume signals being handled (from a team pause started before
	// pauses were Updates): continue-as-new waits for them, as it waits for Updates.
	signals int
}

var acts *activities.Activities // nil: only its methods' names are used

func (c *course) setup(ctx workflow.Context, in Input) error {
	if err := validateInput(in); err != nil {
		return workflows.Failure(err)
	}
	c.in, c.s = in, in.Settings
	c.log = workflows.NewUpdateLog(in.Handled)
	c.in.Handled = nil
	if in.Carry != nil {
		c.state, c.saved = *in.Carry, in.Carry.Revision
		c.in.Carry = nil
		if c.state.Terms != nil {
			c.s = *c.state.Terms
		}
	} else {
		c.fresh = true
		c.state = State{
			CourseID:      in.CourseID,
			TeamID:        in.TeamID,
			Kind:          in.Kind,
			Phase:         domain.PhaseActive,
			CitizenIDs:    in.CitizenIDs,
			ConsultantIDs: in.ConsultantIDs,
			Goals:         in.Goals,
			StartDate:     in.StartDate,
			ReferredBy:    in.ReferredBy,
			Revision:      1,
			Progressions:  []Progression{},
			Extensions:    []Extension{},
			Pauses:        []Pause{},
			Milestones:    []Milestone{},
		}
	}
	c.state.Settings = c.s
	c.fx = &effects.Runner{
		Ledger: &c.state.Effects, Workflow: "course", WorkflowID: WorkflowID(c.state.CourseID),
		SubjectType: domain.SubjectCourse, SubjectID: c.state.CourseID, Apply: c.apply,
		Saved: func() bool { return c.saved >= c.state.Revision },
	}
	if c.fresh {
		c.state.Rules = workflow.GetVersion(ctx, RulesChange, workflow.DefaultVersion, RulesVersion)
		c.state.PlannedEnd = c.after(c.s.CourseLength, in.StartDate)
		c.state.NextProgressionDue = c.after(c.s.ProgressionInterval, in.StartDate)
	}
	c.refreshNext()
	if err := workflow.SetQueryHandler(ctx, QueryState, func(StateQuery) (State, error) {
		return c.state, nil
	}); err != nil {
		return fmt.Errorf("register query: %w", err)
	}
	now := func() StepResult { return StepResult{State: c.state} }
	steps := workflows.NewSteps(c.log)
	workflows.AddStep(steps, UpdateRecordProgression, workflows.Check(c.validateProgression), c.recordProgression, now)
	workflows.AddStep(steps, UpdateRecordMilestone, c.validateMilestone, c.recordMilestone, now)
	workflows.AddStep(steps, UpdateRequestExtension, workflows.Check(c.validateExtension), c.requestExtension, now)
	workflows.AddStep(steps, UpdateDecideExtension, workflows.Check(c.validateDecision), c.decideExtension, now)
	workflows.AddStep(steps, UpdateClose, c.validateClose, c.close, now)
	workflows.AddStep(steps, UpdateApplyTerms, workflows.Check(c.validateTerms), c.applyTerms, now)
	workflows.AddStep(steps, UpdatePause, workflows.Check(c.validatePause), c.pauseStep, now)
	workflows.AddStep(steps, UpdateResume, workflows.Check(c.validateResume), c.resumeStep, now)
	c.fx.AddRetry(steps)
	return steps.Register(ctx)
}

func (c *course) run(ctx workflow.Context) (Result, error) {
	if c.fresh {
		// Named: an Update that arrives while the first task is lost is handled before it when
		// the task is run again, and takes a revision first.
		if err := c.commit(effects.WithStep(ctx, "start"), c.in.ReferredBy, domain.AuditCourseReferred, domain.PurposeReferral, nil, false); err != nil {
			return Result{}, err
		}
	}
	pauses := workflow.GetSignalChannel(ctx, SignalPause)
	resumes := workflow.GetSignalChannel(ctx, SignalResume)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(pauses, func(ch workflow.ReceiveChannel, _ bool) {
				var sig PauseSignal
				ch.Receive(ctx, &sig)
				c.signals++
				c.pause(ctx, sig)
				c.signals--
			})
			sel.AddReceive(resumes, func(ch workflow.ReceiveChannel, _ bool) {
				var sig ResumeSignal
				ch.Receive(ctx, &sig)
				c.signals++
				c.resume(ctx, ResumeRequest{PauseID: sig.PauseID, ResumedBy: sig.ResumedBy})
				c.signals--
			})
			sel.Select(ctx)
		}
	})

	for c.state.Phase != domain.PhaseClosed {
		if c.state.Revision > c.saved && !c.fx.Has(effects.SaveKey) {
			if err := c.save(ctx); err != nil {
				return Result{}, err
			}
		}
		if c.shouldContinueAsNew(ctx) {
			return Result{}, c.continueAsNew(ctx, pauses, resumes)
		}
		at, occ := c.next()
		seen, seenFx := c.state.Revision, c.state.Effects.Seq
		changed := func() bool { return c.state.Revision != seen || c.state.Effects.Seq != seenFx }
		if occ == occNone {
			if err := workflow.Await(ctx, changed); err != nil {
				return Result{}, err
			}
			continue
		}
		due := effects.ScheduledFor(ctx, at)
		if wait := at.Sub(workflow.Now(ctx)); wait > 0 {
			ok, err := workflow.AwaitWithTimeout(ctx, wait, changed)
			if err != nil {
				return Result{}, err
			}
			if ok {
				continue // something changed: compute the next occasion again
			}
		}
		if err := c.fire(ctx, occ, due); err != nil {
			return Result{}, err
		}
	}

	// Closed: nothing is due any more.
	if err := c.completeReminders(ctx, nil); err != nil {
		return Result{}, err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return Result{}, err
	}
	if c.state.Revision > c.saved && !c.fx.Has(effects.SaveKey) {
		if err := c.save(ctx); err != nil {
			return Result{}, err
		}
	}
	if err := c.fx.Drain(ctx); err != nil {
		return Result{}, err
	}
	if err := workflows.Barrier(ctx); err != nil {
		return Result{}, err
	}
	if err := c.fx.Drain(ctx); err != nil { // a retry-effects sent during the barrier
		return Result{}, err
	}
	return Result{Outcome: *c.state.Outcome, ClosedOn: *c.state.ClosedOn}, nil
}

func (c *course) shouldContinueAsNew(ctx workflow.Context) bool {
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

// continueAsNew carries the state into a new run once every handler has finished and no
// signal is left unread.
func (c *course) continueAsNew(ctx workflow.Context, chans ...workflow.ReceiveChannel) error {
	c.log.Hold()
	idle := func() bool { return workflow.AllHandlersFinished(ctx) }
	if workflow.GetVersion(ctx, PauseHandlers, workflow.DefaultVersion, 1) == 1 {
		idle = func() bool { return workflow.AllHandlersFinished(ctx) && c.signals == 0 }
	}
	if err := workflow.Await(ctx, idle); err != nil {
		return err
	}
	if err := workflows.Barrier(ctx); err != nil {
		return err
	}
	if err := workflow.Await(ctx, idle); err != nil {
		return err
	}
	for {
		var sig PauseSignal
		if !chans[0].ReceiveAsync(&sig) {
			break
		}
		c.pause(ctx, sig)
	}
	for {
		var sig ResumeSignal
		if !chans[1].ReceiveAsync(&sig) {
			break
		}
		c.resume(ctx, ResumeRequest{PauseID: sig.PauseID, ResumedBy: sig.ResumedBy})
	}
	if c.state.Revision > c.saved && !c.fx.Has(effects.SaveKey) {
		if err := c.save(ctx); err != nil {
			return err
		}
	}
	if err := c.fx.Settle(ctx); err != nil {
		return err
	}
	next := c.in
	st := c.state
	next.Carry = &st
	next.Handled = c.log.Carry()
	return workflow.NewContinueAsNewError(ctx, CourseWorkflow, next)
}

// commit records a step: a new revision, the read model, the audit log (keyed by the step:
// effects.StepKey, its name or Update's ID, or else its own revision, taken before anything
// blocks: another step in the same workflow task moves the revision on), and the inbox items
// that the step has made unnecessary. In an Update's handler the audit is appended first, after
// the Update's acceptance is recorded (effects.AfterAcceptance), and the other writes after it.
// An effect that fails is kept as stuck (effects.Runner): commit fails only in a history from
// before that.
func (c *course) commit(ctx workflow.Context, actor string, action domain.AuditAction, purpose domain.Purpose, details map[string]any, bump bool, done ...domain.ReminderKind) error {
	if bump {
		c.state.Revision++
	}
	rev := c.state.Revision
	c.refreshNext()
	if effects.AfterAcceptance(ctx) { // the audit first: the writes after it are made once the step is in the history
		if err := c.audit(ctx, rev, actor, action, purpose, details); err != nil {
			return err
		}
		if err := c.save(ctx); err != nil {
			return err
		}
	} else {
		if err := c.save(ctx); err != nil {
			return err
		}
		if err := c.audit(ctx, rev, actor, action, purpose, details); err != nil {
			return err
		}
	}
	if len(done) > 0 {
		return c.completeReminders(ctx, done)
	}
	return nil
}

// after is the period after t as the course's rules count it: in the calendar since
// CalendarRules, as a fixed length before (a course started then keeps its 365-day year).
func (c *course) after(p domain.Period, t time.Time) time.Time {
	if c.state.Rules >= CalendarRules {
		return p.After(t)
	}
	return t.Add(p.Exactly())
}

// save writes the read model, unless an earlier save is stuck: its retry writes the newest
// state.
func (c *course) save(ctx workflow.Context) error {
	if c.fx.Has(effects.SaveKey) {
		return nil
	}
	return c.fx.Run(ctx, effects.Save())
}

// apply makes one effect: the course's read model itself, the others by the shared runner.
func (c *course) apply(ctx workflow.Context, e effects.Effect) error {
	if e.Kind == effects.KindSave {
		return c.write(ctx)
	}
	return c.fx.Common(ctx, e)
}

// write writes the course's read-model row at its newest revision.
func (c *course) write(ctx workflow.Context) error {
	rev := c.state.Revision
	if err := effects.Write(ctx, acts.SaveCourse, activities.SaveCourseInput{Course: c.state.Record()}, nil); err != nil {
		return fmt.Errorf("save course %s: %w", c.state.CourseID, err)
	}
	c.saved = max(c.saved, rev)
	return nil
}

// audit appends one entry per citizen of the course, keyed by the step (effects.StepKey: its
// Update's ID, or outside an Update the revision).
func (c *course) audit(ctx workflow.Context, rev int64, actor string, action domain.AuditAction, purpose domain.Purpose, details map[string]any) error {
	return c.fx.Run(ctx, effects.Audit(ctx, effects.StepKey(ctx, WorkflowID(c.state.CourseID), rev),
		domain.AuditEntry{ActorID: actor, Action: action, SubjectType: domain.SubjectCourse, SubjectID: c.state.CourseID,
			Purpose: purpose, Details: details}, c.state.CitizenIDs))
}

func (c *course) completeReminders(ctx workflow.Context, kinds []domain.ReminderKind) error {
	return c.fx.Run(ctx, effects.Complete(ctx, domain.SubjectCourse, c.state.CourseID, kinds...))
}

func (c *course) remind(ctx workflow.Context, at time.Time, kind domain.ReminderKind, key string, due time.Time, in activities.RaiseReminderInput) error {
	in.Key, in.ScheduledFor = WorkflowID(c.state.CourseID)+"/"+key, at
	in.Kind, in.SubjectType, in.SubjectID, in.DueAt = kind, domain.SubjectCourse, c.state.CourseID, due
	return c.fx.Run(ctx, effects.Raise(ctx, in))
}

// validateInput checks a course's input. A referral's is checked in full (the service has
// checked it before it starts the course; the workflow refuses what it cannot keep); a run
// continued as new carries what was checked then.
func validateInput(in Input) error {
	switch {
	case in.CourseID == "":
		return domain.FieldError("course_id", "is required")
	case in.TeamID == "":
		return domain.FieldError("team_id", "is required")
	case len(in.CitizenIDs) == 0:
		return domain.FieldError("citizens", "at least one citizen is required")
	case len(in.ConsultantIDs) == 0:
		return domain.FieldError("consultant_ids", "at least one consultant is required")
	case len(in.Goals) == 0:
		return domain.FieldError("goals", "at least one goal is required")
	case in.StartDate.IsZero():
		return domain.FieldError("start_date", "is required")
	}
	if err := in.Settings.Validate(); err != nil {
		return err
	}
	if in.Carry != nil {
		return nil
	}
	s := in.Settings
	if n := len(in.ConsultantIDs); n < s.ConsultantsMin || n > s.ConsultantsMax {
		return domain.FieldError("consultant_ids", "a course has %d to %d consultants", s.ConsultantsMin, s.ConsultantsMax)
	}
	for i, id := range in.ConsultantIDs {
		if err := domain.CheckLine(fieldf("consultant_ids[%d]", i), id); err != nil {
			return err
		}
		if slices.Contains(in.ConsultantIDs[:i], id) {
			return domain.FieldError(fieldf("consultant_ids[%d]", i), "%q is named twice", id)
		}
	}
	for i, g := range in.Goals {
		if trimmed(g.Text) == "" {
			return domain.FieldError(fieldf("goals[%d].text", i), "a goal needs a text")
		}
		if err := domain.CheckText(fieldf("goals[%d].text", i), g.Text); err != nil {
			return err
		}
	}
	return domain.CheckLine("referred_by", in.ReferredBy)
}
