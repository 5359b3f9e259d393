package domain

import "time"

// Decision bodies: the committees and the steering group.
const (
	BodySSU           = "SSU"
	BodyBUL           = "BUL"
	BodyAET           = "AET"
	BodyOU            = "ØU"
	BodySteeringGroup = "steering_group"
)

// ValidBody reports whether b is a body that decides on the programme.
func ValidBody(b string) bool {
	switch b {
	case BodySSU, BodyBUL, BodyAET, BodyOU, BodySteeringGroup:
		return true
	}
	return false
}

// Change links a decision to what it changed.
type Change struct {
	Kind     string `json:"kind"` // team_settings, targets, phase_out, course_terms
	TeamID   string `json:"team_id,omitempty"`
	CourseID string `json:"course_id,omitempty"`
	Note     string `json:"note,omitempty"`
}

// Decision is one decision of a committee or the steering group.
type Decision struct {
	ID         int64     `json:"id" db:"id"`
	DecidedOn  time.Time `json:"decided_on" db:"decided_on"`
	Body       string    `json:"body" db:"body"`
	Title      string    `json:"title" db:"title"`
	Text       string    `json:"text" db:"text"`
	Changes    []Change  `json:"changes" db:"-"`
	RecordedBy string    `json:"recorded_by" db:"recorded_by"`
}

// Target keys: the success criteria the committees approve per team.
const (
	TargetOutcomeShare = "employment_or_education_share" // share of referred courses that reached employment or education
	TargetPerYear      = "citizens_per_year"             // courses referred in the last twelve months
	TargetCapacityUse  = "capacity_use"                  // open courses against the team's norm
)

// Target is one approved success criterion of a team.
type Target struct {
	TeamID      string  `json:"team_id" db:"team_id"`
	Key         string  `json:"key" db:"key"`
	Target      float64 `json:"target" db:"target"`
	Description string  `json:"description" db:"description"`
	DecisionID  *int64  `json:"decision_id,omitempty" db:"decision_id"`
}

// Resources are the programme's money facts (settings with the seed's values as defaults).
type Resources struct {
	FTEHours      float64 `json:"fte_hours"`       // a full-time equivalent (årsværk), hours a week
	FTECostDKK    float64 `json:"fte_cost_dkk"`    // a year; the seed: 2 FTE = 1.1 million DKK
	PoolDKK       float64 `json:"pool_dkk"`        // the cross-sector pool, 0.4 million DKK
	PoolGrantedOn string  `json:"pool_granted_on"` // 22 November 2017
}

// DefaultResources are the seed's figures.
func DefaultResources() Resources {
	return Resources{FTEHours: 37, FTECostDKK: 550000, PoolDKK: 400000, PoolGrantedOn: "2017-11-22"}
}
