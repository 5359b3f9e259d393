package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lib/pq"

	"tvp/domain"
)

// ReferralTeam is what a referral to a team is checked against, read at once.
type ReferralTeam struct {
	// Team, with the settings in effect for a course referred on the date asked.
	Team         domain.Team
	Paused       bool
	PhaseOutFrom *time.Time
}

// Referral returns the team a citizen is referred to, whether it is paused or phased out, and
// its settings for a course starting on the date (the newest version in effect then, else the
// team's own), in one query.
func (s *Store) Referral(ctx context.Context, teamID string, on time.Time) (ReferralTeam, error) {
	var r struct {
		teamRow
		Paused   bool       `db:"paused"`
		PhaseOut *time.Time `db:"phase_out_from"`
		Version  []byte     `db:"version_settings"`
	}
	err := s.db.GetContext(ctx, &r, `
		SELECT t.id, t.name, t.centre, t.target_group, t.settings, t.created_at, t.phase_out_from,
			EXISTS (SELECT 1 FROM team_pauses p WHERE p.team_id = t.id AND p.resumed_at IS NULL) AS paused,
			(SELECT v.settings FROM team_settings_versions v WHERE v.team_id = t.id AND v.effective_from <= $2
				ORDER BY v.effective_from DESC LIMIT 1) AS version_settings
		FROM teams t WHERE t.id = $1`, teamID, on)
	if err != nil {
		return ReferralTeam{}, fmt.Errorf("referral to %s: %w", teamID, notFound(err, "team %q does not exist", teamID))
	}
	t, err := r.team()
	if err != nil {
		return ReferralTeam{}, err
	}
	if r.Version != nil {
		if err := json.Unmarshal(r.Version, &t.Settings); err != nil {
			return ReferralTeam{}, fmt.Errorf("settings for %s: %w", teamID, err)
		}
	}
	return ReferralTeam{Team: t, Paused: r.Paused, PhaseOutFrom: r.PhaseOut}, nil
}

// StaffLoad is a staff member with the number of open courses they work on.
type StaffLoad struct {
	domain.Staff
	Caseload int
}

// StaffLoads returns the active staff members among ids, with their caseloads, by id; an
// unknown or inactive id is missing from the map.
func (s *Store) StaffLoads(ctx context.Context, ids []string) (map[string]StaffLoad, error) {
	var rows []struct {
		staffRow
		Caseload int `db:"caseload"`
	}
	// A consultant's caseload: the open courses they work on now.
	err := s.db.SelectContext(ctx, &rows, `SELECT `+staffColumns+`,
			(SELECT count(*) FROM course_consultants cc JOIN courses c ON c.id = cc.course_id
				WHERE cc.staff_id = s.id AND cc.active AND c.phase <> 'closed') AS caseload`+staffFrom+`
		WHERE s.id = ANY($1) AND s.active GROUP BY s.id`, pq.StringArray(ids))
	if err != nil {
		return nil, fmt.Errorf("staff loads: %w", translate(err))
	}
	out := make(map[string]StaffLoad, len(rows))
	for _, r := range rows {
		out[r.ID] = StaffLoad{Staff: r.staff(), Caseload: r.Caseload}
	}
	return out, nil
}
