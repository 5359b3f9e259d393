package domain

import (
	"slices"
	"time"
)

// CollaborationSettings are the rules of the collaboration model (samarbejdsmodellen), with
// the seed's and the design card's values as defaults. A plan takes a snapshot at enrolment.
type CollaborationSettings struct {
	// MeetingsPerYear is the number of cross-disciplinary meetings a year (3).
	MeetingsPerYear int `json:"meetings_per_year"`
	// FirstMeetingWithin is how soon after enrolment the first meeting should be held.
	FirstMeetingWithin Duration `json:"first_meeting_within"`
	// InvitationLead is how long before a meeting the invitation is due (21 days).
	InvitationLead Duration `json:"invitation_lead"`
	// MinutesDueWorkingDays is how many working days after a meeting the minutes are due (5).
	MinutesDueWorkingDays int `json:"minutes_due_working_days"`
	// ReminderInterval is how often an unanswered reminder is repeated.
	ReminderInterval Duration `json:"reminder_interval"`
	// MeetingGrace is how long after a meeting's time it must be recorded as held or not.
	MeetingGrace Duration `json:"meeting_grace"`
	// RunLength is how long one workflow run lasts before it continues as new (a year).
	RunLength Duration `json:"run_length"`
	// OpenOnGrundlovsdag, OpenOnChristmasEve and OpenOnNewYearsEve make Grundlovsdag (5 June),
	// juleaftensdag (24 December) and nytårsaftensdag (31 December) working days. By default
	// (false) they are closing days, as in the municipality's agreements (juleaftensdag and
	// nytårsaftensdag off, Grundlovsdag off from noon): a working-day deadline skips them. The
	// settings name the exception so that settings and snapshots stored before them (without
	// the fields) keep the default.
	OpenOnGrundlovsdag bool `json:"open_on_grundlovsdag"`
	OpenOnChristmasEve bool `json:"open_on_christmas_eve"`
	OpenOnNewYearsEve  bool `json:"open_on_new_years_eve"`
}

// ClosingDays are the municipality's closing days that are no public holiday: each true one
// is no working day.
type ClosingDays struct {
	Grundlovsdag bool // 5 June
	ChristmasEve bool // 24 December
	NewYearsEve  bool // 31 December
}

// ClosingDays returns the closing days of the settings.
func (s CollaborationSettings) ClosingDays() ClosingDays {
	return ClosingDays{Grundlovsdag: !s.OpenOnGrundlovsdag, ChristmasEve: !s.OpenOnChristmasEve, NewYearsEve: !s.OpenOnNewYearsEve}
}

// DefaultCollaborationSettings returns the defaults.
func DefaultCollaborationSettings() CollaborationSettings {
	return CollaborationSettings{
		MeetingsPerYear:       3,
		FirstMeetingWithin:    Days(42),
		InvitationLead:        Days(21),
		MinutesDueWorkingDays: 5,
		ReminderInterval:      Days(3),
		MeetingGrace:          Days(1),
		RunLength:             Days(365),
	}
}

// MeetingInterval is the time between two cross-disciplinary meetings: the plan's year (its
// run, 365 days) shared by the meetings of a year. A shorter run (the benchmark's scaled year)
// brings the meetings closer together.
func (s CollaborationSettings) MeetingInterval() time.Duration {
	return s.RunLength.D() / time.Duration(s.MeetingsPerYear)
}

// Validate checks the settings.
func (s CollaborationSettings) Validate() error {
	switch {
	case s.MeetingsPerYear < 1 || s.MeetingsPerYear > 52:
		return FieldError("meetings_per_year", "must be from 1 to 52")
	case s.FirstMeetingWithin <= 0:
		return FieldError("first_meeting_within", "must be positive")
	case s.InvitationLead < 0:
		return FieldError("invitation_lead", "must not be negative")
	case s.MinutesDueWorkingDays < 0:
		return FieldError("minutes_due_working_days", "must not be negative")
	case s.ReminderInterval <= 0:
		return FieldError("reminder_interval", "must be positive")
	case s.MeetingGrace < 0:
		return FieldError("meeting_grace", "must not be negative")
	case s.RunLength <= 0:
		return FieldError("run_length", "must be positive")
	}
	return nil
}

// AddWorkingDays returns t moved n working days (Monday to Friday) ahead, public holidays
// counted as working days. It is the rule of plans recorded before the Danish calendar
// (collab.DanishWorkingDays) and replays them; every new working-day deadline is counted by
// internal/workdays, which knows the holidays and the closing days.
func AddWorkingDays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}

// PlanPhase is where a citizen's plan in the collaboration model stands.
type PlanPhase string

// Plan phases.
const (
	PlanAwaitingConsent PlanPhase = "awaiting_consent"
	PlanActive          PlanPhase = "active"
	PlanEnded           PlanPhase = "ended"
)

// PlanPhases are the phases a plan can be in.
var PlanPhases = []PlanPhase{PlanAwaitingConsent, PlanActive, PlanEnded}

// Valid reports whether p is a phase of a plan.
func (p PlanPhase) Valid() bool { return slices.Contains(PlanPhases, p) }

// Codes are the plan phases' codes.
func (PlanPhase) Codes() []string { return codes(PlanPhases) }

// ParticipantRole is what a professional does in a citizen's plan.
type ParticipantRole string

// Participant roles in a plan.
const (
	ParticipantCoordinator            ParticipantRole = "coordinator"
	ParticipantCoordinatingCaseworker ParticipantRole = "coordinating_caseworker"
	ParticipantCaseworker             ParticipantRole = "caseworker"
)

// Participant is a professional in a citizen's plan.
type Participant struct {
	StaffID  string          `json:"staff_id"`
	Role     ParticipantRole `json:"role"`
	Centre   Centre          `json:"centre,omitempty"`
	JoinedAt time.Time       `json:"joined_at"`
	LeftAt   *time.Time      `json:"left_at,omitempty"`
}

// MeetingKind says whether a meeting is cross-disciplinary or with the citizen.
type MeetingKind string

// Meeting kinds.
const (
	MeetingCrossDisciplinary MeetingKind = "cross_disciplinary"
	MeetingCitizen           MeetingKind = "citizen"
)

// MeetingStatus is where a meeting stands.
type MeetingStatus string

// Meeting statuses.
const (
	MeetingUnscheduled MeetingStatus = "unscheduled"
	MeetingScheduled   MeetingStatus = "scheduled"
	MeetingHeld        MeetingStatus = "held"
	MeetingMinuted     MeetingStatus = "minuted"
	MeetingNotHeld     MeetingStatus = "not_held"
)

// Meeting is one meeting of a plan: a cross-disciplinary meeting, or the coordinating
// caseworker's meeting with the citizen between two of them.
type Meeting struct {
	Seq               int           `json:"seq"`
	Kind              MeetingKind   `json:"kind"`
	Status            MeetingStatus `json:"status"`
	DueBy             time.Time     `json:"due_by"`
	ScheduledAt       *time.Time    `json:"scheduled_at,omitempty"`
	InvitationSentAt  *time.Time    `json:"invitation_sent_at,omitempty"`
	HeldAt            *time.Time    `json:"held_at,omitempty"`
	CitizenPresent    *bool         `json:"citizen_present,omitempty"`
	Attendees         []string      `json:"attendees,omitempty"`
	MinutesDue        *time.Time    `json:"minutes_due,omitempty"`
	MinutesRecordedAt *time.Time    `json:"minutes_recorded_at,omitempty"`
	Minutes           string        `json:"minutes,omitempty"`
	Note              string        `json:"note,omitempty"`
	// Agenda are the points the citizen (or a professional) put on a cross-disciplinary
	// meeting's agenda before it; the invitation carries them.
	Agenda []AgendaPoint `json:"agenda,omitempty"`
	// Place is where a cross-disciplinary meeting is held (set with its date; the invitation
	// carries it).
	Place string `json:"place,omitempty"`
}

// AgendaPoint is one point on a meeting's agenda, and who put it there.
type AgendaPoint struct {
	Text  string    `json:"text"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
	ByCit bool      `json:"by_citizen,omitempty"`
}

// FormGoal is one goal of the goals-and-agreements form, with what was agreed for it.
type FormGoal struct {
	Goal       string      `json:"goal"`
	Agreements []Agreement `json:"agreements"`
}

// Agreement is one thing someone agreed to do. A form version from before agreements were
// items has only Text, Responsible and Due (free text); they keep it.
type Agreement struct {
	Text        string `json:"text"`
	Responsible string `json:"responsible"`
	Due         string `json:"due,omitempty"`
	// ID is the agreement's own id in the plan ("a1", "a2", ...), given by the plan when it is
	// first agreed and kept by every later version of the form that carries it on.
	ID string `json:"id,omitempty"`
	// Party is who is responsible: a staff member, the citizen, or someone outside (on the
	// plan's network list); empty in a form version from before.
	Party AgreementParty `json:"party,omitempty"`
	// StaffID is the responsible staff member (Party staff).
	StaffID string `json:"staff_id,omitempty"`
	// Outside is the responsible outside participant's name (Party outside), e.g. "Egen læge".
	Outside string `json:"outside,omitempty"`
	// DueDate is the day it is due (YYYY-MM-DD): its responsible person is reminded then.
	DueDate string `json:"due_date,omitempty"`
	// DoneAt and DoneBy: when and by whom it was marked done (it reminds no more).
	DoneAt *time.Time `json:"done_at,omitempty"`
	DoneBy string     `json:"done_by,omitempty"`
}

// AgreementParty is who is responsible for an agreement.
type AgreementParty string

// Agreement parties.
const (
	PartyStaff   AgreementParty = "staff"
	PartyCitizen AgreementParty = "citizen"
	PartyOutside AgreementParty = "outside"
)

// AgreementParties are who can be responsible for an agreement.
var AgreementParties = []AgreementParty{PartyStaff, PartyCitizen, PartyOutside}

// Valid reports whether the party is one TVP knows.
func (p AgreementParty) Valid() bool { return slices.Contains(AgreementParties, p) }

// Codes are the parties' codes.
func (AgreementParty) Codes() []string { return codes(AgreementParties) }

// AgreementDueAt is when an agreement due on a day (YYYY-MM-DD) is reminded: 07:00 UTC that
// day (8 or 9 o'clock in Denmark).
func AgreementDueAt(date string) (time.Time, bool) {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return time.Time{}, false
	}
	return d.Add(7 * time.Hour), true
}

// NetworkMember is someone outside the municipality's staff who takes part in the citizen's
// plan (the GP, the addiction centre, a school): the plan's network list.
type NetworkMember struct {
	Name    string    `json:"name"`
	AddedAt time.Time `json:"added_at"`
}

// FormResponse is the citizen's answer to a version of the form: confirmed, or a comment.
type FormResponse struct {
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	Confirmed bool      `json:"confirmed"`
	Comment   string    `json:"comment,omitempty"`
}

// GoalWords are the citizen's own words on a goal of the form, written before a meeting.
type GoalWords struct {
	FormVersion int       `json:"form_version"`
	Goal        int       `json:"goal"` // its index in that version's goals
	Text        string    `json:"text"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

// FormVersion is one version of the citizen's one plan (mål- og aftaleskema).
type FormVersion struct {
	Version    int        `json:"version"`
	MeetingSeq int        `json:"meeting_seq,omitempty"`
	ChangedBy  string     `json:"changed_by"`
	ChangedAt  time.Time  `json:"changed_at"`
	Summary    string     `json:"summary"`
	Goals      []FormGoal `json:"goals"`
	// Responses are the citizen's answers to this version (the newest counts).
	Responses []FormResponse `json:"responses,omitempty"`
}

// Consent is the citizen's consent to a coordinated plan (LAB § 30 b).
type Consent struct {
	Scope       string     `json:"scope"`
	Date        time.Time  `json:"date"`
	RecordedBy  string     `json:"recorded_by"`
	WithdrawnOn *time.Time `json:"withdrawn_on,omitempty"`
}

// PlanRecord is a collaboration plan as the read model holds it.
type PlanRecord struct {
	ID                       string          `json:"id"`
	WorkflowID               string          `json:"workflow_id"`
	CitizenID                string          `json:"citizen_id"`
	CoordinatorID            string          `json:"coordinator_id"`
	CoordinatingCaseworkerID string          `json:"coordinating_caseworker_id"`
	Phase                    PlanPhase       `json:"phase"`
	Consent                  *Consent        `json:"consent,omitempty"`
	NextMeetingAt            *time.Time      `json:"next_meeting_at,omitempty"`
	NextDeadline             *time.Time      `json:"next_deadline,omitempty"`
	Next                     *Next           `json:"next,omitempty"`
	FromCourseID             string          `json:"from_course_id,omitempty"`
	EndedOn                  *time.Time      `json:"ended_on,omitempty"`
	EndReason                string          `json:"end_reason,omitempty"`
	Revision                 int64           `json:"revision"`
	Participants             []Participant   `json:"participants"`
	Meetings                 []Meeting       `json:"meetings"`
	FormVersions             []FormVersion   `json:"form_versions"`
	Network                  []NetworkMember `json:"network,omitempty"`
	GoalWords                []GoalWords     `json:"goal_words,omitempty"`
}
