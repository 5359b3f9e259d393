package service

import (
	"time"

	"tvp/domain"
	"tvp/store"
	"tvp/workflows/course"
)

// The answers of the use cases, each cut to a view of the access rules (domain.View): an
// answer carries only what its caller may read.

// Course is a course as its consultants, its team's lead and an administrator read it.
type Course struct {
	CourseID      string               `json:"course_id"`
	TeamID        string               `json:"team_id"`
	Kind          domain.TargetGroup   `json:"kind"`
	Phase         domain.CoursePhase   `json:"phase"`
	CitizenIDs    []string             `json:"citizen_ids"`
	ConsultantIDs []string             `json:"consultant_ids"`
	Goals         []course.Goal        `json:"goals"`
	StartDate     time.Time            `json:"start_date"`
	PlannedEnd    time.Time            `json:"planned_end"`
	NextDeadline  *time.Time           `json:"next_deadline,omitempty"`
	Next          *domain.Next         `json:"next,omitempty"`
	Outcome       *domain.Outcome      `json:"outcome,omitempty"`
	ClosedOn      *time.Time           `json:"closed_on,omitempty"`
	CloseNote     string               `json:"close_note,omitempty"`
	MovedToPlanID string               `json:"moved_to_plan_id,omitempty"`
	ReferredBy    string               `json:"referred_by"`
	Revision      int64                `json:"revision"`
	Progressions  []domain.Progression `json:"progressions"`
	Extensions    []domain.Extension   `json:"extensions"`
	Pauses        []CoursePause        `json:"pauses"`
	Milestones    []domain.Milestone   `json:"milestones"`
	TermsChanges  []course.TermsChange `json:"terms_changes,omitempty"`
	Terms         *domain.TeamSettings `json:"terms,omitempty"`
	// ScoreMax is the top of the course's goal progression scale (its settings').
	ScoreMax int `json:"-"`
}

// CoursePause is a pause of the course's team, as the course lived it.
type CoursePause struct {
	PausedAt      time.Time  `json:"paused_at"`
	PlannedResume time.Time  `json:"planned_resume"`
	PausedBy      string     `json:"paused_by"`
	ResumedAt     *time.Time `json:"resumed_at,omitempty"`
	ResumedBy     string     `json:"resumed_by,omitempty"`
	// ResumedAutomatically: the pause's latest resume date came and the course resumed by itself.
	ResumedAutomatically bool `json:"resumed_automatically,omitempty"`
}

// CourseExtensions is a course as the steering group reads it (domain.ViewExtension): its
// dates and its extension requests; no citizen, goal, progression or note.
type CourseExtensions struct {
	CourseID   string             `json:"course_id"`
	TeamID     string             `json:"team_id"`
	Phase      domain.CoursePhase `json:"phase"`
	StartDate  time.Time          `json:"start_date"`
	PlannedEnd time.Time          `json:"planned_end"`
	Revision   int64              `json:"revision"`
	Extensions []domain.Extension `json:"extensions"`
}

// CourseView is a course as its caller may read it: Full or Extensions is set.
type CourseView struct {
	Full       *Course
	Extensions *CourseExtensions
	// Names are the citizens' names, for the pages (Caller.Names).
	Names map[string]string
	// Can are the steps the caller may take on the course (the access rules' answer).
	Can Can
}

// Can says which actions the caller may take: the pages show the forms of those.
type Can map[domain.Action]bool

// can asks the access rules which of the actions the actor may take on the subject.
func can(a domain.Actor, subj domain.Subject, acts ...domain.Action) Can {
	out := Can{}
	for _, act := range acts {
		out[act] = domain.May(a, subj, act)
	}
	return out
}

// courseSteps are the steps of a course.
var courseSteps = []domain.Action{domain.CourseProgression, domain.CourseMilestone, domain.CourseRequestExtension,
	domain.CourseClose, domain.CourseMove, domain.CourseDecideExtension}

// planSteps are the steps of a plan.
var planSteps = []domain.Action{domain.PlanConsent, domain.PlanWithdrawConsent, domain.PlanSchedule, domain.PlanInvitation,
	domain.PlanMeetingHeld, domain.PlanNotHeld, domain.PlanMinutes, domain.PlanCitizenMeeting, domain.PlanParticipants, domain.PlanLeave,
	domain.PlanAgendaPoint, domain.PlanAgreementDone}

// Body is the view to encode.
func (v CourseView) Body() any {
	if v.Full != nil {
		return v.Full
	}
	return v.Extensions
}

// courseView cuts the course's state to the view.
func courseView(st course.State, v domain.View) CourseView {
	nonNil := func(x []domain.Extension) []domain.Extension {
		if x == nil {
			return []domain.Extension{}
		}
		return x
	}
	if v != domain.ViewFull {
		return CourseView{Extensions: &CourseExtensions{
			CourseID: st.CourseID, TeamID: st.TeamID, Phase: st.Phase, StartDate: st.StartDate,
			PlannedEnd: st.PlannedEnd, Revision: st.Revision, Extensions: nonNil(st.Extensions),
		}}
	}
	c := &Course{
		CourseID: st.CourseID, TeamID: st.TeamID, Kind: st.Kind, Phase: st.Phase, CitizenIDs: st.CitizenIDs,
		ConsultantIDs: st.ConsultantIDs, Goals: st.Goals, StartDate: st.StartDate, PlannedEnd: st.PlannedEnd,
		NextDeadline: st.NextDeadline, Next: st.Next, Outcome: st.Outcome,
		ClosedOn: st.ClosedOn, CloseNote: st.CloseNote, MovedToPlanID: st.MovedToPlanID, ReferredBy: st.ReferredBy,
		Revision: st.Revision, Progressions: st.Progressions, Extensions: nonNil(st.Extensions), Pauses: []CoursePause{},
		Milestones: st.Milestones, TermsChanges: st.TermsChanges, Terms: st.Terms, ScoreMax: st.Settings.ProgressionScoreMax,
	}
	for _, p := range st.Pauses {
		c.Pauses = append(c.Pauses, CoursePause{PausedAt: p.PausedAt, PlannedResume: p.PlannedResume, PausedBy: p.PausedBy,
			ResumedAt: p.ResumedAt, ResumedBy: p.ResumedBy, ResumedAutomatically: p.ResumedAutomatically})
	}
	if c.Goals == nil {
		c.Goals = []course.Goal{}
	}
	if c.Progressions == nil {
		c.Progressions = []domain.Progression{}
	}
	if c.Milestones == nil {
		c.Milestones = []domain.Milestone{}
	}
	return CourseView{Full: c}
}

// stateFromRecord is a closed course as the read model keeps it.
func stateFromRecord(r domain.CourseRecord) course.State {
	return course.State{
		CourseID: r.ID, TeamID: r.TeamID, Kind: r.Kind, Phase: r.Phase,
		CitizenIDs: r.CitizenIDs, ConsultantIDs: r.ConsultantIDs,
		StartDate: r.StartDate, PlannedEnd: r.PlannedEnd, NextDeadline: r.NextDeadline,
		Next: r.Next, Outcome: r.Outcome, ClosedOn: r.ClosedOn,
		ReferredBy: r.ReferredBy, Revision: r.Revision,
		Progressions: r.Progressions, Extensions: r.Extensions, Milestones: r.Milestones,
	}
}

// CourseSummary is a course in a list.
type CourseSummary struct {
	ID            string             `json:"id"`
	TeamID        string             `json:"team_id"`
	Kind          domain.TargetGroup `json:"kind"`
	Phase         domain.CoursePhase `json:"phase"`
	StartDate     time.Time          `json:"start_date"`
	PlannedEnd    time.Time          `json:"planned_end"`
	NextDeadline  *time.Time         `json:"next_deadline,omitempty"`
	Next          *domain.Next       `json:"next,omitempty"`
	Outcome       *domain.Outcome    `json:"outcome,omitempty"`
	ClosedOn      *time.Time         `json:"closed_on,omitempty"`
	ReferredBy    string             `json:"referred_by"`
	Revision      int64              `json:"revision"`
	CitizenIDs    []string           `json:"citizen_ids"`
	ConsultantIDs []string           `json:"consultant_ids"`
}

func courseSummary(r domain.CourseRecord) CourseSummary {
	return CourseSummary{
		ID: r.ID, TeamID: r.TeamID, Kind: r.Kind, Phase: r.Phase, StartDate: r.StartDate, PlannedEnd: r.PlannedEnd,
		NextDeadline: r.NextDeadline, Next: r.Next, Outcome: r.Outcome, ClosedOn: r.ClosedOn,
		ReferredBy: r.ReferredBy, Revision: r.Revision, CitizenIDs: nonNilStrings(r.CitizenIDs), ConsultantIDs: nonNilStrings(r.ConsultantIDs),
	}
}

func nonNilStrings(x []string) []string {
	if x == nil {
		return []string{}
	}
	return x
}

// Page is one page of a list and the cursor of the next (empty on the last page).
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
	// Names are the citizens' names, for the pages (Caller.Names).
	Names map[string]string `json:"-"`
}

// Plan is a plan as the people taking part in it and an administrator read it.
type Plan struct {
	ID                       string               `json:"id"`
	CitizenID                string               `json:"citizen_id"`
	CoordinatorID            string               `json:"coordinator_id"`
	CoordinatingCaseworkerID string               `json:"coordinating_caseworker_id"`
	Phase                    domain.PlanPhase     `json:"phase"`
	Consent                  *domain.Consent      `json:"consent,omitempty"`
	NextMeetingAt            *time.Time           `json:"next_meeting_at,omitempty"`
	NextDeadline             *time.Time           `json:"next_deadline,omitempty"`
	Next                     *domain.Next         `json:"next,omitempty"`
	FromCourseID             string               `json:"from_course_id,omitempty"`
	EndedOn                  *time.Time           `json:"ended_on,omitempty"`
	EndReason                string               `json:"end_reason,omitempty"`
	Revision                 int64                `json:"revision"`
	Participants             []domain.Participant `json:"participants"`
	Meetings                 []domain.Meeting     `json:"meetings"`
	FormVersions             []domain.FormVersion `json:"form_versions"`
	// Network are the outside participants named in the plan; GoalWords the citizen's own
	// words on the goals.
	Network   []domain.NetworkMember `json:"network"`
	GoalWords []domain.GoalWords     `json:"goal_words"`
}

// StepAccepted answers a step whose caller may no longer read its subject (a coordinator who
// handed the plan over): it happened, and that is all.
type StepAccepted struct {
	ID       string `json:"id"`
	Revision int64  `json:"revision"`
}

// PlanOversight is a plan as the coordinator's lead reads it (domain.ViewOversight): the course
// of its meetings and who takes part, without the citizen, the form, minutes or notes.
type PlanOversight struct {
	ID                       string               `json:"id"`
	Phase                    domain.PlanPhase     `json:"phase"`
	CoordinatorID            string               `json:"coordinator_id"`
	CoordinatingCaseworkerID string               `json:"coordinating_caseworker_id"`
	ConsentGiven             bool                 `json:"consent_given"`
	NextMeetingAt            *time.Time           `json:"next_meeting_at,omitempty"`
	NextDeadline             *time.Time           `json:"next_deadline,omitempty"`
	Next                     *domain.Next         `json:"next,omitempty"`
	EndedOn                  *time.Time           `json:"ended_on,omitempty"`
	Revision                 int64                `json:"revision"`
	Participants             []domain.Participant `json:"participants"`
	Meetings                 []MeetingOversight   `json:"meetings"`
}

// MeetingOversight is a meeting without its content.
type MeetingOversight struct {
	Seq               int                  `json:"seq"`
	Kind              domain.MeetingKind   `json:"kind"`
	Status            domain.MeetingStatus `json:"status"`
	DueBy             time.Time            `json:"due_by"`
	ScheduledAt       *time.Time           `json:"scheduled_at,omitempty"`
	InvitationSentAt  *time.Time           `json:"invitation_sent_at,omitempty"`
	HeldAt            *time.Time           `json:"held_at,omitempty"`
	MinutesDue        *time.Time           `json:"minutes_due,omitempty"`
	MinutesRecordedAt *time.Time           `json:"minutes_recorded_at,omitempty"`
}

// PlanView is a plan as its caller may read it: Full or Oversight is set.
type PlanView struct {
	Full      *Plan
	Oversight *PlanOversight
	Accepted  *StepAccepted
	// Names are the citizen's name, for the pages (Caller.Names; the full view only).
	Names map[string]string
	// Can are the steps the caller may take on the plan (the access rules' answer).
	Can Can
}

// Body is the view to encode.
func (v PlanView) Body() any {
	switch {
	case v.Full != nil:
		return v.Full
	case v.Oversight != nil:
		return v.Oversight
	}
	return v.Accepted
}

func planView(p domain.PlanRecord, v domain.View) PlanView {
	if p.Participants == nil {
		p.Participants = []domain.Participant{}
	}
	if p.Meetings == nil {
		p.Meetings = []domain.Meeting{}
	}
	if p.FormVersions == nil {
		p.FormVersions = []domain.FormVersion{}
	}
	switch v {
	case domain.ViewFull:
		return PlanView{Full: &Plan{
			ID: p.ID, CitizenID: p.CitizenID, CoordinatorID: p.CoordinatorID, CoordinatingCaseworkerID: p.CoordinatingCaseworkerID,
			Phase: p.Phase, Consent: p.Consent, NextMeetingAt: p.NextMeetingAt, NextDeadline: p.NextDeadline,
			Next: p.Next, FromCourseID: p.FromCourseID, EndedOn: p.EndedOn, EndReason: p.EndReason,
			Revision: p.Revision, Participants: p.Participants, Meetings: p.Meetings, FormVersions: p.FormVersions,
			Network: nonNilList(p.Network), GoalWords: nonNilList(p.GoalWords),
		}}
	case domain.ViewNone:
		return PlanView{Accepted: &StepAccepted{ID: p.ID, Revision: p.Revision}}
	}
	o := &PlanOversight{
		ID: p.ID, Phase: p.Phase, CoordinatorID: p.CoordinatorID, CoordinatingCaseworkerID: p.CoordinatingCaseworkerID,
		ConsentGiven: p.Consent != nil && p.Consent.WithdrawnOn == nil, NextMeetingAt: p.NextMeetingAt,
		NextDeadline: p.NextDeadline, Next: p.Next, EndedOn: p.EndedOn, Revision: p.Revision,
		Participants: p.Participants, Meetings: make([]MeetingOversight, len(p.Meetings)),
	}
	for i, m := range p.Meetings {
		o.Meetings[i] = MeetingOversight{
			Seq: m.Seq, Kind: m.Kind, Status: m.Status, DueBy: m.DueBy, ScheduledAt: m.ScheduledAt,
			InvitationSentAt: m.InvitationSentAt, HeldAt: m.HeldAt, MinutesDue: m.MinutesDue, MinutesRecordedAt: m.MinutesRecordedAt,
		}
	}
	return PlanView{Oversight: o}
}

// planSubject is a plan as the access rules see it, from its read-model facts.
func planSubject(f store.PlanFacts) domain.Subject {
	return domain.PlanSubject(f.ID, f.CitizenID, f.CoordinatorID, f.CoordinatingCaseworkerID, f.ParticipantIDs)
}

// PlanSummary is a plan in a list.
type PlanSummary struct {
	ID                       string           `json:"id"`
	CitizenID                string           `json:"citizen_id"`
	CoordinatorID            string           `json:"coordinator_id"`
	CoordinatingCaseworkerID string           `json:"coordinating_caseworker_id"`
	Phase                    domain.PlanPhase `json:"phase"`
	NextMeetingAt            *time.Time       `json:"next_meeting_at,omitempty"`
	NextDeadline             *time.Time       `json:"next_deadline,omitempty"`
	Next                     *domain.Next     `json:"next,omitempty"`
	ConsentDate              *time.Time       `json:"consent_date,omitempty"`
	EndedOn                  *time.Time       `json:"ended_on,omitempty"`
	CreatedAt                time.Time        `json:"created_at"`
}

func planSummary(p store.PlanSummary) PlanSummary {
	return PlanSummary{
		ID: p.ID, CitizenID: p.CitizenID, CoordinatorID: p.CoordinatorID, CoordinatingCaseworkerID: p.CoordinatingCaseworkerID,
		Phase: p.Phase, NextMeetingAt: p.NextMeetingAt, NextDeadline: p.NextDeadline, Next: p.Next.Next, ConsentDate: p.ConsentDate, EndedOn: p.EndedOn, CreatedAt: p.CreatedAt,
	}
}

// StaffMember is a person of the staff register as colleagues see them: name, team, centre,
// roles.
type StaffMember struct {
	ID     string         `json:"id"`
	Name   string         `json:"name"`
	TeamID *string        `json:"team_id,omitempty"`
	Centre *domain.Centre `json:"centre,omitempty"`
	Roles  []domain.Role  `json:"roles"`
}

// HasRole reports whether the staff member holds the role (domain.Staff.HasRole).
func (m StaffMember) HasRole(r domain.Role) bool { return m.staff().HasRole(r) }

// ConsultantOf reports whether the staff member is a consultant of the team (the referral
// rules' domain.Staff.ConsultantOf): whom a course of the team can be given to.
func (m StaffMember) ConsultantOf(teamID string) bool { return m.staff().ConsultantOf(teamID) }

func (m StaffMember) staff() domain.Staff {
	return domain.Staff{ID: m.ID, TeamID: m.TeamID, Roles: m.Roles}
}

// Created names what a request started.
type Created struct {
	ID string `json:"id"`
	// New is false when the request was a repeat of one that started it already.
	New bool `json:"-"`
}
