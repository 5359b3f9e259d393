package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/service"
	"tvp/words"
)

// The citizen's own pages under /borger (Danish, plain language, mobile first): their plan
// and each earlier version with what changed, the next meeting and its agenda, their
// agreements, their people, their consent, who has looked at their case, and their course.
// They read through the service's citizen use cases (service/mine.go), whose access rules
// refuse, and audit, a citizen who asks for another citizen's plan or course. Their forms
// post plain HTML forms (with the session's CSRF token), so they work without script and by
// keyboard, and answer by sending the browser back to the page (post/redirect/get).

// Sections of the citizen's plan, each a page of its own.
const (
	sectionPlan       = "plan"
	sectionMeeting    = "moede"
	sectionAgreements = "aftaler"
	sectionPeople     = "folk"
	sectionConsent    = "samtykke"
)

// citizenSections are the plan's pages, in the order of its menu.
var citizenSections = []struct{ Slug, Title string }{
	{sectionPlan, "Min plan"},
	{sectionMeeting, "Mit næste møde"},
	{sectionAgreements, "Mine aftaler"},
	{sectionPeople, "Mine kontaktpersoner"},
	{sectionConsent, "Mit samtykke"},
}

// CitizenNav is the citizen's menu: their plan's pages (if they have a plan) and the others.
type CitizenNav struct {
	PlanID   string
	CourseID string
	Current  string
}

// CitizenPage is what every citizen's page shows, with its own view model.
type CitizenPage[T any] struct {
	Nav CitizenNav
	// Notice is a confirmation of what the citizen just did; Problem says, in Danish, why it
	// could not be done.
	Notice, Problem string
	Data            T
}

func (p *Pages) citizenRoutes(g *gin.RouterGroup) {
	g.GET("", citizenRender(p, "borger_home", "Min side", p.citizenHome))
	g.GET("/plan/:id", citizenRender(p, "borger_plan", "Min plan", p.citizenPlan(sectionPlan)))
	for _, s := range citizenSections[1:] {
		g.GET("/plan/:id/"+s.Slug, citizenRender(p, "borger_plan", s.Title, p.citizenPlan(s.Slug)))
	}
	g.GET("/forloeb/:id", citizenRender(p, "borger_course", "Mit forløb", p.citizenCourse))
	g.GET("/indsigt", citizenRender(p, "borger_log", "Hvem har set min sag", p.citizenLog))
	g.POST("/plan/:id/dagsorden", p.citizenPost(sectionMeeting, "dagsorden", func(ctx context.Context, by service.Caller, id string, f url.Values) error {
		_, err := p.d.Service.AddMyAgendaPoint(ctx, by, id, service.AgendaInput{Text: f.Get("text")})
		return err
	}))
	g.POST("/plan/:id/ord", p.citizenPost(sectionPlan, "ord", func(ctx context.Context, by service.Caller, id string, f url.Values) error {
		version, goal := atoi(f.Get("version")), atoi(f.Get("goal"))
		_, err := p.d.Service.WriteGoalWords(ctx, by, id, service.GoalWordsInput{FormVersion: version, Goal: goal, Text: f.Get("text")})
		return err
	}))
	g.POST("/plan/:id/svar", p.citizenPost(sectionPlan, "svar", func(ctx context.Context, by service.Caller, id string, f url.Values) error {
		_, err := p.d.Service.RespondToForm(ctx, by, id, service.FormResponseInput{Version: atoi(f.Get("version")),
			Confirmed: f.Get("confirmed") == "ja", Comment: f.Get("comment")})
		return err
	}))
	g.POST("/plan/:id/samtykke", p.citizenPost(sectionConsent, "samtykke", func(ctx context.Context, by service.Caller, id string, f url.Values) error {
		_, err := p.d.Service.WithdrawMyConsent(ctx, by, id, service.MyWithdrawInput{Reason: f.Get("reason")})
		return err
	}))
}

// atoi reads a form's whole number; anything else is -1, which the service refuses.
func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}

// citizenRender runs a citizen's page: its view model, then the template; a refusal is a
// Danish page with the error's status.
func citizenRender[T any](p *Pages, name, title string, data func(ctx context.Context, by service.Caller, c *gin.Context) (T, CitizenNav, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		by := citizenCaller(c)
		d, nav, err := data(c.Request.Context(), by, c)
		if err != nil {
			p.citizenError(c, err)
			return
		}
		pg := CitizenPage[T]{Nav: nav, Data: d, Notice: noticeOf(c.Query("ok"))}
		if t, ok := any(d).(titled); ok {
			title = t.pageTitle()
		}
		p.write(c, http.StatusOK, name, Page[CitizenPage[T]]{Title: title, CSRF: csrfOf(c), Data: pg})
	}
}

// notices are the confirmations a post sends the browser back with (?ok=...): a fixed set,
// so that a link cannot put words on the citizen's page.
var notices = map[string]string{
	"dagsorden": "Dit punkt er sat på dagsordenen til det næste møde.",
	"ord":       "Dine ord er gemt. De professionelle ser dem før mødet.",
	"svar":      "Dit svar på planen er gemt.",
	"samtykke":  "Dit samtykke er trukket tilbage. Samarbejdet om din plan er slut.",
}

func noticeOf(key string) string { return notices[key] }

// citizenError shows a refusal in plain Danish, with its status.
func (p *Pages) citizenError(c *gin.Context, err error) {
	status, code := p.d.StatusOf(err)
	if status >= 500 {
		p.d.Log.ErrorContext(c.Request.Context(), "citizen page failed", "route", c.FullPath(), "err", err)
	}
	p.write(c, status, "borger_error", Page[CitizenPage[ErrorPage]]{Title: "Det lykkedes ikke", CSRF: csrfOf(c),
		Data: CitizenPage[ErrorPage]{Data: ErrorPage{Message: words.CitizenError(code), Detail: citizenProblem(err)}}})
}

// citizenProblem says in plain Danish what was wrong with what the citizen sent.
func citizenProblem(err error) string {
	switch code := domain.ErrorCode(err); code {
	case domain.EInvalid:
		switch domain.ErrorField(err) {
		case "text", "comment", "reason":
			if max := domain.ErrorMax(err); max > 0 {
				return fmt.Sprintf("Teksten er for lang. Skriv højst %d tegn.", max)
			}
			return "Skriv noget i feltet, før du sender. Teksten må ikke indeholde usynlige styretegn."
		case "version", "form_version", "goal":
			return "Vi kunne ikke finde den version af planen. Læs planen igen."
		}
		return "Tjek det, du skrev, og prøv igen."
	case domain.EConflict:
		return "Læs planen igen, og skriv så dine ord."
	case domain.EPhase:
		return "Din plan er måske afsluttet, eller der er ikke noget møde på vej."
	}
	return ""
}

// citizenPost runs a citizen's form: the step, then back to the section's page with a
// confirmation; a refusal is shown on the page, in Danish, with what they wrote kept.
func (p *Pages) citizenPost(section, key string, step func(ctx context.Context, by service.Caller, id string, f url.Values) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10)
		if err := c.Request.ParseForm(); err != nil {
			p.citizenError(c, domain.Errorf(domain.ETooLarge, "the form is too large"))
			return
		}
		by := citizenCaller(c)
		id := c.Param("id")
		if err := step(c.Request.Context(), by, id, c.Request.PostForm); err != nil {
			if code := domain.ErrorCode(err); code == domain.EInvalid || code == domain.EConflict || code == domain.EPhase {
				p.citizenPlanWithProblem(c, by, id, section, err)
				return
			}
			p.citizenError(c, err)
			return
		}
		target := "/borger/plan/" + url.PathEscape(id)
		if section != sectionPlan {
			target += "/" + section
		}
		c.Redirect(http.StatusSeeOther, target+"?ok="+key)
	}
}

// citizenPlanWithProblem shows the section's page again with why the form was refused.
func (p *Pages) citizenPlanWithProblem(c *gin.Context, by service.Caller, id, section string, problem error) {
	d, nav, err := p.citizenPlan(section)(c.Request.Context(), by, c)
	if err != nil {
		p.citizenError(c, err)
		return
	}
	d.Draft = c.Request.PostForm.Get("text") + c.Request.PostForm.Get("comment") + c.Request.PostForm.Get("reason")
	status, code := p.d.StatusOf(problem)
	msg := words.CitizenError(code)
	if more := citizenProblem(problem); more != "" {
		msg += " " + more
	}
	p.write(c, status, "borger_plan", Page[CitizenPage[CitizenPlanPage]]{Title: d.pageTitle(), CSRF: csrfOf(c),
		Data: CitizenPage[CitizenPlanPage]{Nav: nav, Problem: msg, Data: d}})
}

// CitizenHomePage is the citizen's start page: their plans and courses.
type CitizenHomePage struct {
	Cases []service.MyCase
}

func (p *Pages) citizenHome(ctx context.Context, by service.Caller, _ *gin.Context) (CitizenHomePage, CitizenNav, error) {
	cases, err := p.d.Service.MyCases(ctx, by)
	return CitizenHomePage{Cases: cases}, navOfCases(cases, ""), err
}

func navOfCases(cases []service.MyCase, current string) CitizenNav {
	nav := CitizenNav{Current: current}
	for _, c := range cases {
		switch {
		case c.Type == domain.SubjectPlan && nav.PlanID == "":
			nav.PlanID = c.ID
		case c.Type == domain.SubjectCourse && nav.CourseID == "":
			nav.CourseID = c.ID
		}
	}
	return nav
}

// CitizenPlanPage is one page of the citizen's plan.
type CitizenPlanPage struct {
	Plan     service.MyPlan
	Section  string
	Sections []struct{ Slug, Title string }
	Title    string
	// Changes are what each version of the form changed from the one before (by version).
	Changes map[int][]string
	// OpenAgreements and DoneAgreements are the current form's agreements by state.
	OpenAgreements, DoneAgreements []service.MyAgreement
	// Draft is what the citizen wrote in a form that was refused.
	Draft string
}

func (d CitizenPlanPage) pageTitle() string { return d.Title }

func (p *Pages) citizenPlan(section string) func(ctx context.Context, by service.Caller, c *gin.Context) (CitizenPlanPage, CitizenNav, error) {
	return func(ctx context.Context, by service.Caller, c *gin.Context) (CitizenPlanPage, CitizenNav, error) {
		plan, err := p.d.Service.MyPlan(ctx, by, c.Param("id"))
		if err != nil {
			return CitizenPlanPage{}, CitizenNav{}, err
		}
		out := CitizenPlanPage{Plan: plan, Section: section, Sections: citizenSections, Changes: map[int][]string{}}
		for _, s := range citizenSections {
			if s.Slug == section {
				out.Title = s.Title
			}
		}
		for i, v := range plan.FormVersions {
			if i == 0 {
				out.Changes[v.Version] = []string{"Den første version af din plan."}
				continue
			}
			out.Changes[v.Version] = formChanges(plan.FormVersions[i-1], v)
		}
		for _, a := range plan.Agreements {
			if a.DoneAt != nil {
				out.DoneAgreements = append(out.DoneAgreements, a)
			} else {
				out.OpenAgreements = append(out.OpenAgreements, a)
			}
		}
		nav := CitizenNav{PlanID: plan.ID, Current: section}
		if cases, err := p.d.Service.MyCases(ctx, by); err == nil {
			nav.CourseID = navOfCases(cases, "").CourseID
		}
		return out, nav, nil
	}
}

// formChanges says in Danish what a version of the form changed from the one before: goals
// and agreements added, removed or given a new date, and agreements done.
func formChanges(prev, cur domain.FormVersion) []string {
	var out []string
	goals := func(v domain.FormVersion) []string {
		var gs []string
		for _, g := range v.Goals {
			gs = append(gs, g.Goal)
		}
		return gs
	}
	pg, cg := goals(prev), goals(cur)
	for _, g := range cg {
		if !slices.Contains(pg, g) {
			out = append(out, "Nyt mål: "+g)
		}
	}
	for _, g := range pg {
		if !slices.Contains(cg, g) {
			out = append(out, "Målet er taget ud: "+g)
		}
	}
	agreements := func(v domain.FormVersion) map[string]domain.Agreement {
		m := map[string]domain.Agreement{}
		for _, g := range v.Goals {
			for _, a := range g.Agreements {
				k := a.ID
				if k == "" {
					k = a.Text
				}
				m[k] = a
			}
		}
		return m
	}
	pa, ca := agreements(prev), agreements(cur)
	for _, g := range cur.Goals {
		for _, a := range g.Agreements {
			k := a.ID
			if k == "" {
				k = a.Text
			}
			old, ok := pa[k]
			switch {
			case !ok:
				out = append(out, "Ny aftale: "+a.Text)
			case old.DueDate != a.DueDate && a.DueDate != "":
				out = append(out, fmt.Sprintf("Ny frist for %q: %s", a.Text, dueDA(a.DueDate)))
			case old.Text != a.Text:
				out = append(out, fmt.Sprintf("Aftalen hedder nu: %s", a.Text))
			}
		}
	}
	for _, g := range prev.Goals {
		for _, a := range g.Agreements {
			k := a.ID
			if k == "" {
				k = a.Text
			}
			if _, ok := ca[k]; !ok {
				out = append(out, "Aftalen er taget ud: "+a.Text)
			}
		}
	}
	if len(out) == 0 {
		out = append(out, "Målene og aftalerne er de samme som før.")
	}
	return out
}

// dueDA is an agreement's due date as Danes write it.
func dueDA(s string) string {
	if t, ok := domain.AgreementDueAt(s); ok {
		return dateDA(t)
	}
	return s
}

// CitizenCoursePage is the citizen's course.
type CitizenCoursePage struct {
	Course service.MyCourse
}

func (p *Pages) citizenCourse(ctx context.Context, by service.Caller, c *gin.Context) (CitizenCoursePage, CitizenNav, error) {
	course, err := p.d.Service.MyCourse(ctx, by, c.Param("id"))
	if err != nil {
		return CitizenCoursePage{}, CitizenNav{}, err
	}
	nav := CitizenNav{CourseID: course.ID, Current: "forloeb"}
	if cases, err := p.d.Service.MyCases(ctx, by); err == nil {
		nav.PlanID = navOfCases(cases, "").PlanID
	}
	return CitizenCoursePage{Course: course}, nav, nil
}

// CitizenLogPage is who has looked at the citizen's case.
type CitizenLogPage struct {
	Entries []service.MyAccessEntry
}

func (p *Pages) citizenLog(ctx context.Context, by service.Caller, _ *gin.Context) (CitizenLogPage, CitizenNav, error) {
	entries, err := p.d.Service.MyAccessLog(ctx, by)
	if err != nil {
		return CitizenLogPage{}, CitizenNav{}, err
	}
	cases, err := p.d.Service.MyCases(ctx, by)
	return CitizenLogPage{Entries: entries}, navOfCases(cases, "indsigt"), err
}

func init() {
	funcs["citizenWho"] = func(e service.MyAccessEntry) string {
		switch {
		case e.Who != "":
			return e.Who
		case e.System:
			return words.TheSystem
		default:
			return words.RoleWho(e.Role)
		}
	}
	funcs["citizenWhat"] = words.CitizenAction
	funcs["purposeDa"] = words.Purpose
	funcs["citizenRoleDa"] = words.CitizenRole
	funcs["dueDa"] = dueDA
	funcs["wordsFor"] = func(ws []domain.GoalWords, version, goal int) *domain.GoalWords {
		for i := len(ws) - 1; i >= 0; i-- {
			if ws[i].FormVersion == version && ws[i].Goal == goal {
				return &ws[i]
			}
		}
		return nil
	}
	funcs["wordsOn"] = func(p service.MyPlan, version, goal int) *domain.GoalWords { return p.WordsOn(version, goal) }
	funcs["lastResponse"] = func(v domain.FormVersion) *domain.FormResponse {
		if len(v.Responses) == 0 {
			return nil
		}
		return &v.Responses[len(v.Responses)-1]
	}
}

// formLines is a version of the form as the meeting forms' goals field takes it, one
// agreement a line: goal | agreement | responsible | due date | id (a goal without agreements
// is its own line). The pages' script reads it back (app.js, data-type goals).
func formLines(v domain.FormVersion) string {
	var b strings.Builder
	for _, g := range v.Goals {
		if len(g.Agreements) == 0 {
			b.WriteString(g.Goal + "\n")
			continue
		}
		for _, a := range g.Agreements {
			who := a.Responsible
			switch a.Party {
			case domain.PartyStaff:
				who = a.StaffID
			case domain.PartyCitizen:
				who = words.TheCitizen
			case domain.PartyOutside:
				who = a.Outside
			}
			fmt.Fprintf(&b, "%s | %s | %s | %s | %s\n", g.Goal, a.Text, who, a.DueDate, a.ID)
		}
	}
	return b.String()
}
