package activities

import (
	"context"
	"time"

	"tvp/store"
)

// TeamPauseInput records a pause or its end.
type TeamPauseInput struct {
	TeamID        string     `json:"team_id"`
	PausedAt      time.Time  `json:"paused_at"`
	PlannedResume time.Time  `json:"planned_resume"`
	PausedBy      string     `json:"paused_by"`
	Reason        string     `json:"reason"`
	ResumedAt     *time.Time `json:"resumed_at,omitempty"`
}

// TeamPauseResult is empty.
type TeamPauseResult struct{}

// RecordTeamPause writes the pause (or, with ResumedAt, its end) to the read model.
func (a *Activities) RecordTeamPause(ctx context.Context, in TeamPauseInput) (TeamPauseResult, error) {
	if in.ResumedAt != nil {
		return TeamPauseResult{}, permanent(a.Store.RecordTeamResume(ctx, in.TeamID, in.PausedAt, *in.ResumedAt))
	}
	return TeamPauseResult{}, permanent(a.Store.RecordTeamPause(ctx, store.TeamPause{
		TeamID: in.TeamID, PausedAt: in.PausedAt, PlannedResume: in.PlannedResume, PausedBy: in.PausedBy, Reason: in.Reason,
	}))
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
