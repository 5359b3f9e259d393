package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"tvp/domain"
)

// teamStatusRow is a row of TeamStatuses (domain.TeamStatus).
type teamStatusRow struct {
	TeamID      string `db:"team_id"`
	TeamName    string `db:"team_name"`
	Touched     int    `db:"touched"` // distinct citizens ever referred
	Referred    int    `db:"referred"`
	Ongoing     int    `db:"ongoing"`
	Ended       int    `db:"ended"`
	Employment  int    `db:"employment"`
	Education   int    `db:"education"`
	SelfSupport int    `db:"self_support"`
	NoResult    int    `db:"no_result"`
	HandedBack  int    `db:"handed_back"`
	ToModel     int    `db:"moved_to_collaboration"`
}

// TeamStatuses returns the status table of every team, counting courses referred up to the
// time. An outcome is reached by a course if it was recorded as a milestone or as the close.
func (s *Store) TeamStatuses(ctx context.Context, asOf time.Time) ([]domain.TeamStatus, error) {
	var out []teamStatusRow
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
	return convert(out, func(r teamStatusRow) domain.TeamStatus { return domain.TeamStatus(r) }), nil
}

// progressionStatRow is a row of ProgressionStats (domain.ProgressionStat).
type progressionStatRow struct {
	TeamID       string  `db:"team_id"`
	HalfYear     string  `db:"half_year"` // 2020-H1
	Progressions int     `db:"progressions"`
	AverageScore float64 `db:"average_score"`
}

// ProgressionStats returns, per team and half-year, the progressions recorded and their
// average score over every goal.
func (s *Store) ProgressionStats(ctx context.Context) ([]domain.ProgressionStat, error) {
	var out []progressionStatRow
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
	return convert(out, func(r progressionStatRow) domain.ProgressionStat { return domain.ProgressionStat(r) }), nil
}

// caseloadRow is a row of Caseloads.
type caseloadRow struct {
	StaffID      string  `db:"staff_id"`
	Name         string  `db:"name"`
	TeamID       string  `db:"team_id"`
	HoursPerWeek float64 `db:"hours_per_week"`
	Open         int     `db:"open"`
}

// Caseloads returns every consultant's open courses (the caseload the referral rules count);
// domain.WithNorms sets their norms.
func (s *Store) Caseloads(ctx context.Context) ([]domain.ConsultantCaseload, error) {
	var rows []caseloadRow
	err := s.db.SelectContext(ctx, &rows, `
		SELECT st.id AS staff_id, st.name, st.team_id, st.hours_per_week::float8 AS hours_per_week, `+caseload("st.id")+` AS open
		FROM staff st JOIN staff_roles r ON r.staff_id = st.id AND r.role = 'consultant'
		WHERE st.active AND st.team_id IS NOT NULL ORDER BY st.team_id, st.name`)
	if err != nil {
		return nil, fmt.Errorf("caseloads: %w", translate(err))
	}
	return convert(rows, func(r caseloadRow) domain.ConsultantCaseload {
		return domain.ConsultantCaseload{StaffID: r.StaffID, Name: r.Name, TeamID: r.TeamID, HoursPerWeek: r.HoursPerWeek, Open: r.Open}
	}), nil
}

// extensionStatRow is a row of ExtensionStats (domain.ExtensionStat).
type extensionStatRow struct {
	TeamID    string `db:"team_id"`
	Requested int    `db:"requested"`
	Approved  int    `db:"approved"`
	Rejected  int    `db:"rejected"`
	Pending   int    `db:"pending"`
}

// ExtensionStats counts extension requests and decisions per team.
func (s *Store) ExtensionStats(ctx context.Context) ([]domain.ExtensionStat, error) {
	out := []extensionStatRow{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT c.team_id, count(*) AS requested,
			count(*) FILTER (WHERE e.decision = 'approved') AS approved,
			count(*) FILTER (WHERE e.decision = 'rejected') AS rejected,
			count(*) FILTER (WHERE e.decision IS NULL) AS pending
		FROM course_extensions e JOIN courses c ON c.id = e.course_id GROUP BY c.team_id ORDER BY c.team_id`)
	if err != nil {
		return nil, fmt.Errorf("extension stats: %w", translate(err))
	}
	return convert(out, func(r extensionStatRow) domain.ExtensionStat { return domain.ExtensionStat(r) }), nil
}

// collaborationStatRow is the row of CollaborationStats (domain.CollaborationStat).
type collaborationStatRow struct {
	PlansActive      int `db:"plans_active"`
	PlansEnded       int `db:"plans_ended"`
	AwaitingConsent  int `db:"awaiting_consent"`
	ConsentGiven     int `db:"consent_given"`
	ConsentWithdrawn int `db:"consent_withdrawn"`
	MeetingsHeld     int `db:"meetings_held"`
	MeetingsOnTime   int `db:"meetings_on_time"`
	MeetingsNotHeld  int `db:"meetings_not_held"`
	MinutesDue       int `db:"minutes_due"`
	MinutesOnTime    int `db:"minutes_on_time"`
}

// CollaborationStats sums up plans, consent, meetings held on time and minutes on time; minutes
// count as due once recorded or once their deadline has passed as of asOf.
func (s *Store) CollaborationStats(ctx context.Context, asOf time.Time) (domain.CollaborationStat, error) {
	var out collaborationStatRow
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
		return domain.CollaborationStat{}, fmt.Errorf("collaboration stats: %w", translate(err))
	}
	return domain.CollaborationStat(out), nil
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

// storedReportRow is a row of the reports (domain.StoredReport).
type storedReportRow struct {
	ID         int64            `db:"id"`
	Kind       string           `db:"kind"`
	PeriodFrom time.Time        `db:"period_from"`
	PeriodTo   time.Time        `db:"period_to"`
	ProducedAt time.Time        `db:"produced_at"`
	Body       *json.RawMessage `db:"body"`
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
func (s *Store) ListReports(ctx context.Context) ([]domain.StoredReport, error) {
	out := []storedReportRow{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT id, kind, period_from, period_to, produced_at, NULL::jsonb AS body FROM reports ORDER BY period_to DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list reports: %w", translate(err))
	}
	return convert(out, func(r storedReportRow) domain.StoredReport { return domain.StoredReport(r) }), nil
}

// GetReport returns one stored report.
func (s *Store) GetReport(ctx context.Context, id int64) (domain.StoredReport, error) {
	var r storedReportRow
	err := s.db.GetContext(ctx, &r, `SELECT id, kind, period_from, period_to, produced_at, body FROM reports WHERE id = $1`, id)
	if err != nil {
		return domain.StoredReport{}, fmt.Errorf("get report: %w", notFound(err, "no report %d", id))
	}
	return domain.StoredReport(r), nil
}
