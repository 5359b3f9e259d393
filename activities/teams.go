package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"tvp/domain"
)

// TeamPauseInput records a pause or its end.
type TeamPauseInput struct {
	TeamID        string     `json:"team_id"`
	PausedAt      time.Time  `json:"paused_at"`
	PlannedResume time.Time  `json:"planned_resume"`
	PausedBy      string     `json:"paused_by"`
	Reason        string     `json:"reason"`
	ResumedAt     *time.Time `json:"resumed_at,omitempty"`
	// ResumeBy is the pause's latest resume date, if the pause keeps one (set again when a
	// decision moves it).
	ResumeBy *time.Time `json:"resume_by,omitempty"`
}

// TeamPauseResult is empty.
type TeamPauseResult struct{}

// RecordTeamPause writes the pause (or, with ResumedAt, its end) to the read model.
func (a *Activities) RecordTeamPause(ctx context.Context, in TeamPauseInput) (TeamPauseResult, error) {
	if in.ResumedAt != nil {
		return TeamPauseResult{}, permanent(a.Store.RecordTeamResume(ctx, in.TeamID, in.PausedAt, *in.ResumedAt))
	}
	if err := a.Store.RecordTeamPause(ctx, domain.TeamPauseRecord{
		TeamID: in.TeamID, PausedAt: in.PausedAt, PlannedResume: in.PlannedResume, PausedBy: in.PausedBy, Reason: in.Reason,
	}); err != nil {
		return TeamPauseResult{}, permanent(err)
	}
	if in.ResumeBy != nil {
		return TeamPauseResult{}, permanent(a.Store.SetTeamPauseResume(ctx, in.TeamID, in.PausedAt, in.PlannedResume, *in.ResumeBy))
	}
	return TeamPauseResult{}, nil
}

// OpenCoursesInput names a team.
type OpenCoursesInput struct {
	TeamID string `json:"team_id"`
}

// OpenCoursesResult lists the team's open courses.
type OpenCoursesResult struct {
	CourseIDs []string `json:"course_ids"`
}

// OpenCourses reads the team's open courses from the read model.
func (a *Activities) OpenCourses(ctx context.Context, in OpenCoursesInput) (OpenCoursesResult, error) {
	ids, err := a.Store.OpenCourseIDs(ctx, in.TeamID)
	return OpenCoursesResult{CourseIDs: ids}, permanent(err)
}

// UpdateTeamCoursesInput sends one Update to each of a team's courses (a team pause pausing or
// resuming them). Each course's Update ID is UpdateID + "/" + the course's id, so a retried
// activity applies nothing twice.
type UpdateTeamCoursesInput struct {
	TeamID string `json:"team_id"`
	// Courses are the courses; with Open, the team's open courses now (the read model) instead.
	Courses  []domain.CourseRef `json:"courses,omitempty"`
	Open     bool               `json:"open,omitempty"`
	Update   string             `json:"update"`
	UpdateID string             `json:"update_id"`
	// Arg is the Update's argument, as the course's contract has it (a JSON object).
	Arg any `json:"arg"`
}

// UpdateTeamCoursesResult says which courses took the Update, and which did not because they
// had closed (or were not in the phase for it).
type UpdateTeamCoursesResult struct {
	Applied []domain.CourseRef `json:"applied"`
	Skipped []domain.CourseRef `json:"skipped"`
}

// UpdateTeamCourses sends the Update to every course and waits for each to be applied. A course
// that has closed meanwhile, or whose validator refuses it (closed, already in that phase), is
// skipped; any other error is returned, and the retry sends the Updates again (the same IDs).
func (a *Activities) UpdateTeamCourses(ctx context.Context, in UpdateTeamCoursesInput) (UpdateTeamCoursesResult, error) {
	if a.Temporal == nil {
		return UpdateTeamCoursesResult{}, temporal.NewNonRetryableApplicationError("the worker has no Temporal client for Updates to courses", domain.EInternal, nil)
	}
	courses := in.Courses
	if in.Open {
		var err error
		if courses, err = a.Store.OpenCourseRefs(ctx, in.TeamID); err != nil {
			return UpdateTeamCoursesResult{}, permanent(err)
		}
	}
	out := UpdateTeamCoursesResult{Applied: []domain.CourseRef{}, Skipped: []domain.CourseRef{}}
	for i, c := range courses {
		h, err := a.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			UpdateID: in.UpdateID + "/" + c.ID, WorkflowID: c.WorkflowID, UpdateName: in.Update,
			Args: []any{in.Arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		switch {
		case err == nil:
			out.Applied = append(out.Applied, c)
		case refused(err):
			out.Skipped = append(out.Skipped, c)
		default:
			return out, fmt.Errorf("%s %s: %w", in.Update, c.WorkflowID, err)
		}
		activity.RecordHeartbeat(ctx, i+1)
	}
	return out, nil
}

// refused reports whether a course did not take an Update for a reason a retry cannot change:
// its workflow has ended, or its validator refused the step.
func refused(err error) bool {
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return true
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		switch appErr.Type() {
		case domain.EPhase, domain.EInvalid, domain.ENotFound, domain.EForbidden:
			return true
		}
	}
	return false
}
