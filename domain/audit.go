package domain

import "time"

// AuditAction is what an audit entry records: a step that changed a citizen's case (the
// workflows' events below), or an access (a read, a list, a decision, a refusal: the access
// Action that was asked for, see access.go).
type AuditAction string

// The steps the workflows record.
const (
	AuditCourseReferred       AuditAction = "course.referred"
	AuditProgressionRecorded  AuditAction = "course.progression_recorded"
	AuditMilestoneRecorded    AuditAction = "course.milestone_recorded"
	AuditExtensionRequested   AuditAction = "course.extension_requested"
	AuditExtensionApproved    AuditAction = "course.extension_approved"
	AuditExtensionRejected    AuditAction = "course.extension_rejected"
	AuditCourseClosed         AuditAction = "course.closed"
	AuditCoursePaused         AuditAction = "course.paused"
	AuditCourseResumed        AuditAction = "course.resumed"
	AuditTermsChanged         AuditAction = "course.terms_changed"
	AuditEnrolled             AuditAction = "collaboration.enrolled"
	AuditConsentRecorded      AuditAction = "collaboration.consent_recorded"
	AuditConsentWithdrawn     AuditAction = "collaboration.consent_withdrawn"
	AuditMeetingScheduled     AuditAction = "collaboration.meeting_scheduled"
	AuditMeetingMoved         AuditAction = "collaboration.meeting_moved"
	AuditInvitationSent       AuditAction = "collaboration.invitation_sent"
	AuditMeetingHeld          AuditAction = "collaboration.meeting_held"
	AuditMeetingNotHeld       AuditAction = "collaboration.meeting_not_held"
	AuditMinutesRecorded      AuditAction = "collaboration.minutes_recorded"
	AuditCitizenMeetingHeld   AuditAction = "collaboration.citizen_meeting_held"
	AuditParticipantsChanged  AuditAction = "collaboration.participants_changed"
	AuditLeft                 AuditAction = "collaboration.left"
	AuditAgendaPointAdded     AuditAction = "collaboration.agenda_point_added"
	AuditGoalWordsWritten     AuditAction = "collaboration.goal_words_written"
	AuditFormResponded        AuditAction = "collaboration.form_responded"
	AuditAgreementDone        AuditAction = "collaboration.agreement_done"
	AuditIdempotentReplay     AuditAction = "request.replayed"
	AuditRetention            AuditAction = "audit.retention"
	AuditCitizenNamesResolved AuditAction = "citizen.names_read"
)

// Logging in and out.
const (
	AuditIdentityLinked AuditAction = "staff.identity_linked"
	AuditSessionStarted AuditAction = "session.started"
	AuditSessionEnded   AuditAction = "session.ended"
	AuditLinkRefused    AuditAction = "staff.identity_link_refused"
	AuditCitizenRefused AuditAction = "citizen.login_refused"
)

// Purpose is why a citizen's data was read or changed, as the audit log records it: one of the
// codes below (a step's own purpose, or the default of a request that gave none), or the words
// a member of staff gave for a read (X-TVP-Purpose), recorded as they wrote them.
type Purpose string

// The purposes TVP records itself. The citizen reads them in their access log, in words
// (package words).
const (
	PurposeCasework          Purpose = "casework" // a request that gave no purpose
	PurposeOwnData           Purpose = "own data" // the citizen reads their own
	PurposeLogin             Purpose = "login"
	PurposeLogout            Purpose = "logout"
	PurposeReferral          Purpose = "referral"
	PurposeGoalProgression   Purpose = "goal progression"
	PurposeOutcome           Purpose = "outcome"
	PurposeExtension         Purpose = "extension"
	PurposeExtensionDecision Purpose = "extension decision"
	PurposeClose             Purpose = "close"
	PurposeTeamPause         Purpose = "team pause"
	PurposeReorganisation    Purpose = "reorganisation"
	PurposeEnrolment         Purpose = "enrolment"
	PurposeConsent           Purpose = "consent"
	PurposeEnd               Purpose = "end"
	PurposeMeeting           Purpose = "meeting"
	PurposeMinutes           Purpose = "minutes"
	PurposeCitizenMeeting    Purpose = "citizen meeting"
	PurposeParticipants      Purpose = "participants"
	PurposeAgenda            Purpose = "agenda"
	PurposeGoalWords         Purpose = "goal words"
	PurposeFormResponse      Purpose = "form response"
	PurposeAgreement         Purpose = "agreement"
)

// Purposes are the purposes TVP records itself.
var Purposes = []Purpose{PurposeCasework, PurposeOwnData, PurposeLogin, PurposeLogout, PurposeReferral,
	PurposeGoalProgression, PurposeOutcome, PurposeExtension, PurposeExtensionDecision, PurposeClose,
	PurposeTeamPause, PurposeReorganisation, PurposeEnrolment, PurposeConsent, PurposeEnd, PurposeMeeting,
	PurposeMinutes, PurposeCitizenMeeting, PurposeParticipants, PurposeAgenda, PurposeGoalWords,
	PurposeFormResponse, PurposeAgreement}

// AuditEntry is one line of the audit log: who did what to which citizen's data, and why.
type AuditEntry struct {
	At          time.Time      `json:"at" db:"at"`
	ActorID     string         `json:"actor_id" db:"actor_id"`
	Action      AuditAction    `json:"action" db:"action"`
	SubjectType SubjectType    `json:"subject_type" db:"subject_type"`
	SubjectID   string         `json:"subject_id" db:"subject_id"`
	CitizenID   *string        `json:"citizen_id,omitempty" db:"citizen_id"`
	Purpose     Purpose        `json:"purpose" db:"purpose"`
	Details     map[string]any `json:"details,omitempty" db:"-"`
	// Refused is set when the access was refused (403): refused look-ups are logged too.
	Refused bool `json:"refused,omitempty" db:"refused"`
	// Key makes an append idempotent: a second append with the same key adds nothing.
	Key string `json:"key,omitempty" db:"key"`
}
