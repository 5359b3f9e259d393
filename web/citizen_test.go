package web

import (
	"bytes"
	"html"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/service"
	"tvp/words"
)

// citizenPage is a citizen's page's view model as the layout gets it: no staff member.
func citizenPage[T any](title string, nav CitizenNav, data T) Page[CitizenPage[T]] {
	return Page[CitizenPage[T]]{Title: title, CSRF: "tok", Data: CitizenPage[T]{Nav: nav, Data: data}}
}

func sampleMyPlan() service.MyPlan {
	p := samplePlan(false)
	due := "2026-03-20"
	p.FormVersions[1].Goals[1].Agreements = []domain.Agreement{
		{ID: "a1", Text: "Praktik " + evil, Party: domain.PartyCitizen, Responsible: "borgeren", DueDate: due},
		{ID: "a2", Text: "Lægesamtale", Party: domain.PartyOutside, Outside: "Egen læge " + evil, Responsible: "Egen læge", DueDate: "2026-04-01", DoneAt: ptr(at(-2))},
	}
	p.FormVersions[1].Responses = []domain.FormResponse{{By: "borger:cit-2", At: at(-1), Confirmed: false, Comment: "Ikke enig " + evil}}
	p.Meetings[2].Agenda = []domain.AgendaPoint{{Text: "Min bolig " + evil, By: "borger:cit-2", At: at(-1), ByCit: true}}
	mp := service.MyPlan{ID: p.ID, Phase: p.Phase, Consent: p.Consent, Revision: 9,
		People: []service.Person{{StaffID: "tovholder.ida", Name: "Ida " + evil, Role: domain.ParticipantCoordinator, Email: "ida@kommune.example"},
			{StaffID: "koordinator.jonas", Name: "Jonas", Role: domain.ParticipantCoordinatingCaseworker}},
		Caseworkers: []service.Person{{StaffID: "sagsbehandler.lise", Name: "Lise", Centre: domain.CentreLabour}},
		Network:     []domain.NetworkMember{{Name: "Egen læge " + evil, AddedAt: at(-12)}},
		Meetings:    p.Meetings, NextMeeting: &p.Meetings[2], FormVersions: p.FormVersions,
		GoalWords: []domain.GoalWords{{FormVersion: 2, Goal: 1, Text: "Det går " + evil, By: "borger:cit-2", At: at(-1)}},
		Can:       service.Can{domain.PlanAgendaPoint: true, domain.PlanGoalWords: true, domain.PlanRespondForm: true, domain.PlanWithdrawConsent: true},
		Agreements: []service.MyAgreement{
			{Agreement: p.FormVersions[1].Goals[1].Agreements[0], Goal: "Job", Who: "dig"},
			{Agreement: p.FormVersions[1].Goals[1].Agreements[1], Goal: "Job", Who: "Egen læge " + evil},
		},
	}
	return mp
}

func citizenPlanPage(section string) CitizenPlanPage {
	mp := sampleMyPlan()
	pg := CitizenPlanPage{Plan: mp, Section: section, Sections: citizenSections, Title: section, Changes: map[int][]string{
		1: {"Den første version af din plan."}, 2: formChanges(mp.FormVersions[0], mp.FormVersions[1])}}
	for _, a := range mp.Agreements {
		if a.DoneAt != nil {
			pg.DoneAgreements = append(pg.DoneAgreements, a)
		} else {
			pg.OpenAgreements = append(pg.OpenAgreements, a)
		}
	}
	return pg
}

func citizenPageCases() []pageCase {
	nav := CitizenNav{PlanID: "p-1", CourseID: "c-1", Current: "plan"}
	return []pageCase{
		{"citizen home", "borger_home", citizenPage("Min side", nav, CitizenHomePage{Cases: []service.MyCase{
			{Type: domain.SubjectPlan, ID: "p-1", Phase: "active", Since: at(-60)}, {Type: domain.SubjectCourse, ID: "c-1", Phase: "closed", Since: at(-400), Ended: true}}}),
			[]string{`href="/borger/plan/p-1"`, `href="/borger/forloeb/c-1"`, "afsluttet", `action="/borger/logout"`}},
		{"citizen home, nothing", "borger_home", citizenPage("Min side", CitizenNav{}, CitizenHomePage{}), []string{"ikke en plan eller et forløb"}},
		{"citizen plan", "borger_plan", citizenPage("Min plan", nav, citizenPlanPage(sectionPlan)),
			[]string{"Din plan nu (version 2", "Det går &lt;x-evil", `action="/borger/plan/p-1/ord"`, `name="version" value="2"`,
				"Ny aftale: Praktik &lt;x-evil", "Målet er taget ud: Job &lt;x-evil", "du har skrevet en kommentar", `aria-current="page"`}},
		{"citizen meeting", "borger_plan", citizenPage("Mit næste møde", nav, citizenPlanPage(sectionMeeting)),
			[]string{"Dit næste møde er", "Min bolig &lt;x-evil", "(dit punkt)", `action="/borger/plan/p-1/dagsorden"`, "Ida &lt;x-evil"}},
		{"citizen agreements", "borger_plan", citizenPage("Mine aftaler", nav, citizenPlanPage(sectionAgreements)),
			[]string{"Praktik &lt;x-evil", "20-03-2026", "dig", "Lægesamtale (Egen læge &lt;x-evil", "klaret 28-02-2026"}},
		{"citizen people", "borger_plan", citizenPage("Mine kontaktpersoner", nav, citizenPlanPage(sectionPeople)),
			[]string{"Din tovholder", "mailto:ida@kommune.example", "(uden for kommunen)"}},
		{"citizen consent", "borger_plan", citizenPage("Mit samtykke", nav, citizenPlanPage(sectionConsent)),
			[]string{"Deling &lt;x-evil", `action="/borger/plan/p-1/samtykke"`, "Træk mit samtykke tilbage"}},
		{"citizen course", "borger_course", citizenPage("Mit forløb", nav, CitizenCoursePage{Course: service.MyCourse{ID: "c-1", StartDate: at(-100), PlannedEnd: at(265), ScoreMax: 10, Family: true,
			Goals:       []service.MyGoal{{Text: "Skole " + evil, Scores: []service.MyScore{{On: at(-10), Score: 6}}}, {Text: "Venner", Scores: []service.MyScore{}}},
			Consultants: []service.Person{{Name: "Anna", Email: "anna@kommune.example"}}}}),
			[]string{"Et forløb for din familie", "Skole &lt;x-evil", "6 ud af 10", "ikke lavet en vurdering", "anna@kommune.example"}},
		{"citizen log", "borger_log", citizenPage("Hvem har set min sag", nav, CitizenLogPage{Entries: []service.MyAccessEntry{
			{At: at(-1), Purpose: "casework", What: domain.PlanRead.Audit(), Role: domain.RoleCoordinator},
			{At: at(-2), Purpose: "forberedelse " + evil, What: "x.y", Who: "Ida", Refused: true},
			{At: at(-3), Purpose: "casework", What: domain.PlanRead.Audit(), Role: domain.RoleSteeringGroup},
			{At: at(-4), Purpose: "casework", What: domain.PlanRead.Audit(), System: true},
			{At: at(-5), Purpose: "casework", What: domain.PlanRead.Audit()}}}),
			[]string{"læste din plan", "sagsbehandling", "forberedelse &lt;x-evil", "fik ikke adgang", "arbejdede med din sag",
				"en tovholder", "Ida", "styregruppen", "systemet", "en medarbejder"}},
		{"citizen error", "borger_error", citizenPage("Det lykkedes ikke", CitizenNav{}, ErrorPage{Message: "Nej " + evil, Detail: "Fordi"}), []string{"Nej &lt;x-evil", `href="/borger"`}},
	}
}

// A version of the form says what changed from the one before, in the citizen's words.
func TestFormChangesInWords(t *testing.T) {
	prev := domain.FormVersion{Goals: []domain.FormGoal{{Goal: "Bolig", Agreements: []domain.Agreement{
		{ID: "a1", Text: "Søg bolig", DueDate: "2026-02-01"}, {ID: "a2", Text: "Ring", DueDate: "2026-02-02"}}}}}
	cur := domain.FormVersion{Goals: []domain.FormGoal{{Goal: "Bolig", Agreements: []domain.Agreement{
		{ID: "a1", Text: "Søg bolig", DueDate: "2026-03-01"}}}, {Goal: "Job", Agreements: []domain.Agreement{{ID: "a3", Text: "CV"}}}}}
	assert.Equal(t, []string{"Nyt mål: Job", `Ny frist for "Søg bolig": 01-03-2026`, "Ny aftale: CV", "Aftalen er taget ud: Ring"}, formChanges(prev, cur))
	assert.Equal(t, []string{"Målene og aftalerne er de samme som før."}, formChanges(prev, prev))
}

// The citizen's access log says why their case was read in Danish only: every purpose TVP
// records is shown in the citizen's words, never as its code (before, a read for a referral
// said "referral"); a purpose a member of staff wrote is shown as they wrote it.
func TestTheCitizensAccessLogIsInDanish(t *testing.T) {
	p, err := New(Deps{})
	require.NoError(t, err)
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	var entries []service.MyAccessEntry
	for _, purpose := range append(append([]domain.Purpose{}, domain.Purposes...), "forberedelse af mødet") {
		entries = append(entries, service.MyAccessEntry{At: at, Purpose: purpose, What: domain.PlanRead.Audit(), Role: domain.RoleCoordinator})
	}
	var buf bytes.Buffer
	require.NoError(t, p.execute(&buf, "borger_log", citizenPage("Hvem har set min sag", CitizenNav{}, CitizenLogPage{Entries: entries})))
	cells := regexp.MustCompile(`<td>([^<]*)</td></tr>`).FindAllStringSubmatch(buf.String(), -1)
	require.Len(t, cells, len(entries), "one row, its purpose last, per entry")
	for i, e := range entries {
		got := html.UnescapeString(cells[i][1])
		assert.Equal(t, words.Purpose(e.Purpose), got, "purpose %q", e.Purpose)
		if slices.Contains(domain.Purposes, e.Purpose) {
			assert.NotContains(t, domain.Purposes, domain.Purpose(got), "the purpose %q is shown as a code", e.Purpose)
		}
	}
	assert.Contains(t, buf.String(), "forberedelse af mødet")
}

// A refusal is explained to the citizen by what it is, not by the words of its English
// message: a text over its limit says the limit the input had.
func TestTheCitizenIsToldWhatWasWrong(t *testing.T) {
	long := domain.FieldError("text", "allows at most 2000 characters")
	long.Max = 2000
	assert.Equal(t, "Teksten er for lang. Skriv højst 2000 tegn.", citizenProblem(long))
	other := domain.FieldError("comment", "allows at most 500 characters")
	other.Max = 500
	assert.Equal(t, "Teksten er for lang. Skriv højst 500 tegn.", citizenProblem(other), "the limit of the input, not a number of the page's")
	assert.Contains(t, citizenProblem(domain.FieldError("text", "must not hold control characters")), "usynlige styretegn")
	assert.Equal(t, "Læs planen igen, og skriv så dine ord.", citizenProblem(domain.Errorf(domain.EConflict, "changed")))
}
