package domain

import (
	"slices"
	"time"
)

// DecisionBody is who decides on the programme: a committee or the steering group.
type DecisionBody string

// Decision bodies: the committees (by their own abbreviations) and the steering group.
const (
	BodySSU           DecisionBody = "SSU"
	BodyBUL           DecisionBody = "BUL"
	BodyAET           DecisionBody = "AET"
	BodyOU            DecisionBody = "ØU"
	BodySteeringGroup DecisionBody = "steering_group"
)

// Bodies are the bodies that decide on the programme.
var Bodies = []DecisionBody{BodySSU, BodyBUL, BodyAET, BodyOU, BodySteeringGroup}

// Valid reports whether b is a body that decides on the programme.
func (b DecisionBody) Valid() bool { return slices.Contains(Bodies, b) }

// Codes are the bodies' codes.
func (DecisionBody) Codes() []string { return codes(Bodies) }

// ChangeKind is what a decision changed.
type ChangeKind string

// What a decision can change.
const (
	ChangeTeamSettings ChangeKind = "team_settings" // a team's settings from a date
	ChangeTargets      ChangeKind = "targets"       // a team's targets
	ChangePhaseOut     ChangeKind = "phase_out"     // a team is phased out from a date
	ChangeCourseTerms  ChangeKind = "course_terms"  // a running course moved to new terms
	ChangeExtension    ChangeKind = "extension"     // a course's extension decided
	ChangePause        ChangeKind = "pause"         // a team pause's latest resume date moved
)

// Change links a decision to what it changed.
type Change struct {
	Kind     ChangeKind `json:"kind"`
	TeamID   string     `json:"team_id,omitempty"`
	CourseID string     `json:"course_id,omitempty"`
	Note     string     `json:"note,omitempty"`
}

// Decision is one decision of a committee or the steering group.
type Decision struct {
	ID         int64        `json:"id" db:"id"`
	DecidedOn  time.Time    `json:"decided_on" db:"decided_on"`
	Body       DecisionBody `json:"body" db:"body"`
	Title      string       `json:"title" db:"title"`
	Text       string       `json:"text" db:"text"`
	Changes    []Change     `json:"changes" db:"-"`
	RecordedBy string       `json:"recorded_by" db:"recorded_by"`
}

// TargetKey names a success criterion the committees approve per team.
type TargetKey string

// Target keys.
const (
	TargetOutcomeShare TargetKey = "employment_or_education_share" // share of referred courses that reached employment or education
	TargetPerYear      TargetKey = "citizens_per_year"             // courses referred in the last twelve months
	TargetCapacityUse  TargetKey = "capacity_use"                  // open courses against the team's norm
)

// TargetKeys are the success criteria there are.
var TargetKeys = []TargetKey{TargetOutcomeShare, TargetPerYear, TargetCapacityUse}

// Valid reports whether k is a success criterion.
func (k TargetKey) Valid() bool { return slices.Contains(TargetKeys, k) }

// Codes are the success criteria's codes.
func (TargetKey) Codes() []string { return codes(TargetKeys) }

// codes are the values of a vocabulary as strings.
func codes[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// Target is one approved success criterion of a team.
type Target struct {
	TeamID      string    `json:"team_id" db:"team_id"`
	Key         TargetKey `json:"key" db:"key"`
	Target      float64   `json:"target" db:"target"`
	Description string    `json:"description" db:"description"`
	DecisionID  *int64    `json:"decision_id,omitempty" db:"decision_id"`
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
