package api

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/report"
	"tvp/store"
	"tvp/web"
	"tvp/workflows/course"
)

// pages are the caseworkers' pages: server-rendered from the same services, authorization and
// audit as the API; their forms post JSON to the API with a little script.
type pages struct {
	s     *Server
	tmpls map[string]*template.Template
}

var danish = map[string]string{
	// phases
	"active": "aktivt", "awaiting_decision": "over slutdato – afventer afslutning eller forlængelse",
	"extension_pending": "forlængelse afventer styregruppen", "paused": "pause", "closed": "afsluttet",
	// outcomes
	"employment": "beskæftigelse", "education": "uddannelse", "self_support": "selvforsørgelse",
	"no_result": "afsluttet uden resultat", "handed_back": "tilbage til almindelig sagsbehandling",
	"moved_to_collaboration": "overgået til samarbejdsmodellen",
	// plan phases, meetings, participants
	"awaiting_consent": "afventer samtykke", "ended": "afsluttet",
	"cross_disciplinary": "tværfagligt samarbejdsmøde", "citizen": "møde med borgeren",
	"unscheduled": "ingen dato", "scheduled": "planlagt", "held": "holdt", "minuted": "holdt, referat skrevet", "not_held": "ikke holdt",
	"coordinator": "tovholder", "coordinating_caseworker": "koordinerende sagsbehandler", "caseworker": "sagsbehandler",
	// roles
	"consultant": "borgerkonsulent", "team_lead": "teamleder", "steering_group": "styregruppe", "admin": "administrator",
	// centres
	"boern_og_laering": "Børn og Læring", "sundhed_og_omsorg": "Sundhed og Omsorg", "arbejdsmarked": "Arbejdsmarked",
}

// nextActions are what a course or a plan waits for, in Danish.
var nextActions = map[string]string{
	"the team is paused; it resumes":                         "teamet holder pause; det genoptages",
	"the steering group decides on the extension request":    "styregruppen træffer afgørelse om forlængelse",
	"overdue: close with an outcome or request an extension": "overskredet: afslut med et resultat eller søg forlængelse",
	"record goal progression":                                "registrér målprogression",
	"close with an outcome or request an extension":          "afslut med et resultat eller søg forlængelse",
	"the coordinator sets the date of the next meeting":      "tovholderen fastsætter dato for næste møde",
	"the coordinator sends the invitation":                   "tovholderen sender indkaldelse",
	"the cross-disciplinary meeting":                         "det tværfaglige samarbejdsmøde",
	"the coordinator writes the minutes":                     "tovholderen skriver referat",
	"the coordinating caseworker meets the citizen":          "den koordinerende sagsbehandler mødes med borgeren",
	" (the citizen's consent is still missing)":              " (borgerens samtykke mangler)",
}

// nextDa translates a workflow's "next action" into Danish.
func nextDa(s string) string {
	if base, ok := strings.CutSuffix(s, " (the citizen's consent is still missing)"); ok {
		return nextDa(base) + nextActions[" (the citizen's consent is still missing)"]
	}
	if t, ok := nextActions[s]; ok {
		return t
	}
	return s
}

func da(s string) string {
	if t, ok := danish[s]; ok {
		return t
	}
	return s
}

func asTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t != nil {
			return *t, !t.IsZero()
		}
	}
	return time.Time{}, false
}

var copenhagen = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Copenhagen"); err == nil {
		return l
	}
	return time.UTC
}()

var pageFuncs = template.FuncMap{
	"date": func(v any) string {
		if t, ok := asTime(v); ok {
			return t.In(copenhagen).Format("02-01-2006")
		}
		return "–"
	},
	"datetime": func(v any) string {
		if t, ok := asTime(v); ok {
			return t.In(copenhagen).Format("02-01-2006 15:04")
		}
		return "–"
	},
	"phaseDa":         func(p domain.CoursePhase) string { return da(string(p)) },
	"outcomeDa":       func(o domain.Outcome) string { return da(string(o)) },
	"planPhaseDa":     da,
	"meetingKindDa":   da,
	"meetingStatusDa": da,
	"participantDa":   da,
	"roleDa":          func(r domain.Role) string { return da(string(r)) },
	"centreDa":        func(c domain.Centre) string { return da(string(c)) },
	"reminderDa":      domain.ReminderTitle,
	"kr": func(f float64) string { // Danish thousands: 1.560.811
		n := strconv.FormatInt(int64(math.Round(f)), 10)
		for i := len(n) - 3; i > 0 && n[i-1] != '-'; i -= 3 {
			n = n[:i] + "." + n[i:]
		}
		return n
	},
	"bodyDa": func(b string) string {
		if b == domain.BodySteeringGroup {
			return "Styregruppen"
		}
		return b
	},
	"nextDa":   nextDa,
	"pageLink": pageLink,
	"deref": func(v any) any {
		switch x := v.(type) {
		case *string:
			if x != nil {
				return *x
			}
			return ""
		case *domain.Outcome:
			if x != nil {
				return *x
			}
			return domain.Outcome("")
		}
		return v
	},
	"citizenNames": func(names map[string]string, ids []string) string {
		out := make([]string, 0, len(ids))
		for _, id := range ids {
			out = append(out, names[id])
		}
		return strings.Join(out, ", ")
	},
	"reverseVersions": func(v []domain.FormVersion) []domain.FormVersion {
		out := slices.Clone(v)
		slices.Reverse(out)
		return out
	},
}

// pageLink is the page a reminder asks its recipient to act on.
func pageLink(subjectType, id string) string {
	switch subjectType {
	case "course":
		return "/forloeb/" + id
	case "plan":
		return "/samarbejde/" + id
	case "team":
		return "/teams/" + id
	}
	return "/indbakke"
}

func newPages(s *Server) (*pages, error) {
	p := &pages{s: s, tmpls: map[string]*template.Template{}}
	names, err := fs.Glob(web.FS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout").Funcs(pageFuncs).ParseFS(web.FS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		p.tmpls[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return p, nil
}

func (p *pages) routes(e *gin.Engine) {
	static, _ := fs.Sub(web.FS, "static")
	e.StaticFS("/static", http.FS(static))
	e.GET("/", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/indbakke") })
	e.GET("/login", p.loginPage)
	e.POST("/login", p.login)
	e.GET("/logout", p.logout)
	g := e.Group("/", p.authenticate)
	g.GET("/indbakke", p.render("inbox", "Min indbakke", p.inbox))
	g.GET("/forloeb", p.render("courses", "Forløb", p.courses))
	g.GET("/forloeb/:id", p.render("course", "Forløb", p.course))
	g.GET("/styregruppe", p.render("steering", "Styregruppen: anmodninger om forlængelse", p.steering))
	g.GET("/samarbejde", p.render("plans", "Samarbejdsmodellen", p.plans))
	g.GET("/samarbejde/:id", p.render("plan", "Borgerens plan", p.plan))
	g.GET("/teams/:id", p.render("team", "Team", p.team))
	g.GET("/rapporter", p.render("reports", "Rapporter", p.reports))
	g.GET("/programstyring", p.render("steeringreport", "Programstyring: mål, ressourcer og beslutninger", p.steeringReport))
}

type pageData struct {
	Title  string
	Me     domain.Actor
	MeName string
	MyTeam string
	Data   any
}

// authenticate sends a visitor without a valid session to the login page.
func (p *pages) authenticate(c *gin.Context) {
	a, err := p.s.identify(c)
	if err != nil {
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.Path))
		c.Abort()
		return
	}
	c.Set(actorKey, a)
	c.Next()
}

var pageErrors = map[string]string{
	domain.EInvalid: "Oplysningerne er ikke gyldige.", domain.ENotFound: "Siden findes ikke.",
	domain.EConflict: "Det strider mod det, der allerede er registreret.", domain.EPhase: "Det kan ikke lade sig gøre nu.",
	domain.EForbidden: "Du har ikke adgang til denne side.", domain.EUnauthorized: "Du er ikke logget ind.",
	domain.EUnavailable: "TVP kan ikke nå en tjeneste lige nu. Prøv igen om lidt.",
	domain.ETimeout:     "TVP fik ikke svar i tide. Prøv igen.", domain.EInternal: "Der skete en fejl hos os. Prøv igen.",
}

// render runs a page: its data, then the template; a refusal is a Danish page with the
// error's status, never a 500 for a client's mistake.
func (p *pages) render(name, title string, data func(c *gin.Context) (any, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		me := actor(c)
		pd := pageData{Title: title, Me: me, MeName: me.ID}
		if m, err := p.s.Store.GetStaff(c.Request.Context(), me.ID); err == nil {
			pd.MeName = m.Name
			if m.TeamID != nil {
				pd.MyTeam = *m.TeamID
			}
		}
		d, err := data(c)
		if err != nil {
			p.renderError(c, pd, err)
			return
		}
		pd.Data = d
		p.write(c, http.StatusOK, name, pd)
	}
}

func (p *pages) renderError(c *gin.Context, pd pageData, err error) {
	err = fromTemporal(err)
	code := domain.ErrorCode(err)
	status := statusOf[code]
	if status == 0 {
		status, code = http.StatusInternalServerError, domain.EInternal
	}
	detail := ""
	if status < 500 {
		detail = domain.ErrorMessage(err)
	} else {
		p.s.log.ErrorContext(c.Request.Context(), "page failed", "route", c.FullPath(), "err", err)
	}
	pd.Title = "Det lykkedes ikke"
	pd.Data = map[string]string{"Message": pageErrors[code], "Detail": detail}
	p.write(c, status, "error", pd)
}

func (p *pages) write(c *gin.Context, status int, name string, pd pageData) {
	var buf bytes.Buffer
	if err := p.tmpls[name].ExecuteTemplate(&buf, "layout", pd); err != nil {
		p.s.log.ErrorContext(c.Request.Context(), "render page", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "Der skete en fejl hos os.")
		return
	}
	c.Header("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func (p *pages) loginPage(c *gin.Context) {
	next := c.Query("next")
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		next = "/indbakke"
	}
	data := map[string]any{"Dev": p.s.DevIssuer != nil, "Next": next}
	if p.s.DevIssuer != nil {
		staff, err := p.s.Store.ListStaff(c.Request.Context(), "")
		if err != nil {
			p.renderError(c, pageData{}, err)
			return
		}
		data["Staff"] = staff
	}
	p.write(c, http.StatusOK, "login", pageData{Title: "Log ind", Data: data})
}

// login signs a development token for the chosen staff member into the session cookie.
func (p *pages) login(c *gin.Context) {
	if p.s.DevIssuer == nil {
		p.renderError(c, pageData{}, domain.Errorf(domain.ENotFound, "login goes through the municipality's identity provider"))
		return
	}
	user, next := c.PostForm("user"), c.PostForm("next")
	if _, err := p.s.Store.GetStaff(c.Request.Context(), user); err != nil {
		p.renderError(c, pageData{}, domain.Errorf(domain.EUnauthorized, "unknown user"))
		return
	}
	tok, err := p.s.DevIssuer.Token(user, 12*time.Hour)
	if err != nil {
		p.renderError(c, pageData{}, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: 12 * 3600})
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		next = "/indbakke"
	}
	c.Redirect(http.StatusSeeOther, next)
}

func (p *pages) logout(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	c.Redirect(http.StatusSeeOther, "/login")
}

func (p *pages) inbox(c *gin.Context) (any, error) {
	items, err := p.s.Store.Inbox(c.Request.Context(), actor(c).ID, p.s.now(), false)
	return map[string]any{"Items": items}, err
}

// names returns the citizens' names by id (for the pages; every page that shows them is a
// logged read).
func (p *pages) names(c *gin.Context, ids []string) map[string]string {
	out := map[string]string{}
	for _, id := range ids {
		if cz, err := p.s.Store.GetCitizen(c.Request.Context(), id); err == nil {
			out[id] = cz.Name
		}
	}
	return out
}

func (p *pages) courses(c *gin.Context) (any, error) {
	me := actor(c)
	f := store.CourseFilter{Limit: 200}
	if !me.Has(domain.RoleAdmin) {
		f.VisibleTo = &me
		if m, err := p.s.Store.GetStaff(c.Request.Context(), me.ID); err == nil && m.TeamID != nil {
			f.TeamOf = *m.TeamID
		}
	}
	page, err := p.s.Store.ListCourses(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, cr := range page.Items {
		ids = append(ids, cr.CitizenIDs...)
	}
	if err := p.s.auditAccess(c, "courses.search", "course", "*", ids, map[string]any{"page": "forloeb"}); err != nil {
		return nil, err
	}
	data := map[string]any{"Courses": page.Items, "Names": p.names(c, ids), "Today": p.s.now().Format(time.DateOnly)}
	if me.Has(domain.RoleConsultant) || me.Has(domain.RoleTeamLead) {
		teams, err := p.s.Store.ListTeams(c.Request.Context())
		if err != nil {
			return nil, err
		}
		staff, err := p.s.Store.ListStaff(c.Request.Context(), "")
		if err != nil {
			return nil, err
		}
		var consultants []domain.Staff
		for _, m := range staff {
			if m.HasRole(domain.RoleConsultant) {
				consultants = append(consultants, m)
			}
		}
		data["Teams"], data["Consultants"] = teams, consultants
	}
	return data, nil
}

type timelineEvent struct {
	At   time.Time
	Text string
	Next bool
}

func (p *pages) course(c *gin.Context) (any, error) {
	id, err := courseID(c)
	if err != nil {
		return nil, err
	}
	st, err := p.s.readCourse(c, id)
	if err != nil {
		return nil, err
	}
	team, err := p.s.Store.GetTeam(c.Request.Context(), st.TeamID)
	if err != nil {
		return nil, err
	}
	var citizens []domain.Citizen
	for _, cid := range st.CitizenIDs {
		if cz, err := p.s.Store.GetCitizen(c.Request.Context(), cid); err == nil {
			citizens = append(citizens, cz)
		}
	}
	var consultants []string
	for _, sid := range st.ConsultantIDs {
		name := sid
		if m, err := p.s.Store.GetStaff(c.Request.Context(), sid); err == nil {
			name = m.Name
		}
		consultants = append(consultants, name)
	}
	me := actor(c)
	canWork := st.Phase != domain.PhaseClosed && (slices.Contains(st.ConsultantIDs, me.ID) || me.Has(domain.RoleTeamLead))
	return map[string]any{
		"State": st, "Team": team, "Citizens": citizens, "Consultants": consultants,
		"Timeline": courseTimeline(st), "Chart": progressionChart(st, team.Settings.ProgressionScoreMax),
		"CanWork": canWork, "ScoreMax": team.Settings.ProgressionScoreMax, "Today": p.s.now().Format(time.DateOnly),
	}, nil
}

// courseTimeline is what happened in the course, in order, and what comes next.
func courseTimeline(st course.State) []timelineEvent {
	ev := []timelineEvent{{At: st.StartDate, Text: "Visiteret"}}
	for _, pr := range st.Progressions {
		ev = append(ev, timelineEvent{At: pr.RecordedAt, Text: fmt.Sprintf("Målprogression %d registreret: %s", pr.Seq, pr.Note)})
	}
	for _, m := range st.Milestones {
		ev = append(ev, timelineEvent{At: m.Date, Text: "Resultat undervejs: " + da(string(m.Outcome))})
	}
	for _, e := range st.Extensions {
		ev = append(ev, timelineEvent{At: e.RequestedAt, Text: fmt.Sprintf("Forlængelse til %s ønsket: %s", e.NewEnd.Format("02-01-2006"), e.Reason)})
		if e.DecidedAt != nil {
			word := "godkendt"
			if e.Decision == course.DecisionRejected {
				word = "afvist"
			}
			ev = append(ev, timelineEvent{At: *e.DecidedAt, Text: "Styregruppen har " + word + " forlængelsen: " + e.DecisionReason})
		}
	}
	for _, ps := range st.Pauses {
		ev = append(ev, timelineEvent{At: ps.PausedAt, Text: "Teamet sat på pause"})
		if ps.ResumedAt != nil {
			ev = append(ev, timelineEvent{At: *ps.ResumedAt, Text: "Teamet genoptaget"})
		}
	}
	if st.ClosedOn != nil && st.Outcome != nil {
		ev = append(ev, timelineEvent{At: *st.ClosedOn, Text: "Afsluttet: " + da(string(*st.Outcome))})
	}
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].At.Before(ev[j].At) })
	if st.NextDeadline != nil {
		ev = append(ev, timelineEvent{At: *st.NextDeadline, Text: "Næste: " + nextDa(st.NextAction), Next: true})
	}
	return ev
}

// progressionChart draws each goal's score over the progressions as an SVG line chart.
func progressionChart(st course.State, max int) template.HTML {
	if len(st.Progressions) == 0 || max < 1 {
		return ""
	}
	const w, h, pad = 560, 220, 36
	colors := []string{"#1d4f91", "#b3261e", "#1e7a3c", "#a05a00", "#6a3d9a"}
	n := len(st.Progressions)
	x := func(i int) float64 {
		if n == 1 {
			return float64(w) / 2
		}
		return pad + float64(i)*float64(w-2*pad)/float64(n-1)
	}
	y := func(score int) float64 { return float64(h-pad) - float64(score)*float64(h-2*pad)/float64(max) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="Målprogression pr. mål" viewBox="0 0 %d %d" width="100%%" style="max-width:%dpx">`, w, h+20*len(st.Goals), w)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`, pad, h-pad, w-pad, h-pad)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`, pad, pad, pad, h-pad)
	fmt.Fprintf(&b, `<text x="4" y="%.0f">%d</text><text x="4" y="%.0f">1</text>`, y(max)+4, max, y(1)+4)
	for i, pr := range st.Progressions {
		fmt.Fprintf(&b, `<text x="%.0f" y="%d" text-anchor="middle">%s</text>`, x(i), h-pad+16, pr.RecordedAt.Format("01-2006"))
	}
	for gi, g := range st.Goals {
		col := colors[gi%len(colors)]
		var pts []string
		for i, pr := range st.Progressions {
			for _, sc := range pr.Scores {
				if sc.GoalID == g.ID {
					pts = append(pts, fmt.Sprintf("%.0f,%.0f", x(i), y(sc.Score)))
					fmt.Fprintf(&b, `<circle cx="%.0f" cy="%.0f" r="4" fill="%s"><title>%s: %d</title></circle>`, x(i), y(sc.Score), col, template.HTMLEscapeString(g.Text), sc.Score)
				}
			}
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, col, strings.Join(pts, " "))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`,
			pad, h+6+20*gi, col, pad+18, h+16+20*gi, template.HTMLEscapeString(g.Text))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// barChart draws labelled horizontal bars, with an optional norm line per bar.
func barChart(label string, rows []bar) template.HTML {
	if len(rows) == 0 {
		return ""
	}
	max := 1
	for _, r := range rows {
		max = maxInt(max, maxInt(r.Value, r.Norm))
	}
	const w, left, rowH = 560, 190, 26
	h := rowH*len(rows) + 10
	scale := float64(w-left-40) / float64(max)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg role="img" aria-label="%s" viewBox="0 0 %d %d" width="100%%" style="max-width:%dpx">`, template.HTMLEscapeString(label), w, h, w)
	for i, r := range rows {
		yy := 5 + i*rowH
		col := "#1d4f91"
		if r.Norm > 0 && r.Value > r.Norm {
			col = "#b3261e"
		}
		fmt.Fprintf(&b, `<text x="0" y="%d">%s</text>`, yy+16, template.HTMLEscapeString(r.Label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.0f" height="18" fill="%s"><title>%d</title></rect>`, left, yy+3, float64(r.Value)*scale, col, r.Value)
		fmt.Fprintf(&b, `<text x="%.0f" y="%d">%d</text>`, float64(left)+float64(r.Value)*scale+4, yy+16, r.Value)
		if r.Norm > 0 {
			fmt.Fprintf(&b, `<line x1="%.0f" y1="%d" x2="%.0f" y2="%d" stroke="#f9ab00" stroke-width="3"><title>norm %d</title></line>`,
				float64(left)+float64(r.Norm)*scale, yy, float64(left)+float64(r.Norm)*scale, yy+24, r.Norm)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

type bar struct {
	Label       string
	Value, Norm int
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func (p *pages) steering(c *gin.Context) (any, error) {
	if err := requireAny(c, "the steering group's page", domain.RoleSteeringGroup, domain.RoleAdmin); err != nil {
		return nil, err
	}
	items, err := p.s.Store.PendingExtensions(c.Request.Context())
	return map[string]any{"Items": items}, err
}

func (p *pages) plans(c *gin.Context) (any, error) {
	me := actor(c)
	f := store.PlanFilter{Limit: 200}
	if !me.Has(domain.RoleAdmin) {
		f.VisibleTo = &me
	}
	page, err := p.s.Store.ListPlans(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, pl := range page.Items {
		ids = append(ids, pl.CitizenID)
	}
	if err := p.s.auditAccess(c, "plans.search", "plan", "*", ids, map[string]any{"page": "samarbejde"}); err != nil {
		return nil, err
	}
	return map[string]any{"Plans": page.Items, "Names": p.names(c, ids)}, nil
}

func (p *pages) plan(c *gin.Context) (any, error) {
	id, err := planID(c)
	if err != nil {
		return nil, err
	}
	rec, err := p.s.readPlan(c, id)
	if err != nil {
		return nil, err
	}
	staffNames := map[string]string{}
	for _, pt := range rec.Participants {
		staffNames[pt.StaffID] = pt.StaffID
		if m, err := p.s.Store.GetStaff(c.Request.Context(), pt.StaffID); err == nil {
			staffNames[pt.StaffID] = m.Name
		}
	}
	var next *domain.Meeting
	for i := range rec.Meetings {
		m := &rec.Meetings[i]
		if m.Kind == domain.MeetingCrossDisciplinary && (m.Status == domain.MeetingUnscheduled || m.Status == domain.MeetingScheduled) {
			next = m
		}
	}
	me := actor(c)
	return map[string]any{
		"Plan": rec, "CitizenName": p.names(c, []string{rec.CitizenID})[rec.CitizenID], "StaffNames": staffNames, "Next": next,
		"IsCoordinator": rec.Phase != domain.PlanEnded && me.ID == rec.CoordinatorID,
		"MayConsent":    rec.Phase != domain.PlanEnded && (me.ID == rec.CoordinatorID || me.ID == rec.CoordinatingCaseworkerID),
		"Today":         p.s.now().Format(time.DateOnly),
	}, nil
}

func (p *pages) team(c *gin.Context) (any, error) {
	me := actor(c)
	team, err := p.s.Store.GetTeam(c.Request.Context(), c.Param("id"))
	if err != nil {
		return nil, err
	}
	m, err := p.s.Store.GetStaff(c.Request.Context(), me.ID)
	if err != nil {
		return nil, err
	}
	inTeam := m.TeamID != nil && *m.TeamID == team.ID
	if !inTeam && !me.Has(domain.RoleAdmin) {
		return nil, domain.Errorf(domain.EForbidden, "only the team's members see its page")
	}
	f := store.CourseFilter{TeamID: team.ID, Limit: 500}
	if !me.Has(domain.RoleTeamLead) && !me.Has(domain.RoleAdmin) {
		f.VisibleTo = &me
	}
	page, err := p.s.Store.ListCourses(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	var open []domain.CourseRecord
	var ids []string
	for _, cr := range page.Items {
		if cr.Phase != domain.PhaseClosed {
			open = append(open, cr)
			ids = append(ids, cr.CitizenIDs...)
		}
	}
	if err := p.s.auditAccess(c, "courses.search", "course", "*", ids, map[string]any{"page": "team", "team": team.ID}); err != nil {
		return nil, err
	}
	loads, err := p.s.Store.Caseloads(c.Request.Context())
	if err != nil {
		return nil, err
	}
	var bars []bar
	for _, l := range loads {
		if l.TeamID == team.ID {
			bars = append(bars, bar{Label: l.Name, Value: l.Open, Norm: l.NormMax})
		}
	}
	data := map[string]any{"Team": team, "Courses": open, "Names": p.names(c, ids),
		"Chart": barChart("Åbne forløb pr. borgerkonsulent mod normen", bars), "IsLead": inTeam && me.Has(domain.RoleTeamLead)}
	if pause, err := p.s.Store.OpenTeamPause(c.Request.Context(), team.ID); err == nil {
		data["Pause"] = pause
	}
	return data, nil
}

func (p *pages) reports(c *gin.Context) (any, error) {
	if err := p.s.mayReadReports(c); err != nil {
		return nil, err
	}
	r, err := report.Build(c.Request.Context(), p.s.Store, p.s.now())
	if err != nil {
		return nil, err
	}
	stored, err := p.s.Store.ListReports(c.Request.Context())
	if err != nil {
		return nil, err
	}
	var bars []bar
	for _, t := range r.Teams {
		bars = append(bars, bar{Label: t.TeamName + ": berørte", Value: t.Touched},
			bar{Label: t.TeamName + ": igangværende", Value: t.Ongoing},
			bar{Label: t.TeamName + ": uddannelse", Value: t.Education},
			bar{Label: t.TeamName + ": beskæftigelse", Value: t.Employment})
	}
	return map[string]any{"Report": r, "Stored": stored, "Chart": barChart("Status pr. team", bars)}, nil
}

func (p *pages) steeringReport(c *gin.Context) (any, error) {
	if err := p.s.mayReadReports(c); err != nil {
		return nil, err
	}
	r, err := report.BuildSteering(c.Request.Context(), p.s.Store, p.s.now())
	if err != nil {
		return nil, err
	}
	decisions, err := p.s.Store.ListDecisions(c.Request.Context(), "")
	if err != nil {
		return nil, err
	}
	return map[string]any{"Report": r, "Decisions": decisions}, nil
}
