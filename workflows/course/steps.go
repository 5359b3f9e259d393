package course

import (
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"

	"tvp/domain"
	"tvp/workflows"
	"tvp/workflows/collab"
	"tvp/workflows/effects"
)

// subject is the course as the access rules see it.
func (c *course) subject() domain.Subject {
	return domain.CourseSubject(c.state.CourseID, c.state.TeamID, c.state.ConsultantIDs, len(c.state.Extensions) > 0, c.state.CitizenIDs)
}

// permit is the access rule (domain.Permit), checked again here: the service checks it before
// it sends a step, and the workflow refuses a step that the rule does not allow.
func (c *course) permit(a Actor, act domain.Action) error {
	return domain.Permit(a, c.subject(), act)
}

func (c *course) open() error {
	if c.closing {
		return domain.Errorf(domain.EPhase, "the course is being closed")
	}
	switch c.state.Phase {
	case domain.PhaseClosed:
		return domain.Errorf(domain.EPhase, "the course is closed")
	case domain.PhasePaused:
		return domain.Errorf(domain.EPhase, "the team is paused: only handing back to the centres or moving to the collaboration model is possible")
	}
	return nil
}

func (c *course) validateProgression(r ProgressionRequest) error {
	if err := c.open(); err != nil {
		return err
	}
	if err := c.permit(r.Actor, domain.CourseProgression); err != nil {
		return err
	}
	scored := map[string]bool{}
	for i, sc := range r.Scores {
		known := false
		for _, g := range c.state.Goals {
			known = known || g.ID == sc.GoalID
		}
		switch {
		case !known:
			return domain.FieldError(fieldf("scores[%d].goal_id", i), "the course has no goal %q", sc.GoalID)
		case scored[sc.GoalID]:
			return domain.FieldError(fieldf("scores[%d].goal_id", i), "goal %q is scored twice", sc.GoalID)
		case sc.Score < 1 || sc.Score > c.s.ProgressionScoreMax:
			return domain.FieldError(fieldf("scores[%d].score", i), "a score is from 1 to %d", c.s.ProgressionScoreMax)
		}
		scored[sc.GoalID] = true
	}
	for _, g := range c.state.Goals {
		if !scored[g.ID] {
			return domain.FieldError("scores", "goal %q (%s) is not scored: every goal must be", g.ID, g.Text)
		}
	}
	if trimmed(r.Note) == "" {
		return domain.FieldError("note", "a note is required")
	}
	return domain.CheckText("note", r.Note)
}

func (c *course) recordProgression(ctx workflow.Context, r ProgressionRequest) (StepResult, error) {
	st := &c.state
	st.Progressions = append(st.Progressions, Progression{
		Seq: len(st.Progressions) + 1, Due: st.NextProgressionDue, RecordedAt: workflow.Now(ctx),
		RecordedBy: r.Actor.ID, Scores: r.Scores, Note: r.Note,
	})
	st.NextProgressionDue = c.after(c.s.ProgressionInterval, st.NextProgressionDue)
	st.ProgressionReminders, st.LastProgressionReminder = 0, time.Time{}
	err := c.commit(ctx, r.Actor.ID, domain.AuditProgressionRecorded, domain.PurposeGoalProgression, nil, true, domain.ReminderProgressionDue)
	return StepResult{State: c.state}, err
}

func (c *course) validateMilestone(ctx workflow.Context, r MilestoneRequest) error {
	if c.state.Phase == domain.PhaseClosed || c.closing {
		return domain.Errorf(domain.EPhase, "the course is closed")
	}
	if err := c.permit(r.Actor, domain.CourseMilestone); err != nil {
		return err
	}
	switch r.Outcome {
	case domain.OutcomeEmployment, domain.OutcomeEducation, domain.OutcomeSelfSupport:
	default:
		return domain.FieldError("outcome", "a milestone is employment, education or self_support")
	}
	if r.Date.Before(c.state.StartDate) || domain.AfterToday(r.Date, workflow.Now(ctx)) {
		return domain.FieldError("date", "a milestone's date is between the course's start and today")
	}
	return nil
}

func (c *course) recordMilestone(ctx workflow.Context, r MilestoneRequest) (StepResult, error) {
	c.state.Milestones = append(c.state.Milestones, Milestone{Outcome: r.Outcome, Date: r.Date, RecordedBy: r.Actor.ID})
	err := c.commit(ctx, r.Actor.ID, domain.AuditMilestoneRecorded, domain.PurposeOutcome, map[string]any{"outcome": r.Outcome}, true)
	return StepResult{State: c.state}, err
}

func (c *course) validateExtension(r ExtensionRequest) error {
	if err := c.open(); err != nil {
		return err
	}
	if c.state.Phase == domain.PhaseExtensionPending {
		return domain.Errorf(domain.EPhase, "an extension request already waits for the steering group")
	}
	if err := c.permit(r.Actor, domain.CourseRequestExtension); err != nil {
		return err
	}
	if trimmed(r.Reason) == "" {
		return domain.FieldError("reason", "a reason is required")
	}
	if err := domain.CheckText("reason", r.Reason); err != nil {
		return err
	}
	if !r.NewEnd.After(c.state.PlannedEnd) {
		return domain.FieldError("new_end", "the new end must be after the planned end (%s)", c.state.PlannedEnd.Format(time.DateOnly))
	}
	if limit := c.after(c.s.MaxExtension, c.state.PlannedEnd); r.NewEnd.After(limit) {
		return domain.FieldError("new_end", "an extension may move the end to %s at the latest", limit.Format(time.DateOnly))
	}
	return nil
}

func (c *course) requestExtension(ctx workflow.Context, r ExtensionRequest) (StepResult, error) {
	st := &c.state
	st.Extensions = append(st.Extensions, Extension{
		Seq: len(st.Extensions) + 1, RequestedAt: workflow.Now(ctx), RequestedBy: r.Actor.ID,
		Reason: r.Reason, OldEnd: st.PlannedEnd, NewEnd: r.NewEnd,
	})
	st.Phase = domain.PhaseExtensionPending
	st.ExtensionReminders, st.LastExtensionReminder = 0, time.Time{}
	err := c.commit(ctx, r.Actor.ID, domain.AuditExtensionRequested, domain.PurposeExtension, nil, true,
		domain.ReminderEndApproaching, domain.ReminderEndOverdue, domain.ReminderEndEscalated)
	return StepResult{State: c.state}, err
}

func (c *course) validateDecision(r DecisionRequest) error {
	if c.state.Phase != domain.PhaseExtensionPending || c.closing {
		return domain.Errorf(domain.EPhase, "no extension request waits for a decision")
	}
	if err := c.permit(r.Actor, domain.CourseDecideExtension); err != nil {
		return err
	}
	// The decision names the request it decides: a decision made on an earlier request (sent
	// late, or again) never applies to whatever is pending now.
	pending := c.state.Extensions[len(c.state.Extensions)-1]
	if r.Sequence != pending.Seq {
		return domain.FieldError("seq", "extension request %d is the one pending", pending.Seq)
	}
	if trimmed(r.Reason) == "" {
		return domain.FieldError("reason", "a decision needs a reason")
	}
	return domain.CheckText("reason", r.Reason)
}

func (c *course) decideExtension(ctx workflow.Context, r DecisionRequest) (StepResult, error) {
	st := &c.state
	now := workflow.Now(ctx)
	ext := &st.Extensions[len(st.Extensions)-1]
	ext.DecidedAt, ext.DecidedBy, ext.DecisionReason = &now, r.Actor.ID, r.Reason
	action := domain.AuditExtensionRejected
	if r.Approve {
		ext.Decision = domain.DecisionApproved
		action = domain.AuditExtensionApproved
		st.PlannedEnd = ext.NewEnd
		st.OverdueReminders, st.LastOverdueReminder, st.Escalated = 0, time.Time{}, false
	} else {
		ext.Decision = domain.DecisionRejected
	}
	if now.Before(st.PlannedEnd) {
		st.Phase = domain.PhaseActive
	} else {
		st.Phase = domain.PhaseAwaitingDecision
	}
	err := c.commit(ctx, r.Actor.ID, action, domain.PurposeExtensionDecision, map[string]any{"seq": ext.Seq}, true, domain.ReminderExtensionDecision)
	return StepResult{State: c.state}, err
}

func (c *course) validateClose(ctx workflow.Context, r CloseRequest) error {
	if c.state.Phase == domain.PhaseClosed {
		return domain.Errorf(domain.EPhase, "the course is closed")
	}
	if c.closing {
		return domain.Errorf(domain.EPhase, "the course is being closed")
	}
	act := domain.CourseClose
	if r.Outcome == domain.OutcomeCollaboration {
		act = domain.CourseMove
	}
	if err := c.permit(r.Actor, act); err != nil {
		return err
	}
	if !r.Outcome.Valid() {
		return domain.FieldError("outcome", "unknown outcome %q", r.Outcome)
	}
	if c.state.Phase == domain.PhasePaused && r.Outcome != domain.OutcomeHandedBack && r.Outcome != domain.OutcomeCollaboration {
		return domain.FieldError("outcome", "while the team is paused a course can only be handed back to the centres or moved to the collaboration model")
	}
	if r.Date.Before(c.state.StartDate) {
		return domain.FieldError("date", "the course cannot close before it started (%s)", c.state.StartDate.Format(time.DateOnly))
	}
	if domain.AfterToday(r.Date, workflow.Now(ctx)) {
		return domain.FieldError("date", "a course is closed on a day that has come, not ahead of time")
	}
	if err := domain.CheckText("note", r.Note); err != nil {
		return err
	}
	if r.Outcome == domain.OutcomeCollaboration {
		if r.Enrolment == nil {
			return domain.FieldError("outcome", "moving to the collaboration model needs the citizen's enrolment (use move-to-collaboration)")
		}
		if r.Enrolment.FromCourseID != c.state.CourseID || !slices.Contains(c.state.CitizenIDs, r.Enrolment.CitizenID) {
			return domain.FieldError("citizen_id", "the plan must be for a citizen of this course")
		}
		return collab.ValidateInput(*r.Enrolment)
	} else if r.Enrolment != nil {
		return domain.FieldError("outcome", "an enrolment goes with the outcome moved_to_collaboration only")
	}
	return nil
}

func (c *course) close(ctx workflow.Context, r CloseRequest) (StepResult, error) {
	st := &c.state
	if r.Enrolment != nil {
		// Marked before the plan's start is awaited: a step sent meanwhile (another close, a
		// second move that would start a second plan) is refused by its validator.
		c.closing = true
		// The plan outlives the course: its workflow is abandoned, not ended, when the course ends.
		opts := workflow.ChildWorkflowOptions{
			WorkflowID:            collab.WorkflowID(r.Enrolment.PlanID),
			ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		}
		child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), collab.CollaborationWorkflow, *r.Enrolment)
		if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			c.closing = false
			workflow.GetLogger(ctx).Error("start the collaboration plan", "plan", r.Enrolment.PlanID, "err", err)
			return StepResult{}, workflows.Failure(domain.Errorf(domain.EConflict, "the collaboration plan could not be started; the course stays open"))
		}
		c.closing = false
		st.MovedToPlanID = r.Enrolment.PlanID
	}
	st.Phase = domain.PhaseClosed
	st.Outcome, st.ClosedOn, st.CloseNote = &r.Outcome, &r.Date, r.Note
	err := c.commit(ctx, r.Actor.ID, domain.AuditCourseClosed, domain.PurposeClose, map[string]any{"outcome": r.Outcome}, true)
	return StepResult{State: c.state}, err
}

// pause stops every timer of the course; a repeated pause changes nothing.
func (c *course) pause(ctx workflow.Context, sig PauseSignal) {
	st := &c.state
	if st.Phase == domain.PhaseClosed || st.Phase == domain.PhasePaused {
		return
	}
	for _, p := range st.Pauses {
		if p.PauseID == sig.PauseID {
			return
		}
	}
	pending := st.Phase == domain.PhaseExtensionPending
	st.Pauses = append(st.Pauses, Pause{PauseID: sig.PauseID, PausedAt: workflow.Now(ctx), PlannedResume: sig.PlannedResume,
		ResumeBy: sig.ResumeBy, PausedBy: sig.PausedBy})
	st.PhaseBeforePause, st.Phase = st.Phase, domain.PhasePaused
	var done []domain.ReminderKind
	if pending && workflow.GetVersion(ctx, PauseKeepsExtension, workflow.DefaultVersion, 1) == 1 {
		// The steering group cannot decide while the team is paused: their reminder is done
		// now, and comes again after the resume if the request still waits.
		done = append(done, domain.ReminderExtensionDecision)
	}
	c.commitPause(effects.WithStep(ctx, "pause/"+sig.PauseID), sig.PausedBy, domain.AuditCoursePaused, nil, done...)
}

// resume continues the remaining time: every date ahead moves by the pause's length.
func (c *course) resume(ctx workflow.Context, r ResumeRequest) {
	st := &c.state
	if st.Phase != domain.PhasePaused || st.Pauses[len(st.Pauses)-1].PauseID != r.PauseID {
		return
	}
	now := workflow.Now(ctx)
	p := &st.Pauses[len(st.Pauses)-1]
	p.ResumedAt, p.ResumedBy, p.ResumedAutomatically = &now, r.ResumedBy, r.Automatic
	d := now.Sub(p.PausedAt)
	shift := func(t *time.Time) {
		if !t.IsZero() {
			*t = t.Add(d)
		}
	}
	if st.EndReminderSentFor.Equal(st.PlannedEnd) {
		shift(&st.EndReminderSentFor)
	}
	if st.PhaseBeforePause == domain.PhaseExtensionPending &&
		workflow.GetVersion(ctx, PauseKeepsExtension, workflow.DefaultVersion, 1) == 1 {
		// The pending request's new end moves with the planned end: approved after the pause,
		// it leaves the course as much time as it asked for.
		shift(&st.Extensions[len(st.Extensions)-1].NewEnd)
	}
	shift(&st.PlannedEnd)
	shift(&st.NextProgressionDue)
	shift(&st.LastProgressionReminder)
	shift(&st.LastOverdueReminder)
	shift(&st.LastExtensionReminder)
	st.Phase, st.PhaseBeforePause = st.PhaseBeforePause, ""
	var details map[string]any
	if r.Automatic {
		details = map[string]any{"automatic": true}
	}
	c.commitPause(effects.WithStep(ctx, "resume/"+r.PauseID), r.ResumedBy, domain.AuditCourseResumed, details)
}

// commitPause commits a pause or a resume; a failure (in a history from before stuck effects)
// is logged, and the main loop writes the read model again (the revision is ahead of the saved
// one).
func (c *course) commitPause(ctx workflow.Context, actor string, action domain.AuditAction, details map[string]any, done ...domain.ReminderKind) {
	if err := c.commit(ctx, actor, action, domain.PurposeTeamPause, details, true, done...); err != nil {
		workflow.GetLogger(ctx).Error("commit signal", "action", action, "err", err)
	}
}

func (c *course) validatePause(r PauseRequest) error {
	st := c.state
	switch {
	case r.PauseID == "" || r.PausedBy == "":
		return domain.FieldError("pause_id", "a pause names itself and who paused")
	case st.Phase == domain.PhaseClosed || c.closing:
		return domain.Errorf(domain.EPhase, "the course is closed")
	case st.Phase == domain.PhasePaused && st.Pauses[len(st.Pauses)-1].PauseID != r.PauseID:
		return domain.Errorf(domain.EPhase, "the course is paused by another pause")
	}
	for _, p := range st.Pauses {
		if p.PauseID == r.PauseID && p.ResumedAt != nil {
			return domain.Errorf(domain.EPhase, "that pause has ended")
		}
	}
	return nil
}

// pauseStep is the team pause's Update: the course pauses; the same pause again with another
// planned resume date moves that date (a decision moved it).
func (c *course) pauseStep(ctx workflow.Context, r PauseRequest) (StepResult, error) {
	st := &c.state
	if st.Phase == domain.PhasePaused {
		p := &st.Pauses[len(st.Pauses)-1]
		moved := !r.PlannedResume.IsZero() && !p.PlannedResume.Equal(r.PlannedResume)
		if workflow.GetVersion(ctx, PauseResumeBy, workflow.DefaultVersion, 1) == 1 {
			moved = moved || (!r.ResumeBy.IsZero() && !p.ResumeBy.Equal(r.ResumeBy))
			if !r.ResumeBy.IsZero() {
				p.ResumeBy = r.ResumeBy
			}
		}
		if moved {
			if !r.PlannedResume.IsZero() {
				p.PlannedResume = r.PlannedResume
			}
			st.Revision++
			c.refreshNext()
			if err := c.save(ctx); err != nil {
				return StepResult{}, err
			}
		}
		return StepResult{State: c.state}, nil
	}
	c.pause(ctx, PauseSignal(r))
	return StepResult{State: c.state}, nil
}

func (c *course) validateResume(r ResumeRequest) error {
	st := c.state
	if st.Phase != domain.PhasePaused || st.Pauses[len(st.Pauses)-1].PauseID != r.PauseID {
		return domain.Errorf(domain.EPhase, "the course is not paused by that pause")
	}
	if r.ResumedBy == "" {
		return domain.FieldError("resumed_by", "is required")
	}
	return nil
}

// resumeStep is the team pause's Update: the course resumes.
func (c *course) resumeStep(ctx workflow.Context, r ResumeRequest) (StepResult, error) {
	c.resume(ctx, r)
	return StepResult{State: c.state}, nil
}

func (c *course) validateTerms(r TermsRequest) error {
	if c.state.Phase == domain.PhaseClosed || c.closing {
		return domain.Errorf(domain.EPhase, "the course is closed")
	}
	if err := c.permit(r.Actor, domain.CourseApplyTerms); err != nil {
		return err
	}
	if r.DecisionID == 0 {
		return domain.FieldError("decision_id", "a recorded decision is required")
	}
	return r.Settings.Validate()
}

// applyTerms moves the course to new terms: the end moves by the change in course length,
// and every timer that depends on it is re-armed (they are derived from the state).
func (c *course) applyTerms(ctx workflow.Context, r TermsRequest) (StepResult, error) {
	st := &c.state
	old := st.PlannedEnd
	st.PlannedEnd = c.after(r.Settings.CourseLength, st.StartDate).Add(st.PlannedEnd.Sub(c.after(c.s.CourseLength, st.StartDate)))
	c.s, c.in.Settings = r.Settings, r.Settings
	terms := r.Settings
	st.Terms = &terms
	st.Settings = terms
	st.TermsChanges = append(st.TermsChanges, TermsChange{DecisionID: r.DecisionID, At: workflow.Now(ctx), OldEnd: old, NewEnd: st.PlannedEnd})
	if st.Phase == domain.PhaseAwaitingDecision && workflow.Now(ctx).Before(st.PlannedEnd) {
		st.Phase = domain.PhaseActive
		st.OverdueReminders, st.LastOverdueReminder, st.Escalated = 0, time.Time{}, false
	}
	err := c.commit(ctx, r.Actor.ID, domain.AuditTermsChanged, domain.PurposeReorganisation, map[string]any{"decision_id": r.DecisionID}, true)
	return StepResult{State: c.state}, err
}
