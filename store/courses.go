package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tvp/domain"
)

// SaveCourse writes the course's read-model row, citizens and consultants. It is idempotent
// and ordered: a write whose revision is older than the stored one changes nothing, so a
// retried or late activity never rolls the row back.
func (s *Store) SaveCourse(ctx context.Context, c domain.CourseRecord) error {
	return s.Transact(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `
			INSERT INTO courses (id, workflow_id, team_id, kind, phase, start_date, planned_end,
				next_deadline, next_action, outcome, closed_on, referred_by, revision)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (id) DO UPDATE SET phase = EXCLUDED.phase, planned_end = EXCLUDED.planned_end,
				next_deadline = EXCLUDED.next_deadline, next_action = EXCLUDED.next_action,
				outcome = EXCLUDED.outcome, closed_on = EXCLUDED.closed_on,
				revision = EXCLUDED.revision, updated_at = now()
			WHERE courses.revision < EXCLUDED.revision`,
			c.ID, c.WorkflowID, c.TeamID, c.Kind, c.Phase, c.StartDate, c.PlannedEnd,
			c.NextDeadline, c.NextAction, c.Outcome, c.ClosedOn, c.ReferredBy, c.Revision)
		if err != nil {
			return fmt.Errorf("save course %s: %w", c.ID, racedInsert(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // a newer revision is already stored
		}
		active := c.Phase != domain.PhaseClosed
		for _, cid := range c.CitizenIDs {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO course_citizens (course_id, citizen_id, team_id, active) VALUES ($1, $2, $3, $4)
				ON CONFLICT (course_id, citizen_id) DO UPDATE SET active = EXCLUDED.active`,
				c.ID, cid, c.TeamID, active); err != nil {
				return fmt.Errorf("save course %s citizen: %w", c.ID, translate(err))
			}
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE course_consultants SET active = false
			WHERE course_id = $1 AND (NOT (staff_id = ANY($2)) OR $3)`,
			c.ID, pq.StringArray(c.ConsultantIDs), !active); err != nil {
			return fmt.Errorf("save course %s consultants: %w", c.ID, translate(err))
		}
		if err := saveCourseRecords(ctx, tx, c); err != nil {
			return err
		}
		for _, sid := range c.ConsultantIDs {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO course_consultants (course_id, staff_id, active) VALUES ($1, $2, $3)
				ON CONFLICT (course_id, staff_id) DO UPDATE SET active = EXCLUDED.active`,
				c.ID, sid, active); err != nil {
				return fmt.Errorf("save course %s consultant: %w", c.ID, translate(err))
			}
		}
		return nil
	})
}

type courseRow struct {
	domain.CourseRecord
	Citizens    pq.StringArray `db:"citizens"`
	Consultants pq.StringArray `db:"consultants"`
}

const courseSelect = `
	SELECT c.id, c.workflow_id, c.team_id, c.kind, c.phase, c.start_date, c.planned_end,
		c.next_deadline, c.next_action, c.outcome, c.closed_on, c.referred_by, c.revision,
		ARRAY(SELECT citizen_id::text FROM course_citizens WHERE course_id = c.id ORDER BY citizen_id) AS citizens,
		ARRAY(SELECT staff_id FROM course_consultants WHERE course_id = c.id AND (active OR c.closed_on IS NOT NULL) ORDER BY staff_id) AS consultants
	FROM courses c`

// GetCourse returns one course from the read model.
func (s *Store) GetCourse(ctx context.Context, id string) (domain.CourseRecord, error) {
	var r courseRow
	if err := s.db.GetContext(ctx, &r, courseSelect+` WHERE c.id = $1`, id); err != nil {
		return domain.CourseRecord{}, fmt.Errorf("get course %s: %w", id, notFound(err, "course %s does not exist", id))
	}
	c := r.CourseRecord
	c.CitizenIDs, c.ConsultantIDs = []string(r.Citizens), []string(r.Consultants)
	return c, nil
}

// saveCourseRecords writes the course's progressions, extensions and milestones, each keyed
// by its sequence number in the course.
func saveCourseRecords(ctx context.Context, tx *sqlx.Tx, c domain.CourseRecord) error {
	for _, p := range c.Progressions {
		scores, err := jsonText(p.Scores)
		if err != nil {
			return fmt.Errorf("save course %s progression: %w", c.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO course_progressions (course_id, seq, recorded_at, recorded_by, scores, note)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (course_id, seq) DO NOTHING`,
			c.ID, p.Seq, p.RecordedAt, p.RecordedBy, scores, p.Note); err != nil {
			return fmt.Errorf("save course %s progression: %w", c.ID, translate(err))
		}
	}
	for _, e := range c.Extensions {
		var decision *string
		if e.Decision != "" {
			decision = &e.Decision
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO course_extensions (course_id, seq, requested_at, requested_by, reason, old_end, new_end,
				decision, decided_at, decided_by, decision_reason)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULLIF($10, ''), NULLIF($11, ''))
			ON CONFLICT (course_id, seq) DO UPDATE SET decision = EXCLUDED.decision,
				decided_at = EXCLUDED.decided_at, decided_by = EXCLUDED.decided_by,
				decision_reason = EXCLUDED.decision_reason`,
			c.ID, e.Seq, e.RequestedAt, e.RequestedBy, e.Reason, e.OldEnd, e.NewEnd,
			decision, e.DecidedAt, e.DecidedBy, e.DecisionReason); err != nil {
			return fmt.Errorf("save course %s extension: %w", c.ID, translate(err))
		}
	}
	for i, m := range c.Milestones {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO course_milestones (course_id, seq, outcome, reached_on, recorded_by)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (course_id, seq) DO NOTHING`,
			c.ID, i+1, m.Outcome, m.Date, m.RecordedBy); err != nil {
			return fmt.Errorf("save course %s milestone: %w", c.ID, translate(err))
		}
	}
	return nil
}

// OpenCourseIDs returns the ids of the team's courses that are not closed.
func (s *Store) OpenCourseIDs(ctx context.Context, teamID string) ([]string, error) {
	var ids []string
	err := s.db.SelectContext(ctx, &ids, `
		SELECT id::text FROM courses WHERE team_id = $1 AND closed_on IS NULL AND phase <> 'closed' ORDER BY id`, teamID)
	if err != nil {
		return nil, fmt.Errorf("open courses of %s: %w", teamID, translate(err))
	}
	return ids, nil
}

// CaseloadOverride records that a team lead let a consultant take a course beyond the norm.
type CaseloadOverride struct {
	StaffID, By, Reason string
}

// ReserveCourse writes a referred course's row before its workflow starts, so that the rule
// "one active course per citizen per team" holds at once (a second referral gets EConflict).
// A reservation with the same id again is the same referral repeated: created is false.
// The row, its citizens and its consultants are written by one statement: atomic, and one
// round trip to the server.
func (s *Store) ReserveCourse(ctx context.Context, c domain.CourseRecord, overrides []CaseloadOverride) (created bool, err error) {
	staff, by, reason := make([]string, len(c.ConsultantIDs)), make([]string, len(c.ConsultantIDs)), make([]string, len(c.ConsultantIDs))
	for i, sid := range c.ConsultantIDs {
		staff[i] = sid
		for _, o := range overrides {
			if o.StaffID == sid {
				by[i], reason[i] = o.By, o.Reason
			}
		}
	}
	var n int
	err = s.db.GetContext(ctx, &n, `
		WITH c AS (
			INSERT INTO courses (id, workflow_id, team_id, kind, phase, start_date, planned_end, referred_by, revision)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0) ON CONFLICT (id) DO NOTHING RETURNING id),
		citizens AS (
			INSERT INTO course_citizens (course_id, citizen_id, team_id) SELECT c.id, x, $3 FROM c, unnest($9::uuid[]) AS x),
		consultants AS (
			INSERT INTO course_consultants (course_id, staff_id, override_by, override_reason)
			SELECT c.id, x.staff, NULLIF(x.by, ''), NULLIF(x.reason, '')
			FROM c, unnest($10::text[], $11::text[], $12::text[]) AS x(staff, by, reason))
		SELECT count(*) FROM c`,
		c.ID, c.WorkflowID, c.TeamID, c.Kind, c.Phase, c.StartDate, c.PlannedEnd, c.ReferredBy,
		pq.StringArray(c.CitizenIDs), pq.StringArray(staff), pq.StringArray(by), pq.StringArray(reason))
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Constraint == "course_citizens_one_active" {
		return false, domain.Errorf(domain.EConflict, "the citizen already has an active course in this team")
	}
	if err != nil {
		return false, fmt.Errorf("reserve course: %w", translate(err))
	}
	return n == 1, nil
}

// ReleaseReservation removes a reservation whose workflow never started (revision 0).
func (s *Store) ReleaseReservation(ctx context.Context, courseID string) error {
	return s.Transact(ctx, func(tx *sqlx.Tx) error {
		var rev int64
		if err := tx.GetContext(ctx, &rev, `SELECT revision FROM courses WHERE id = $1 FOR UPDATE`, courseID); err != nil {
			return fmt.Errorf("release reservation: %w", translate(err))
		}
		if rev != 0 {
			return nil // the workflow has written it: it runs
		}
		for _, q := range []string{
			`DELETE FROM course_citizens WHERE course_id = $1`,
			`DELETE FROM course_consultants WHERE course_id = $1`,
			`DELETE FROM courses WHERE id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, q, courseID); err != nil {
				return fmt.Errorf("release reservation: %w", translate(err))
			}
		}
		return nil
	})
}
