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

// NewCitizen is a person as a referral or an enrolment names them: recognised by the keyed
// hash of their CPR number, recorded under ID (with the name) only if they are new.
type NewCitizen struct {
	ID   string
	Hash []byte
	// Previous is the hash under the pepper being rotated out (TVP_CPR_PEPPER_PREVIOUS), if
	// any: a citizen recorded under it is the same person. A new citizen is recorded under
	// Hash.
	Previous  []byte
	Name      string
	BirthDate *string
}

// hashes are the hashes the citizen may be recorded under.
func (c NewCitizen) hashes() [][]byte {
	if len(c.Previous) == 0 {
		return [][]byte{c.Hash}
	}
	return [][]byte{c.Hash, c.Previous}
}

// is reports whether a stored hash is this citizen's.
func (c NewCitizen) is(stored []byte) bool {
	return string(stored) == string(c.Hash) || len(c.Previous) > 0 && string(stored) == string(c.Previous)
}

// Referral is a referral to reserve: the course's row (its citizens are filled in from
// Citizens) and the people referred.
type Referral struct {
	Course   domain.CourseRecord
	Citizens []NewCitizen
	Today    time.Time
	// Plan, if set, completes the course's row from the team as it is for the course's start
	// (its target group, its course length).
	Plan func(domain.Team) domain.CourseRecord
}

// Reserved is a reserved referral: the team (with the settings for the course's start) and
// the citizens' ids, in the order of the referral.
type Reserved struct {
	// Created is false when the referral was reserved before (the same course id repeated).
	Created    bool
	Team       domain.Team
	CitizenIDs []string
}

// caseload is a consultant's caseload, for the staff id the SQL expression names: the open
// courses they work on now, a course reserved by a referral included (it is theirs from the
// moment the referral is accepted, before its workflow writes its first revision). The
// referral rules and the reports count it alike.
func caseload(staffID string) string {
	return `(SELECT count(*) FROM course_consultants cc JOIN courses c ON c.id = cc.course_id
		WHERE cc.staff_id = ` + staffID + ` AND cc.active AND c.phase <> '` + string(domain.PhaseClosed) + `')`
}

// Refer reserves a referred course in one transaction, before its workflow starts: it locks
// the named consultants' rows (so that two referrals at once count each other against the
// norm) and finds a repeat, reads the facts, asks decide (the referral rules) for the caseload overrides, and only
// if decide accepts records the new citizens and the course with its citizens and consultants.
// A refused referral writes nothing. The same course id again is the same referral repeated:
// nothing is decided or written again, and Reserved says what was reserved.
func (s *Store) Refer(ctx context.Context, r Referral, decide func(domain.ReferralFacts) ([]domain.CaseloadOverride, error)) (res Reserved, err error) {
	c := r.Course
	err = s.Transact(ctx, func(tx *sqlx.Tx) error {
		// One statement locks the consultants and finds a course reserved under the id
		// before; the facts are read by the next statements, which see what another referral
		// committed while this one waited for the locks (READ COMMITTED).
		var first struct {
			Locked   int            `db:"locked"`
			Existing pq.StringArray `db:"existing"`
		}
		if err := tx.GetContext(ctx, &first, `
			WITH locked AS (SELECT 1 FROM staff WHERE id = ANY($2) ORDER BY id FOR UPDATE)
			SELECT (SELECT count(*) FROM locked) AS locked,
				ARRAY(SELECT cc.citizen_id::text FROM courses c JOIN course_citizens cc ON cc.course_id = c.id
					WHERE c.id = $1 ORDER BY cc.citizen_id) AS existing`, c.ID, pq.StringArray(c.ConsultantIDs)); err != nil {
			return fmt.Errorf("refer: lock consultants: %w", translate(err))
		}
		if len(first.Existing) > 0 {
			facts, err := referralFacts(ctx, tx, c.TeamID, c.StartDate, nil, nil)
			res = Reserved{Team: facts.Team, CitizenIDs: first.Existing}
			return err
		}
		facts, err := referralFacts(ctx, tx, c.TeamID, c.StartDate, c.ConsultantIDs, r.Citizens)
		if err != nil {
			return err
		}
		facts.Today = r.Today
		overrides, err := decide(facts)
		if err != nil {
			return err
		}
		ids := make([]string, len(r.Citizens))
		for i, nc := range r.Citizens {
			if ids[i] = facts.Citizens[i].ID; ids[i] == "" {
				if ids[i], err = recordCitizen(ctx, tx, nc); err != nil {
					return err
				}
			}
		}
		if r.Plan != nil {
			c = r.Plan(facts.Team)
		}
		c.CitizenIDs = ids
		if err := reserveCourse(ctx, tx, c, overrides); err != nil {
			return err
		}
		res = Reserved{Created: true, Team: facts.Team, CitizenIDs: ids}
		return nil
	})
	return res, err
}

// referralFacts reads what a referral to the team is decided on.
func referralFacts(ctx context.Context, q sqlx.QueryerContext, teamID string, on time.Time, consultantIDs []string, citizens []NewCitizen) (domain.ReferralFacts, error) {
	var f domain.ReferralFacts
	var r struct {
		teamRow
		Paused   bool       `db:"paused"`
		PhaseOut *time.Time `db:"phase_out_from"`
		Version  []byte     `db:"version_settings"`
	}
	err := sqlx.GetContext(ctx, q, &r, `
		SELECT t.id, t.name, t.centre, t.target_group, t.settings, t.created_at, t.phase_out_from,
			EXISTS (SELECT 1 FROM team_pauses p WHERE p.team_id = t.id AND p.resumed_at IS NULL) AS paused,
			(SELECT v.settings FROM team_settings_versions v WHERE v.team_id = t.id AND v.effective_from <= $2
				ORDER BY v.effective_from DESC LIMIT 1) AS version_settings
		FROM teams t WHERE t.id = $1`, teamID, on)
	if err != nil {
		err = notFound(err, "team %q does not exist", teamID)
		if domain.ErrorCode(err) == domain.ENotFound {
			err = domain.FieldError("team_id", "team %q does not exist", teamID)
		}
		return f, fmt.Errorf("referral to %s: %w", teamID, err)
	}
	if f.Team, err = r.team(); err != nil {
		return f, err
	}
	if r.Version != nil {
		if err := json.Unmarshal(r.Version, &f.Team.Settings); err != nil {
			return f, fmt.Errorf("settings for %s: %w", teamID, err)
		}
	}
	f.Paused, f.PhaseOutFrom = r.Paused, r.PhaseOut

	var staff []struct {
		staffRow
		Caseload int `db:"caseload"`
	}
	err = sqlx.SelectContext(ctx, q, &staff, `SELECT `+staffColumns+`, `+caseload("s.id")+` AS caseload`+staffFrom+`
		WHERE s.id = ANY($1) AND s.active GROUP BY s.id`, pq.StringArray(consultantIDs))
	if err != nil {
		return f, fmt.Errorf("staff loads: %w", translate(err))
	}
	f.Consultants = make(map[string]domain.ConsultantLoad, len(staff))
	for _, m := range staff {
		f.Consultants[m.ID] = domain.ConsultantLoad{Staff: m.staff(), Caseload: m.Caseload}
	}

	var hashes [][]byte
	for _, c := range citizens {
		hashes = append(hashes, c.hashes()...)
	}
	var known []struct {
		ID     string  `db:"id"`
		Hash   []byte  `db:"cpr_hmac"`
		Active *string `db:"active_course"`
	}
	err = sqlx.SelectContext(ctx, q, &known, `
		SELECT c.id, c.cpr_hmac,
			(SELECT cc.course_id::text FROM course_citizens cc WHERE cc.citizen_id = c.id AND cc.team_id = $2 AND cc.active LIMIT 1) AS active_course
		FROM citizens c WHERE c.cpr_hmac = ANY($1)`, pq.ByteaArray(hashes), teamID)
	if err != nil {
		return f, fmt.Errorf("referred citizens: %w", translate(err))
	}
	f.Citizens = make([]domain.ReferredCitizen, len(citizens))
	for i, c := range citizens {
		for _, k := range known {
			if c.is(k.Hash) {
				f.Citizens[i] = domain.ReferredCitizen{ID: k.ID, ActiveCourseID: deref(k.Active)}
			}
		}
	}
	return f, nil
}

// recordCitizen records a new citizen and returns their id; a citizen recorded meanwhile by
// another request (the same hash), or under the previous pepper, keeps their id and name.
func recordCitizen(ctx context.Context, tx *sqlx.Tx, c NewCitizen) (string, error) {
	var id string
	err := tx.GetContext(ctx, &id, `
		WITH old AS (SELECT id FROM citizens WHERE cpr_hmac = $5),
		ins AS (
			INSERT INTO citizens (id, cpr_hmac, name, birth_date) SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM old)
			ON CONFLICT (cpr_hmac) DO NOTHING RETURNING id)
		SELECT id::text FROM ins UNION ALL SELECT id::text FROM old
		UNION ALL SELECT id::text FROM citizens WHERE cpr_hmac = $2 LIMIT 1`,
		c.ID, c.Hash, c.Name, c.BirthDate, c.Previous)
	if err != nil {
		return "", fmt.Errorf("record citizen: %w", translate(err))
	}
	return id, nil
}

// KnownCitizen returns the id of the citizen with the hash, recording them if new (under c.ID,
// with c's name); a known citizen keeps their name.
func (s *Store) KnownCitizen(ctx context.Context, c NewCitizen) (id string, err error) {
	err = s.Transact(ctx, func(tx *sqlx.Tx) error {
		id, err = recordCitizen(ctx, tx, c)
		return err
	})
	return id, err
}

// reserveCourse writes a referred course's row, its citizens and its consultants, so that the
// rule "one active course per citizen per team" holds at once.
func reserveCourse(ctx context.Context, tx *sqlx.Tx, c domain.CourseRecord, overrides []domain.CaseloadOverride) error {
	n := len(c.ConsultantIDs)
	staff, by, reason := make([]string, n), make([]string, n), make([]string, n)
	for i, sid := range c.ConsultantIDs {
		staff[i] = sid
		for _, o := range overrides {
			if o.StaffID == sid {
				by[i], reason[i] = o.By, o.Reason
			}
		}
	}
	_, err := tx.ExecContext(ctx, `
		WITH c AS (
			INSERT INTO courses (id, workflow_id, team_id, kind, phase, start_date, planned_end, referred_by, revision)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0) RETURNING id),
		citizens AS (
			INSERT INTO course_citizens (course_id, citizen_id, team_id) SELECT c.id, x, $3 FROM c, unnest($9::uuid[]) AS x)
		INSERT INTO course_consultants (course_id, staff_id, override_by, override_reason)
		SELECT c.id, x.staff, NULLIF(x.by, ''), NULLIF(x.reason, '')
		FROM c, unnest($10::text[], $11::text[], $12::text[]) AS x(staff, by, reason)`,
		c.ID, c.WorkflowID, c.TeamID, c.Kind, c.Phase, c.StartDate, c.PlannedEnd, c.ReferredBy,
		pq.StringArray(c.CitizenIDs), pq.StringArray(staff), pq.StringArray(by), pq.StringArray(reason))
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Constraint == "course_citizens_one_active" {
		return &domain.DuplicateCourse{Field: "citizens"}
	}
	if err != nil {
		return fmt.Errorf("reserve course: %w", translate(err))
	}
	return nil
}
