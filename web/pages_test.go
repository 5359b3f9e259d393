package web

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/report"
	"tvp/service"
	"tvp/words"
)

func str(s string) *string { return &s }

// page is a page's view model with a logged-in team lead in the layout.
func page[T any](title string, data T) Page[T] {
	me := domain.Actor{ID: "leder.ulla", Roles: []domain.Role{domain.RoleTeamLead}, TeamID: "ungeteam"}
	return Page[T]{Title: title, Me: me, MeName: "Ulla " + evil, MyTeam: "ungeteam", Nav: Nav{Courses: true, Steering: true, Reports: true}, Data: data}
}

func samplePlan(withdrawn bool) service.Plan {
	p := service.Plan{
		ID: "p-1", CitizenID: "cit-2", CoordinatorID: "tovholder.ida", CoordinatingCaseworkerID: "koordinator.jonas",
		Phase: domain.PlanActive, Consent: &domain.Consent{Scope: "Deling " + evil, Date: at(-60)},
		NextMeetingAt: ptr(at(5)), NextDeadline: ptr(at(2)), Next: &domain.Next{Code: domain.NextSendInvitation, MeetingSeq: 3},
		Participants: []domain.Participant{
			{StaffID: "tovholder.ida", Role: domain.ParticipantCoordinator},
			{StaffID: "koordinator.jonas", Role: domain.ParticipantCoordinatingCaseworker},
			{StaffID: "sagsbehandler.lise", Role: domain.ParticipantCaseworker, Centre: domain.CentreLabour},
			{StaffID: "sagsbehandler.gone", Role: domain.ParticipantCaseworker, Centre: domain.CentreHealth, LeftAt: ptr(at(-3))},
		},
		Meetings: []domain.Meeting{
			{Seq: 1, Kind: domain.MeetingCrossDisciplinary, Status: domain.MeetingMinuted, DueBy: at(-50), ScheduledAt: ptr(at(-52)),
				InvitationSentAt: ptr(at(-70)), HeldAt: ptr(at(-52)), MinutesDue: ptr(at(-45)), MinutesRecordedAt: ptr(at(-46))},
			{Seq: 2, Kind: domain.MeetingCrossDisciplinary, Status: domain.MeetingHeld, DueBy: at(-10), HeldAt: ptr(at(-12)), MinutesDue: ptr(at(-5))},
			{Seq: 3, Kind: domain.MeetingCrossDisciplinary, Status: domain.MeetingScheduled, DueBy: at(20), ScheduledAt: ptr(at(5))},
			{Seq: 4, Kind: domain.MeetingCitizen, Status: domain.MeetingScheduled, DueBy: at(15)},
			{Seq: 5, Kind: domain.MeetingCrossDisciplinary, Status: domain.MeetingNotHeld, DueBy: at(-30), ScheduledAt: ptr(at(-31))},
		},
		FormVersions: []domain.FormVersion{
			{Version: 1, MeetingSeq: 1, ChangedBy: "tovholder.ida", ChangedAt: at(-52), Summary: "Første " + evil,
				Goals: []domain.FormGoal{{Goal: "Job " + evil, Agreements: []domain.Agreement{{Text: "Kontakt " + evil, Responsible: "sagsbehandler.lise"}}}}},
			{Version: 2, MeetingSeq: 2, ChangedBy: "tovholder.ida", ChangedAt: at(-12), Summary: "Anden",
				Goals: []domain.FormGoal{{Goal: "Bolig"}, {Goal: "Job", Agreements: []domain.Agreement{{Text: "Praktik", Responsible: "borgeren"}}}}},
		},
	}
	if withdrawn {
		p.Phase, p.Consent.WithdrawnOn, p.EndedOn, p.EndReason = domain.PlanEnded, ptr(at(-1)), ptr(at(-1)), "consent withdrawn: "+evil
		p.NextMeetingAt, p.NextDeadline, p.Next = nil, nil, nil
	}
	return p
}

func planPage(p service.Plan, may PlanSteps) PlanPage {
	pg := PlanPage{Plan: p, CitizenName: "Pia " + evil, May: may, Today: "2026-03-02",
		StaffNames: map[string]string{"tovholder.ida": "Ida Tovholder", "koordinator.jonas": "Jonas " + evil, "sagsbehandler.lise": "Lise"}}
	pg.Meetings = meetingRows(p.Meetings, day0)
	for i := range p.Meetings {
		if m := &p.Meetings[i]; m.Kind == domain.MeetingCrossDisciplinary && m.Status == domain.MeetingScheduled {
			pg.Next = m
		}
	}
	pg.Versions = slices.Clone(p.FormVersions)
	slices.Reverse(pg.Versions)
	return pg
}

func sampleStatus() report.Status {
	return report.Status{
		AsOf: day0,
		Teams: []domain.TeamStatus{
			{TeamID: "ungeteam", TeamName: "Ungeteam " + evil, Touched: 40, Referred: 42, Ongoing: 12, Ended: 30, Employment: 8, Education: 11, SelfSupport: 2},
			{TeamID: "familieteam", TeamName: "Familieteam", Touched: 9, Ongoing: 3},
		},
		CentreCaseload: domain.DefaultCentreCaseloads(),
		Collaboration:  domain.CollaborationStat{PlansActive: 4, PlansEnded: 1, MeetingsHeld: 6, MeetingsOnTime: 5, MinutesDue: 6, MinutesOnTime: 4},
	}
}

type pageCase struct {
	name, template string
	page           any
	// want are texts the page must show (html/template's escaping of them included).
	want []string
}

func pageCases() []pageCase {
	staff := []service.StaffMember{
		{ID: "konsulent.anna", Name: "Anna " + evil, TeamID: str("ungeteam"), Roles: []domain.Role{domain.RoleConsultant}},
		{ID: "leder.ulla", Name: "Ulla", TeamID: str("ungeteam"), Roles: []domain.Role{domain.RoleTeamLead, domain.RoleSteeringGroup}},
		{ID: "admin", Name: "Admin", Roles: []domain.Role{domain.RoleAdmin}},
	}
	teams := []domain.Team{{ID: "ungeteam", Name: "Ungeteam"}, {ID: "familieteam", Name: "Familieteam " + evil}}
	courseNames := map[string]string{"cit-1": "Alma " + evil}
	summary := service.CourseSummary{ID: "c-1", TeamID: "ungeteam", Phase: domain.PhaseAwaitingDecision, PlannedEnd: at(-3),
		NextDeadline: ptr(at(-3)), Next: &domain.Next{Code: domain.NextOverdue}, CitizenIDs: []string{"cit-1"}, ConsultantIDs: []string{"konsulent.anna"}}
	coursePage := func(c service.Course, may CourseSteps) CoursePage {
		return CoursePage{Course: c, Team: teams[0], Names: courseNames, Consultants: []string{"Anna " + evil}, Timeline: courseTimeline(c),
			Chart: progressionChart(c, 10), May: may, ScoreMax: 10, Today: "2026-03-02",
			MilestoneOutcomes: outcomeOptions(milestoneOutcomes), CloseOutcomes: outcomeOptions(closeOutcomes)}
	}
	all := CourseSteps{Progression: true, Milestone: true, Extension: true, Close: true}
	teamPage := service.TeamPage{
		Team: teams[0], Courses: []service.CourseSummary{summary}, Names: courseNames, MayPause: true,
		Caseloads: []domain.ConsultantCaseload{{StaffID: "konsulent.anna", Name: "Anna " + evil, Open: 11, NormMax: 10}, {StaffID: "konsulent.bilal", Name: "Bilal", Open: 4, NormMax: 10}},
	}
	paused := teamPage
	paused.Pause = &domain.TeamPauseRecord{TeamID: "ungeteam", PausedAt: at(-5), PlannedResume: at(9), Reason: "Sygdom " + evil}
	paused.Courses, paused.Caseloads, paused.MayPause = nil, nil, false
	body := json.RawMessage(`{}`)
	return append([]pageCase{
		{"login", "login", Page[LoginPage]{Title: "Log ind", CSRF: "tok" + evil, Data: LoginPage{Configured: true, Next: "/forloeb/x"}},
			[]string{`action="/login"`, `name="csrf" value="tok&lt;x-evil`, `value="/forloeb/x"`}},
		{"login, no municipal login", "login", Page[LoginPage]{Title: "Log ind"}, []string{"Kontakt en administrator"}},
		{"logged out", "loggedout", Page[LoggedOutPage]{Title: "Du er logget ud"}, []string{`href="/login"`}},
		{"citizen login", "borger_login", Page[CitizenLoginPage]{Title: "Log ind som borger", CSRF: "tok" + evil, Data: CitizenLoginPage{Configured: true, Next: "/borger/x"}},
			[]string{"Log ind med MitID", `action="/borger/login"`, `value="/borger/x"`}},
		{"citizen not in the programme", "borger_login", Page[CitizenLoginPage]{Title: "Nej", Data: CitizenLoginPage{NotInProgramme: true, Configured: true}},
			[]string{"Du har ikke en plan eller et forløb i TVP"}},
		{"citizen account", "borger_login", Page[CitizenLoginPage]{Title: "Konto", CSRF: "tok", Data: CitizenLoginPage{Name: "Sara " + evil, Configured: true}},
			[]string{`action="/borger/logout"`, "Sara "}},
		{"citizen logged out", "borger_loggedout", Page[CitizenLoggedOutPage]{Title: "Du er logget ud"}, []string{`href="/borger/login"`}},
		{"error", "error", page("Det lykkedes ikke", ErrorPage{Message: words.Error(domain.EForbidden), Detail: evil}), []string{"Du har ikke adgang"}},
		{"inbox", "inbox", page("Min indbakke", InboxPage{Items: []service.InboxItem{
			{ID: 1, Kind: domain.ReminderMinutesDue, SubjectType: domain.SubjectPlan, SubjectID: "p-1", DueAt: at(-1), Overdue: true},
			{ID: 2, Kind: domain.ReminderProgressionDue, SubjectType: domain.SubjectCourse, SubjectID: "c-1", DueAt: at(3)},
			{ID: 3, Kind: domain.ReminderResumeDue, SubjectType: domain.SubjectTeam, SubjectID: "ungeteam", DueAt: at(4)},
		}}), []string{`href="/samarbejde/p-1"`, `href="/forloeb/c-1"`, `href="/teams/ungeteam"`, "overskredet", "01-03-2026 10:30"}},
		{"inbox, standing in and away", "inbox", page("Min indbakke", InboxPage{Me: "tovholder.ida", Items: []service.InboxItem{
			{ID: 4, Kind: domain.ReminderMinutesDue, SubjectType: domain.SubjectPlan, SubjectID: "p-2", DueAt: at(1), OnBehalfOf: "tovholder.nina"},
		}, StandingIn: []domain.Absence{{ID: "a-1", StaffID: "tovholder.nina", From: "2026-03-01", To: "2026-03-05"}},
			Absences: []domain.Absence{{ID: "a-2", StaffID: "tovholder.ida", From: "2026-04-01", To: "2026-04-03", HolderID: str("leder.karen")}}}),
			[]string{"(for tovholder.nina)", "stedfortræder i dag for tovholder.nina (til og med 2026-03-05)", `data-api="/api/v1/staff/tovholder.ida/absences"`,
				`data-api="/api/v1/staff/tovholder.ida/absences/a-2" data-method="DELETE"`, "leder.karen"}},
		{"inbox, empty", "inbox", page("Min indbakke", InboxPage{}), []string{"Ingen påmindelser"}},
		{"courses with the referral form", "courses", page("Forløb", CoursesPage{
			Courses: []service.CourseSummary{summary}, Names: courseNames, TeamNames: map[string]string{"ungeteam": "Ungeteam"}, Today: "2026-03-02",
			MayRefer: true, MayOverride: true, Teams: teams, Consultants: staff[:1],
		}), []string{"Alma &lt;x-evil", "<td>Ungeteam</td>", "over slutdato", "overskredet: afslut", "caseload_override_reason"}},
		{"courses, none", "courses", page("Forløb", CoursesPage{}), []string{"Ingen forløb."}},
		{"course, open, every form", "course", page("Forløb", coursePage(sampleCourse(false), all)),
			[]string{"Alma &lt;x-evil", "Målprogression 2 registreret: Godt", "Styregruppen har godkendt forlængelsen",
				"Resultat undervejs: beskæftigelse", "Teamet genoptaget", "registrér målprogression",
				`aria-label="Målprogression pr. mål"`, `<option value="self_support">Selvforsørgelse</option>`,
				`<option value="handed_back">Tilbage til almindelig sagsbehandling</option>`}},
		{"course, closed, no forms", "course", page("Forløb", coursePage(sampleCourse(true), CourseSteps{})),
			[]string{"Resultat: <strong>uddannelse</strong>", "Forløbet er afsluttet.", "Afsluttet: uddannelse"}},
		{"course, no progression yet", "course", page("Forløb", func() CoursePage {
			c := sampleCourse(false)
			c.Progressions = nil
			return coursePage(c, all)
		}()), []string{"Ingen målprogression registreret endnu."}},
		{"steering group", "steering", page("Styregruppen", SteeringPage{
			Items:     []service.PendingExtension{{CourseID: "c-1", TeamID: "ungeteam", Seq: 2, RequestedAt: at(-2), RequestedBy: "konsulent.anna", Reason: evil, OldEnd: at(1), NewEnd: at(90)}},
			TeamNames: map[string]string{"ungeteam": "Ungeteam"}, StaffNames: map[string]string{"konsulent.anna": "Anna Borgerkonsulent"},
		}), []string{"Forlængelse af et forløb i Ungeteam", "af Anna Borgerkonsulent", "/api/v1/courses/c-1/extensions/2/decision"}},
		{"steering group, nothing waits", "steering", page("Styregruppen", SteeringPage{}), []string{"Ingen anmodninger"}},
		{"plans", "plans", page("Samarbejdsmodellen", PlansPage{
			Plans: []service.PlanSummary{{ID: "p-1", CitizenID: "cit-2", Phase: domain.PlanAwaitingConsent, NextMeetingAt: ptr(at(4)), NextDeadline: ptr(at(1)),
				Next: &domain.Next{Code: domain.NextSetMeetingDate, ConsentMissing: true}}},
			Names: map[string]string{"cit-2": "Pia " + evil},
		}), []string{"Pia &lt;x-evil", "afventer samtykke", "(borgerens samtykke mangler)"}},
		{"plans, none", "plans", page("Samarbejdsmodellen", PlansPage{}), []string{"Du deltager ikke"}},
		{"plan, every form", "plan", page("Borgerens plan", planPage(samplePlan(false), PlanSteps{Schedule: true, Invitation: true, MeetingHeld: true, Consent: true})),
			[]string{"Pia &lt;x-evil", "givet 01-01-2026", "Ida Tovholder – tovholder", "Lise – sagsbehandler (Arbejdsmarked)",
				"tværfagligt samarbejdsmøde", "møde med borgeren", "holdt, referat skrevet", "ikke holdt",
				`<span class="overdue">frist 25-02-2026</span>`, "Version 2 (gældende)", "Kontakt &lt;x-evil", "(Lise)", "(borgeren)",
				"tovholderen sender indkaldelse", `id="next-meeting"`}},
		{"plan, consent withdrawn", "plan", page("Borgerens plan", planPage(samplePlan(true), PlanSteps{})),
			[]string{"trukket tilbage 01-03-2026", "Afsluttet 01-03-2026"}},
		{"plan, new", "plan", page("Borgerens plan", planPage(service.Plan{ID: "p-2", Phase: domain.PlanAwaitingConsent}, PlanSteps{Consent: true})),
			[]string{"mangler", "Ingen møder endnu.", "Udfyldes på det første samarbejdsmøde."}},
		{"team", "team", page("Ungeteam", TeamPage{TeamPage: teamPage, StaffNames: map[string]string{"konsulent.anna": "Anna Borgerkonsulent"},
			Chart: barChart("Åbne forløb pr. borgerkonsulent mod normen", []bar{{Label: "Anna " + evil, Value: 11, Norm: 10}, {Label: "Bilal", Value: 4, Norm: 10}})}),
			[]string{"Aktivt", "Sæt teamet på pause", "Anna Borgerkonsulent", `aria-label="Åbne forløb pr. borgerkonsulent mod normen"`, "<title>norm 10</title>", `fill="#b3261e"`}},
		{"team, paused", "team", page("Ungeteam", TeamPage{TeamPage: paused}),
			[]string{"På pause", "Sygdom &lt;x-evil", "Ingen åbne forløb.", "ingen borgerkonsulenter"}},
		{"reports", "reports", page("Rapporter", ReportsPage{Report: sampleStatus(),
			Stored: []domain.StoredReport{{ID: 7, Kind: "committee", PeriodFrom: at(-180), PeriodTo: at(0), Body: &body}},
			Chart:  barChart("Status pr. team", []bar{{Label: "Ungeteam " + evil + ": berørte", Value: 40}})}),
			[]string{"Ungeteam &lt;x-evil", "STAR", "/api/v1/reports/committee/7", "03-09-2025 – 01-03-2026", `aria-label="Status pr. team"`}},
		{"reports, empty", "reports", page("Rapporter", ReportsPage{}), []string{"Ingen endnu."}},
		{"statement", "statement", page("Tilgængelighedserklæring for TVP", StatementPage{AxeVersion: "4.10.3"}), []string{"delvist overholdt", "tilgaengelighed@kommune.example", "axe-core 4.10.3"}},
		{"programme steering", "steeringreport", page("Programstyring", SteeringReportPage{
			Report: report.Steering{AsOf: day0, Resources: domain.DefaultResources(), Teams: []report.TeamSteering{{
				TeamID: "ungeteam", StaffHours: 74, FTE: 2, CostDKK: 1100000, CostPerOpenCourse: 91666.67, CostPerEmpEdu: 57894.74,
				Targets: []report.TargetLine{
					{Key: domain.TargetOutcomeShare, Description: "Halvdelen " + evil, Target: 0.5, Actual: 0.475, Met: false},
					{Key: domain.TargetPerYear, Target: 20, Actual: 24, Met: true},
				},
			}}},
			Decisions: []domain.Decision{
				{ID: 1, DecidedOn: at(-300), Body: domain.BodySteeringGroup, Title: "Mål " + evil, Text: "Tekst",
					Changes: []domain.Change{{Kind: "targets", TeamID: "ungeteam"}, {Kind: "course_terms", TeamID: "ungeteam", CourseID: "c-1", Note: "ny slutdato"}}},
				{ID: 2, DecidedOn: at(-900), Body: domain.BodySSU, Title: "Udvalg", Text: "Tekst"},
			},
			TeamNames: map[string]string{"ungeteam": "Ungeteam"},
		}), []string{"andel af forløb med job eller uddannelse", "50 %", "47,5 %", "1.100.000", "2</td>", "22-11-2017",
			"Styregruppen", "SSU", "Mål: <a href=\"/teams/ungeteam\">Ungeteam</a>", "Forløbets vilkår: <a href=\"/forloeb/c-1\">forløbet</a> (ny slutdato)"}},
	}, citizenPageCases()...)
}

// Every page's template renders its typed view model into well-formed HTML: no missing field,
// no formatting error, no value html/template had to refuse, and every text escaped.
func TestPagesRender(t *testing.T) {
	p, err := New(Deps{})
	require.NoError(t, err)
	rendered := map[string]bool{}
	for _, tc := range pageCases() {
		t.Run(tc.name, func(t *testing.T) {
			rendered[tc.template] = true
			var buf bytes.Buffer
			require.NoError(t, p.execute(&buf, tc.template, tc.page))
			out := buf.String()
			checkHTML(t, out)
			for _, bad := range []string{"<no value>", "%!", "ZgotmplZ", "<x-evil", "map[", "0001"} {
				assert.NotContains(t, out, bad)
			}
			for _, w := range tc.want {
				assert.Contains(t, out, w)
			}
			if t.Failed() {
				t.Logf("page:\n%s", out)
			}
		})
	}
	for name := range p.tmpls {
		assert.True(t, rendered[name], "template %s has no case in TestPagesRender", name)
	}
}
