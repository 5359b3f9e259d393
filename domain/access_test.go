package domain_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
)

var (
	anna  = domain.Actor{ID: "anna", Roles: []domain.Role{domain.RoleConsultant}, TeamID: "unge"}
	bilal = domain.Actor{ID: "bilal", Roles: []domain.Role{domain.RoleConsultant}, TeamID: "unge"}
	eva   = domain.Actor{ID: "eva", Roles: []domain.Role{domain.RoleConsultant}, TeamID: "familie"}
	ulla  = domain.Actor{ID: "ulla", Roles: []domain.Role{domain.RoleTeamLead}, TeamID: "unge", Leads: []string{"anna", "bilal"}}
	finn  = domain.Actor{ID: "finn", Roles: []domain.Role{domain.RoleTeamLead}, TeamID: "familie", Leads: []string{"eva"}}
	karen = domain.Actor{ID: "karen", Roles: []domain.Role{domain.RoleTeamLead}, Leads: []string{"ida"}}
	bo    = domain.Actor{ID: "bo", Roles: []domain.Role{domain.RoleSteeringGroup}}
	ida   = domain.Actor{ID: "ida", Roles: []domain.Role{domain.RoleCoordinator}}
	nina  = domain.Actor{ID: "nina", Roles: []domain.Role{domain.RoleCoordinator}}
	jonas = domain.Actor{ID: "jonas", Roles: []domain.Role{domain.RoleCoordinatingCaseworker, domain.RoleCaseworker}}
	lise  = domain.Actor{ID: "lise", Roles: []domain.Role{domain.RoleCaseworker}}
	per   = domain.Actor{ID: "per", Roles: []domain.Role{domain.RoleCaseworker}}
	admin = domain.Actor{ID: "admin", Roles: []domain.Role{domain.RoleAdmin}}
	// Someone with no role at all, and someone whose id is empty (a bug upstream): nothing.
	nobody  = domain.Actor{ID: "nobody"}
	noID    = domain.Actor{Roles: []domain.Role{domain.RoleCoordinator}}
	course  = domain.CourseSubject("c1", "unge", []string{"anna"}, false, []string{"x"})
	courseX = domain.CourseSubject("c1", "unge", []string{"anna"}, true, []string{"x"})
	plan    = domain.PlanSubject("p1", "y", "ida", "jonas", []string{"ida", "jonas", "lise"})
	unge    = domain.TeamSubject("unge")
)

// The rule table, row by row: who stands how to a course, a plan and a team, and what each
// may see and do. The expectations are written out here, not derived from the table.
func TestAccessRules(t *testing.T) {
	type row struct {
		who  domain.Actor
		subj domain.Subject
		act  domain.Action
		want domain.View // ViewNone: refused
	}
	full, ext, over, none := domain.ViewFull, domain.ViewExtension, domain.ViewOversight, domain.ViewNone
	rows := []row{
		// A course: its consultants and its team's lead; the steering group sees its extension
		// requests only once there is one; another team's lead, another consultant: nothing.
		{anna, course, domain.CourseRead, full}, {ulla, course, domain.CourseRead, full}, {admin, course, domain.CourseRead, full},
		{bilal, course, domain.CourseRead, none}, {eva, course, domain.CourseRead, none}, {finn, course, domain.CourseRead, none},
		{karen, course, domain.CourseRead, none}, {bo, course, domain.CourseRead, none}, {bo, courseX, domain.CourseRead, ext},
		{ida, course, domain.CourseRead, none}, {nobody, course, domain.CourseRead, none},
		{anna, course, domain.CourseProgression, full}, {ulla, course, domain.CourseClose, full}, {finn, course, domain.CourseClose, none},
		{bilal, course, domain.CourseMove, none}, {admin, course, domain.CourseProgression, none}, {bo, course, domain.CourseProgression, none},
		{bo, courseX, domain.CourseDecideExtension, full}, {bo, course, domain.CourseDecideExtension, none},
		{anna, courseX, domain.CourseDecideExtension, none}, {ulla, courseX, domain.CourseDecideExtension, none}, {admin, courseX, domain.CourseDecideExtension, none},
		{bo, course, domain.CourseApplyTerms, full}, {admin, course, domain.CourseApplyTerms, none}, {ulla, course, domain.CourseApplyTerms, none},
		// A team: its members refer, its lead overrides the norm and pauses; leads act within
		// their own team.
		{anna, unge, domain.CourseRefer, full}, {ulla, unge, domain.CourseRefer, full}, {eva, unge, domain.CourseRefer, none},
		{finn, unge, domain.CourseRefer, none}, {bo, unge, domain.CourseRefer, none}, {admin, unge, domain.CourseRefer, none},
		{ulla, unge, domain.CourseOverrideNorm, full}, {anna, unge, domain.CourseOverrideNorm, none}, {finn, unge, domain.CourseOverrideNorm, none},
		// A consultant refers to courses she works on; the lead for any of the team's.
		{ulla, unge, domain.CourseReferOthers, full}, {anna, unge, domain.CourseReferOthers, none}, {finn, unge, domain.CourseReferOthers, none},
		// The invitation carries the agenda: the full view only; a page of one's own is the citizen's.
		{ida, plan, domain.PlanReadInvitation, full}, {lise, plan, domain.PlanReadInvitation, full}, {karen, plan, domain.PlanReadInvitation, none},
		{ida, plan, domain.PlanReadOwn, none}, {admin, plan, domain.PlanReadOwn, none}, {anna, course, domain.CourseReadOwn, none},
		{ulla, unge, domain.TeamPause, full}, {finn, unge, domain.TeamPause, none}, {karen, unge, domain.TeamResume, none},
		{ulla, unge, domain.TeamWorklist, full}, {bo, unge, domain.TeamWorklist, over}, {finn, unge, domain.TeamWorklist, none},
		{anna, unge, domain.TeamWorklist, none}, {admin, unge, domain.TeamWorklist, full},
		{anna, unge, domain.TeamRead, full}, {eva, unge, domain.TeamRead, none}, {finn, unge, domain.TeamRead, none},
		{bo, unge, domain.TeamReorganise, full}, {admin, unge, domain.TeamPhaseOut, full}, {ulla, unge, domain.TeamTargets, none},
		// A plan: the people taking part; the coordinator's lead sees its course, not its content.
		{ida, plan, domain.PlanRead, full}, {jonas, plan, domain.PlanRead, full}, {lise, plan, domain.PlanRead, full},
		{karen, plan, domain.PlanRead, over}, {admin, plan, domain.PlanRead, full},
		{per, plan, domain.PlanRead, none}, {nina, plan, domain.PlanRead, none}, {ulla, plan, domain.PlanRead, none},
		{finn, plan, domain.PlanRead, none}, {bo, plan, domain.PlanRead, none}, {noID, plan, domain.PlanRead, none},
		{ida, plan, domain.PlanSchedule, full}, {jonas, plan, domain.PlanSchedule, none}, {jonas, plan, domain.PlanConsent, full},
		{lise, plan, domain.PlanConsent, none}, {jonas, plan, domain.PlanCitizenMeeting, full}, {ida, plan, domain.PlanCitizenMeeting, none},
		{ida, plan, domain.PlanParticipants, full}, {karen, plan, domain.PlanParticipants, full}, {admin, plan, domain.PlanParticipants, full},
		{ulla, plan, domain.PlanParticipants, none}, {finn, plan, domain.PlanParticipants, none}, {nina, plan, domain.PlanParticipants, none},
		// The programme, by role.
		{anna, domain.Programme, domain.CoursesList, full}, {ulla, domain.Programme, domain.CoursesList, full}, {bo, domain.Programme, domain.CoursesList, none},
		{ida, domain.Programme, domain.CoursesList, none}, {bo, domain.Programme, domain.PlansList, none}, {lise, domain.Programme, domain.PlansList, full},
		{ida, domain.Programme, domain.PlanEnrol, full}, {jonas, domain.Programme, domain.PlanEnrol, full}, {lise, domain.Programme, domain.PlanEnrol, none},
		{bo, domain.Programme, domain.ExtensionsPending, full}, {ulla, domain.Programme, domain.ExtensionsPending, none},
		{ulla, domain.Programme, domain.ReportsRead, full}, {anna, domain.Programme, domain.ReportsRead, none},
		{admin, domain.Programme, domain.ReportsProduce, full}, {bo, domain.Programme, domain.ReportsProduce, none},
		{ulla, domain.Programme, domain.DecisionsRead, full}, {ulla, domain.Programme, domain.DecisionsRecord, none}, {bo, domain.Programme, domain.DecisionsRecord, full},
		{admin, domain.Programme, domain.AccessLogExport, full}, {bo, domain.Programme, domain.AccessLogExport, none},
		{admin, domain.Programme, domain.PayloadsDecode, full}, {ulla, domain.Programme, domain.PayloadsDecode, none},
		{admin, domain.Programme, domain.EffectsRead, full}, {bo, domain.Programme, domain.EffectsRead, none},
		{admin, domain.Programme, domain.EffectsRetry, full}, {ulla, domain.Programme, domain.EffectsRetry, none},
		{bo, unge, domain.TeamMoveResume, full}, {admin, unge, domain.TeamMoveResume, full}, {ulla, unge, domain.TeamMoveResume, none},
		{admin, domain.Programme, domain.SessionsRevoke, full}, {ulla, domain.Programme, domain.SessionsRevoke, none},
	}
	for _, r := range rows {
		v, err := domain.Access(r.who, r.subj, r.act)
		assert.Equal(t, r.want, v, "%s %s %s", r.who.ID, r.act, r.subj.ID)
		if r.want == none {
			assert.Equal(t, domain.EForbidden, domain.ErrorCode(err), "%s %s: refused", r.who.ID, r.act)
			assert.NotEmpty(t, domain.ErrorMessage(err), "a refusal says why")
		} else {
			assert.NoError(t, err, "%s %s", r.who.ID, r.act)
		}
	}
}

// Every action in the table is about one kind of subject; asking about another is a bug, not a
// permission.
func TestAccessRulesRefuseTheWrongSubject(t *testing.T) {
	_, err := domain.Access(admin, plan, domain.CourseRead)
	assert.Equal(t, domain.EInternal, domain.ErrorCode(err))
	_, err = domain.Access(admin, course, domain.Action("no.such.action"))
	assert.Equal(t, domain.EInternal, domain.ErrorCode(err))
	for _, act := range domain.Actions() {
		assert.NotEmpty(t, domain.Grants(act), "%s: nobody may do it", act)
	}
}

// The list scopes are the read rule's list form: whatever a scope lets through, the rule lets
// through for a course of that shape.
func TestListScopesAgreeWithTheRule(t *testing.T) {
	for _, a := range []domain.Actor{anna, bilal, eva, ulla, finn, karen, bo, ida, admin, nobody} {
		sc := domain.CourseListScope(a)
		for _, c := range []domain.Subject{
			domain.CourseSubject("c1", "unge", []string{"anna"}, false, nil),
			domain.CourseSubject("c2", "familie", []string{"eva"}, false, nil),
			domain.CourseSubject("c3", "unge", []string{"bilal", "anna"}, true, nil),
		} {
			inScope := sc.All || (sc.TeamID != "" && sc.TeamID == c.TeamID)
			for _, id := range c.ConsultantIDs {
				inScope = inScope || id == sc.ConsultantID
			}
			v, _ := domain.Access(a, c, domain.CourseRead)
			assert.Equal(t, v == domain.ViewFull, inScope, "%s, course %s", a.ID, c.ID)
		}
		ps := domain.PlanListScope(a)
		inScope := ps.All || ps.ParticipantID == "ida" || ps.ParticipantID == "jonas" || ps.ParticipantID == "lise"
		v, _ := domain.Access(a, plan, domain.PlanRead)
		assert.Equal(t, v == domain.ViewFull, inScope, "%s, plan", a.ID)
	}
}

func TestRelations(t *testing.T) {
	require.ElementsMatch(t, []domain.Relation{domain.RelTeamLead, domain.RelAnyTeamLead}, domain.Relations(ulla, course))
	require.ElementsMatch(t, []domain.Relation{domain.RelOtherTeamLead, domain.RelAnyTeamLead}, domain.Relations(finn, course))
	require.ElementsMatch(t, []domain.Relation{domain.RelCoordinatorLead, domain.RelAnyTeamLead}, domain.Relations(karen, plan))
	require.ElementsMatch(t, []domain.Relation{domain.RelSteeringGroup, domain.RelExtensionDecider}, domain.Relations(bo, courseX))
	require.ElementsMatch(t, []domain.Relation{domain.RelTeamMember, domain.RelAnyConsultant}, domain.Relations(anna, unge))
}

func TestCheckText(t *testing.T) {
	for _, ok := range []string{"", "Æblegrød på Ærø", "linje 1\nlinje 2\r\n\tindrykket", "emoji 🙂"} {
		assert.NoError(t, domain.CheckText("f", ok), "%q", ok)
	}
	for _, bad := range []string{"a\x00b", "\x07", "\x1b[31m", "\u0085", "\xff", "ab\xc3", "\ufffe"} {
		err := domain.CheckText("f", bad)
		assert.Equal(t, domain.EInvalid, domain.ErrorCode(err), "%q", bad)
		assert.Equal(t, "f", domain.ErrorField(err))
	}
	assert.Error(t, domain.CheckLine("f", "two\nlines"))
	assert.Equal(t, "æøå", domain.ClipRunes("æøåæøå", 3), "cut on a character boundary")
	assert.Equal(t, "ab", domain.ClipRunes("ab", 5))
}

// A stand-in takes over the absent person's own ties to their cases, for the days of the
// absence (StandsInOn fills StandsInFor by date), and nothing else: not another case, not a
// role's or a lead's relations. The audit names on whose behalf.
func TestStandInAccess(t *testing.T) {
	str := func(s string) *string { return &s }
	absences := []domain.Absence{
		{StaffID: "anna", From: "2027-03-01", To: "2027-03-12", HolderID: str("bilal")},
		{StaffID: "ida", From: "2027-03-10", To: "2027-03-10", HolderID: str("nina")},
		{StaffID: "lise", From: "2027-03-01", To: "2027-03-31", HolderID: str("per")},
	}
	on := func(who domain.Actor, day string) domain.Actor {
		who.StandsInFor = domain.StandsInOn(absences, who.ID, day)
		return who
	}
	full, none := domain.ViewFull, domain.ViewNone
	otherCourse := domain.CourseSubject("c2", "unge", []string{"dennis"}, false, []string{"z"})
	rows := []struct {
		who  domain.Actor
		subj domain.Subject
		act  domain.Action
		want domain.View
	}{
		// Bilal stands in for Anna from 1 to 12 March: her course, not before, not after.
		{on(bilal, "2027-02-28"), course, domain.CourseRead, none},
		{on(bilal, "2027-03-01"), course, domain.CourseRead, full},
		{on(bilal, "2027-03-01"), course, domain.CourseProgression, full},
		{on(bilal, "2027-03-12"), course, domain.CourseClose, full},
		{on(bilal, "2027-03-13"), course, domain.CourseRead, none},
		{on(bilal, "2027-03-05"), otherCourse, domain.CourseRead, none},
		{on(bilal, "2027-03-05"), courseX, domain.CourseDecideExtension, none},
		// Nina stands in for the coordinator Ida on the 10th: her plan, as its coordinator.
		{on(nina, "2027-03-09"), plan, domain.PlanSchedule, none},
		{on(nina, "2027-03-10"), plan, domain.PlanSchedule, full},
		{on(nina, "2027-03-10"), plan, domain.PlanRead, full},
		{on(nina, "2027-03-11"), plan, domain.PlanRead, none},
		// Per stands in for the participant Lise: he reads the plan, he does not coordinate it.
		{on(per, "2027-03-15"), plan, domain.PlanRead, full},
		{on(per, "2027-03-15"), plan, domain.PlanSchedule, none},
		{on(per, "2027-03-15"), plan, domain.PlanConsent, none},
		// Nobody else gains anything from the absences.
		{on(eva, "2027-03-05"), course, domain.CourseRead, none},
		{on(anna, "2027-03-05"), course, domain.CourseRead, full},
	}
	for _, r := range rows {
		v, _ := domain.Access(r.who, r.subj, r.act)
		assert.Equal(t, r.want, v, "%s %v %s %s", r.who.ID, r.who.StandsInFor, r.act, r.subj.ID)
	}
	assert.Contains(t, domain.Relations(on(bilal, "2027-03-05"), course), domain.RelStandIn)
	assert.Equal(t, "anna", domain.OnBehalfOf(on(bilal, "2027-03-05"), course, domain.CourseRead))
	assert.Equal(t, "ida", domain.OnBehalfOf(on(nina, "2027-03-10"), plan, domain.PlanSchedule))
	assert.Equal(t, "lise", domain.OnBehalfOf(on(per, "2027-03-10"), plan, domain.PlanRead))
	assert.Empty(t, domain.OnBehalfOf(on(anna, "2027-03-05"), course, domain.CourseRead), "in her own right")
	assert.Empty(t, domain.OnBehalfOf(on(bilal, "2027-03-13"), course, domain.CourseRead), "no longer")
	// A stand-in who is a participant in their own right acts in their own right.
	lisePer := on(lise, "2027-03-15")
	lisePer.StandsInFor = []string{"jonas"}
	assert.Empty(t, domain.OnBehalfOf(lisePer, plan, domain.PlanRead))
	assert.Equal(t, "jonas", domain.OnBehalfOf(lisePer, plan, domain.PlanConsent))
}

// A staff member's absences: they themself, their lead and an administrator.
func TestAbsenceAccess(t *testing.T) {
	annaSubj := domain.StaffSubject("anna")
	for who, want := range map[*domain.Actor]bool{&anna: true, &ulla: true, &admin: true, &bilal: false, &finn: false, &bo: false, &karen: false} {
		for _, act := range []domain.Action{domain.AbsenceRecord, domain.AbsenceRead, domain.AbsenceCancel} {
			assert.Equal(t, want, domain.May(*who, annaSubj, act), "%s %s", who.ID, act)
		}
	}
}

func TestCheckStandIn(t *testing.T) {
	str := func(s string) *string { return &s }
	annaS := domain.Staff{ID: "anna", Roles: []domain.Role{domain.RoleConsultant}, LeadID: str("ulla")}
	assert.NoError(t, domain.CheckStandIn(annaS, domain.Staff{ID: "bilal", Roles: []domain.Role{domain.RoleConsultant}}))
	assert.NoError(t, domain.CheckStandIn(annaS, domain.Staff{ID: "ulla", Roles: []domain.Role{domain.RoleTeamLead}}), "her lead")
	assert.Error(t, domain.CheckStandIn(annaS, domain.Staff{ID: "ida", Roles: []domain.Role{domain.RoleCoordinator}}))
	assert.Error(t, domain.CheckStandIn(annaS, annaS))
}
