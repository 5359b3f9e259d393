package teampause

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
	"tvp/workflows"
	"tvp/workflows/course"
	"tvp/workflows/effects"
)

var acts *activities.Activities // nil: only its methods' names are used

// TeamPauseWorkflow pauses the team until the team lead resumes it, or until its latest resume
// date, when its courses resume by themselves.
func TeamPauseWorkflow(ctx workflow.Context, in Input) (Result, error) {
	if in.TeamID == "" || in.PausedBy == "" || in.PlannedResume.IsZero() || in.RemindEvery <= 0 {
		return Result{}, workflows.Failure(domain.Errorf(domain.EInvalid, "a pause needs a team, who paused it, a planned resume date and a reminder interval"))
	}
	if workflow.GetVersion(ctx, Shape, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return legacy(ctx, in)
	}
	if in.Carry == nil {
		if err := domain.CheckText("reason", in.Reason); err != nil {
			return Result{}, workflows.Failure(err)
		}
	}
	p := &pause{}
	if err := p.setup(ctx, in); err != nil {
		return Result{}, err
	}
	return p.run(ctx)
}

// The pause's own effects (besides the shared ones): its read-model row, and an Update to each
// of its courses.
const (
	kindRecord  effects.Kind = "team-pause"
	kindCourses effects.Kind = "courses"
)

type pause struct {
	in    Input
	state State
	fresh bool
	fx    *effects.Runner
	log   *workflows.UpdateLog
	// resumeBy is who asked to resume (the Update); the run resumes the courses.
	resumeBy string
	// changes counts what the run waits on besides time: a resume asked, a date moved.
	changes int
	done    bool // the resume is recorded: the resume Update answers
}

// coursesOptions: an Update to each of the team's courses, waiting for each to be applied; it
// heartbeats after each course. A retry sends the same Update IDs: nothing is applied twice.
var coursesOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    5 * time.Minute,
	ScheduleToCloseTimeout: 30 * time.Minute,
	HeartbeatTimeout:       time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
		MaximumAttempts:    20,
	},
}

func (p *pause) setup(ctx workflow.Context, in Input) error {
	p.in = in
	p.log = workflows.NewUpdateLog(in.Handled)
	p.in.Handled = nil
	if in.Carry != nil {
		p.state = *in.Carry
		p.in.Carry = nil
	} else {
		p.fresh = true
		resumeBy := in.ResumeBy
		if resumeBy.IsZero() {
			resumeBy = in.PlannedResume
		}
		p.state = State{
			TeamID: in.TeamID, PauseID: workflow.GetInfo(ctx).WorkflowExecution.RunID, PausedAt: workflow.Now(ctx),
			PlannedResume: in.PlannedResume, PausedBy: in.PausedBy, Reason: in.Reason, CourseIDs: []string{},
			ResumeBy: resumeBy, NextReminder: in.PlannedResume,
		}
	}
	p.fx = &effects.Runner{
		Ledger: &p.state.Effects, Workflow: "team-pause", WorkflowID: WorkflowID(in.TeamID),
		SubjectType: domain.SubjectTeam, SubjectID: in.TeamID, Apply: p.apply,
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, func(StateQuery) (State, error) { return p.state, nil }); err != nil {
		return fmt.Errorf("register query: %w", err)
	}
	steps := workflows.NewSteps(p.log)
	workflows.AddStep(steps, UpdateResume, p.validateResume, p.resume, func() ResumeResult { return ResumeResult{State: p.state} })
	workflows.AddStep(steps, UpdateMoveResume, p.validateMove, p.move, func() MoveResumeResult { return MoveResumeResult{State: p.state} })
	p.fx.AddRetry(steps)
	return steps.Register(ctx)
}

func (p *pause) run(ctx workflow.Context) (Result, error) {
	st := &p.state
	if p.fresh {
		if err := p.fx.Run(ctx, p.record()); err != nil {
			return Result{}, err
		}
		pauseArg := course.PauseRequest{PauseID: st.PauseID, PausedBy: st.PausedBy, PlannedResume: st.PlannedResume, ResumeBy: st.ResumeBy}
		if err := p.fx.Run(ctx, p.courses(course.UpdatePause, "pause", pauseArg, true)); err != nil {
			return Result{}, err
		}
	}
	for p.resumeBy == "" {
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if err := p.continueAsNew(ctx); err != nil {
				return Result{}, err // continue-as-new, or the workflow's context was cancelled
			}
			continue // a resume came while it waited: resume first
		}
		at, occ := p.next()
		seen, seenFx := p.changes, st.Effects.Seq
		changed := func() bool { return p.resumeBy != "" || p.changes != seen || st.Effects.Seq != seenFx }
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
		switch occ {
		case occResume:
			p.resumeBy = AutomaticResumer
			st.ResumedAutomatically = true
		case occRemind:
			p.remind(ctx, due)
		case occRetry:
			p.fx.Retry(ctx, false)
		}
	}

	// Resume: every course of the team that this pause paused goes on (a course's validator
	// refuses another pause's resume, so the team's open courses are asked).
	resumedAt := workflow.Now(ctx)
	resumeArg := course.ResumeRequest{PauseID: st.PauseID, ResumedBy: p.resumeBy, Automatic: st.ResumedAutomatically}
	p.fx.Forget(ctx, p.coursesKey("pause")) // a pause still stuck is no longer wanted
	if err := p.fx.Run(ctx, p.courses(course.UpdateResume, "resume", resumeArg, true)); err != nil {
		return Result{}, err
	}
	rec := p.record()
	rec.Pause.ResumedAt = &resumedAt
	rec.Key = "team-pause/resume"
	if err := p.fx.Run(ctx, rec); err != nil {
		return Result{}, err
	}
	if err := p.fx.Run(ctx, effects.Complete(ctx, domain.SubjectTeam, st.TeamID, domain.ReminderResumeDue)); err != nil {
		return Result{}, err
	}
	st.ResumedAt, st.ResumedBy = &resumedAt, p.resumeBy
	p.done = true
	if err := p.fx.Drain(ctx); err != nil {
		return Result{}, err
	}
	if err := workflows.Barrier(ctx); err != nil {
		return Result{}, err
	}
	if err := p.fx.Drain(ctx); err != nil {
		return Result{}, err
	}
	return Result{ResumedAt: resumedAt, CourseIDs: st.CourseIDs, Automatic: st.ResumedAutomatically}, nil
}

type occasion int

const (
	occResume occasion = iota // the latest resume date
	occRemind                 // remind the team lead
	occRetry                  // stuck effects are due to be tried again
)

// next is the earliest occasion: the latest resume date, the team lead's next reminder (from
// the planned resume date, while it is before the latest), a retry of stuck effects.
func (p *pause) next() (time.Time, occasion) {
	st := p.state
	at, occ := st.ResumeBy, occResume
	if st.NextReminder.Before(st.ResumeBy) && st.NextReminder.Before(at) {
		at, occ = st.NextReminder, occRemind
	}
	if t := p.fx.NextRetry(); !t.IsZero() && t.Before(at) {
		at, occ = t, occRetry
	}
	return at, occ
}

// remind raises the team lead's reminder to end the pause (mailed like every reminder).
func (p *pause) remind(ctx workflow.Context, scheduledFor time.Time) {
	st := &p.state
	st.Reminders++
	_ = p.fx.Run(ctx, effects.Raise(ctx, activities.RaiseReminderInput{
		Key:  fmt.Sprintf("%s/%s/resume/%d", WorkflowID(st.TeamID), st.PauseID, st.Reminders),
		Kind: domain.ReminderResumeDue, SubjectType: domain.SubjectTeam, SubjectID: st.TeamID,
		DueAt: st.PlannedResume, ScheduledFor: scheduledFor,
		RecipientRole: domain.RoleTeamLead, RecipientTeam: st.TeamID,
	}))
	st.NextReminder = workflow.Now(ctx).Add(p.in.RemindEvery.D())
}

func (p *pause) validateResume(ctx workflow.Context, r ResumeRequest) error {
	if err := domain.Permit(r.Actor, domain.TeamSubject(p.state.TeamID), domain.TeamResume); err != nil {
		return err
	}
	if p.resumeBy != "" {
		return domain.Errorf(domain.EPhase, "the team is being resumed")
	}
	return nil
}

// resume asks the run to resume the team, and answers when it has.
func (p *pause) resume(ctx workflow.Context, r ResumeRequest) (ResumeResult, error) {
	p.resumeBy = r.Actor.ID
	if err := workflow.Await(ctx, func() bool { return p.done }); err != nil {
		return ResumeResult{}, err
	}
	return ResumeResult{State: p.state}, nil
}

func (p *pause) validateMove(ctx workflow.Context, r MoveResumeRequest) error {
	if err := domain.Permit(r.Actor, domain.TeamSubject(p.state.TeamID), domain.TeamMoveResume); err != nil {
		return err
	}
	if p.resumeBy != "" {
		return domain.Errorf(domain.EPhase, "the team is being resumed")
	}
	if r.DecisionID == 0 {
		return domain.FieldError("decision_id", "a recorded decision is required")
	}
	if !domain.AfterToday(r.ResumeBy, workflow.Now(ctx)) {
		return domain.FieldError("resume_by", "the latest resume date must be ahead (to resume now, the team lead resumes the team)")
	}
	return nil
}

// move moves the latest resume date (and the planned one, if it was later); the courses learn
// the new date by the same pause sent again.
func (p *pause) move(ctx workflow.Context, r MoveResumeRequest) (MoveResumeResult, error) {
	st := &p.state
	st.Moves = append(st.Moves, Move{DecisionID: r.DecisionID, At: workflow.Now(ctx), By: r.Actor.ID, OldDate: st.ResumeBy, NewDate: r.ResumeBy})
	st.ResumeBy = r.ResumeBy
	if st.PlannedResume.After(r.ResumeBy) {
		st.PlannedResume = r.ResumeBy
		if st.Reminders == 0 {
			st.NextReminder = r.ResumeBy
		}
	}
	p.changes++
	rec := p.record()
	rec.Key = fmt.Sprintf("team-pause/move/%d", len(st.Moves))
	if err := p.fx.Run(ctx, rec); err != nil {
		return MoveResumeResult{}, err
	}
	arg := course.PauseRequest{PauseID: st.PauseID, PausedBy: st.PausedBy, PlannedResume: st.PlannedResume, ResumeBy: st.ResumeBy}
	if err := p.fx.Run(ctx, p.courses(course.UpdatePause, fmt.Sprintf("move/%d", len(st.Moves)), arg, false)); err != nil {
		return MoveResumeResult{}, err
	}
	return MoveResumeResult{State: p.state}, nil
}

// record is the effect that writes the pause's read-model row (its dates as they are now).
func (p *pause) record() effects.Effect {
	st := p.state
	resumeBy := st.ResumeBy
	return effects.Effect{Kind: kindRecord, Key: "team-pause", Pause: &activities.TeamPauseInput{
		TeamID: st.TeamID, PausedAt: st.PausedAt, PlannedResume: st.PlannedResume, PausedBy: st.PausedBy, Reason: st.Reason,
		ResumeBy: &resumeBy,
	}}
}

func (p *pause) coursesKey(step string) string { return "courses/" + step }

// courses is the effect that sends the Update to the team's courses: its open courses now
// (open), or those this pause paused.
func (p *pause) courses(update, step string, arg any, open bool) effects.Effect {
	st := p.state
	in := activities.UpdateTeamCoursesInput{
		TeamID: st.TeamID, Open: open, Update: update,
		UpdateID: fmt.Sprintf("%s/%s/%s", WorkflowID(st.TeamID), st.PauseID, step), Arg: arg,
	}
	if !open {
		for _, id := range st.CourseIDs {
			in.Courses = append(in.Courses, domain.CourseRef{ID: id, WorkflowID: course.WorkflowID(id)})
		}
	}
	return effects.Effect{Kind: kindCourses, Key: p.coursesKey(step), Courses: &in}
}

// apply makes one effect: the pause's own kinds here, the shared ones by the runner.
func (p *pause) apply(ctx workflow.Context, e effects.Effect) error {
	switch {
	case e.Kind == kindRecord && e.Pause != nil:
		if err := effects.Write(ctx, acts.RecordTeamPause, *e.Pause, nil); err != nil {
			return fmt.Errorf("record pause: %w", err)
		}
		return nil
	case e.Kind == kindCourses && e.Courses != nil:
		var out activities.UpdateTeamCoursesResult
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, coursesOptions), acts.UpdateTeamCourses, *e.Courses).Get(ctx, &out); err != nil {
			return fmt.Errorf("%s the courses: %w", e.Courses.Update, err)
		}
		if e.Courses.Update == course.UpdatePause && e.Courses.Open {
			ids := make([]string, len(out.Applied))
			for i, c := range out.Applied {
				ids[i] = c.ID
			}
			p.state.CourseIDs = ids
		}
		return nil
	}
	return p.fx.Common(ctx, e)
}

// continueAsNew carries the state into a new run once every handler has finished; it returns
// nil, and the run goes on, if a resume was asked meanwhile (its handler waits for the resume).
func (p *pause) continueAsNew(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) || p.resumeBy != "" }); err != nil {
		return err
	}
	if p.resumeBy != "" {
		return nil
	}
	p.log.Hold()
	if err := workflows.Barrier(ctx); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	if err := p.fx.Settle(ctx); err != nil {
		return err
	}
	next := p.in
	st := p.state
	next.Carry = &st
	next.Handled = p.log.Carry()
	return workflow.NewContinueAsNewError(ctx, TeamPauseWorkflow, next)
}
