package service

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"tvp/domain"
	"tvp/words"
	"tvp/workflows/collab"
	"tvp/workflows/course"
)

// The citizen's own use cases: their plan and course as they read them (domain.ViewCitizen),
// who has looked at their case, and the steps they take themselves. The caller is a citizen
// (domain.CitizenActor); every read is audited like a professional's, and the same access
// rules refuse (and audit) a citizen who asks for another citizen's plan or course.

// MyCase is one of the citizen's own plans or courses.
type MyCase struct {
	Type  domain.SubjectType `json:"type"` // plan or course
	ID    string             `json:"id"`
	Phase string             `json:"phase"`
	Since time.Time          `json:"since"`
	// Ended: the plan has ended, or the course has closed.
	Ended bool `json:"ended"`
}

// MyCases lists the citizen's own plans and courses (the start page of their pages).
func (s *Service) MyCases(ctx context.Context, by Caller) ([]MyCase, error) {
	subj := domain.CitizenSubject(by.Actor.CitizenID)
	if _, err := s.allow(ctx, by, subj, domain.CitizenOwnAccessLog); err != nil {
		return nil, err
	}
	cases, err := s.store.CitizenCases(ctx, by.Actor.CitizenID)
	if err != nil {
		return nil, err
	}
	out := make([]MyCase, len(cases))
	for i, c := range cases {
		out[i] = MyCase{Type: c.Type, ID: c.ID, Phase: c.Phase, Since: c.Since,
			Ended: domain.PlanPhase(c.Phase) == domain.PlanEnded && c.Type == domain.SubjectPlan || domain.CoursePhase(c.Phase) == domain.PhaseClosed && c.Type == domain.SubjectCourse}
	}
	return out, nil
}

// Person is a professional as the citizen meets them: name, what they do in the plan, and how
// to reach them.
type Person struct {
	StaffID string                 `json:"staff_id"`
	Name    string                 `json:"name"`
	Role    domain.ParticipantRole `json:"role,omitempty"`
	Centre  domain.Centre          `json:"centre,omitempty"`
	Email   string                 `json:"email,omitempty"`
}

// MyAgreement is an agreement of the current form, as the citizen reads it.
type MyAgreement struct {
	domain.Agreement
	Goal string `json:"goal"`
	// Who is the responsible party in words: a professional's name, "dig", or the outside
	// participant's name.
	Who string `json:"who"`
}

// MyPlan is the citizen's own plan (domain.ViewCitizen): the form and each earlier version,
// the meetings with their agendas and minutes, the agreements, the people and the consent.
// It leaves out the workflow's bookkeeping.
type MyPlan struct {
	ID           string                 `json:"id"`
	Phase        domain.PlanPhase       `json:"phase"`
	Consent      *domain.Consent        `json:"consent,omitempty"`
	EndedOn      *time.Time             `json:"ended_on,omitempty"`
	EndReason    string                 `json:"end_reason,omitempty"`
	Revision     int64                  `json:"revision"`
	People       []Person               `json:"people"`
	Caseworkers  []Person               `json:"caseworkers"`
	Network      []domain.NetworkMember `json:"network"`
	NextMeeting  *domain.Meeting        `json:"next_meeting,omitempty"`
	Meetings     []domain.Meeting       `json:"meetings"`
	FormVersions []domain.FormVersion   `json:"form_versions"`
	Agreements   []MyAgreement          `json:"agreements"`
	GoalWords    []domain.GoalWords     `json:"goal_words"`
	// Can are the steps the citizen may take now.
	Can Can `json:"can"`
}

// CurrentForm is the newest version of the form, if any.
func (p MyPlan) CurrentForm() *domain.FormVersion {
	if len(p.FormVersions) == 0 {
		return nil
	}
	return &p.FormVersions[len(p.FormVersions)-1]
}

// WordsOn returns the citizen's newest words on a goal of a form version.
func (p MyPlan) WordsOn(version, goal int) *domain.GoalWords {
	for i := len(p.GoalWords) - 1; i >= 0; i-- {
		if w := p.GoalWords[i]; w.FormVersion == version && w.Goal == goal {
			return &w
		}
	}
	return nil
}

// citizenSteps are the steps a citizen may take on their plan.
var citizenSteps = []domain.Action{domain.PlanAgendaPoint, domain.PlanGoalWords, domain.PlanRespondForm, domain.PlanWithdrawConsent}

// MyPlan reads the citizen's own plan. A plan that is not theirs is refused (and audited).
func (s *Service) MyPlan(ctx context.Context, by Caller, id string) (MyPlan, error) {
	f, v, err := s.planFor(ctx, by, id, domain.PlanReadOwn)
	if err != nil {
		return MyPlan{}, err
	}
	if err := s.audit(ctx, by, domain.PlanRead.Audit(), planSubject(f), false, viewDetails(v)); err != nil {
		return MyPlan{}, err
	}
	rec, err := s.planRecord(ctx, f)
	if err != nil {
		return MyPlan{}, err
	}
	return s.myPlan(ctx, by, rec)
}

func (s *Service) myPlan(ctx context.Context, by Caller, rec domain.PlanRecord) (MyPlan, error) {
	out := MyPlan{
		ID: rec.ID, Phase: rec.Phase, Consent: rec.Consent, EndedOn: rec.EndedOn, EndReason: rec.EndReason,
		Revision: rec.Revision, Network: nonNilList(rec.Network), Meetings: nonNilList(rec.Meetings),
		FormVersions: nonNilList(rec.FormVersions), GoalWords: nonNilList(rec.GoalWords), People: []Person{},
		Caseworkers: []Person{}, Agreements: []MyAgreement{},
	}
	ids := []string{rec.CoordinatorID, rec.CoordinatingCaseworkerID}
	for _, pt := range rec.Participants {
		if pt.LeftAt == nil && !slices.Contains(ids, pt.StaffID) {
			ids = append(ids, pt.StaffID)
		}
	}
	people, err := s.store.StaffByID(ctx, ids)
	if err != nil {
		return MyPlan{}, err
	}
	person := func(id string, role domain.ParticipantRole) Person {
		p := Person{StaffID: id, Name: words.Someone, Role: role}
		if c, ok := people[id]; ok {
			p.Name, p.Email = c.Name, c.Email
			if c.Centre != nil {
				p.Centre = *c.Centre
			}
		}
		return p
	}
	out.People = append(out.People, person(rec.CoordinatorID, domain.ParticipantCoordinator),
		person(rec.CoordinatingCaseworkerID, domain.ParticipantCoordinatingCaseworker))
	for _, pt := range rec.Participants {
		if pt.LeftAt == nil && pt.Role == domain.ParticipantCaseworker {
			out.Caseworkers = append(out.Caseworkers, person(pt.StaffID, pt.Role))
		}
	}
	for i := range out.Meetings {
		m := out.Meetings[i]
		if m.Kind == domain.MeetingCrossDisciplinary && (m.Status == domain.MeetingScheduled || m.Status == domain.MeetingUnscheduled) && out.NextMeeting == nil {
			out.NextMeeting = &m
		}
	}
	if cur := out.CurrentForm(); cur != nil {
		for _, g := range cur.Goals {
			for _, a := range g.Agreements {
				who := a.Responsible
				switch a.Party {
				case domain.PartyStaff:
					who = person(a.StaffID, "").Name
				case domain.PartyCitizen:
					who = "dig"
				case domain.PartyOutside:
					who = a.Outside
				}
				out.Agreements = append(out.Agreements, MyAgreement{Agreement: a, Goal: g.Goal, Who: who})
			}
		}
	}
	if rec.Phase != domain.PlanEnded {
		out.Can = can(by.Actor, domain.PlanSubject(rec.ID, rec.CitizenID, rec.CoordinatorID, rec.CoordinatingCaseworkerID, nil), citizenSteps...)
	}
	return out, nil
}

func nonNilList[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// MyGoal is a goal of the citizen's course with its progression, as the citizen reads it: the
// scores on the scale the team uses; the professionals' notes are not in it.
type MyGoal struct {
	Text   string    `json:"text"`
	Scores []MyScore `json:"scores"`
}

// MyScore is one progression's score of a goal.
type MyScore struct {
	On    time.Time `json:"on"`
	Score int       `json:"score"`
}

// MyCourse is the citizen's own course (domain.ViewCitizen): its dates, goals and the
// progression recorded, and their consultants.
type MyCourse struct {
	ID          string             `json:"id"`
	Kind        domain.TargetGroup `json:"kind"`
	Phase       domain.CoursePhase `json:"phase"`
	StartDate   time.Time          `json:"start_date"`
	PlannedEnd  time.Time          `json:"planned_end"`
	ClosedOn    *time.Time         `json:"closed_on,omitempty"`
	ScoreMax    int                `json:"score_max"`
	Goals       []MyGoal           `json:"goals"`
	Consultants []Person           `json:"consultants"`
	// Family: the course is a family's; each adult member reads it.
	Family bool `json:"family"`
}

// MyCourse reads the citizen's own course. A course that is not theirs is refused (audited).
func (s *Service) MyCourse(ctx context.Context, by Caller, id string) (MyCourse, error) {
	rec, v, err := s.courseFor(ctx, by, id, domain.CourseReadOwn)
	if err != nil {
		return MyCourse{}, err
	}
	if err := s.audit(ctx, by, domain.CourseRead.Audit(), courseSubject(rec), false, viewDetails(v)); err != nil {
		return MyCourse{}, err
	}
	st, err := s.courseState(ctx, rec)
	if err != nil {
		return MyCourse{}, err
	}
	return s.myCourse(ctx, st)
}

func (s *Service) myCourse(ctx context.Context, st course.State) (MyCourse, error) {
	out := MyCourse{ID: st.CourseID, Kind: st.Kind, Phase: st.Phase, StartDate: st.StartDate, PlannedEnd: st.PlannedEnd,
		ClosedOn: st.ClosedOn, Goals: []MyGoal{}, Consultants: []Person{}, Family: len(st.CitizenIDs) > 1}
	out.ScoreMax = st.Settings.ProgressionScoreMax
	for _, g := range st.Goals {
		mg := MyGoal{Text: g.Text, Scores: []MyScore{}}
		for _, p := range st.Progressions {
			for _, sc := range p.Scores {
				if sc.GoalID == g.ID {
					mg.Scores = append(mg.Scores, MyScore{On: p.RecordedAt, Score: sc.Score})
				}
			}
		}
		out.Goals = append(out.Goals, mg)
	}
	people, err := s.store.StaffByID(ctx, st.ConsultantIDs)
	if err != nil {
		return MyCourse{}, err
	}
	for _, id := range st.ConsultantIDs {
		p := Person{StaffID: id, Name: words.Someone}
		if c, ok := people[id]; ok {
			p.Name, p.Email = c.Name, c.Email
		}
		out.Consultants = append(out.Consultants, p)
	}
	return out, nil
}

// MyAccessEntry is one look at the citizen's case, as the citizen is told of it: when, why,
// what, and by whom (a name only where the municipality's setting says so).
type MyAccessEntry struct {
	At      time.Time          `json:"at"`
	Purpose domain.Purpose     `json:"purpose"`
	What    domain.AuditAction `json:"what"`
	// Who: the staff member's name where the municipality shows names; otherwise their Role
	// (what they do), or System for TVP itself; none of the three for someone unknown. The
	// transport puts them in words.
	Who     string      `json:"who,omitempty"`
	Role    domain.Role `json:"role,omitempty"`
	System  bool        `json:"system,omitempty"`
	Refused bool        `json:"refused,omitempty"`
}

// MyAccessLog tells the citizen who has looked at their case: the date and purpose of every
// read of their data by someone else (Datatilsynet's reading of CJEU C-579/21), newest first.
// Staff are named only when Config.CitizenSeesStaffNames is set; otherwise by what they do.
func (s *Service) MyAccessLog(ctx context.Context, by Caller) ([]MyAccessEntry, error) {
	subj := domain.CitizenSubject(by.Actor.CitizenID)
	if _, err := s.allow(ctx, by, subj, domain.CitizenOwnAccessLog); err != nil {
		return nil, err
	}
	entries, err := s.store.CitizenAccessLog(ctx, by.Actor.CitizenID)
	if err != nil {
		return nil, err
	}
	var staff []string
	for _, e := range entries {
		if !strings.HasPrefix(e.ActorID, domain.CitizenActorPrefix) && !slices.Contains(staff, e.ActorID) {
			staff = append(staff, e.ActorID)
		}
	}
	people, err := s.store.StaffByID(ctx, staff)
	if err != nil {
		return nil, err
	}
	out := []MyAccessEntry{}
	for _, e := range entries {
		if strings.HasPrefix(e.ActorID, domain.CitizenActorPrefix) {
			continue // the citizen's own reads
		}
		entry := MyAccessEntry{At: e.At, Purpose: e.Purpose, What: e.Action, Refused: e.Refused}
		if c, ok := people[e.ActorID]; ok {
			if s.cfg.CitizenSeesStaffNames {
				entry.Who = c.Name
			} else {
				entry.Role = mainRole(c.Roles)
			}
		} else if e.ActorID == "system" || e.ActorID == "" {
			entry.System = true
		}
		out = append(out, entry)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	if err := s.audit(ctx, by, domain.CitizenOwnAccessLog.Audit(), subj, false, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// myStep runs a step of the citizen's own plan (as every step of a plan: planStepResult) and
// answers the plan as the citizen reads it.
func (s *Service) myStep(ctx context.Context, by Caller, id string, act domain.Action, in any, name string, arg any) (MyPlan, error) {
	res, err := s.planStepResult(ctx, by, id, act, in, func() (string, any) { return name, arg })
	if err != nil {
		return MyPlan{}, err
	}
	return s.myPlan(ctx, by, res.State.Record())
}

// AgendaInput is a point for the next meeting's agenda.
type AgendaInput struct {
	Text string `json:"text" binding:"required,max=2000"`
}

// AddMyAgendaPoint puts the citizen's point on the next cross-disciplinary meeting's agenda,
// and answers their plan as they read it.
func (s *Service) AddMyAgendaPoint(ctx context.Context, by Caller, id string, in AgendaInput) (MyPlan, error) {
	return s.myStep(ctx, by, id, domain.PlanAgendaPoint, &in, collab.UpdateAddAgendaPoint, collab.AgendaRequest{Actor: by.Actor, Text: in.Text})
}

// AddAgendaPoint puts a point on the next cross-disciplinary meeting's agenda (the plan's
// coordinator or coordinating caseworker, or a stand-in for them), and answers the plan as the
// caller reads it.
func (s *Service) AddAgendaPoint(ctx context.Context, by Caller, id string, in AgendaInput) (PlanView, error) {
	return s.planStep(ctx, by, id, domain.PlanAgendaPoint, &in, func() (string, any) {
		return collab.UpdateAddAgendaPoint, collab.AgendaRequest{Actor: by.Actor, Text: in.Text}
	})
}

// GoalWordsInput are the citizen's own words on a goal of the current form.
type GoalWordsInput struct {
	FormVersion int    `json:"form_version" binding:"required,min=1"`
	Goal        int    `json:"goal" binding:"min=0,max=49"`
	Text        string `json:"text" binding:"required,max=2000"`
}

// WriteGoalWords records the citizen's own words on a goal, before a meeting.
func (s *Service) WriteGoalWords(ctx context.Context, by Caller, id string, in GoalWordsInput) (MyPlan, error) {
	return s.myStep(ctx, by, id, domain.PlanGoalWords, &in, collab.UpdateWriteGoalWords,
		collab.GoalWordsRequest{Actor: by.Actor, FormVersion: in.FormVersion, Goal: in.Goal, Text: in.Text})
}

// FormResponseInput is the citizen's answer to a version of the form.
type FormResponseInput struct {
	Version   int    `json:"version" binding:"required,min=1"`
	Confirmed bool   `json:"confirmed"`
	Comment   string `json:"comment" binding:"max=2000"`
}

// RespondToForm records the citizen's answer to a version of the form: confirmed, or a comment.
func (s *Service) RespondToForm(ctx context.Context, by Caller, id string, in FormResponseInput) (MyPlan, error) {
	return s.myStep(ctx, by, id, domain.PlanRespondForm, &in, collab.UpdateRespondToForm,
		collab.FormResponseRequest{Actor: by.Actor, Version: in.Version, Confirmed: in.Confirmed, Comment: in.Comment})
}

// MyWithdrawInput is the citizen's withdrawal of their consent.
type MyWithdrawInput struct {
	Reason string `json:"reason" binding:"required,max=2000"`
}

// WithdrawMyConsent records that the citizen withdrew their consent, today: the plan ends.
func (s *Service) WithdrawMyConsent(ctx context.Context, by Caller, id string, in MyWithdrawInput) (MyPlan, error) {
	today := domain.DateIn(s.now())
	return s.myStep(ctx, by, id, domain.PlanWithdrawConsent, &in, collab.UpdateWithdrawConsent,
		collab.WithdrawRequest{Actor: by.Actor, Date: today, Reason: in.Reason})
}

// CompleteAgreement marks an agreement of the current form done (a professional of the plan):
// it reminds no more.
func (s *Service) CompleteAgreement(ctx context.Context, by Caller, id, agreementID string) (PlanView, error) {
	if err := domain.CheckLine("agreement", agreementID); err != nil {
		return PlanView{}, err
	}
	return s.planStep(ctx, by, id, domain.PlanAgreementDone, nil, func() (string, any) {
		return collab.UpdateCompleteAgreement, collab.CompleteAgreementRequest{Actor: by.Actor, AgreementID: agreementID}
	})
}

// mainRole is the role that says best what a professional does with a citizen's case, for the
// citizen's access log when the municipality does not show staff names ("" for none).
func mainRole(roles []domain.Role) domain.Role {
	for _, r := range []domain.Role{domain.RoleCoordinator, domain.RoleCoordinatingCaseworker, domain.RoleCaseworker,
		domain.RoleConsultant, domain.RoleTeamLead, domain.RoleSteeringGroup, domain.RoleAdmin} {
		if slices.Contains(roles, r) {
			return r
		}
	}
	return ""
}

// May reports whether the citizen may take the step now (for the pages).
func (p MyPlan) May(action string) bool { return p.Can[domain.Action(action)] }
