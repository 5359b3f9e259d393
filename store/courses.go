package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

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
				next_deadline, outcome, closed_on, referred_by, revision, next)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (id) DO UPDATE SET phase = EXCLUDED.phase, planned_end = EXCLUDED.planned_end,
				next_deadline = EXCLUDED.next_deadline,
				outcome = EXCLUDED.outcome, closed_on = EXCLUDED.closed_on,
				revision = EXCLUDED.revision, next = EXCLUDED.next, updated_at = now()
			WHERE courses.revision < EXCLUDED.revision`,
			c.ID, c.WorkflowID, c.TeamID, c.Kind, c.Phase, c.StartDate, c.PlannedEnd,
			c.NextDeadline, c.Outcome, c.ClosedOn, c.ReferredBy, c.Revision, nextColumn{c.Next})
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
	NextCol     nextColumn     `db:"next"`
	Citizens    pq.StringArray `db:"citizens"`
	Consultants pq.StringArray `db:"consultants"`
	Extended    bool           `db:"extension_requested"`
}

// record is the row as the domain has it.
func (r courseRow) record() domain.CourseRecord {
	c := r.CourseRecord
	c.CitizenIDs, c.ConsultantIDs, c.Next, c.ExtensionRequested = []string(r.Citizens), []string(r.Consultants), r.NextCol.Next, r.Extended
	return c
}

const courseColumns = `c.id, c.workflow_id, c.team_id, c.kind, c.phase, c.start_date, c.planned_end,
		c.next_deadline, c.next, c.outcome, c.closed_on, c.referred_by, c.revision,
		EXISTS (SELECT 1 FROM course_extensions e WHERE e.course_id = c.id) AS extension_requested,`

const courseSelect = `
	SELECT ` + courseColumns + `
		ARRAY(SELECT citizen_id::text FROM course_citizens WHERE course_id = c.id ORDER BY citizen_id) AS citizens,
		ARRAY(SELECT staff_id FROM course_consultants WHERE course_id = c.id AND (active OR c.closed_on IS NOT NULL) ORDER BY staff_id) AS consultants
	FROM courses c`

// GetCourse returns one course from the read model.
func (s *Store) GetCourse(ctx context.Context, id string) (domain.CourseRecord, error) {
	var r courseRow
	if err := s.db.GetContext(ctx, &r, courseSelect+` WHERE c.id = $1`, id); err != nil {
		return domain.CourseRecord{}, fmt.Errorf("get course %s: %w", id, notFound(err, "course %s does not exist", id))
	}
	return r.record(), nil
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
			d := string(e.Decision)
			decision = &d
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
		SELECT id::text FROM courses WHERE team_id = $1 AND closed_on IS NULL AND phase <> $2 ORDER BY id`, teamID, domain.PhaseClosed)
	if err != nil {
		return nil, fmt.Errorf("open courses of %s: %w", teamID, translate(err))
	}
	return ids, nil
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

// GetCourseRecords returns the course with its progressions, extensions and milestones, as
// the read model keeps them (a closed course is read from here).
func (s *Store) GetCourseRecords(ctx context.Context, c domain.CourseRecord) (domain.CourseRecord, error) {
	var progs []struct {
		Seq        int       `db:"seq"`
		RecordedAt time.Time `db:"recorded_at"`
		RecordedBy string    `db:"recorded_by"`
		Scores     []byte    `db:"scores"`
		Note       string    `db:"note"`
	}
	if err := s.db.SelectContext(ctx, &progs, `
		SELECT seq, recorded_at, recorded_by, scores, note FROM course_progressions WHERE course_id = $1 ORDER BY seq`, c.ID); err != nil {
		return c, fmt.Errorf("course %s progressions: %w", c.ID, translate(err))
	}
	c.Progressions = make([]domain.Progression, len(progs))
	for i, p := range progs {
		c.Progressions[i] = domain.Progression{Seq: p.Seq, RecordedAt: p.RecordedAt, RecordedBy: p.RecordedBy, Note: p.Note}
		if err := json.Unmarshal(p.Scores, &c.Progressions[i].Scores); err != nil {
			return c, fmt.Errorf("course %s progression %d: %w", c.ID, p.Seq, err)
		}
	}
	var exts []struct {
		domain.Extension
		DecisionCol       *string `db:"decision"`
		DecidedByCol      *string `db:"decided_by"`
		DecisionReasonCol *string `db:"decision_reason"`
	}
	if err := s.db.SelectContext(ctx, &exts, `
		SELECT seq, requested_at, requested_by, reason, old_end, new_end, decision, decided_at, decided_by, decision_reason
		FROM course_extensions WHERE course_id = $1 ORDER BY seq`, c.ID); err != nil {
		return c, fmt.Errorf("course %s extensions: %w", c.ID, translate(err))
	}
	c.Extensions = make([]domain.Extension, len(exts))
	for i, e := range exts {
		c.Extensions[i] = e.Extension
		c.Extensions[i].Decision, c.Extensions[i].DecidedBy, c.Extensions[i].DecisionReason = domain.ExtensionDecision(deref(e.DecisionCol)), deref(e.DecidedByCol), deref(e.DecisionReasonCol)
	}
	c.Milestones = []domain.Milestone{}
	if err := s.db.SelectContext(ctx, &c.Milestones, `
		SELECT outcome, reached_on AS date, recorded_by FROM course_milestones WHERE course_id = $1 ORDER BY seq`, c.ID); err != nil {
		return c, fmt.Errorf("course %s milestones: %w", c.ID, translate(err))
	}
	return c, nil
}
