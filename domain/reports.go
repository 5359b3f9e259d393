package domain

import (
	"encoding/json"
	"time"
)

// CentreCaseload is an ordinary centre's caseload per caseworker against a recommendation
// (DOMAIN.md's comparison figures; settings, with the seed's values as defaults).
type CentreCaseload struct {
	Department     string `json:"department"`
	PerCaseworker  int    `json:"per_caseworker"`
	Recommendation string `json:"recommendation"`
	RecommendedMax int    `json:"recommended_max"`
	Source         string `json:"source"`
}

// DefaultCentreCaseloads are the seed's figures (mid-2020).
func DefaultCentreCaseloads() []CentreCaseload {
	return []CentreCaseload{
		{Department: "Arbejdsmarked", PerCaseworker: 55, Recommendation: "35", RecommendedMax: 35, Source: "STAR"},
		{Department: "Sundhed og Omsorg", PerCaseworker: 95, Recommendation: "ca. 60", RecommendedMax: 60, Source: "Dansk Socialrådgiverforening"},
		{Department: "Familieafdelingen", PerCaseworker: 30, Recommendation: "20-30", RecommendedMax: 30, Source: "anbefaling"},
	}
}

// TeamStatus is the seed's table for one team: people touched, courses ongoing and ended,
// and the outcomes reached (during the course or at its end).
type TeamStatus struct {
	TeamID      string `json:"team_id"`
	TeamName    string `json:"team_name"`
	Touched     int    `json:"touched"` // distinct citizens ever referred
	Referred    int    `json:"referred"`
	Ongoing     int    `json:"ongoing"`
	Ended       int    `json:"ended"`
	Employment  int    `json:"employment"`
	Education   int    `json:"education"`
	SelfSupport int    `json:"self_support"`
	NoResult    int    `json:"no_result"`
	HandedBack  int    `json:"handed_back"`
	ToModel     int    `json:"moved_to_collaboration"`
}

// ProgressionStat is the goal progression recorded by a team in a half year.
type ProgressionStat struct {
	TeamID       string  `json:"team_id"`
	HalfYear     string  `json:"half_year"` // 2020-H1
	Progressions int     `json:"progressions"`
	AverageScore float64 `json:"average_score"`
}

// ConsultantCaseload is a consultant's open courses (Caseload: the referral rules count them
// alike) against the norm of their team for their hours.
type ConsultantCaseload struct {
	StaffID      string  `json:"staff_id"`
	Name         string  `json:"name"`
	TeamID       string  `json:"team_id"`
	HoursPerWeek float64 `json:"hours_per_week"`
	Open         int     `json:"open"`
	NormMin      int     `json:"norm_min"`
	NormMax      int     `json:"norm_max"`
	OverNorm     bool    `json:"over_norm"`
}

// WithNorms sets each caseload's norm from its team's settings (a consultant of no team listed
// keeps none).
func WithNorms(loads []ConsultantCaseload, teams []Team) []ConsultantCaseload {
	for i := range loads {
		for _, t := range teams {
			if t.ID == loads[i].TeamID {
				loads[i].NormMin = t.Settings.NormMin(loads[i].HoursPerWeek)
				loads[i].NormMax = t.Settings.Norm(loads[i].HoursPerWeek)
				loads[i].OverNorm = loads[i].Open > loads[i].NormMax
			}
		}
	}
	return loads
}

// ExtensionStat counts a team's extension requests and decisions.
type ExtensionStat struct {
	TeamID    string `json:"team_id"`
	Requested int    `json:"requested"`
	Approved  int    `json:"approved"`
	Rejected  int    `json:"rejected"`
	Pending   int    `json:"pending"`
}

// CollaborationStat sums up the collaboration model.
type CollaborationStat struct {
	PlansActive      int `json:"plans_active"`
	PlansEnded       int `json:"plans_ended"`
	AwaitingConsent  int `json:"awaiting_consent"`
	ConsentGiven     int `json:"consent_given"`
	ConsentWithdrawn int `json:"consent_withdrawn"`
	MeetingsHeld     int `json:"meetings_held"`
	MeetingsOnTime   int `json:"meetings_on_time"`
	MeetingsNotHeld  int `json:"meetings_not_held"`
	MinutesDue       int `json:"minutes_due"`
	MinutesOnTime    int `json:"minutes_on_time"`
}

// StoredReport is a produced committee report.
type StoredReport struct {
	ID         int64            `json:"id"`
	Kind       string           `json:"kind"`
	PeriodFrom time.Time        `json:"period_from"`
	PeriodTo   time.Time        `json:"period_to"`
	ProducedAt time.Time        `json:"produced_at"`
	Body       *json.RawMessage `json:"body,omitempty"`
}

// TeamFigures are what the steering report needs of a team, as of a day.
type TeamFigures struct {
	TeamID          string
	Referred        int
	ReferredLastYr  int
	Open            int
	ReachedEmpEdu   int
	StaffHours      float64
	ConsultantHours float64
}
