// Package teampause is the pause of a borgerkonsulent team as a Temporal workflow: it pauses
// every open course of the team, reminds the team lead from the planned resume date, and
// resumes the courses when the team lead says so, or by themselves at the pause's latest resume
// date ("genoptages senest 1. januar") unless a new decision moves it. This file is its
// contract.
package teampause

import (
	"time"

	"tvp/domain"
	"tvp/workflows/effects"
)

// Names of the workflow's handlers.
const (
	QueryState   = "state"
	UpdateResume = "resume"
	// UpdateMoveResume moves the pause's latest resume date by a new decision (the steering
	// group, or an administrator recording a committee's decision).
	UpdateMoveResume = "move-resume"
	// UpdateRetryEffects tries the pause's stuck effects again now (an administrator).
	UpdateRetryEffects = effects.UpdateRetry
)

// Shape is the change (GetVersion) from which a pause runs in the shape of the course and the
// plan (setup and run, the shared effects with stuck effects, Updates to its courses, a latest
// resume date, mailed reminders). Pauses started before replay the legacy function.
const Shape = "team-pause-shape"

// AutomaticResumer is who resumes the courses at the latest resume date, in their audit log.
const AutomaticResumer = "system"

// WorkflowID returns the workflow ID of the team's pause: one pause per team at a time.
func WorkflowID(teamID string) string { return "team-pause-" + teamID }

// Input pauses a team. Carry and Handled are set only by continue-as-new.
type Input struct {
	TeamID        string          `json:"team_id"`
	PausedBy      string          `json:"paused_by"`
	PlannedResume time.Time       `json:"planned_resume"`
	Reason        string          `json:"reason"`
	RemindEvery   domain.Duration `json:"remind_every"` // after the planned resume date
	// ResumeBy is the latest resume date: at it the courses resume by themselves. Zero: the
	// planned resume date is the latest (the seed's "no later than 1 January").
	ResumeBy time.Time `json:"resume_by,omitzero"`
	Carry    *State    `json:"carry,omitempty"`
	Handled  []string  `json:"handled_updates,omitempty"`
}

// Result says when the team resumed and which courses were paused.
type Result struct {
	ResumedAt time.Time `json:"resumed_at"`
	CourseIDs []string  `json:"course_ids"`
	// Automatic: the latest resume date came; nobody resumed the team before it.
	Automatic bool `json:"automatic,omitempty"`
}

// State is the pause as its query returns it, and what continue-as-new carries.
type State struct {
	TeamID        string     `json:"team_id"`
	PauseID       string     `json:"pause_id"`
	PausedAt      time.Time  `json:"paused_at"`
	PlannedResume time.Time  `json:"planned_resume"`
	PausedBy      string     `json:"paused_by"`
	Reason        string     `json:"reason"`
	CourseIDs     []string   `json:"course_ids"`
	ResumedAt     *time.Time `json:"resumed_at,omitempty"`
	ResumedBy     string     `json:"resumed_by,omitempty"`
	Reminders     int        `json:"reminders"`
	// ResumeBy is the latest resume date; Moves are the decisions that moved it.
	ResumeBy time.Time `json:"resume_by,omitzero"`
	Moves    []Move    `json:"moves,omitempty"`
	// ResumedAutomatically: the courses resumed by themselves at the latest resume date.
	ResumedAutomatically bool `json:"resumed_automatically,omitempty"`
	// NextReminder is when the team lead is reminded next (from the planned resume date).
	NextReminder time.Time `json:"next_reminder,omitzero"`
	// Effects are the pause's writes that failed after their step was accepted (stuck).
	Effects effects.Ledger `json:"effects,omitzero"`
}

// Move is a decision that moved the latest resume date.
type Move struct {
	DecisionID int64     `json:"decision_id"`
	At         time.Time `json:"at"`
	By         string    `json:"by"`
	OldDate    time.Time `json:"old_date"`
	NewDate    time.Time `json:"new_date"`
}

// StateQuery asks for the state.
type StateQuery struct{}

// ResumeRequest resumes the team.
type ResumeRequest struct {
	Actor domain.Actor `json:"actor"`
}

// ResumeResult is the state after resuming.
type ResumeResult struct {
	State State `json:"state"`
}

// MoveResumeRequest moves the latest resume date: a new decision, recorded in the register.
type MoveResumeRequest struct {
	Actor      domain.Actor `json:"actor"`
	ResumeBy   time.Time    `json:"resume_by"`
	DecisionID int64        `json:"decision_id"`
}

// MoveResumeResult is the state after the move.
type MoveResumeResult struct {
	State State `json:"state"`
}

// RetryEffectsRequest and RetryEffectsResult are the retry-effects Update's (shared by every
// long-running workflow): an administrator asks; the answer is what is still stuck.
type (
	RetryEffectsRequest = effects.RetryRequest
	RetryEffectsResult  = effects.RetryResult
)
