// Package teampause is the pause of a borgerkonsulent team as a Temporal workflow: it pauses
// every open course of the team, reminds the team lead on the planned resume date, and
// resumes the courses when the team lead says so.
package teampause

import (
	"time"

	"tvp/domain"
)

// Names of the workflow's handlers.
const (
	QueryState   = "state"
	UpdateResume = "resume"
)

// ReminderResumeDue is the reminder to the team lead on the planned resume date.
const ReminderResumeDue = domain.ReminderResumeDue

// WorkflowID returns the workflow ID of the team's pause: one pause per team at a time.
func WorkflowID(teamID string) string { return "team-pause-" + teamID }

// Input pauses a team.
type Input struct {
	TeamID        string          `json:"team_id"`
	PausedBy      string          `json:"paused_by"`
	PlannedResume time.Time       `json:"planned_resume"`
	Reason        string          `json:"reason"`
	RemindEvery   domain.Duration `json:"remind_every"` // after the planned resume date
}

// Result says when the team resumed and which courses were paused.
type Result struct {
	ResumedAt time.Time `json:"resumed_at"`
	CourseIDs []string  `json:"course_ids"`
}

// State is the pause as its query returns it.
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
