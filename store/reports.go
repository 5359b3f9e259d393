package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"tvp/domain"
)

// TeamStatus is the seed's table for one team: people touched, courses ongoing and ended,
// and the outcomes reached (during the course or at its end).
type TeamStatus struct {
	TeamID      string `json:"team_id" db:"team_id"`
	TeamName    string `json:"team_name" db:"team_name"`
	Touched     int    `json:"touched" db:"touched"` // distinct citizens ever referred
	Referred    int    `json:"referred" db:"referred"`
	Ongoing     int    `json:"ongoing" db:"ongoing"`
	Ended       int    `json:"ended" db:"ended"`
	Employment  int    `json:"employment" db:"employment"`
	Education   int    `json:"education" db:"education"`
	SelfSupport int    `json:"self_support" db:"self_support"`
	NoResult    int    `json:"no_result" db:"no_result"`
	HandedBack  int    `json:"handed_back" db:"handed_back"`
	ToModel     int    `json:"moved_to_collaboration" db:"moved_to_collaboration"`
}

// TeamStatuses returns the status table of every team, counting courses referred up to the
// time. An outcome is reached by a course if it was recorded as a milestone or as the close.
func (s *Store) TeamStatuses(ctx context.Context, asOf time.Time) ([]TeamStatus, error) {
	var out []TeamStatus
	err := s.db.SelectContext(ctx, &out, `
		WITH cs AS (
			SELECT c.* FROM courses c WHERE c.revision > 0 AND c.start_date <= $1
		), reached AS (
			SELECT cs.id, o.outcome FROM cs
			JOIN LATERAL (
				SELECT m.outcome FROM course_milestones m WHERE m.course_id = cs.id AND m.reached_on <= $1
				UNION SELECT cs.outcome WHERE cs.outcome IS NOT NULL AND cs.closed_on <= $1
			) o ON true
		)
		SELECT t.id AS team_id, t.name AS team_name,
			(SELECT count(DISTINCT cc.citizen_id) FROM course_citizens cc JOIN cs ON cs.id = cc.course_id WHERE cs.team_id = t.id) AS touched,
			(SELECT count(*) FROM cs WHERE cs.team_id = t.id) AS referred,
			(SELECT count(*) FROM cs WHERE cs.team_id = t.id AND (cs.closed_on IS NULL OR cs.closed_on > $1)) AS ongoing,
			(SELECT count(*) FROM cs WHERE cs.team_id = t.id AND cs.closed_on <= $1) AS ended,
			(SELECT count(DISTINCT r.id) FROM reached r JOIN cs ON cs.id = r.id WHERE cs.team_id = t.id AND r.outcome = 'employment') AS employment,
			(SELECT count(DISTINCT r.id) FROM reached r JOIN cs ON cs.id = r.id WHERE cs.team_id = t.id AND r.outcome = 'education') AS education,
			(SELECT count(DISTINCT r.id) FROM reached r JOIN cs ON cs.id = r.id WHERE cs.team_id = t.id AND r.outcome = 'self_support') AS self_support,
			(SELECT count(*) FROM cs WHERE cs.team_id = t.id AND cs.outcome = 'no_result' AND cs.closed_on <= $1) AS no_result,
			(SELECT count(*) FROM cs WHERE cs.team_id = t.id AND cs.outcome = 'handed_back' AND cs.closed_on <= $1) AS handed_back,
			(SELECT count(*) FROM cs WHERE cs.team_id = t.id AND cs.outcome = 'moved_to_collaboration' AND cs.closed_on <= $1) AS moved_to_collaboration
		FROM teams t ORDER BY t.name`, asOf)
	if err != nil {
		return nil, fmt.Errorf("team status: %w", translate(err))
	}
	return out, nil
}

// ProgressionStat is the goal progression of a team in one half-year.
type ProgressionStat struct {
	TeamID       string  `json:"team_id" db:"team_id"`
	HalfYear     string  `json:"half_year" db:"half_year"` // 2020-H1
	Progressions int     `json:"progressions" db:"progressions"`
	AverageScore float64 `json:"average_score" db:"average_score"`
}

// ProgressionStats returns, per team and half-year, the progressions recorded and their
// average score over every goal.
func (s *Store) ProgressionStats(ctx context.Context) ([]ProgressionStat, error) {
	var out []ProgressionStat
	err := s.db.SelectContext(ctx, &out, `
		SELECT c.team_id,
			to_char(p.recorded_at, 'YYYY') || '-H' || CASE WHEN extract(month FROM p.recorded_at) <= 6 THEN '1' ELSE '2' END AS half_year,
			count(DISTINCT (p.course_id, p.seq)) AS progressions,
			COALESCE(round(avg((g->>'score')::numeric), 2), 0)::float8 AS average_score
		FROM course_progressions p JOIN courses c ON c.id = p.course_id
		LEFT JOIN LATERAL jsonb_array_elements(p.scores) g ON true
		GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("progression stats: %w", translate(err))
	}
	return out, nil
}

// ConsultantLoad is a consultant's open courses against their team's norm.
type ConsultantLoad struct {
	StaffID      string  `json:"staff_id" db:"staff_id"`
	Name         string  `json:"name" db:"name"`
	TeamID       string  `json:"team_id" db:"team_id"`
	HoursPerWeek float64 `json:"hours_per_week" db:"hours_per_week"`
	Open         int     `json:"open" db:"open"`
	NormMin      int     `json:"norm_min"`
	NormMax      int     `json:"norm_max"`
	OverNorm     bool    `json:"over_norm"`
}

// Caseloads returns every consultant's open courses and norm.
func (s *Store) Caseloads(ctx context.Context) ([]ConsultantLoad, error) {
	var rows []ConsultantLoad
	err := s.db.SelectContext(ctx, &rows, `
		SELECT st.id AS staff_id, st.name, st.team_id, st.hours_per_week::float8 AS hours_per_week, `+caseload("st.id")+` AS open
		FROM staff st JOIN staff_roles r ON r.staff_id = st.id AND r.role = 'consultant'
		WHERE st.active AND st.team_id IS NOT NULL ORDER BY st.team_id, st.name`)
	if err != nil {
		return nil, fmt.Errorf("caseloads: %w", translate(err))
	}
	teams, err := s.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		for _, t := range teams {
			if t.ID == rows[i].TeamID {
				rows[i].NormMin = t.Settings.NormMin(rows[i].HoursPerWeek)
				rows[i].NormMax = t.Settings.Norm(rows[i].HoursPerWeek)
				rows[i].OverNorm = rows[i].Open > rows[i].NormMax
			}
		}
	}
	return rows, nil
}

// ExtensionStat counts a team's extension requests and decisions.
type ExtensionStat struct {
	TeamID    string `json:"team_id" db:"team_id"`
	Requested int    `json:"requested" db:"requested"`
	Approved  int    `json:"approved" db:"approved"`
	Rejected  int    `json:"rejected" db:"rejected"`
	Pending   int    `json:"pending" db:"pending"`
}

// ExtensionStats counts extension requests and decisions per team.
func (s *Store) ExtensionStats(ctx context.Context) ([]ExtensionStat, error) {
	out := []ExtensionStat{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT c.team_id, count(*) AS requested,
			count(*) FILTER (WHERE e.decision = 'approved') AS approved,
			count(*) FILTER (WHERE e.decision = 'rejected') AS rejected,
			count(*) FILTER (WHERE e.decision IS NULL) AS pending
		FROM course_extensions e JOIN courses c ON c.id = e.course_id GROUP BY c.team_id ORDER BY c.team_id`)
	if err != nil {
		return nil, fmt.Errorf("extension stats: %w", translate(err))
	}
	return out, nil
}

// CollaborationStat sums up the collaboration model.
type CollaborationStat struct {
	PlansActive      int `json:"plans_active" db:"plans_active"`
	PlansEnded       int `json:"plans_ended" db:"plans_ended"`
	AwaitingConsent  int `json:"awaiting_consent" db:"awaiting_consent"`
	ConsentGiven     int `json:"consent_given" db:"consent_given"`
	ConsentWithdrawn int `json:"consent_withdrawn" db:"consent_withdrawn"`
	MeetingsHeld     int `json:"meetings_held" db:"meetings_held"`
	MeetingsOnTime   int `json:"meetings_on_time" db:"meetings_on_time"`
	MeetingsNotHeld  int `json:"meetings_not_held" db:"meetings_not_held"`
	MinutesDue       int `json:"minutes_due" db:"minutes_due"`
	MinutesOnTime    int `json:"minutes_on_time" db:"minutes_on_time"`
}

// CollaborationStats sums up plans, consent, meetings held on time and minutes on time; minutes
// count as due once recorded or once their deadline has passed as of asOf.
func (s *Store) CollaborationStats(ctx context.Context, asOf time.Time) (CollaborationStat, error) {
	var out CollaborationStat
	err := s.db.GetContext(ctx, &out, `
		SELECT
			(SELECT count(*) FROM collaboration_plans WHERE revision > 0 AND ended_on IS NULL) AS plans_active,
			(SELECT count(*) FROM collaboration_plans WHERE ended_on IS NOT NULL) AS plans_ended,
			(SELECT count(*) FROM collaboration_plans WHERE revision > 0 AND consent_date IS NULL AND ended_on IS NULL) AS awaiting_consent,
			(SELECT count(*) FROM collaboration_plans WHERE consent_date IS NOT NULL AND COALESCE(end_reason, '') NOT LIKE 'consent withdrawn%') AS consent_given,
			(SELECT count(*) FROM collaboration_plans WHERE end_reason LIKE 'consent withdrawn%') AS consent_withdrawn,
			(SELECT count(*) FROM meetings WHERE kind = 'cross_disciplinary' AND held_at IS NOT NULL) AS meetings_held,
			(SELECT count(*) FROM meetings WHERE kind = 'cross_disciplinary' AND held_at IS NOT NULL AND held_at <= due_by) AS meetings_on_time,
			(SELECT count(*) FROM meetings WHERE kind = 'cross_disciplinary' AND status = 'not_held') AS meetings_not_held,
			(SELECT count(*) FROM meetings WHERE minutes_due IS NOT NULL AND (minutes_recorded_at IS NOT NULL OR minutes_due < $1)) AS minutes_due,
			(SELECT count(*) FROM meetings WHERE minutes_recorded_at IS NOT NULL AND minutes_recorded_at <= minutes_due) AS minutes_on_time`, asOf)
	if err != nil {
		return out, fmt.Errorf("collaboration stats: %w", translate(err))
	}
	return out, nil
}

// CentreCaseloads returns the ordinary centres' comparison figures (settings).
func (s *Store) CentreCaseloads(ctx context.Context) ([]domain.CentreCaseload, error) {
	var raw []byte
	err := s.db.GetContext(ctx, &raw, `SELECT value FROM programme_settings WHERE key = 'centre_caseloads'`)
	if domain.ErrorCode(translate(err)) == domain.ENotFound {
		return domain.DefaultCentreCaseloads(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("centre caseloads: %w", translate(err))
	}
	var out []domain.CentreCaseload
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("centre caseloads: %w", err)
	}
	return out, nil
}

// StoredReport is a produced committee report.
type StoredReport struct {
	ID         int64            `json:"id" db:"id"`
	Kind       string           `json:"kind" db:"kind"`
	PeriodFrom time.Time        `json:"period_from" db:"period_from"`
	PeriodTo   time.Time        `json:"period_to" db:"period_to"`
	ProducedAt time.Time        `json:"produced_at" db:"produced_at"`
	Body       *json.RawMessage `json:"body,omitempty" db:"body"`
}

// SaveReport stores a report once per kind and period; stored again, it is kept as it was.
func (s *Store) SaveReport(ctx context.Context, kind string, from, to time.Time, body any) (int64, error) {
	raw, err := jsonText(body)
	if err != nil {
		return 0, fmt.Errorf("save report: %w", err)
	}
	key := fmt.Sprintf("%s/%s/%s", kind, from.Format(time.DateOnly), to.Format(time.DateOnly))
	var id int64
	err = s.db.GetContext(ctx, &id, `
		INSERT INTO reports (kind, period_from, period_to, key, body) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING id`, kind, from, to, key, raw)
	if err != nil {
		return 0, fmt.Errorf("save report: %w", translate(err))
	}
	return id, nil
}

// ListReports lists the stored reports, newest first, without their bodies.
func (s *Store) ListReports(ctx context.Context) ([]StoredReport, error) {
	out := []StoredReport{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT id, kind, period_from, period_to, produced_at, NULL::jsonb AS body FROM reports ORDER BY period_to DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list reports: %w", translate(err))
	}
	return out, nil
}

// GetReport returns one stored report.
func (s *Store) GetReport(ctx context.Context, id int64) (StoredReport, error) {
	var r StoredReport
	err := s.db.GetContext(ctx, &r, `SELECT id, kind, period_from, period_to, produced_at, body FROM reports WHERE id = $1`, id)
	if err != nil {
		return r, fmt.Errorf("get report: %w", notFound(err, "no report %d", id))
	}
	return r, nil
}
