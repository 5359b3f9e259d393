package domain

import "time"

// ReminderKind is what a reminder asks its recipient to do. Each kind is defined here once;
// the workflows raise them, the inbox, the pages and the mails name them.
type ReminderKind string

// Reminder kinds.
const (
	ReminderProgressionDue    ReminderKind = "course.progression_due"     // consultants: record goal progression
	ReminderEndApproaching    ReminderKind = "course.end_approaching"     // consultants (and lead): the end comes
	ReminderEndOverdue        ReminderKind = "course.end_overdue"         // consultants: close or ask for an extension
	ReminderEndEscalated      ReminderKind = "course.end_escalated"       // team lead: a course past its end
	ReminderExtensionDecision ReminderKind = "course.extension_decision"  // steering group: decide
	ReminderResumeDue         ReminderKind = "team.resume_due"            // team lead: end the team's pause
	ReminderScheduleMeeting   ReminderKind = "collab.schedule_meeting"    // coordinator: set the next meeting's date
	ReminderSendInvitation    ReminderKind = "collab.send_invitation"     // coordinator: invite everyone
	ReminderRecordMeeting     ReminderKind = "collab.record_meeting"      // coordinator: was the meeting held?
	ReminderMinutesDue        ReminderKind = "collab.minutes_due"         // coordinator: write the minutes
	ReminderMinutesEscalated  ReminderKind = "collab.minutes_escalated"   // the coordinator's lead: missed twice
	ReminderCitizenMeeting    ReminderKind = "collab.citizen_meeting_due" // coordinating caseworker: meet the citizen
	ReminderEffectsStuck      ReminderKind = "system.effects_stuck"       // admins: a workflow's writes keep failing
	ReminderAgreementDue      ReminderKind = "collab.agreement_due"       // the responsible staff member: an agreement is due
)

// SubjectType is what a reminder or an audit entry is about.
type SubjectType string

// Subject types.
const (
	SubjectCourse    SubjectType = "course"
	SubjectPlan      SubjectType = "plan"
	SubjectTeam      SubjectType = "team"
	SubjectCitizen   SubjectType = "citizen"
	SubjectStaff     SubjectType = "staff"     // a staff member (their absences)
	SubjectProgramme SubjectType = "programme" // the register, reports, the steering group's worklist
)

// StuckEffect is a write that a workflow could not make after it had accepted the step that
// asked for it (the database refused it, or its retries ran out). The workflow keeps it in its
// state, retries it with a long backoff and when an administrator asks, and goes on with its
// timers meanwhile; an administrator is told in their inbox.
type StuckEffect struct {
	// Key identifies the effect within its workflow (the kind and what it is about).
	Key string `json:"key" db:"effect_key"`
	// Kind is what the effect writes: save, audit, raise, complete, reassign, ...
	Kind string `json:"kind" db:"kind"`
	// Error is the last failure, as the activity reported it (no case data).
	Error    string    `json:"error" db:"error"`
	Since    time.Time `json:"since" db:"since"`
	Attempts int       `json:"attempts" db:"attempts"`
	// RetryAt is when the workflow tries it again by itself.
	RetryAt time.Time `json:"retry_at" db:"retry_at"`
}

// WorkflowEffect is a stuck effect as an administrator lists it: with the workflow and the
// case it belongs to.
type WorkflowEffect struct {
	StuckEffect
	WorkflowID  string      `json:"workflow_id"`
	SubjectType SubjectType `json:"subject_type"`
	SubjectID   string      `json:"subject_id"`
	ResolvedAt  *time.Time  `json:"resolved_at,omitempty"`
}
