package teampause

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
	"tvp/workflows"
	"tvp/workflows/course"
	"tvp/workflows/effects"
)

// legacy is the team pause as it ran before version 1 of Shape: it signals its courses, reminds
// the team lead from the planned resume date for as long as the pause lasts, and resumes only
// when the team lead does. Pauses started before replay it; none starts with it any more.
func legacy(ctx workflow.Context, in Input) (Result, error) {
	ctx = workflow.WithActivityOptions(ctx, effects.ActivityOptions)
	now := workflow.Now(ctx)
	st := State{
		TeamID: in.TeamID, PauseID: workflow.GetInfo(ctx).WorkflowExecution.RunID, PausedAt: now,
		PlannedResume: in.PlannedResume, PausedBy: in.PausedBy, Reason: in.Reason,
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, func(StateQuery) (State, error) { return st, nil }); err != nil {
		return Result{}, err
	}
	var resumedBy string
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateResume,
		func(ctx workflow.Context, r ResumeRequest) (ResumeResult, error) {
			resumedBy = r.Actor.ID
			if err := workflow.Await(ctx, func() bool { return st.ResumedAt != nil }); err != nil {
				return ResumeResult{}, err
			}
			return ResumeResult{State: st}, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, r ResumeRequest) error {
			if err := domain.Permit(r.Actor, domain.TeamSubject(in.TeamID), domain.TeamResume); err != nil {
				return workflows.Failure(err)
			}
			if resumedBy != "" {
				return workflows.Failure(domain.Errorf(domain.EPhase, "the team is being resumed"))
			}
			return nil
		}}); err != nil {
		return Result{}, err
	}

	record := activities.TeamPauseInput{TeamID: in.TeamID, PausedAt: now, PlannedResume: in.PlannedResume, PausedBy: in.PausedBy, Reason: in.Reason}
	if err := workflow.ExecuteActivity(ctx, acts.RecordTeamPause, record).Get(ctx, nil); err != nil {
		return Result{}, fmt.Errorf("record pause: %w", err)
	}
	var open activities.OpenCoursesResult
	if err := workflow.ExecuteActivity(ctx, acts.OpenCourses, activities.OpenCoursesInput{TeamID: in.TeamID}).Get(ctx, &open); err != nil {
		return Result{}, fmt.Errorf("open courses: %w", err)
	}
	st.CourseIDs = open.CourseIDs
	signalAll(ctx, st.CourseIDs, course.SignalPause, course.PauseSignal{PauseID: st.PauseID, PausedBy: in.PausedBy, PlannedResume: in.PlannedResume})

	// Wait for the team lead; remind them from the planned resume date on.
	next := in.PlannedResume
	for resumedBy == "" {
		wait := next.Sub(workflow.Now(ctx))
		if wait > 0 {
			ok, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return resumedBy != "" })
			if err != nil {
				return Result{}, err
			}
			if ok {
				break
			}
		}
		st.Reminders++
		remind := activities.RaiseReminderInput{
			Key:  fmt.Sprintf("%s/%s/resume/%d", WorkflowID(in.TeamID), st.PauseID, st.Reminders),
			Kind: domain.ReminderResumeDue, SubjectType: domain.SubjectTeam, SubjectID: in.TeamID,
			DueAt: in.PlannedResume, RaisedAt: workflow.Now(ctx), ScheduledFor: next,
			RecipientRole: domain.RoleTeamLead, RecipientTeam: in.TeamID,
		}
		if err := workflow.ExecuteActivity(ctx, acts.RaiseReminder, remind).Get(ctx, nil); err != nil {
			return Result{}, fmt.Errorf("remind: %w", err)
		}
		next = workflow.Now(ctx).Add(in.RemindEvery.D())
	}

	resumedAt := workflow.Now(ctx)
	signalAll(ctx, st.CourseIDs, course.SignalResume, course.ResumeSignal{PauseID: st.PauseID, ResumedBy: resumedBy})
	record.ResumedAt = &resumedAt
	if err := workflow.ExecuteActivity(ctx, acts.RecordTeamPause, record).Get(ctx, nil); err != nil {
		return Result{}, fmt.Errorf("record resume: %w", err)
	}
	done := activities.CompleteRemindersInput{SubjectType: domain.SubjectTeam, SubjectID: in.TeamID, Kinds: []domain.ReminderKind{domain.ReminderResumeDue}, At: resumedAt}
	if err := workflow.ExecuteActivity(ctx, acts.CompleteReminders, done).Get(ctx, nil); err != nil {
		return Result{}, fmt.Errorf("complete reminders: %w", err)
	}
	st.ResumedAt, st.ResumedBy = &resumedAt, resumedBy
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return Result{}, err
	}
	return Result{ResumedAt: resumedAt, CourseIDs: st.CourseIDs}, nil
}

// signalAll signals every course; a course that has closed meanwhile is skipped (legacy).
func signalAll(ctx workflow.Context, courseIDs []string, name string, arg any) {
	futures := make([]workflow.Future, len(courseIDs))
	for i, id := range courseIDs {
		futures[i] = workflow.SignalExternalWorkflow(ctx, course.WorkflowID(id), "", name, arg)
	}
	for i, f := range futures {
		if err := f.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Info("course not signalled (closed meanwhile)", "course", courseIDs[i], "signal", name, "err", err)
		}
	}
}
