package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"tvp/domain"
)

// AddDecision records a decision; with a key, recording it again returns the same id.
func (s *Store) AddDecision(ctx context.Context, d domain.Decision, key string) (int64, error) {
	changes, err := jsonText(append([]domain.Change{}, d.Changes...))
	if err != nil {
		return 0, fmt.Errorf("add decision: %w", err)
	}
	var k *string
	if key != "" {
		k = &key
	}
	var id int64
	err = s.db.GetContext(ctx, &id, `
		INSERT INTO decisions (decided_on, body, title, text, changes, recorded_by, key)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING id`,
		d.DecidedOn, d.Body, d.Title, d.Text, changes, d.RecordedBy, k)
	if err != nil {
		return 0, fmt.Errorf("add decision: %w", translate(err))
	}
	return id, nil
}

// LinkDecision adds what a decision changed to its record.
func (s *Store) LinkDecision(ctx context.Context, id int64, changes ...domain.Change) error {
	raw, err := jsonText(changes)
	if err != nil {
		return fmt.Errorf("link decision: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE decisions SET changes = changes || $2::jsonb WHERE id = $1`, id, raw); err != nil {
		return fmt.Errorf("link decision: %w", translate(err))
	}
	return nil
}

// ListDecisions returns the decisions register, newest first; with a team, those that changed
// something of the team.
func (s *Store) ListDecisions(ctx context.Context, teamID string) ([]domain.Decision, error) {
	var rows []struct {
		domain.Decision
		ChangesJSON []byte `db:"changes"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT id, decided_on, body, title, text, changes, recorded_by FROM decisions
		WHERE $1 = '' OR changes @> jsonb_build_array(jsonb_build_object('team_id', $1::text))
		ORDER BY decided_on DESC, id DESC`, teamID)
	if err != nil {
		return nil, fmt.Errorf("list decisions: %w", translate(err))
	}
	out := make([]domain.Decision, len(rows))
	for i, r := range rows {
		out[i] = r.Decision
		if err := json.Unmarshal(r.ChangesJSON, &out[i].Changes); err != nil {
			return nil, fmt.Errorf("list decisions: %w", err)
		}
	}
	return out, nil
}

// AddSettingsVersion makes new settings take effect for courses referred from the date.
func (s *Store) AddSettingsVersion(ctx context.Context, teamID string, from time.Time, settings domain.TeamSettings, decisionID int64) error {
	if err := settings.Validate(); err != nil {
		return err
	}
	raw, err := jsonText(settings)
	if err != nil {
		return fmt.Errorf("settings version: %w", err)
	}
	_, err = s.db.ExecContext(ctx, `
		INSERT INTO team_settings_versions (team_id, effective_from, settings, decision_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (team_id, effective_from) DO UPDATE SET settings = EXCLUDED.settings, decision_id = EXCLUDED.decision_id`,
		teamID, from, raw, decisionID)
	if err != nil {
		return fmt.Errorf("settings version: %w", translate(err))
	}
	return nil
}

// SetTargets replaces the team's targets.
func (s *Store) SetTargets(ctx context.Context, teamID string, targets []domain.Target, decisionID *int64) error {
	return s.Transact(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM team_targets WHERE team_id = $1`, teamID); err != nil {
			return fmt.Errorf("set targets: %w", translate(err))
		}
		for _, t := range targets {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO team_targets (team_id, key, target, description, decision_id) VALUES ($1, $2, $3, $4, $5)`,
				teamID, t.Key, t.Target, t.Description, decisionID); err != nil {
				return fmt.Errorf("set targets: %w", translate(err))
			}
		}
		return nil
	})
}

// Targets returns every team's targets.
func (s *Store) Targets(ctx context.Context) ([]domain.Target, error) {
	out := []domain.Target{}
	err := s.db.SelectContext(ctx, &out, `SELECT team_id, key, target::float8 AS target, description, decision_id FROM team_targets ORDER BY team_id, key`)
	if err != nil {
		return nil, fmt.Errorf("targets: %w", translate(err))
	}
	return out, nil
}

// SetPhaseOut stops new referrals to the team from the date.
func (s *Store) SetPhaseOut(ctx context.Context, teamID string, from time.Time, decisionID int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE teams SET phase_out_from = $2, phase_out_decision = $3, updated_at = now() WHERE id = $1`, teamID, from, decisionID)
	if err != nil {
		return fmt.Errorf("phase out %s: %w", teamID, translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.ENotFound, "team %q does not exist", teamID)
	}
	return nil
}

// PhaseOut returns the date from which the team takes no referrals, if it is being phased out.
func (s *Store) PhaseOut(ctx context.Context, teamID string) (*time.Time, error) {
	var from *time.Time
	if err := s.db.GetContext(ctx, &from, `SELECT phase_out_from FROM teams WHERE id = $1`, teamID); err != nil {
		return nil, fmt.Errorf("phase out %s: %w", teamID, notFound(err, "team %q does not exist", teamID))
	}
	return from, nil
}

// Resources returns the programme's money facts (the defaults until set).
func (s *Store) Resources(ctx context.Context) (domain.Resources, error) {
	var raw []byte
	err := s.db.GetContext(ctx, &raw, `SELECT value FROM programme_settings WHERE key = 'resources'`)
	r := domain.DefaultResources()
	if domain.ErrorCode(translate(err)) == domain.ENotFound {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("resources: %w", translate(err))
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("resources: %w", err)
	}
	return r, nil
}

// teamFiguresRow is a row of TeamFigures (domain.TeamFigures).
type teamFiguresRow struct {
	TeamID          string  `db:"team_id"`
	Referred        int     `db:"referred"`
	ReferredLastYr  int     `db:"referred_last_year"`
	Open            int     `db:"open"`
	ReachedEmpEdu   int     `db:"reached_emp_edu"`
	StaffHours      float64 `db:"staff_hours"`
	ConsultantHours float64 `db:"consultant_hours"`
}

// TeamFigures counts, as of the time, each team's courses and staff hours.
func (s *Store) TeamFigures(ctx context.Context, asOf time.Time) ([]domain.TeamFigures, error) {
	var out []teamFiguresRow
	err := s.db.SelectContext(ctx, &out, `
		SELECT t.id AS team_id,
			(SELECT count(*) FROM courses c WHERE c.team_id = t.id AND c.revision > 0 AND c.start_date <= $1) AS referred,
			(SELECT count(*) FROM courses c WHERE c.team_id = t.id AND c.revision > 0 AND c.start_date <= $1 AND c.start_date > $1::date - 365) AS referred_last_year,
			(SELECT count(*) FROM courses c WHERE c.team_id = t.id AND c.revision > 0 AND c.start_date <= $1 AND (c.closed_on IS NULL OR c.closed_on > $1)) AS open,
			(SELECT count(DISTINCT c.id) FROM courses c LEFT JOIN course_milestones m ON m.course_id = c.id AND m.reached_on <= $1
			 WHERE c.team_id = t.id AND c.revision > 0 AND c.start_date <= $1
			   AND (m.outcome IN ('employment', 'education') OR (c.outcome IN ('employment', 'education') AND c.closed_on <= $1))) AS reached_emp_edu,
			COALESCE((SELECT sum(hours_per_week) FROM staff WHERE team_id = t.id AND active), 0)::float8 AS staff_hours,
			COALESCE((SELECT sum(st.hours_per_week) FROM staff st JOIN staff_roles r ON r.staff_id = st.id AND r.role = 'consultant'
			 WHERE st.team_id = t.id AND st.active), 0)::float8 AS consultant_hours
		FROM teams t ORDER BY t.id`, asOf)
	if err != nil {
		return nil, fmt.Errorf("team figures: %w", translate(err))
	}
	return convert(out, func(r teamFiguresRow) domain.TeamFigures { return domain.TeamFigures(r) }), nil
}
