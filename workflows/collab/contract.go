// Package collab is the collaboration model (samarbejdsmodellen) for one citizen as a Temporal
// workflow: three cross-disciplinary meetings a year convened by the coordinator (tovholder),
// the coordinating caseworker's meetings with the citizen in between, and one
// goals-and-agreements plan. This file is its contract.
package collab

import (
	"time"

	"tvp/domain"
	"tvp/workflows/effects"
)

// Names of the workflow's handlers.
const (
	QueryState = "state"

	UpdateRecordConsent        = "record-consent"
	UpdateWithdrawConsent      = "withdraw-consent"
	UpdateScheduleMeeting      = "schedule-meeting"
	UpdateRecordInvitation     = "record-invitation"
	UpdateRecordMeeting        = "record-meeting"
	UpdateRecordNotHeld        = "record-not-held"
	UpdateRecordMinutes        = "record-minutes"
	UpdateRecordCitizenMeeting = "record-citizen-meeting"
	UpdateChangeParticipants   = "change-participants"
	UpdateLeave                = "leave"
	// The citizen's own steps (and the agreements').
	UpdateAddAgendaPoint    = "add-agenda-point"
	UpdateWriteGoalWords    = "write-goal-words"
	UpdateRespondToForm     = "respond-to-form"
	UpdateCompleteAgreement = "complete-agreement"
	// UpdateRetryEffects tries the plan's stuck effects again now (an administrator).
	UpdateRetryEffects = effects.UpdateRetry
)

// Changes to the plan's logic since histories were recorded, each behind workflow.GetVersion
// (a plan that ran before a change keeps the old logic; see also effects.StuckEffects,
// effects.MailReminders and effects.LocalWrites).
const (
	// MovedCitizenMeeting (1): moving the next meeting marks the reminder of the citizen meeting
	// before it done (its due date moves with the meeting) and starts its count afresh.
	MovedCitizenMeeting = "moved-citizen-meeting"
	// AgreementReminders (1): an agreement with a due date reminds its responsible person at
	// that date, until it is marked done.
	AgreementReminders = "agreement-reminders"
	// DanishWorkingDays (1): a meeting's minutes fall due after working days of the Danish
	// calendar (internal/workdays: public holidays and the plan's closing days), not Monday to
	// Friday; the due date is recorded in the history (a SideEffect) when the meeting is.
	DanishWorkingDays = "danish-working-days"
	// CalendarInvitations (1): recording the invitation mails every participant (and the
	// citizen, at the address on the plan) a calendar invitation; moving the meeting mails an
	// update, a meeting not held and a plan that ends a cancellation, a participant who leaves
	// a cancellation and one who joins the invitation.
	CalendarInvitations = "calendar-invitations"
)

// WorkflowID returns the workflow ID of the plan: its own random id, never a CPR number.
func WorkflowID(planID string) string { return "collab-" + planID }

// Caseworker is a caseworker from one of the centres.
type Caseworker struct {
	StaffID string        `json:"staff_id"`
	Centre  domain.Centre `json:"centre"`
}

// Input enrols a citizen. Carry is set only by continue-as-new.
type Input struct {
	PlanID                   string       `json:"plan_id"`
	CitizenID                string       `json:"citizen_id"`
	CoordinatorID            string       `json:"coordinator_id"`
	CoordinatingCaseworkerID string       `json:"coordinating_caseworker_id"`
	Caseworkers              []Caseworker `json:"caseworkers"`
	FromCourseID             string       `json:"from_course_id,omitempty"`
	EnrolledBy               string       `json:"enrolled_by"`
	// EnrolledAt is when the API enrolled the citizen (the participants' joining time in the
	// read model it reserved); zero: when the workflow starts.
	EnrolledAt time.Time                    `json:"enrolled_at,omitempty"`
	Settings   domain.CollaborationSettings `json:"settings"`
	// CitizenEmail, if set, is the citizen's address: the citizen gets the meetings'
	// calendar invitations too.
	CitizenEmail string `json:"citizen_email,omitempty"`
	Carry        *State `json:"carry,omitempty"`
	// Handled are the IDs of the Updates applied by earlier runs (continue-as-new carries the
	// newest): one sent again is accepted and changes nothing.
	Handled []string `json:"handled_updates,omitempty"`
}

// Result is how the citizen left the model.
type Result struct {
	EndedOn   time.Time `json:"ended_on"`
	EndReason string    `json:"end_reason"`
}

// Track is what has been reminded about one meeting, so nothing is raised twice.
type Track struct {
	MeetingSeq int `json:"meeting_seq"`
	// AgreementID is the agreement a domain.ReminderAgreementDue track is about.
	AgreementID string              `json:"agreement_id,omitempty"`
	Kind        domain.ReminderKind `json:"kind"`
	Count       int                 `json:"count"`
	Last        time.Time           `json:"last"`
}

// Invitation is where a meeting's calendar invitation stands: its SEQUENCE (RFC 5545), who
// holds it now, and whether it was cancelled.
type Invitation struct {
	MeetingSeq int      `json:"meeting_seq"`
	Sequence   int      `json:"sequence"`
	Invited    []string `json:"invited"`
	Citizen    bool     `json:"citizen,omitempty"`
	Cancelled  bool     `json:"cancelled,omitempty"`
}

// State is the plan as its query returns it, and what continue-as-new carries.
type State struct {
	PlanID                   string               `json:"plan_id"`
	CitizenID                string               `json:"citizen_id"`
	Phase                    domain.PlanPhase     `json:"phase"`
	CoordinatorID            string               `json:"coordinator_id"`
	CoordinatingCaseworkerID string               `json:"coordinating_caseworker_id"`
	Participants             []domain.Participant `json:"participants"`
	Consent                  *domain.Consent      `json:"consent,omitempty"`
	Meetings                 []domain.Meeting     `json:"meetings"`
	FormVersions             []domain.FormVersion `json:"form_versions"`
	// Network is the plan's network list: the outside participants named as responsible.
	Network []domain.NetworkMember `json:"network,omitempty"`
	// GoalWords are the citizen's own words on the goals.
	GoalWords []domain.GoalWords `json:"goal_words,omitempty"`
	// Agreements counts the agreements given an id so far (the next is "a<Agreements+1>").
	Agreements    int          `json:"agreements,omitempty"`
	FromCourseID  string       `json:"from_course_id,omitempty"`
	EnrolledAt    time.Time    `json:"enrolled_at"`
	EndedOn       *time.Time   `json:"ended_on,omitempty"`
	EndReason     string       `json:"end_reason,omitempty"`
	NextMeetingAt *time.Time   `json:"next_meeting_at,omitempty"`
	NextDeadline  *time.Time   `json:"next_deadline,omitempty"`
	Next          *domain.Next `json:"next,omitempty"`
	Revision      int64        `json:"revision"`
	Tracks        []Track      `json:"tracks"`
	Runs          int          `json:"runs"` // workflow runs so far (continue-as-new)
	// Effects are the plan's writes that failed after their step was accepted (stuck), kept
	// and retried until made.
	Effects effects.Ledger `json:"effects,omitzero"`
	// CitizenEmail is the citizen's address for the calendar invitations (none: the citizen
	// gets none). It is not in the read model.
	CitizenEmail string `json:"citizen_email,omitempty"`
	// Invitations are the meetings' calendar invitations (CalendarInvitations).
	Invitations []Invitation `json:"invitations,omitempty"`
}

// StateQuery asks for the state.
type StateQuery struct{}

// ConsentRequest records the citizen's consent.
type ConsentRequest struct {
	Actor domain.Actor `json:"actor"`
	Scope string       `json:"scope"`
	Date  time.Time    `json:"date"`
}

// WithdrawRequest records that the citizen withdrew consent: the plan ends.
type WithdrawRequest struct {
	Actor  domain.Actor `json:"actor"`
	Date   time.Time    `json:"date"`
	Reason string       `json:"reason"`
}

// ScheduleRequest sets or moves the date of the next cross-disciplinary meeting.
type ScheduleRequest struct {
	Actor domain.Actor `json:"actor"`
	At    time.Time    `json:"at"`
	// Place is where the meeting is held (empty: as before).
	Place string `json:"place,omitempty"`
}

// InvitationRequest records that the invitation was sent to every participant.
type InvitationRequest struct {
	Actor domain.Actor `json:"actor"`
}

// MeetingRequest records the next cross-disciplinary meeting as held, with the
// goals-and-agreements form as filled in at it.
type MeetingRequest struct {
	Actor          domain.Actor      `json:"actor"`
	HeldAt         time.Time         `json:"held_at"`
	CitizenPresent bool              `json:"citizen_present"`
	Attendees      []string          `json:"attendees"`
	Goals          []domain.FormGoal `json:"goals"`
	Summary        string            `json:"summary"`
}

// NotHeldRequest records that the next meeting did not take place: it is rescheduled.
type NotHeldRequest struct {
	Actor  domain.Actor `json:"actor"`
	Reason string       `json:"reason"`
}

// MinutesRequest records the minutes (referat) of a held meeting.
type MinutesRequest struct {
	Actor      domain.Actor `json:"actor"`
	MeetingSeq int          `json:"meeting_seq"`
	Minutes    string       `json:"minutes"`
}

// CitizenMeetingRequest records the coordinating caseworker's meeting with the citizen; it may
// carry a new version of the form.
type CitizenMeetingRequest struct {
	Actor   domain.Actor      `json:"actor"`
	HeldAt  time.Time         `json:"held_at"`
	Note    string            `json:"note"`
	Goals   []domain.FormGoal `json:"goals,omitempty"`
	Summary string            `json:"summary,omitempty"`
}

// ParticipantsRequest changes who works with the citizen.
type ParticipantsRequest struct {
	Actor                     domain.Actor `json:"actor"`
	Join                      []Caseworker `json:"join,omitempty"`
	Leave                     []string     `json:"leave,omitempty"`
	NewCoordinator            string       `json:"new_coordinator,omitempty"`
	NewCoordinatingCaseworker string       `json:"new_coordinating_caseworker,omitempty"`
}

// LeaveRequest ends the plan: the citizen leaves the model.
type LeaveRequest struct {
	Actor  domain.Actor `json:"actor"`
	Date   time.Time    `json:"date"`
	Reason string       `json:"reason"`
}

// AgendaRequest puts a point on the next cross-disciplinary meeting's agenda.
type AgendaRequest struct {
	Actor domain.Actor `json:"actor"`
	Text  string       `json:"text"`
}

// GoalWordsRequest records the citizen's own words on a goal of the current form.
type GoalWordsRequest struct {
	Actor domain.Actor `json:"actor"`
	// FormVersion is the version the citizen read (it must be the current one).
	FormVersion int    `json:"form_version"`
	Goal        int    `json:"goal"` // index in that version's goals
	Text        string `json:"text"`
}

// FormResponseRequest is the citizen's answer to a version of the form.
type FormResponseRequest struct {
	Actor     domain.Actor `json:"actor"`
	Version   int          `json:"version"`
	Confirmed bool         `json:"confirmed"`
	Comment   string       `json:"comment,omitempty"`
}

// CompleteAgreementRequest marks an agreement of the current form done.
type CompleteAgreementRequest struct {
	Actor       domain.Actor `json:"actor"`
	AgreementID string       `json:"agreement_id"`
}

// RetryEffectsRequest and RetryEffectsResult are the retry-effects Update's (shared by every
// long-running workflow): an administrator asks; the answer is what is still stuck.
type (
	RetryEffectsRequest = effects.RetryRequest
	RetryEffectsResult  = effects.RetryResult
)

// StepResult is the plan's state after a step.
type StepResult struct {
	State State `json:"state"`
}

// Record returns the read-model row for the state.
func (s State) Record() domain.PlanRecord {
	return domain.PlanRecord{
		ID: s.PlanID, WorkflowID: WorkflowID(s.PlanID), CitizenID: s.CitizenID,
		CoordinatorID: s.CoordinatorID, CoordinatingCaseworkerID: s.CoordinatingCaseworkerID,
		Phase: s.Phase, Consent: s.Consent, NextMeetingAt: s.NextMeetingAt, NextDeadline: s.NextDeadline,
		Next: s.Next, FromCourseID: s.FromCourseID, EndedOn: s.EndedOn, EndReason: s.EndReason,
		Revision: s.Revision, Participants: s.Participants, Meetings: s.Meetings, FormVersions: s.FormVersions,
		Network: s.Network, GoalWords: s.GoalWords,
	}
}

// CurrentForm returns the newest version of the goals-and-agreements form, if any.
func (s State) CurrentForm() *domain.FormVersion {
	if len(s.FormVersions) == 0 {
		return nil
	}
	return &s.FormVersions[len(s.FormVersions)-1]
}

// Agreement returns an agreement of the current form by its id.
func (s *State) Agreement(id string) *domain.Agreement {
	f := s.CurrentForm()
	if f == nil || id == "" {
		return nil
	}
	for i := range f.Goals {
		for j := range f.Goals[i].Agreements {
			if a := &f.Goals[i].Agreements[j]; a.ID == id {
				return a
			}
		}
	}
	return nil
}
