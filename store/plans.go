package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tvp/domain"
)

const collaborationSettingsKey = "collaboration"

// CollaborationSettings returns the collaboration model's settings (the defaults until set).
func (s *Store) CollaborationSettings(ctx context.Context) (domain.CollaborationSettings, error) {
	var raw []byte
	err := s.db.GetContext(ctx, &raw, `SELECT value FROM programme_settings WHERE key = $1`, collaborationSettingsKey)
	if domain.ErrorCode(translate(err)) == domain.ENotFound {
		return domain.DefaultCollaborationSettings(), nil
	}
	if err != nil {
		return domain.CollaborationSettings{}, fmt.Errorf("collaboration settings: %w", translate(err))
	}
	cs := domain.DefaultCollaborationSettings()
	if err := json.Unmarshal(raw, &cs); err != nil {
		return cs, fmt.Errorf("collaboration settings: %w", err)
	}
	return cs, nil
}

// SetCollaborationSettings stores the collaboration model's settings.
func (s *Store) SetCollaborationSettings(ctx context.Context, cs domain.CollaborationSettings) error {
	raw, err := jsonText(cs)
	if err != nil {
		return fmt.Errorf("collaboration settings: %w", err)
	}
	_, err = s.db.ExecContext(ctx, `
		INSERT INTO programme_settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`, collaborationSettingsKey, raw)
	if err != nil {
		return fmt.Errorf("collaboration settings: %w", translate(err))
	}
	return nil
}

// ReservePlan writes an enrolled plan's row before its workflow starts, so that a citizen has
// one active plan at a time (a second enrolment gets a *domain.DuplicatePlan). The same id
// again is the same enrolment repeated: created is false. Its participants are written with
// it, so that they may work on the plan at once. With citizen, the person is recognised by
// the hash of their CPR number (and recorded, if new) in the same transaction: a refused
// enrolment writes nothing about them; p.CitizenID is then theirs.
func (s *Store) ReservePlan(ctx context.Context, p domain.PlanRecord, citizen *NewCitizen) (created bool, err error) {
	var fromCourse *string
	if p.FromCourseID != "" {
		fromCourse = &p.FromCourseID
	}
	err = s.Transact(ctx, func(tx *sqlx.Tx) error {
		var exists bool
		if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM collaboration_plans WHERE id = $1)`, p.ID); err != nil {
			return fmt.Errorf("reserve plan: %w", translate(err))
		}
		if exists {
			return nil
		}
		if citizen != nil {
			var known []string
			// Under the current pepper first; during a rotation under the previous one too.
			if err := tx.SelectContext(ctx, &known, `SELECT id::text FROM citizens WHERE cpr_hmac = ANY($1) ORDER BY cpr_hmac = $2 DESC`,
				pq.ByteaArray(citizen.hashes()), citizen.Hash); err != nil {
				return fmt.Errorf("reserve plan: %w", translate(err))
			}
			if len(known) > 0 {
				p.CitizenID = known[0]
			} else {
				p.CitizenID = citizen.ID
			}
		}
		var active []string
		if err := tx.SelectContext(ctx, &active, `SELECT id::text FROM collaboration_plans WHERE citizen_id = $1 AND ended_on IS NULL`, p.CitizenID); err != nil {
			return fmt.Errorf("reserve plan: %w", translate(err))
		}
		if len(active) > 0 {
			return &domain.DuplicatePlan{PlanID: active[0]}
		}
		if citizen != nil && p.CitizenID == citizen.ID {
			if _, err := recordCitizen(ctx, tx, *citizen); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO collaboration_plans (id, workflow_id, citizen_id, coordinator_id, coordinating_caseworker_id,
				phase, from_course_id, revision)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 0)`,
			p.ID, p.WorkflowID, p.CitizenID, p.CoordinatorID, p.CoordinatingCaseworkerID, p.Phase, fromCourse)
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Constraint == "collaboration_plans_one_active" {
			return &domain.DuplicatePlan{} // enrolled at the same moment by another request
		}
		if err != nil {
			return fmt.Errorf("reserve plan: %w", translate(err))
		}
		created = true
		for _, pt := range p.Participants {
			var centre *domain.Centre
			if pt.Centre != "" {
				centre = &pt.Centre
			}
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO collaboration_participants (plan_id, staff_id, role, centre, joined_at)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
				p.ID, pt.StaffID, pt.Role, centre, pt.JoinedAt); err != nil {
				return fmt.Errorf("reserve plan participant: %w", translate(err))
			}
		}
		return nil
	})
	return created, err
}

// ReleasePlanReservation removes a reservation whose workflow never started (revision 0).
func (s *Store) ReleasePlanReservation(ctx context.Context, planID string) error {
	return s.Transact(ctx, func(tx *sqlx.Tx) error {
		for _, q := range []string{
			`DELETE FROM collaboration_participants WHERE plan_id = $1 AND EXISTS (SELECT 1 FROM collaboration_plans WHERE id = $1 AND revision = 0)`,
			`DELETE FROM collaboration_plans WHERE id = $1 AND revision = 0`,
		} {
			if _, err := tx.ExecContext(ctx, q, planID); err != nil {
				return fmt.Errorf("release plan reservation: %w", translate(err))
			}
		}
		return nil
	})
}

// SavePlan writes the plan's read model: the row, participants, meetings and every form
// version. Ordered by revision like SaveCourse: an older write changes nothing.
func (s *Store) SavePlan(ctx context.Context, p domain.PlanRecord) error {
	return s.Transact(ctx, func(tx *sqlx.Tx) error {
		var scope, recordedBy *string
		var consentDate *time.Time
		if p.Consent != nil {
			scope, recordedBy, consentDate = &p.Consent.Scope, &p.Consent.RecordedBy, &p.Consent.Date
		}
		var fromCourse *string
		if p.FromCourseID != "" {
			fromCourse = &p.FromCourseID
		}
		network, err := jsonList(p.Network)
		if err != nil {
			return fmt.Errorf("save plan %s network: %w", p.ID, err)
		}
		goalWords, err := jsonList(p.GoalWords)
		if err != nil {
			return fmt.Errorf("save plan %s goal words: %w", p.ID, err)
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO collaboration_plans (id, workflow_id, citizen_id, coordinator_id, coordinating_caseworker_id,
				phase, consent_scope, consent_date, consent_recorded_by, next_meeting_at, next_deadline,
				from_course_id, ended_on, end_reason, revision, next, network, goal_words)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULLIF($14, ''), $15, $16, $17, $18)
			ON CONFLICT (id) DO UPDATE SET coordinator_id = EXCLUDED.coordinator_id,
				coordinating_caseworker_id = EXCLUDED.coordinating_caseworker_id, phase = EXCLUDED.phase,
				consent_scope = EXCLUDED.consent_scope, consent_date = EXCLUDED.consent_date,
				consent_recorded_by = EXCLUDED.consent_recorded_by, next_meeting_at = EXCLUDED.next_meeting_at,
				next_deadline = EXCLUDED.next_deadline,
				ended_on = EXCLUDED.ended_on, end_reason = EXCLUDED.end_reason,
				revision = EXCLUDED.revision, next = EXCLUDED.next, network = EXCLUDED.network,
				goal_words = EXCLUDED.goal_words, updated_at = now()
			WHERE collaboration_plans.revision < EXCLUDED.revision`,
			p.ID, p.WorkflowID, p.CitizenID, p.CoordinatorID, p.CoordinatingCaseworkerID, p.Phase,
			scope, consentDate, recordedBy, p.NextMeetingAt, p.NextDeadline,
			fromCourse, p.EndedOn, p.EndReason, p.Revision, nextColumn{p.Next}, network, goalWords)
		if err != nil {
			return fmt.Errorf("save plan %s: %w", p.ID, racedInsert(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		for _, pt := range p.Participants {
			var centre *domain.Centre
			if pt.Centre != "" {
				centre = &pt.Centre
			}
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO collaboration_participants (plan_id, staff_id, role, centre, joined_at, left_at)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (plan_id, staff_id, role, joined_at) DO UPDATE SET left_at = EXCLUDED.left_at`,
				p.ID, pt.StaffID, pt.Role, centre, pt.JoinedAt, pt.LeftAt); err != nil {
				return fmt.Errorf("save plan %s participant: %w", p.ID, translate(err))
			}
		}
		for _, m := range p.Meetings {
			agenda, err := jsonList(m.Agenda)
			if err != nil {
				return fmt.Errorf("save plan %s agenda: %w", p.ID, err)
			}
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO meetings (plan_id, seq, kind, status, due_by, scheduled_at, invitation_sent_at, held_at,
					citizen_present, attendees, minutes_due, minutes_recorded_at, minutes, note, agenda, place)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
				ON CONFLICT (plan_id, seq) DO UPDATE SET status = EXCLUDED.status, due_by = EXCLUDED.due_by,
					scheduled_at = EXCLUDED.scheduled_at, invitation_sent_at = EXCLUDED.invitation_sent_at,
					held_at = EXCLUDED.held_at, citizen_present = EXCLUDED.citizen_present,
					attendees = EXCLUDED.attendees, minutes_due = EXCLUDED.minutes_due,
					minutes_recorded_at = EXCLUDED.minutes_recorded_at, minutes = EXCLUDED.minutes, note = EXCLUDED.note,
					agenda = EXCLUDED.agenda, place = EXCLUDED.place`,
				p.ID, m.Seq, m.Kind, m.Status, m.DueBy, m.ScheduledAt, m.InvitationSentAt, m.HeldAt,
				m.CitizenPresent, pq.StringArray(append([]string{}, m.Attendees...)), m.MinutesDue, m.MinutesRecordedAt, m.Minutes, m.Note, agenda, m.Place); err != nil {
				return fmt.Errorf("save plan %s meeting: %w", p.ID, translate(err))
			}
		}
		for _, v := range p.FormVersions {
			form, err := jsonText(v.Goals)
			if err != nil {
				return fmt.Errorf("save plan %s form: %w", p.ID, err)
			}
			responses, err := jsonList(v.Responses)
			if err != nil {
				return fmt.Errorf("save plan %s form: %w", p.ID, err)
			}
			var seq *int
			if v.MeetingSeq != 0 {
				seq = &v.MeetingSeq
			}
			// A version's text stays as written; its agreements' state and the citizen's
			// answers to it change.
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO plan_form_versions (plan_id, version, meeting_seq, changed_by, changed_at, change_summary, form, responses)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
				ON CONFLICT (plan_id, version) DO UPDATE SET form = EXCLUDED.form, responses = EXCLUDED.responses`,
				p.ID, v.Version, seq, v.ChangedBy, v.ChangedAt, v.Summary, form, responses); err != nil {
				return fmt.Errorf("save plan %s form: %w", p.ID, translate(err))
			}
		}
		return nil
	})
}

// GetPlan returns a plan from the read model, with its participants, meetings and form versions.
func (s *Store) GetPlan(ctx context.Context, id string) (domain.PlanRecord, error) {
	var row struct {
		ID, WorkflowID, CitizenID, CoordinatorID, CoordinatingCaseworkerID string
		Phase                                                              domain.PlanPhase
		ConsentScope, ConsentRecordedBy, FromCourseID, EndReason           *string
		ConsentDate, NextMeetingAt, NextDeadline, EndedOn                  *time.Time
		Revision                                                           int64
		Next                                                               nextColumn
		Network, GoalWords                                                 []byte
	}
	err := s.db.QueryRowxContext(ctx, `
		SELECT id, workflow_id, citizen_id, coordinator_id, coordinating_caseworker_id, phase,
			consent_scope, consent_recorded_by, from_course_id::text, end_reason,
			consent_date, next_meeting_at, next_deadline, ended_on, revision, next, network, goal_words
		FROM collaboration_plans WHERE id = $1`, id).Scan(
		&row.ID, &row.WorkflowID, &row.CitizenID, &row.CoordinatorID, &row.CoordinatingCaseworkerID, &row.Phase,
		&row.ConsentScope, &row.ConsentRecordedBy, &row.FromCourseID, &row.EndReason,
		&row.ConsentDate, &row.NextMeetingAt, &row.NextDeadline, &row.EndedOn, &row.Revision, &row.Next, &row.Network, &row.GoalWords)
	if err != nil {
		return domain.PlanRecord{}, fmt.Errorf("get plan %s: %w", id, notFound(err, "plan %s does not exist", id))
	}
	p := domain.PlanRecord{
		ID: row.ID, WorkflowID: row.WorkflowID, CitizenID: row.CitizenID, CoordinatorID: row.CoordinatorID,
		CoordinatingCaseworkerID: row.CoordinatingCaseworkerID, Phase: row.Phase,
		NextMeetingAt: row.NextMeetingAt, NextDeadline: row.NextDeadline, EndedOn: row.EndedOn, Revision: row.Revision,
		Next: row.Next.Next,
	}
	if row.ConsentScope != nil && row.ConsentDate != nil {
		p.Consent = &domain.Consent{Scope: *row.ConsentScope, Date: *row.ConsentDate, RecordedBy: deref(row.ConsentRecordedBy)}
	}
	p.FromCourseID, p.EndReason = deref(row.FromCourseID), deref(row.EndReason)
	if err := unmarshalList(row.Network, &p.Network); err != nil {
		return p, fmt.Errorf("get plan %s network: %w", id, err)
	}
	if err := unmarshalList(row.GoalWords, &p.GoalWords); err != nil {
		return p, fmt.Errorf("get plan %s goal words: %w", id, err)
	}

	rows, err := s.db.QueryxContext(ctx, `
		SELECT staff_id, role, COALESCE(centre, ''), joined_at, left_at FROM collaboration_participants
		WHERE plan_id = $1 ORDER BY joined_at, role, staff_id`, id)
	if err != nil {
		return p, fmt.Errorf("get plan %s participants: %w", id, translate(err))
	}
	for rows.Next() {
		var pt domain.Participant
		if err := rows.Scan(&pt.StaffID, &pt.Role, &pt.Centre, &pt.JoinedAt, &pt.LeftAt); err != nil {
			rows.Close()
			return p, fmt.Errorf("get plan %s participants: %w", id, err)
		}
		p.Participants = append(p.Participants, pt)
	}
	rows.Close()

	mrows, err := s.db.QueryxContext(ctx, `
		SELECT seq, kind, status, due_by, scheduled_at, invitation_sent_at, held_at, citizen_present,
			attendees, minutes_due, minutes_recorded_at, minutes, note, agenda, place
		FROM meetings WHERE plan_id = $1 ORDER BY seq`, id)
	if err != nil {
		return p, fmt.Errorf("get plan %s meetings: %w", id, translate(err))
	}
	for mrows.Next() {
		var m domain.Meeting
		var due *time.Time
		var att pq.StringArray
		var agenda []byte
		if err := mrows.Scan(&m.Seq, &m.Kind, &m.Status, &due, &m.ScheduledAt, &m.InvitationSentAt, &m.HeldAt,
			&m.CitizenPresent, &att, &m.MinutesDue, &m.MinutesRecordedAt, &m.Minutes, &m.Note, &agenda, &m.Place); err != nil {
			mrows.Close()
			return p, fmt.Errorf("get plan %s meetings: %w", id, err)
		}
		if err := unmarshalList(agenda, &m.Agenda); err != nil {
			mrows.Close()
			return p, fmt.Errorf("get plan %s agenda: %w", id, err)
		}
		if due != nil {
			m.DueBy = *due
		}
		m.Attendees = att
		p.Meetings = append(p.Meetings, m)
	}
	mrows.Close()

	vrows, err := s.db.QueryxContext(ctx, `
		SELECT version, COALESCE(meeting_seq, 0), changed_by, changed_at, change_summary, form, responses
		FROM plan_form_versions WHERE plan_id = $1 ORDER BY version`, id)
	if err != nil {
		return p, fmt.Errorf("get plan %s form: %w", id, translate(err))
	}
	defer vrows.Close()
	for vrows.Next() {
		var v domain.FormVersion
		var form, responses []byte
		if err := vrows.Scan(&v.Version, &v.MeetingSeq, &v.ChangedBy, &v.ChangedAt, &v.Summary, &form, &responses); err != nil {
			return p, fmt.Errorf("get plan %s form: %w", id, err)
		}
		if err := unmarshalList(responses, &v.Responses); err != nil {
			return p, fmt.Errorf("get plan %s form: %w", id, err)
		}
		if err := json.Unmarshal(form, &v.Goals); err != nil {
			return p, fmt.Errorf("get plan %s form: %w", id, err)
		}
		p.FormVersions = append(p.FormVersions, v)
	}
	return p, vrows.Err()
}

// jsonList is a list as a jsonb column keeps it: [] for none.
func jsonList[T any](v []T) (string, error) {
	if len(v) == 0 {
		return "[]", nil
	}
	return jsonText(v)
}

// unmarshalList reads a jsonb list column; [] reads as nil, as the workflow's state has it.
func unmarshalList[T any](b []byte, v *[]T) error {
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	if len(*v) == 0 {
		*v = nil
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ReassignReminders gives a person's open inbox items about a subject to someone else (a new
// coordinator takes over what was pending): they are the new owner's, held by whoever holds
// the new owner's reminders on the day (YYYY-MM-DD, today).
func (s *Store) ReassignReminders(ctx context.Context, subjectType domain.SubjectType, subjectID, from, to, day string) (int64, error) {
	res, err := s.db.ExecContext(ctx, `
		UPDATE reminders SET owner_id = $4, recipient_id = `+holderOf("$4::text", "$5")+`
		WHERE subject_type = $1 AND subject_id = $2 AND owner_id = $3 AND done_at IS NULL`,
		subjectType, subjectID, from, to, day)
	if err != nil {
		return 0, fmt.Errorf("reassign reminders: %w", translate(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// LeadOf returns the staff member's lead, or ENotFound if they have none.
func (s *Store) LeadOf(ctx context.Context, staffID string) (string, error) {
	var lead *string
	if err := s.db.GetContext(ctx, &lead, `SELECT lead_id FROM staff WHERE id = $1`, staffID); err != nil {
		return "", fmt.Errorf("lead of %s: %w", staffID, notFound(err, "staff member %q does not exist", staffID))
	}
	if lead == nil {
		return "", &domain.Error{Code: domain.ENotFound, Message: fmt.Sprintf("%s has no lead", staffID)}
	}
	return *lead, nil
}
