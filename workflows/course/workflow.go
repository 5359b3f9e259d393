package course

import (
	"fmt"
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
}

var acts *activities.Activities // nil: only its methods' names are used

func (c *course) setup(ctx workflow.Context, in Input) error {
	if err := validateInput(in); err != nil {
		return workflows.Failure(err)
	}
	c.in, c.s = in, in.Settings
	if in.Carry != nil {
		c.state, c.saved = *in.Carry, in.Carry.Revision
		c.in.Carry = nil
		if c.state.Terms != nil {
			c.s = *c.state.Terms
		}
	} else {
		c.fresh = true
		c.state = State{
			CourseID:           in.CourseID,
			TeamID:             in.TeamID,
			Kind:               in.Kind,
			Phase:              domain.PhaseActive,
			CitizenIDs:         in.CitizenIDs,
			ConsultantIDs:      in.ConsultantIDs,
			Goals:              in.Goals,
			StartDate:          in.StartDate,
			PlannedEnd:         in.StartDate.Add(c.s.CourseLength.D()),
			NextProgressionDue: in.StartDate.Add(c.s.ProgressionInterval.D()),
			ReferredBy:         in.ReferredBy,
			Revision:           1,
			Progressions:       []Progression{},
			Extensions:         []Extension{},
			Pauses:             []Pause{},
			Milestones:         []Milestone{},
		}
	}
	if c.fresh {
		c.state.Rules = workflow.GetVersion(ctx, RulesChange, workflow.DefaultVersion, RulesVersion)
	}
	c.refreshNext()
	if err := workflow.SetQueryHandler(ctx, QueryState, func(StateQuery) (State, error) {
		return c.state, nil
	}); err != nil {
		return fmt.Errorf("register query: %w", err)
	}
	updates := []struct {
		name      string
		handler   any
		validator any
	}{
		{UpdateRecordProgression, c.recordProgression, func(ctx workflow.Context, r ProgressionRequest) error {
			return workflows.Failure(c.validateProgression(r))
		}},
		{UpdateRecordMilestone, c.recordMilestone, func(ctx workflow.Context, r MilestoneRequest) error {
			return workflows.Failure(c.validateMilestone(ctx, r))
		}},
		{UpdateRequestExtension, c.requestExtension, func(ctx workflow.Context, r ExtensionRequest) error {
			return workflows.Failure(c.validateExtension(r))
		}},
		{UpdateDecideExtension, c.decideExtension, func(ctx workflow.Context, r DecisionRequest) error {
			return workflows.Failure(c.validateDecision(r))
		}},
		{UpdateClose, c.close, func(ctx workflow.Context, r CloseRequest) error {
			return workflows.Failure(c.validateClose(r))
		}},
		{UpdateApplyTerms, c.applyTerms, func(ctx workflow.Context, r TermsRequest) error {
			return workflows.Failure(c.validateTerms(r))
		}},
	}
	for _, u := range updates {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, u.handler, workflow.UpdateHandlerOptions{Validator: u.validator}); err != nil {
			return fmt.Errorf("register update %s: %w", u.name, err)
		}
	}
	return nil
}

func (c *course) run(ctx workflow.Context) (Result, error) {
	if c.fresh {
		if err := c.commit(ctx, c.in.ReferredBy, domain.AuditCourseReferred, "referral", nil, false); err != nil {
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
				c.pause(ctx, sig)
			})
			sel.AddReceive(resumes, func(ch workflow.ReceiveChannel, _ bool) {
				var sig ResumeSignal
				ch.Receive(ctx, &sig)
				c.resume(ctx, sig)
			})
			sel.Select(ctx)
		}
	})

	for c.state.Phase != domain.PhaseClosed {
		if c.state.Revision > c.saved {
			if err := c.save(ctx); err != nil {
				return Result{}, err
			}
		}
		if c.shouldContinueAsNew(ctx) {
			return Result{}, c.continueAsNew(ctx, pauses, resumes)
		}
		at, occ := c.next()
		seen := c.state.Revision
		changed := func() bool { return c.state.Revision != seen }
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
	if c.state.Revision > c.saved {
		if err := c.save(ctx); err != nil {
			return Result{}, err
		}
	}
	return Result{Outcome: *c.state.Outcome, ClosedOn: *c.state.ClosedOn}, nil
}

func (c *course) shouldContinueAsNew(ctx workflow.Context) bool {
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

// continueAsNew carries the state into a new run once every handler has finished and no
// signal is left unread.
func (c *course) continueAsNew(ctx workflow.Context, chans ...workflow.ReceiveChannel) error {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
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
		c.resume(ctx, sig)
	}
	if c.state.Revision > c.saved {
		if err := c.save(ctx); err != nil {
			return err
		}
	}
	next := c.in
	st := c.state
	next.Carry = &st
	return workflow.NewContinueAsNewError(ctx, CourseWorkflow, next)
}

// commit records a step: a new revision, the read model, the audit log, and the inbox items
// that the step has made unnecessary.
func (c *course) commit(ctx workflow.Context, actor string, action domain.AuditAction, purpose string, details map[string]any, bump bool, done ...domain.ReminderKind) error {
	if bump {
		c.state.Revision++
	}
	c.refreshNext()
	if err := c.save(ctx); err != nil {
		return err
	}
	if err := c.audit(ctx, actor, action, purpose, details); err != nil {
		return err
	}
	if len(done) > 0 {
		return c.completeReminders(ctx, done)
	}
	return nil
}

func (c *course) save(ctx workflow.Context) error {
	rev := c.state.Revision
	if err := effects.Write(ctx, acts.SaveCourse, activities.SaveCourseInput{Course: c.state.Record()}, nil); err != nil {
		return fmt.Errorf("save course %s: %w", c.state.CourseID, err)
	}
	c.saved = max(c.saved, rev)
	return nil
}

// audit appends one entry per citizen of the course, keyed by workflow and revision.
func (c *course) audit(ctx workflow.Context, actor string, action domain.AuditAction, purpose string, details map[string]any) error {
	return effects.Audit(ctx, fmt.Sprintf("%s/%d", WorkflowID(c.state.CourseID), c.state.Revision),
		domain.AuditEntry{ActorID: actor, Action: action, SubjectType: domain.SubjectCourse, SubjectID: c.state.CourseID,
			Purpose: purpose, Details: details}, c.state.CitizenIDs)
}

func (c *course) completeReminders(ctx workflow.Context, kinds []domain.ReminderKind) error {
	return effects.Complete(ctx, domain.SubjectCourse, c.state.CourseID, kinds...)
}

func (c *course) remind(ctx workflow.Context, at time.Time, kind domain.ReminderKind, key string, due time.Time, in activities.RaiseReminderInput) error {
	in.Key, in.ScheduledFor = WorkflowID(c.state.CourseID)+"/"+key, at
	in.Kind, in.SubjectType, in.SubjectID, in.DueAt = kind, domain.SubjectCourse, c.state.CourseID, due
	return effects.Remind(ctx, in)
}

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
	return in.Settings.Validate()
}
