package domain

import (
	"slices"
	"time"
)

// CoursePhase is where a borgerkonsulent course stands.
type CoursePhase string

const (
	PhaseActive           CoursePhase = "active"            // running, timers armed
	PhaseAwaitingDecision CoursePhase = "awaiting_decision" // past the planned end, no outcome, no extension
	PhaseExtensionPending CoursePhase = "extension_pending" // the steering group has to decide
	PhasePaused           CoursePhase = "paused"            // the team is paused
	PhaseClosed           CoursePhase = "closed"            // ended with an outcome
)

// CoursePhases are the phases a course can be in.
var CoursePhases = []CoursePhase{PhaseActive, PhaseAwaitingDecision, PhaseExtensionPending, PhasePaused, PhaseClosed}

// Valid reports whether p is a phase of a course.
func (p CoursePhase) Valid() bool { return slices.Contains(CoursePhases, p) }

// Codes are the course phases' codes.
func (CoursePhase) Codes() []string { return codes(CoursePhases) }

// Outcome is how a course ended, or a milestone reached during it.
type Outcome string

const (
	OutcomeEmployment    Outcome = "employment"             // beskæftigelse
	OutcomeEducation     Outcome = "education"              // uddannelse
	OutcomeSelfSupport   Outcome = "self_support"           // selvforsørgelse
	OutcomeNoResult      Outcome = "no_result"              // afsluttet uden resultat
	OutcomeHandedBack    Outcome = "handed_back"            // tilbage til almindelig sagsbehandling
	OutcomeCollaboration Outcome = "moved_to_collaboration" // overgået til samarbejdsmodellen
)

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool {
	switch o {
	case OutcomeEmployment, OutcomeEducation, OutcomeSelfSupport, OutcomeNoResult,
		OutcomeHandedBack, OutcomeCollaboration:
		return true
	}
	return false
}

// CourseRecord is a course as the read model holds it: what lists and reports need.
type CourseRecord struct {
	ID            string        `json:"id" db:"id"`
	WorkflowID    string        `json:"workflow_id" db:"workflow_id"`
	TeamID        string        `json:"team_id" db:"team_id"`
	Kind          TargetGroup   `json:"kind" db:"kind"`
	Phase         CoursePhase   `json:"phase" db:"phase"`
	StartDate     time.Time     `json:"start_date" db:"start_date"`
	PlannedEnd    time.Time     `json:"planned_end" db:"planned_end"`
	NextDeadline  *time.Time    `json:"next_deadline,omitempty" db:"next_deadline"`
	Next          *Next         `json:"next,omitempty" db:"-"`
	Outcome       *Outcome      `json:"outcome,omitempty" db:"outcome"`
	ClosedOn      *time.Time    `json:"closed_on,omitempty" db:"closed_on"`
	ReferredBy    string        `json:"referred_by" db:"referred_by"`
	Revision      int64         `json:"revision" db:"revision"`
	CitizenIDs    []string      `json:"citizen_ids" db:"-"`
	ConsultantIDs []string      `json:"consultant_ids" db:"-"`
	Progressions  []Progression `json:"progressions,omitempty" db:"-"`
	Extensions    []Extension   `json:"extensions,omitempty" db:"-"`
	Milestones    []Milestone   `json:"milestones,omitempty" db:"-"`
	// ExtensionRequested is read, not written: the course has had an extension request.
	ExtensionRequested bool `json:"-" db:"-"`
}

// GoalScore is one goal's score in a progression.
type GoalScore struct {
	GoalID string `json:"goal_id"`
	Score  int    `json:"score"`
}

// Progression is one half-yearly goal progression (målprogression).
type Progression struct {
	Seq        int         `json:"seq"`
	Due        time.Time   `json:"due"`
	RecordedAt time.Time   `json:"recorded_at"`
	RecordedBy string      `json:"recorded_by"`
	Scores     []GoalScore `json:"scores"`
	Note       string      `json:"note"`
}

// Extension is one request to extend the course beyond its planned end, and its decision.
type Extension struct {
	Seq            int               `json:"seq" db:"seq"`
	RequestedAt    time.Time         `json:"requested_at" db:"requested_at"`
	RequestedBy    string            `json:"requested_by" db:"requested_by"`
	Reason         string            `json:"reason" db:"reason"`
	OldEnd         time.Time         `json:"old_end" db:"old_end"`
	NewEnd         time.Time         `json:"new_end" db:"new_end"`
	Decision       ExtensionDecision `json:"decision,omitempty" db:"-"`
	DecidedAt      *time.Time        `json:"decided_at,omitempty" db:"decided_at"`
	DecidedBy      string            `json:"decided_by,omitempty" db:"-"`
	DecisionReason string            `json:"decision_reason,omitempty" db:"-"`
}

// ExtensionDecision is the steering group's decision on an extension request.
type ExtensionDecision string

// Extension decisions.
const (
	DecisionApproved ExtensionDecision = "approved"
	DecisionRejected ExtensionDecision = "rejected"
)

// Milestone is an outcome reached while the course goes on (a young person starts an
// education and the course continues for a while).
type Milestone struct {
	Outcome    Outcome   `json:"outcome" db:"outcome"`
	Date       time.Time `json:"date" db:"date"`
	RecordedBy string    `json:"recorded_by" db:"recorded_by"`
}

// Reminder is one item in a person's inbox.
type Reminder struct {
	Key         string `json:"key" db:"key"`
	RecipientID string `json:"recipient_id" db:"recipient_id"`
	// OwnerID is whom the occasion named; RecipientID is who holds the item (their stand-in
	// while they are away). Empty: the recipient.
	OwnerID     string       `json:"owner_id,omitempty" db:"owner_id"`
	Kind        ReminderKind `json:"kind" db:"kind"`
	SubjectType SubjectType  `json:"subject_type" db:"subject_type"`
	SubjectID   string       `json:"subject_id" db:"subject_id"`
	DueAt       time.Time    `json:"due_at" db:"due_at"`
	CreatedAt   time.Time    `json:"created_at" db:"created_at"`
	DoneAt      *time.Time   `json:"done_at,omitempty" db:"done_at"`
	// ScheduledFor is when the occasion was due to fire (the workflow timer's target); with
	// the time the item reached the inbox it shows how late the reminder was.
	ScheduledFor *time.Time `json:"scheduled_for,omitempty" db:"scheduled_for"`
}

// MilestoneOutcomes are the outcomes a course can reach while it goes on.
func MilestoneOutcomes() []Outcome {
	return []Outcome{OutcomeEducation, OutcomeEmployment, OutcomeSelfSupport}
}

// CloseOutcomes are the outcomes a course is closed with (moving to the collaboration model is
// a step of its own).
func CloseOutcomes() []Outcome {
	return append(MilestoneOutcomes(), OutcomeNoResult, OutcomeHandedBack)
}

// CourseRef names a course and its workflow.
type CourseRef struct {
	ID         string `json:"id"`
	WorkflowID string `json:"workflow_id"`
}

// PendingExtension is an extension request waiting for the steering group.
type PendingExtension struct {
	CourseID    string    `json:"course_id"`
	TeamID      string    `json:"team_id"`
	Seq         int       `json:"seq"`
	RequestedAt time.Time `json:"requested_at"`
	RequestedBy string    `json:"requested_by"`
	Reason      string    `json:"reason"`
	OldEnd      time.Time `json:"old_end"`
	NewEnd      time.Time `json:"new_end"`
	// CitizenIDs are whose course it is: not shown, but named in the audit log.
	CitizenIDs []string `json:"-"`
}
