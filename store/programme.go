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

// UpsertTeam creates the team or updates its name and settings.
func (s *Store) UpsertTeam(ctx context.Context, t domain.Team) error {
	if err := t.Settings.Validate(); err != nil {
		return fmt.Errorf("team %s settings: %w", t.ID, err)
	}
	settings, err := jsonText(t.Settings)
	if err != nil {
		return fmt.Errorf("upsert team %s: %w", t.ID, err)
	}
	_, err = s.db.ExecContext(ctx, `
		INSERT INTO teams (id, name, centre, target_group, settings)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, centre = EXCLUDED.centre,
			target_group = EXCLUDED.target_group, settings = EXCLUDED.settings, updated_at = now()`,
		t.ID, t.Name, t.Centre, t.TargetGroup, settings)
	if err != nil {
		return fmt.Errorf("upsert team %s: %w", t.ID, translate(err))
	}
	return nil
}

type teamRow struct {
	domain.Team
	SettingsJSON []byte `db:"settings"`
}

func (r teamRow) team() (domain.Team, error) {
	t := r.Team
	if err := json.Unmarshal(r.SettingsJSON, &t.Settings); err != nil {
		return t, fmt.Errorf("team %s settings: %w", t.ID, err)
	}
	return t, nil
}

// GetTeam returns one team.
func (s *Store) GetTeam(ctx context.Context, id string) (domain.Team, error) {
	var r teamRow
	err := s.db.GetContext(ctx, &r, `SELECT id, name, centre, target_group, settings, created_at FROM teams WHERE id = $1`, id)
	if err != nil {
		return domain.Team{}, fmt.Errorf("get team %s: %w", id, notFound(err, "team %q does not exist", id))
	}
	return r.team()
}

// ListTeams returns every team, by name.
func (s *Store) ListTeams(ctx context.Context) ([]domain.Team, error) {
	var rows []teamRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT id, name, centre, target_group, settings, created_at FROM teams ORDER BY name`); err != nil {
		return nil, fmt.Errorf("list teams: %w", translate(err))
	}
	teams := make([]domain.Team, 0, len(rows))
	for _, r := range rows {
		t, err := r.team()
		if err != nil {
			return nil, err
		}
		teams = append(teams, t)
	}
	return teams, nil
}

// UpsertStaff creates or updates a staff member and replaces their roles.
func (s *Store) UpsertStaff(ctx context.Context, m domain.Staff) error {
	return s.Transact(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO staff (id, name, email, team_id, centre, hours_per_week, lead_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email,
				team_id = EXCLUDED.team_id, centre = EXCLUDED.centre,
				hours_per_week = EXCLUDED.hours_per_week, lead_id = EXCLUDED.lead_id`,
			m.ID, m.Name, m.Email, m.TeamID, m.Centre, m.HoursPerWeek, m.LeadID)
		if err != nil {
			return fmt.Errorf("upsert staff %s: %w", m.ID, translate(err))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_roles WHERE staff_id = $1`, m.ID); err != nil {
			return fmt.Errorf("upsert staff %s roles: %w", m.ID, translate(err))
		}
		for _, r := range m.Roles {
			if _, err := tx.ExecContext(ctx, `INSERT INTO staff_roles (staff_id, role) VALUES ($1, $2)`, m.ID, r); err != nil {
				return fmt.Errorf("upsert staff %s role %s: %w", m.ID, r, translate(err))
			}
		}
		return nil
	})
}

type staffRow struct {
	domain.Staff
	RoleList pq.StringArray `db:"roles"`
	LeadsOf  pq.StringArray `db:"leads"`
}

const (
	staffColumns = `s.id, s.name, s.email, s.team_id, s.centre, s.hours_per_week, s.lead_id,
		COALESCE(array_agg(r.role ORDER BY r.role) FILTER (WHERE r.role IS NOT NULL), '{}') AS roles,
		ARRAY(SELECT l.id FROM staff l WHERE l.lead_id = s.id AND l.active ORDER BY l.id) AS leads`
	staffFrom   = ` FROM staff s LEFT JOIN staff_roles r ON r.staff_id = s.id`
	staffSelect = `SELECT ` + staffColumns + staffFrom
)

func (r staffRow) staff() domain.Staff {
	m := r.Staff
	m.Roles = make([]domain.Role, len(r.RoleList))
	for i, x := range r.RoleList {
		m.Roles[i] = domain.Role(x)
	}
	if len(r.LeadsOf) > 0 {
		m.Leads = []string(r.LeadsOf)
	}
	return m
}

// GetStaff returns one active staff member with their roles.
func (s *Store) GetStaff(ctx context.Context, id string) (domain.Staff, error) {
	var r staffRow
	err := s.db.GetContext(ctx, &r, staffSelect+` WHERE s.id = $1 AND s.active GROUP BY s.id`, id)
	if err != nil {
		return domain.Staff{}, fmt.Errorf("get staff %s: %w", id, notFound(err, "staff member %q does not exist", id))
	}
	return r.staff(), nil
}

// ListStaff returns the active staff, by name; with a team, only that team's.
func (s *Store) ListStaff(ctx context.Context, teamID string) ([]domain.Staff, error) {
	var rows []staffRow
	err := s.db.SelectContext(ctx, &rows,
		staffSelect+` WHERE s.active AND ($1 = '' OR s.team_id = $1) GROUP BY s.id ORDER BY s.name, s.id`, teamID)
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", translate(err))
	}
	out := make([]domain.Staff, len(rows))
	for i, r := range rows {
		out[i] = r.staff()
	}
	return out, nil
}

// GetCitizen returns one citizen.
func (s *Store) GetCitizen(ctx context.Context, id string) (domain.Citizen, error) {
	var c domain.Citizen
	err := s.db.GetContext(ctx, &c, `SELECT id, name, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, created_at FROM citizens WHERE id = $1`, id)
	if err != nil {
		return c, fmt.Errorf("get citizen: %w", notFound(err, "citizen does not exist"))
	}
	return c, nil
}

// notFound gives sql.ErrNoRows a domain message; other errors are translated as usual.
func notFound(err error, format string, args ...any) error {
	err = translate(err)
	if domain.ErrorCode(err) == domain.ENotFound {
		return domain.Errorf(domain.ENotFound, format, args...)
	}
	return err
}

// EnsureCitizen records a citizen under a known id if that id is new (demo data and tests).
func (s *Store) EnsureCitizen(ctx context.Context, id, name string, birthDate *string) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO citizens (id, name, birth_date) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
		id, name, birthDate)
	if err != nil {
		return fmt.Errorf("ensure citizen: %w", translate(err))
	}
	return nil
}

// teamPauseRow is a row of the team pauses (domain.TeamPauseRecord).
type teamPauseRow struct {
	TeamID        string     `db:"team_id"`
	PausedAt      time.Time  `db:"paused_at"`
	PlannedResume time.Time  `db:"planned_resume"`
	ResumedAt     *time.Time `db:"resumed_at"`
	PausedBy      string     `db:"paused_by"`
	Reason        string     `db:"reason"`
}

// RecordTeamPause records that a team is paused; recorded twice, it is there once.
func (s *Store) RecordTeamPause(ctx context.Context, p domain.TeamPauseRecord) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO team_pauses (team_id, paused_at, planned_resume, paused_by, reason)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (team_id, paused_at) DO NOTHING`,
		p.TeamID, p.PausedAt, p.PlannedResume, p.PausedBy, p.Reason)
	if err != nil {
		return fmt.Errorf("record pause of %s: %w", p.TeamID, translate(err))
	}
	return nil
}

// RecordTeamResume records the end of the team's pause that began at pausedAt.
func (s *Store) RecordTeamResume(ctx context.Context, teamID string, pausedAt, resumedAt time.Time) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE team_pauses SET resumed_at = $3 WHERE team_id = $1 AND paused_at = $2 AND resumed_at IS NULL`,
		teamID, pausedAt, resumedAt)
	if err != nil {
		return fmt.Errorf("record resume of %s: %w", teamID, translate(err))
	}
	return nil
}

// OpenTeamPause returns the team's current pause, or ENotFound.
func (s *Store) OpenTeamPause(ctx context.Context, teamID string) (domain.TeamPauseRecord, error) {
	var p teamPauseRow
	err := s.db.GetContext(ctx, &p, `
		SELECT team_id, paused_at, planned_resume, resumed_at, paused_by, reason
		FROM team_pauses WHERE team_id = $1 AND resumed_at IS NULL`, teamID)
	if err != nil {
		return domain.TeamPauseRecord{}, fmt.Errorf("open pause of %s: %w", teamID, notFound(err, "team %s is not paused", teamID))
	}
	return domain.TeamPauseRecord(p), nil
}

// CitizenNames returns the names of the citizens, by id.
func (s *Store) CitizenNames(ctx context.Context, ids []string) (map[string]string, error) {
	var rows []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT id::text, name FROM citizens WHERE id = ANY($1::uuid[])`, pq.StringArray(ids)); err != nil {
		return nil, fmt.Errorf("citizen names: %w", translate(err))
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}

// StaffByID returns the staff members of the ids (active or not: a person who has left is
// still named in what they did), by id; an id not in the register is missing from the map.
func (s *Store) StaffByID(ctx context.Context, ids []string) (map[string]domain.Staff, error) {
	out := map[string]domain.Staff{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []staffRow
	if err := s.db.SelectContext(ctx, &rows, staffSelect+` WHERE s.id = ANY($1) GROUP BY s.id`, pq.StringArray(ids)); err != nil {
		return nil, fmt.Errorf("staff by id: %w", translate(err))
	}
	for _, r := range rows {
		out[r.ID] = r.staff()
	}
	return out, nil
}
