// Package course is the borgerkonsulent course (borgerkonsulentforløb) as a Temporal workflow.
// This file is its contract: names, IDs and the structs in and out of every handler.
package course

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"tvp/domain"
	"tvp/workflows/collab"
	"tvp/workflows/effects"
)

// Names of the course workflow's handlers.
const (
	QueryState = "state"

	UpdateRecordProgression = "record-progression"
	UpdateRecordMilestone   = "record-milestone"
	UpdateRequestExtension  = "request-extension"
	UpdateDecideExtension   = "decide-extension"
	UpdateClose             = "close"
	UpdateApplyTerms        = "apply-terms"
	// UpdateRetryEffects tries the course's stuck effects again now (an administrator).
	UpdateRetryEffects = effects.UpdateRetry

	// Updates from the team-pause workflow: the team is paused (again with the same pause: its
	// planned resume date moved), and resumed.
	UpdatePause  = "pause"
	UpdateResume = "resume"

	// Signals from team-pause workflows started before pauses were Updates (still handled).
	SignalPause  = "team-paused"
	SignalResume = "team-resumed"
)

// The course's rules are versioned (workflow.GetVersion): a course keeps the rules it started
// with. Version 1: the end-approaching reminder goes to the team's lead as well as to the
// consultants. Courses started before (DefaultVersion) remind the consultants only.
// Version 2 (CalendarRules): the course's periods (its length, the progression interval, the
// extension limit) are counted in the calendar, as people count them: a course of one year
// started on 1 November 2019 ends on 1 November 2020. A course started before counts them as
// fixed lengths (a year of 365 days) for the rest of its life.
const (
	RulesChange   = "course-rules"
	CalendarRules = workflow.Version(2)
	RulesVersion  = CalendarRules
)

// Changes to the course's logic since histories were recorded, each behind workflow.GetVersion
// (a course that ran before a change keeps the old logic; see also effects.StuckEffects,
// effects.MailReminders and effects.LocalWrites).
const (
	// PauseKeepsExtension (1): a pause while an extension request waits marks the steering
	// group's reminder done (they cannot decide during it), and the resume moves the requested
	// new end by the pause's length, as it moves the planned end.
	PauseKeepsExtension = "pause-keeps-extension"
	// PauseHandlers (1): continue-as-new waits for a pause or resume signal being handled, as it
	// waits for Updates.
	PauseHandlers = "pause-handlers"
	// PauseResumeBy (1): the course knows its pause's latest resume date, and a pause sent
	// again with a moved latest date moves it (before, only a moved planned date was taken, and
	// the course went on showing the old date).
	PauseResumeBy = "pause-resume-by"
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
type Actor = domain.Actor

// Input starts a course. Carry is set only by continue-as-new.
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
	Carry         *State              `json:"carry,omitempty"`
	// Handled are the IDs of the Updates applied by earlier runs (continue-as-new carries the
	// newest): one sent again is accepted and changes nothing.
	Handled []string `json:"handled_updates,omitempty"`
}

// Result is how the course ended.
type Result struct {
	Outcome  domain.Outcome `json:"outcome"`
	ClosedOn time.Time      `json:"closed_on"`
}

// The course's records are domain types, shared with the read model.
type (
	GoalScore   = domain.GoalScore
	Progression = domain.Progression
	Extension   = domain.Extension
	Milestone   = domain.Milestone
)

// Pause is a pause of the course's team.
type Pause struct {
	PauseID       string    `json:"pause_id"`
	PausedAt      time.Time `json:"paused_at"`
	PlannedResume time.Time `json:"planned_resume"`
	// ResumeBy is the pause's latest resume date, at which the course resumes by itself (a
	// decision may move it); zero for a pause from before the courses were told it.
	ResumeBy  time.Time  `json:"resume_by,omitzero"`
	ResumedAt *time.Time `json:"resumed_at,omitempty"`
	PausedBy  string     `json:"paused_by"`
	ResumedBy string     `json:"resumed_by,omitempty"`
	// ResumedAutomatically: the pause's latest resume date came and the course resumed by itself.
	ResumedAutomatically bool `json:"resumed_automatically,omitempty"`
}

// State is the course as its query returns it, and what continue-as-new carries.
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
	// NextDeadline is when the course next needs someone, and Next what it waits for (a code;
	// package words says it).
	NextDeadline *time.Time      `json:"next_deadline,omitempty"`
	Next         *domain.Next    `json:"next,omitempty"`
	Outcome      *domain.Outcome `json:"outcome,omitempty"`
	ClosedOn     *time.Time      `json:"closed_on,omitempty"`
	CloseNote    string          `json:"close_note,omitempty"`
	// MovedToPlanID is the collaboration plan the course was moved to.
	MovedToPlanID string `json:"moved_to_plan_id,omitempty"`
	ReferredBy    string `json:"referred_by"`
	Revision      int64  `json:"revision"`

	Progressions []Progression `json:"progressions"`
	Extensions   []Extension   `json:"extensions"`
	Pauses       []Pause       `json:"pauses"`
	Milestones   []Milestone   `json:"milestones"`

	// Timer bookkeeping: what has been reminded, so that nothing is raised twice.
	NextProgressionDue      time.Time          `json:"next_progression_due"`
	ProgressionReminders    int                `json:"progression_reminders"`
	LastProgressionReminder time.Time          `json:"last_progression_reminder"`
	EndReminderSentFor      time.Time          `json:"end_reminder_sent_for"`
	OverdueReminders        int                `json:"overdue_reminders"`
	LastOverdueReminder     time.Time          `json:"last_overdue_reminder"`
	Escalated               bool               `json:"escalated"`
	ExtensionReminders      int                `json:"extension_reminders"`
	LastExtensionReminder   time.Time          `json:"last_extension_reminder"`
	PhaseBeforePause        domain.CoursePhase `json:"phase_before_pause,omitempty"`
	// Rules is the version of the course's rules it started with (workflow.GetVersion at
	// its start); a course keeps its rules for its whole life, across continue-as-new.
	Rules workflow.Version `json:"rules"`
	// TermsChanges are the decisions that moved the course to new terms.
	TermsChanges []TermsChange `json:"terms_changes,omitempty"`
	// Terms are the course's settings now, if a decision changed them since its referral.
	Terms *domain.TeamSettings `json:"terms,omitempty"`
	// Settings are the settings the course runs on: its team's at the referral (the snapshot
	// in its input), or the terms a decision moved it to since. The one answer to "which
	// settings does this course have" (its score scale, its lengths).
	Settings domain.TeamSettings `json:"settings"`
	// Effects are the course's writes that failed after their step was accepted (stuck), kept
	// and retried until made.
	Effects effects.Ledger `json:"effects,omitzero"`
}

// StateQuery asks for the course's state.
type StateQuery struct{}

// ProgressionRequest records the half-yearly goal progression: every goal scored.
type ProgressionRequest struct {
	Actor  Actor       `json:"actor"`
	Scores []GoalScore `json:"scores"`
	Note   string      `json:"note"`
}

// MilestoneRequest records an outcome reached while the course goes on.
type MilestoneRequest struct {
	Actor   Actor          `json:"actor"`
	Outcome domain.Outcome `json:"outcome"`
	Date    time.Time      `json:"date"`
}

// ExtensionRequest asks the steering group to move the planned end.
type ExtensionRequest struct {
	Actor  Actor     `json:"actor"`
	Reason string    `json:"reason"`
	NewEnd time.Time `json:"new_end"`
}

// DecisionRequest is the steering group's decision on the pending extension.
type DecisionRequest struct {
	Actor    Actor  `json:"actor"`
	Approve  bool   `json:"approve"`
	Reason   string `json:"reason"`
	Sequence int    `json:"seq"` // the extension decided; must be the pending one
}

// CloseRequest ends the course with an outcome. Moving to the collaboration model carries the
// citizen's enrolment: the course starts the plan's workflow as it closes.
type CloseRequest struct {
	Actor     Actor          `json:"actor"`
	Outcome   domain.Outcome `json:"outcome"`
	Date      time.Time      `json:"date"`
	Note      string         `json:"note"`
	Enrolment *collab.Input  `json:"enrolment,omitempty"`
}

// TermsRequest moves a running course to new terms by a steering-group decision (a team's
// reorganisation): its end moves by the difference in course length, and its timers follow.
type TermsRequest struct {
	Actor      Actor               `json:"actor"`
	Settings   domain.TeamSettings `json:"settings"`
	DecisionID int64               `json:"decision_id"`
}

// TermsChange is one such move, as the course remembers it.
type TermsChange struct {
	DecisionID int64     `json:"decision_id"`
	At         time.Time `json:"at"`
	OldEnd     time.Time `json:"old_end"`
	NewEnd     time.Time `json:"new_end"`
}

// RetryEffectsRequest and RetryEffectsResult are the retry-effects Update's (shared by every
// long-running workflow): an administrator asks; the answer is what is still stuck.
type (
	RetryEffectsRequest = effects.RetryRequest
	RetryEffectsResult  = effects.RetryResult
)

// StepResult is the course's state after a step.
type StepResult struct {
	State State `json:"state"`
}

// PauseRequest pauses the course with its team (the team-pause workflow's Update). Sent again
// with the same pause and another planned or latest resume date, it moves those dates.
type PauseRequest struct {
	PauseID       string    `json:"pause_id"`
	PausedBy      string    `json:"paused_by"`
	PlannedResume time.Time `json:"planned_resume"`
	// ResumeBy is the pause's latest resume date (since PauseResumeBy).
	ResumeBy time.Time `json:"resume_by,omitzero"`
}

// ResumeRequest resumes the course with its team (the team-pause workflow's Update).
type ResumeRequest struct {
	PauseID   string `json:"pause_id"`
	ResumedBy string `json:"resumed_by"`
	// Automatic: the pause's latest resume date came.
	Automatic bool `json:"automatic,omitempty"`
}

// PauseSignal pauses the course with its team (from a team pause started before pauses were
// Updates).
type PauseSignal struct {
	PauseID       string    `json:"pause_id"`
	PausedBy      string    `json:"paused_by"`
	PlannedResume time.Time `json:"planned_resume"`
	ResumeBy      time.Time `json:"resume_by,omitzero"`
}

// ResumeSignal resumes the course with its team (from a team pause started before pauses were
// Updates).
type ResumeSignal struct {
	PauseID   string `json:"pause_id"`
	ResumedBy string `json:"resumed_by"`
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
		Next:          s.Next,
		Outcome:       s.Outcome,
		ClosedOn:      s.ClosedOn,
		ReferredBy:    s.ReferredBy,
		Revision:      s.Revision,
		CitizenIDs:    s.CitizenIDs,
		ConsultantIDs: s.ConsultantIDs,
		Progressions:  s.Progressions,
		Extensions:    s.Extensions,
		Milestones:    s.Milestones,
	}
}
