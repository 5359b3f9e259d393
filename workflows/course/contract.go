// Package course is the borgerkonsulent course (borgerkonsulentforløb) as a Temporal workflow.
// This file is its contract: names, IDs and the structs in and out of every handler.
package course

import (
	"time"

	"tvp/domain"
)

// Names of the course workflow's handlers.
const (
	QueryState  = "state"
	UpdateClose = "close"
)

// WorkflowID returns the workflow ID of the course with the given course id. The course id is
// a random UUID: never a CPR number or anything else about the citizen.
func WorkflowID(courseID string) string { return "course-" + courseID }

// Goal is one agreed goal of the course.
type Goal struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Actor is the person who takes a step, as the API authenticated them.
type Actor struct {
	ID    string        `json:"id"`
	Roles []domain.Role `json:"roles"`
}

// Input starts a course.
type Input struct {
	CourseID      string              `json:"course_id"`
	TeamID        string              `json:"team_id"`
	Kind          domain.TargetGroup  `json:"kind"`
	CitizenIDs    []string            `json:"citizen_ids"`
	ConsultantIDs []string            `json:"consultant_ids"`
	StartDate     time.Time           `json:"start_date"`
	Goals         []Goal              `json:"goals"`
	Settings      domain.TeamSettings `json:"settings"`
	ReferredBy    string              `json:"referred_by"`
}

// Result is how the course ended.
type Result struct {
	Outcome  domain.Outcome `json:"outcome"`
	ClosedOn time.Time      `json:"closed_on"`
}

// State is the course as its query returns it.
type State struct {
	CourseID      string             `json:"course_id"`
	TeamID        string             `json:"team_id"`
	Kind          domain.TargetGroup `json:"kind"`
	Phase         domain.CoursePhase `json:"phase"`
	CitizenIDs    []string           `json:"citizen_ids"`
	ConsultantIDs []string           `json:"consultant_ids"`
	Goals         []Goal             `json:"goals"`
	StartDate     time.Time          `json:"start_date"`
	PlannedEnd    time.Time          `json:"planned_end"`
	NextDeadline  *time.Time         `json:"next_deadline,omitempty"`
	NextAction    string             `json:"next_action"`
	Outcome       *domain.Outcome    `json:"outcome,omitempty"`
	ClosedOn      *time.Time         `json:"closed_on,omitempty"`
	ReferredBy    string             `json:"referred_by"`
	Revision      int64              `json:"revision"`
}

// StateQuery asks for the course's state.
type StateQuery struct{}

// CloseRequest ends the course with an outcome.
type CloseRequest struct {
	Actor   Actor          `json:"actor"`
	Outcome domain.Outcome `json:"outcome"`
	Date    time.Time      `json:"date"`
	Note    string         `json:"note"`
}

// CloseResult is the course's state after closing.
type CloseResult struct {
	State State `json:"state"`
}

// Record returns the read-model row for the state.
func (s State) Record() domain.CourseRecord {
	return domain.CourseRecord{
		ID:            s.CourseID,
		WorkflowID:    WorkflowID(s.CourseID),
		TeamID:        s.TeamID,
		Kind:          s.Kind,
		Phase:         s.Phase,
		StartDate:     s.StartDate,
		PlannedEnd:    s.PlannedEnd,
		NextDeadline:  s.NextDeadline,
		NextAction:    s.NextAction,
		Outcome:       s.Outcome,
		ClosedOn:      s.ClosedOn,
		ReferredBy:    s.ReferredBy,
		Revision:      s.Revision,
		CitizenIDs:    s.CitizenIDs,
		ConsultantIDs: s.ConsultantIDs,
	}
}
