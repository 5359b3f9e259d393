package store

import (
	"context"
	"fmt"
	"time"

	"tvp/domain"
)

// courseRefRow is a row of OpenCourseRefs (domain.CourseRef).
type courseRefRow struct {
	ID         string `db:"id"`
	WorkflowID string `db:"workflow_id"`
}

// OpenCourseRefs returns the team's courses that are not closed, with their workflows.
func (s *Store) OpenCourseRefs(ctx context.Context, teamID string) ([]domain.CourseRef, error) {
	out := []courseRefRow{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT id::text, workflow_id FROM courses
		WHERE team_id = $1 AND closed_on IS NULL AND phase <> $2 ORDER BY id`, teamID, domain.PhaseClosed)
	if err != nil {
		return nil, fmt.Errorf("open courses of %s: %w", teamID, translate(err))
	}
	return convert(out, func(r courseRefRow) domain.CourseRef { return domain.CourseRef(r) }), nil
}

// SetTeamPauseResume records the planned and the latest resume date of the team's pause that
// began at pausedAt: at the latest date its courses resume by themselves, unless a new
// decision moves it (then this is called again).
func (s *Store) SetTeamPauseResume(ctx context.Context, teamID string, pausedAt, plannedResume, resumeBy time.Time) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE team_pauses SET planned_resume = $3, resume_by = $4
		WHERE team_id = $1 AND paused_at = $2 AND resumed_at IS NULL`,
		teamID, pausedAt, plannedResume, resumeBy)
	if err != nil {
		return fmt.Errorf("resume dates of %s: %w", teamID, translate(err))
	}
	return nil
}

// TeamPauseResumeBy returns the latest resume date of the team's open pause, if one is
// recorded.
func (s *Store) TeamPauseResumeBy(ctx context.Context, teamID string) (*time.Time, error) {
	var at *time.Time
	err := s.db.GetContext(ctx, &at, `SELECT resume_by FROM team_pauses WHERE team_id = $1 AND resumed_at IS NULL`, teamID)
	if err != nil {
		return nil, fmt.Errorf("resume by of %s: %w", teamID, notFound(err, "team %s is not paused", teamID))
	}
	return at, nil
}
