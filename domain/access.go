package domain

import (
	"slices"
	"sort"
)

// Who may see and do what: the one table of TVP's access rules, and the functions that read
// it. The service layer calls them for every read, list and step; the workflows call the same
// functions in their validators, as a second line of defence. Nothing else decides access.

// Relation is how an actor stands to what they ask about: to a course, a plan, a team, or
// (for lists, referrals and the programme's register) by a role they hold.
type Relation string

// Relations to a case.
const (
	RelConsultant             Relation = "consultant"              // a consultant of this course
	RelTeamLead               Relation = "team_lead"               // the lead of this course's team, or of this team
	RelTeamMember             Relation = "team_member"             // a consultant of this team
	RelOtherTeamLead          Relation = "other_team_lead"         // a team lead of another team: nothing of this case
	RelCoordinator            Relation = "coordinator"             // this plan's coordinator (tovholder)
	RelCoordinatingCaseworker Relation = "coordinating_caseworker" // this plan's coordinating caseworker
	RelParticipant            Relation = "participant"             // a caseworker taking part in this plan now
	RelCoordinatorLead        Relation = "coordinator_lead"        // the lead of this plan's coordinator
	RelSteeringGroup          Relation = "steering_group"          // the steering group
	RelExtensionDecider       Relation = "extension_decider"       // the steering group, for a course with an extension request
	RelAdmin                  Relation = "admin"
	// RelCitizen: the citizen whose plan or course this is (a citizen logged in as themself);
	// in a family course, each of its members.
	RelCitizen Relation = "citizen"
	// RelStandIn: standing in, today, for an absent colleague whom the case names (as a
	// course's consultant, a plan's coordinator, coordinating caseworker or participant). The
	// stand-in then also holds the absent person's own relation to the case (standInTakesOver),
	// for the days of the absence only.
	RelStandIn Relation = "stand_in"
)

// Relations to a staff member (their absences).
const (
	RelSelf      Relation = "self"       // the staff member themself
	RelStaffLead Relation = "staff_lead" // the staff member's lead
)

// standInTakesOver are the relations to a case that a stand-in takes over from the absent
// person for the days of the absence: their own ties to the case, never a role's or a lead's.
var standInTakesOver = []Relation{RelConsultant, RelCoordinator, RelCoordinatingCaseworker, RelParticipant}

// Relations by role alone: holding the role, whatever the case.
const (
	RelAnyConsultant             Relation = "role:consultant"
	RelAnyTeamLead               Relation = "role:team_lead"
	RelAnyCoordinator            Relation = "role:coordinator"
	RelAnyCoordinatingCaseworker Relation = "role:coordinating_caseworker"
	RelAnyCaseworker             Relation = "role:caseworker"
)

// Action is a use case that the access rules know: a read, a list or a step.
type Action string

// Actions on a course.
const (
	CourseRead             Action = "course.read"
	CourseReadOwn          Action = "course.read_own" // the citizen's own page of their course
	CourseProgression      Action = "course.record_progression"
	CourseMilestone        Action = "course.record_milestone"
	CourseRequestExtension Action = "course.request_extension"
	CourseDecideExtension  Action = "course.decide_extension"
	CourseClose            Action = "course.close"
	CourseMove             Action = "course.move_to_collaboration"
	CourseApplyTerms       Action = "course.apply_terms"
)

// Actions on a team.
const (
	CourseRefer        Action = "course.refer"         // refer a citizen to the team
	CourseOverrideNorm Action = "course.override_norm" // assign a consultant beyond the team's caseload norm
	CourseReferOthers  Action = "course.refer_others"  // refer to a course the referrer does not work on
	TeamRead           Action = "team.read"            // the team's page: its open courses and caseloads
	TeamPause          Action = "team.pause"
	TeamResume         Action = "team.resume"
	TeamWorklist       Action = "team.worklist" // a team's phase-out status and the courses left
	TeamReorganise     Action = "team.reorganise"
	TeamPhaseOut       Action = "team.phase_out"
	TeamTargets        Action = "team.set_targets"
	TeamMoveResume     Action = "team.move_resume" // move a pause's latest resume date, by a new decision
)

// Actions on a plan.
const (
	PlanRead            Action = "plan.read"
	PlanReadOwn         Action = "plan.read_own"        // the citizen's own page of their plan
	PlanReadInvitation  Action = "plan.read_invitation" // a meeting's calendar invitation, with its agenda
	PlanConsent         Action = "plan.record_consent"
	PlanWithdrawConsent Action = "plan.withdraw_consent"
	PlanSchedule        Action = "plan.schedule_meeting"
	PlanInvitation      Action = "plan.record_invitation"
	PlanMeetingHeld     Action = "plan.record_meeting"
	PlanNotHeld         Action = "plan.record_not_held"
	PlanMinutes         Action = "plan.record_minutes"
	PlanCitizenMeeting  Action = "plan.record_citizen_meeting"
	PlanParticipants    Action = "plan.change_participants"
	PlanLeave           Action = "plan.leave"
	PlanAgendaPoint     Action = "plan.add_agenda_point"   // put a point on the next meeting's agenda
	PlanGoalWords       Action = "plan.write_goal_words"   // the citizen's own words on a goal
	PlanRespondForm     Action = "plan.respond_to_form"    // the citizen confirms or comments a version of the form
	PlanAgreementDone   Action = "plan.complete_agreement" // mark an agreement done
)

// Actions on a citizen (the subject is the citizen themself).
const (
	CitizenOwnAccessLog Action = "citizen.own_access_log" // who has looked at my case
)

// Actions on a staff member.
const (
	AbsenceRecord Action = "staff.record_absence" // record an absence, with a stand-in
	AbsenceRead   Action = "staff.read_absences"
	AbsenceCancel Action = "staff.cancel_absence"
)

// Actions on the programme: lists, the register, reports.
const (
	PlanEnrol         Action = "plan.enrol"
	CoursesList       Action = "courses.search"
	PlansList         Action = "plans.search"
	ExtensionsPending Action = "extensions.pending"
	ReportsRead       Action = "reports.read"
	ReportsProduce    Action = "reports.produce"
	DecisionsRead     Action = "decisions.read"
	DecisionsRecord   Action = "decisions.record"
	AccessLogExport   Action = "citizen.access_log"
	PayloadsDecode    Action = "payloads.decode"
	EffectsRead       Action = "effects.read"    // the workflows' stuck effects (writes that failed after a step)
	EffectsRetry      Action = "effects.retry"   // try a workflow's stuck effects again now
	SessionsRevoke    Action = "sessions.revoke" // end a staff member's page sessions at once
)

// Audit is the access as the audit log records it.
func (a Action) Audit() AuditAction { return AuditAction(a) }

// View is how much of a subject an actor may read.
type View string

// Views, from nothing to everything.
const (
	ViewNone View = ""
	// ViewOversight: a plan's course of meetings without its content (no citizen, no form, no
	// minutes, no notes), for the coordinator's lead; a team's phase-out status without its
	// citizens, for the steering group.
	ViewOversight View = "oversight"
	// ViewExtension: a course as the steering group decides on it: its dates and extension
	// requests, no citizen, goal, progression or note.
	ViewExtension View = "extension"
	// ViewCitizen: the citizen's own plan or course as the citizen reads it: its goals,
	// agreements, meetings and people, without the workflow's bookkeeping or the professionals'
	// internal notes (a course's progression notes).
	ViewCitizen View = "citizen"
	// ViewFull: everything.
	ViewFull View = "full"
)

// rule says who may take an action, with which view, and why the others may not.
type rule struct {
	subject SubjectType
	who     map[Relation]View
	why     string
}

// rules is the table. For a step, ViewFull means "may do it".
var rules = map[Action]rule{
	// A course.
	CourseRead: {SubjectCourse, map[Relation]View{RelConsultant: ViewFull, RelTeamLead: ViewFull, RelAdmin: ViewFull, RelExtensionDecider: ViewExtension, RelCitizen: ViewCitizen},
		"only the course's consultants and its team's lead may see it; the steering group sees the extension requests; a citizen sees their own"},
	CourseReadOwn:          {SubjectCourse, map[Relation]View{RelCitizen: ViewCitizen}, "this page is the citizen's own"},
	CourseProgression:      {SubjectCourse, courseWorkers, "only the course's consultants or its team's lead may do this"},
	CourseMilestone:        {SubjectCourse, courseWorkers, "only the course's consultants or its team's lead may do this"},
	CourseRequestExtension: {SubjectCourse, courseWorkers, "only the course's consultants or its team's lead may do this"},
	CourseClose:            {SubjectCourse, courseWorkers, "only the course's consultants or its team's lead may do this"},
	CourseMove:             {SubjectCourse, courseWorkers, "only the course's consultants or its team's lead may do this"},
	CourseDecideExtension:  {SubjectCourse, map[Relation]View{RelExtensionDecider: ViewFull}, "only the steering group decides on extensions, of a course with an extension request"},
	CourseApplyTerms:       {SubjectCourse, map[Relation]View{RelSteeringGroup: ViewFull}, "only a steering-group decision moves a running course to new terms"},

	// A team.
	CourseRefer:        {SubjectTeam, map[Relation]View{RelTeamMember: ViewFull, RelTeamLead: ViewFull}, "only the team's consultants and its lead refer citizens to it"},
	CourseOverrideNorm: {SubjectTeam, map[Relation]View{RelTeamLead: ViewFull}, "only the team's lead may assign a consultant beyond the team's caseload norm"},
	CourseReferOthers:  {SubjectTeam, map[Relation]View{RelTeamLead: ViewFull}, "a consultant refers citizens to courses they work on themselves"},
	TeamRead:           {SubjectTeam, map[Relation]View{RelTeamLead: ViewFull, RelTeamMember: ViewFull, RelAdmin: ViewFull}, "only the team's members see its page"},
	TeamPause:          {SubjectTeam, map[Relation]View{RelTeamLead: ViewFull}, "only the team's lead may pause it"},
	TeamResume:         {SubjectTeam, map[Relation]View{RelTeamLead: ViewFull}, "only the team's lead may resume it"},
	TeamWorklist:       {SubjectTeam, map[Relation]View{RelTeamLead: ViewFull, RelAdmin: ViewFull, RelSteeringGroup: ViewOversight}, "only the team's lead sees its worklist; the steering group sees how many courses are left"},
	TeamReorganise:     {SubjectTeam, steering, "only the steering group (or an administrator recording a committee's decision) reorganises a team"},
	TeamPhaseOut:       {SubjectTeam, steering, "only the steering group (or an administrator recording a committee's decision) phases out a team"},
	TeamTargets:        {SubjectTeam, steering, "only the steering group (or an administrator recording a committee's decision) sets a team's targets"},
	TeamMoveResume:     {SubjectTeam, steering, "only the steering group (or an administrator recording a committee's decision) moves a pause's latest resume date"},

	// A plan.
	PlanRead: {SubjectPlan, map[Relation]View{RelCoordinator: ViewFull, RelCoordinatingCaseworker: ViewFull, RelParticipant: ViewFull, RelAdmin: ViewFull, RelCoordinatorLead: ViewOversight, RelCitizen: ViewCitizen},
		"only the people taking part in the citizen's plan, and the citizen, may see it"},
	PlanReadOwn: {SubjectPlan, map[Relation]View{RelCitizen: ViewCitizen}, "this page is the citizen's own"},
	PlanReadInvitation: {SubjectPlan, map[Relation]View{RelCoordinator: ViewFull, RelCoordinatingCaseworker: ViewFull, RelParticipant: ViewFull, RelAdmin: ViewFull},
		"the invitation carries the meeting's agenda, which your view of the plan does not"},
	PlanConsent: {SubjectPlan, coordinatorOrCaseworker, "only the plan's coordinator or coordinating caseworker may do this"},
	PlanWithdrawConsent: {SubjectPlan, map[Relation]View{RelCoordinator: ViewFull, RelCoordinatingCaseworker: ViewFull, RelCitizen: ViewFull},
		"only the citizen, the plan's coordinator or its coordinating caseworker may withdraw the consent"},
	PlanAgendaPoint: {SubjectPlan, map[Relation]View{RelCitizen: ViewFull, RelCoordinator: ViewFull, RelCoordinatingCaseworker: ViewFull},
		"only the citizen, the plan's coordinator or its coordinating caseworker put points on the agenda"},
	PlanGoalWords:   {SubjectPlan, map[Relation]View{RelCitizen: ViewFull}, "only the citizen writes their own words on the goals"},
	PlanRespondForm: {SubjectPlan, map[Relation]View{RelCitizen: ViewFull}, "only the citizen confirms or comments the form"},
	PlanAgreementDone: {SubjectPlan, map[Relation]View{RelCoordinator: ViewFull, RelCoordinatingCaseworker: ViewFull, RelParticipant: ViewFull},
		"only the professionals taking part in the plan mark an agreement done"},
	PlanSchedule:       {SubjectPlan, coordinator, "only the plan's coordinator (tovholder) may do this"},
	PlanInvitation:     {SubjectPlan, coordinator, "only the plan's coordinator (tovholder) may do this"},
	PlanMeetingHeld:    {SubjectPlan, coordinator, "only the plan's coordinator (tovholder) may do this"},
	PlanNotHeld:        {SubjectPlan, coordinator, "only the plan's coordinator (tovholder) may do this"},
	PlanMinutes:        {SubjectPlan, coordinator, "only the plan's coordinator (tovholder) may do this"},
	PlanLeave:          {SubjectPlan, coordinator, "only the plan's coordinator (tovholder) may do this"},
	PlanCitizenMeeting: {SubjectPlan, map[Relation]View{RelCoordinatingCaseworker: ViewFull}, "only the coordinating caseworker records meetings with the citizen"},
	PlanParticipants: {SubjectPlan, map[Relation]View{RelCoordinator: ViewFull, RelCoordinatorLead: ViewFull, RelAdmin: ViewFull},
		"only the plan's coordinator, the coordinator's lead or an administrator changes the participants"},

	// The programme.
	PlanEnrol: {SubjectProgramme, map[Relation]View{RelAnyCoordinator: ViewFull, RelAnyCoordinatingCaseworker: ViewFull, RelAnyTeamLead: ViewFull},
		"enrolling a citizen requires the role coordinator, coordinating_caseworker or team_lead"},
	CoursesList: {SubjectProgramme, map[Relation]View{RelAnyConsultant: ViewFull, RelAnyTeamLead: ViewFull, RelAdmin: ViewFull},
		"listing courses requires the role consultant, team_lead or admin"},
	PlansList: {SubjectProgramme, map[Relation]View{RelAnyConsultant: ViewFull, RelAnyTeamLead: ViewFull, RelAnyCoordinator: ViewFull,
		RelAnyCoordinatingCaseworker: ViewFull, RelAnyCaseworker: ViewFull, RelAdmin: ViewFull},
		"the steering group sees reports, not citizens' plans"},
	ExtensionsPending: {SubjectProgramme, map[Relation]View{RelSteeringGroup: ViewFull, RelAdmin: ViewFull}, "seeing extension requests requires the role steering_group or admin"},
	ReportsRead:       {SubjectProgramme, map[Relation]View{RelAnyTeamLead: ViewFull, RelSteeringGroup: ViewFull, RelAdmin: ViewFull}, "reading reports requires the role team_lead, steering_group or admin"},
	ReportsProduce:    {SubjectProgramme, map[Relation]View{RelAdmin: ViewFull}, "producing the committee report requires the role admin"},
	DecisionsRead:     {SubjectProgramme, map[Relation]View{RelAnyTeamLead: ViewFull, RelSteeringGroup: ViewFull, RelAdmin: ViewFull}, "reading the decisions register requires the role team_lead, steering_group or admin"},
	DecisionsRecord:   {SubjectProgramme, steering, "recording a decision requires the role steering_group or admin"},
	AccessLogExport:   {SubjectProgramme, map[Relation]View{RelAdmin: ViewFull}, "exporting a citizen's access log requires the role admin"},
	PayloadsDecode:    {SubjectProgramme, map[Relation]View{RelAdmin: ViewFull}, "only admins read payloads"},
	EffectsRead:       {SubjectProgramme, map[Relation]View{RelAdmin: ViewFull}, "only an administrator sees the workflows' stuck effects"},
	EffectsRetry:      {SubjectProgramme, map[Relation]View{RelAdmin: ViewFull}, "only an administrator retries a workflow's stuck effects"},
	SessionsRevoke:    {SubjectProgramme, map[Relation]View{RelAdmin: ViewFull}, "only an administrator ends another person's sessions"},

	// A staff member: they themself or their lead record their absences.
	AbsenceRecord: {SubjectStaff, absenceKeepers, "only the staff member, their lead or an administrator records their absence"},
	AbsenceRead:   {SubjectStaff, absenceKeepers, "only the staff member, their lead or an administrator sees their absences"},
	AbsenceCancel: {SubjectStaff, absenceKeepers, "only the staff member, their lead or an administrator cancels their absence"},

	// A citizen.
	CitizenOwnAccessLog: {SubjectCitizen, map[Relation]View{RelCitizen: ViewCitizen}, "a citizen sees who has looked at their own case only"},
}

var (
	courseWorkers           = map[Relation]View{RelConsultant: ViewFull, RelTeamLead: ViewFull}
	coordinator             = map[Relation]View{RelCoordinator: ViewFull}
	coordinatorOrCaseworker = map[Relation]View{RelCoordinator: ViewFull, RelCoordinatingCaseworker: ViewFull}
	steering                = map[Relation]View{RelSteeringGroup: ViewFull, RelAdmin: ViewFull}
	absenceKeepers          = map[Relation]View{RelSelf: ViewFull, RelStaffLead: ViewFull, RelAdmin: ViewFull}
)

// Subject is what an action is about, with the facts that decide who stands how to it.
type Subject struct {
	Type SubjectType
	ID   string
	// TeamID is a course's team, or the team itself.
	TeamID string
	// ConsultantIDs are a course's consultants.
	ConsultantIDs []string
	// ExtensionRequested: the course has had an extension request (the steering group's business).
	ExtensionRequested bool
	// A plan's coordinator, coordinating caseworker and the professionals taking part now.
	CoordinatorID            string
	CoordinatingCaseworkerID string
	ParticipantIDs           []string
	// CitizenIDs are whose data the subject is: the audit log names them.
	CitizenIDs []string
}

// Programme is the subject of the programme-wide actions (lists, the register, reports).
var Programme = Subject{Type: SubjectProgramme, ID: "*"}

// roleRelations are the relations a role gives, whatever the case (a slice, not a map: the
// workflows call Relations, and their code must not range over maps).
var roleRelations = []struct {
	role Role
	rel  Relation
}{
	{RoleConsultant, RelAnyConsultant}, {RoleTeamLead, RelAnyTeamLead}, {RoleCoordinator, RelAnyCoordinator},
	{RoleCoordinatingCaseworker, RelAnyCoordinatingCaseworker}, {RoleCaseworker, RelAnyCaseworker}, {RoleAdmin, RelAdmin},
}

// Relations returns how the actor stands to the subject.
func Relations(a Actor, s Subject) []Relation {
	if a.IsCitizen() || a.Has(RoleCitizen) {
		// A citizen stands to their own data only, whatever else the actor says.
		if a.IsCitizen() && a.Has(RoleCitizen) && slices.Contains(s.CitizenIDs, a.CitizenID) {
			return []Relation{RelCitizen}
		}
		return nil
	}
	var out []Relation
	add := func(r Relation) {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	for _, rr := range roleRelations {
		if a.Has(rr.role) {
			add(rr.rel)
		}
	}
	if a.Has(RoleSteeringGroup) {
		add(RelSteeringGroup)
		if s.Type == SubjectCourse && s.ExtensionRequested {
			add(RelExtensionDecider)
		}
	}
	switch s.Type {
	case SubjectCourse, SubjectTeam:
		if s.Type == SubjectCourse && a.ID != "" && slices.Contains(s.ConsultantIDs, a.ID) {
			add(RelConsultant)
		}
		if a.Has(RoleTeamLead) {
			if a.TeamID != "" && a.TeamID == s.TeamID {
				add(RelTeamLead)
			} else {
				add(RelOtherTeamLead)
			}
		}
		if s.Type == SubjectTeam && a.Has(RoleConsultant) && a.TeamID != "" && a.TeamID == s.TeamID {
			add(RelTeamMember)
		}
	case SubjectPlan:
		if a.ID == "" {
			break
		}
		if a.ID == s.CoordinatorID {
			add(RelCoordinator)
		}
		if a.ID == s.CoordinatingCaseworkerID {
			add(RelCoordinatingCaseworker)
		}
		if slices.Contains(s.ParticipantIDs, a.ID) {
			add(RelParticipant)
		}
		if s.CoordinatorID != "" && slices.Contains(a.Leads, s.CoordinatorID) {
			add(RelCoordinatorLead)
		}
	case SubjectStaff:
		if a.ID != "" && a.ID == s.ID {
			add(RelSelf)
		}
		if s.ID != "" && slices.Contains(a.Leads, s.ID) {
			add(RelStaffLead)
		}
	}
	// A stand-in takes over the absent person's own ties to the case (and only those): what the
	// absent person would stand in to it with no role at all.
	if a.ID != "" && (s.Type == SubjectCourse || s.Type == SubjectPlan) {
		for _, absent := range a.StandsInFor {
			if absent == "" || absent == a.ID {
				continue
			}
			for _, r := range Relations(Actor{ID: absent}, s) {
				if slices.Contains(standInTakesOver, r) {
					add(r)
					add(RelStandIn)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Access returns how much of the subject the actor may see for the action (ViewFull for a
// step they may take), or an EForbidden error that says why not.
func Access(a Actor, s Subject, act Action) (View, error) {
	r, ok := rules[act]
	if !ok {
		return ViewNone, Errorf(EInternal, "no access rule for %s", act)
	}
	if r.subject != s.Type {
		return ViewNone, Errorf(EInternal, "%s is about a %s, not a %s", act, r.subject, s.Type)
	}
	best := ViewNone
	for _, rel := range Relations(a, s) {
		if v := r.who[rel]; v.wider(best) {
			best = v
		}
	}
	if best == ViewNone {
		return ViewNone, Errorf(EForbidden, "%s", r.why)
	}
	return best, nil
}

// OnBehalfOf names the absent colleague on whose behalf the actor takes the action: "" if the
// actor may take it in their own right (or not at all), else the first (by id) of those they
// stand in for whose relation to the case lets them. The audit log records it.
func OnBehalfOf(a Actor, s Subject, act Action) string {
	if len(a.StandsInFor) == 0 || !May(a, s, act) {
		return ""
	}
	own := a
	own.StandsInFor = nil
	if May(own, s, act) {
		return ""
	}
	for _, absent := range a.StandsInFor {
		one := a
		one.StandsInFor = []string{absent}
		if May(one, s, act) {
			return absent
		}
	}
	return ""
}

// Permit refuses the action (EForbidden, saying why) unless the actor may take it.
func Permit(a Actor, s Subject, act Action) error {
	_, err := Access(a, s, act)
	return err
}

// May reports whether the actor may take the action.
func May(a Actor, s Subject, act Action) bool { return Permit(a, s, act) == nil }

func (v View) wider(than View) bool { return viewRank[v] > viewRank[than] }

var viewRank = map[View]int{ViewNone: 0, ViewOversight: 1, ViewExtension: 2, ViewCitizen: 3, ViewFull: 4}

// Grants returns who may take the action, with which view: the table's row, for the tests
// and the documentation.
func Grants(act Action) map[Relation]View {
	out := map[Relation]View{}
	for rel, v := range rules[act].who {
		out[rel] = v
	}
	return out
}

// Actions returns every action the table knows, sorted.
func Actions() []Action {
	out := make([]Action, 0, len(rules))
	for a := range rules {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// CourseScope is the list form of CourseRead: which courses a list may show the actor. A
// list applies it in its query, and every item is checked against CourseRead besides.
type CourseScope struct {
	All          bool   // every course (an administrator)
	TeamID       string // the courses of this team (its lead)
	ConsultantID string // the courses this person works on (a consultant)
}

// CourseListScope returns the courses an actor's lists may show.
func CourseListScope(a Actor) CourseScope {
	if a.Has(RoleAdmin) {
		return CourseScope{All: true}
	}
	sc := CourseScope{ConsultantID: a.ID}
	if a.Has(RoleTeamLead) && a.TeamID != "" {
		sc.TeamID = a.TeamID
	}
	return sc
}

// PlanScope is the list form of PlanRead: the plans a list may show the actor (in full).
type PlanScope struct {
	All           bool   // every plan (an administrator)
	ParticipantID string // the plans this person takes part in now
}

// PlanListScope returns the plans an actor's lists may show.
func PlanListScope(a Actor) PlanScope {
	if a.Has(RoleAdmin) {
		return PlanScope{All: true}
	}
	return PlanScope{ParticipantID: a.ID}
}

// CourseSubject is a course as the access rules see it.
func CourseSubject(id, teamID string, consultantIDs []string, extensionRequested bool, citizenIDs []string) Subject {
	return Subject{Type: SubjectCourse, ID: id, TeamID: teamID, ConsultantIDs: consultantIDs,
		ExtensionRequested: extensionRequested, CitizenIDs: citizenIDs}
}

// PlanSubject is a plan as the access rules see it: participantIDs are the professionals
// taking part in it now.
func PlanSubject(id, citizenID, coordinatorID, coordinatingCaseworkerID string, participantIDs []string) Subject {
	return Subject{Type: SubjectPlan, ID: id, CoordinatorID: coordinatorID, CoordinatingCaseworkerID: coordinatingCaseworkerID,
		ParticipantIDs: participantIDs, CitizenIDs: []string{citizenID}}
}

// CitizenSubject is a citizen themself, as the access rules see them (their own access log).
func CitizenSubject(citizenID string) Subject {
	return Subject{Type: SubjectCitizen, ID: citizenID, CitizenIDs: []string{citizenID}}
}

// StaffSubject is a staff member as the access rules see them (their absences).
func StaffSubject(staffID string) Subject {
	return Subject{Type: SubjectStaff, ID: staffID}
}

// TeamSubject is a team as the access rules see it.
func TeamSubject(teamID string) Subject {
	return Subject{Type: SubjectTeam, ID: teamID, TeamID: teamID}
}
