package web

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/internal/auth"
	"tvp/report"
	"tvp/service"
	"tvp/words"
)

// Deps are what the pages need.
type Deps struct {
	Service *service.Service
	// StatusOf maps an error to its HTTP status and code (the API's one table).
	StatusOf func(err error) (int, string)
	// Login is the municipality's OpenID provider (nil: the pages cannot log anyone in).
	Login *auth.Provider
	// CitizenLogin is the citizens' provider, MitID (nil: citizens cannot log in).
	CitizenLogin *auth.Provider
	// PublicURL is where people reach TVP: the provider sends them back below it.
	PublicURL string
	Log       *slog.Logger
}

// Pages are the caseworkers' pages: server-rendered from the same use cases (and so the same
// access rules and audit) as the API; their forms post JSON to the API with a little script.
type Pages struct {
	d     Deps
	tmpls map[string]*template.Template
	// citizen is the group of the citizens' own pages (RegisterCitizenLogin).
	citizen *gin.RouterGroup
}

// shared are the templates parsed with every page: the layout and the charts.
var shared = []string{"templates/layout.html", "templates/charts.html", "templates/borger_nav.html"}

// New parses the templates: each page's own with the shared ones.
func New(d Deps) (*Pages, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	p := &Pages{d: d, tmpls: map[string]*template.Template{}}
	names, err := fs.Glob(FS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if slices.Contains(shared, n) {
			continue
		}
		t, err := template.New("layout").Funcs(funcs).ParseFS(FS, append(slices.Clone(shared), n)...)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		p.tmpls[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return p, nil
}

// now is the service's clock: a page says "today" as the use cases count it.
func (p *Pages) now() time.Time {
	if p.d.Service != nil {
		return p.d.Service.Now()
	}
	return time.Now()
}

func asTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t != nil {
			return *t, !t.IsZero()
		}
	case string: // a date as settings keep it
		if d, err := time.ParseInLocation(time.DateOnly, t, copenhagen); err == nil {
			return d, true
		}
	}
	return time.Time{}, false
}

// dateDA is a day as Danes write it (in the municipality's time zone).
func dateDA(t time.Time) string { return t.In(copenhagen).Format(danishDate) }

// danishDate is how the pages write a day: 24-12-2026.
const danishDate = "02-01-2006"

// copenhagen is the municipality's time zone, in which the pages show times.
var copenhagen = domain.Zone()

var funcs = template.FuncMap{
	"date": func(v any) string {
		if t, ok := asTime(v); ok {
			return dateDA(t)
		}
		return "–"
	},
	"datetime": func(v any) string {
		if t, ok := asTime(v); ok {
			return t.In(copenhagen).Format(danishDate + " 15:04")
		}
		return "–"
	},
	"phaseDa": words.CoursePhase,
	"outcomeDa": func(o *domain.Outcome) string {
		if o == nil {
			return ""
		}
		return words.Outcome(*o)
	},
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"planPhaseDa":     words.PlanPhase,
	"meetingKindDa":   words.MeetingKind,
	"meetingStatusDa": words.MeetingStatus,
	"participantDa":   words.Participant,
	"roleDa":          words.Role,
	"centreDa":        words.Centre,
	"reminderDa":      words.Reminder,
	"nextDa":          words.Next,
	"bodyDa":          words.Body,
	"changeDa":        words.Change,
	"targetDa":        words.Target,
	"targetValue":     targetValue,
	"num":             num,
	"nameOr":          nameOr,
	"upperFirst":      upperFirst,
	// dayBefore is the last day of a period that ends before the time (a report's [from, to)).
	"dayBefore": func(t time.Time) time.Time { return t.AddDate(0, 0, -1) },
	"pageLink":  pageLink,
	"kr": func(f float64) string { // Danish thousands: 1.560.811
		n := strconv.FormatInt(int64(math.Round(f)), 10)
		for i := len(n) - 3; i > 0 && n[i-1] != '-'; i -= 3 {
			n = n[:i] + "." + n[i:]
		}
		return n
	},
	"names": func(names map[string]string, ids []string) string {
		out := make([]string, 0, len(ids))
		for _, id := range ids {
			out = append(out, names[id])
		}
		return strings.Join(out, ", ")
	},
}

// num is a number as Danes write it: a decimal comma, at most two decimals.
func num(f float64) string {
	return strings.Replace(strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64), ".", ",", 1)
}

// targetValue is a target's figure: the shares as per cent, the counts as they are.
func targetValue(key domain.TargetKey, f float64) string {
	switch key {
	case domain.TargetOutcomeShare, domain.TargetCapacityUse:
		return num(f*100) + " %"
	}
	return num(f)
}

// pageLink is the page a reminder asks its recipient to act on.
func pageLink(t domain.SubjectType, id string) string {
	switch t {
	case domain.SubjectCourse:
		return domain.CoursePage(id)
	case domain.SubjectPlan:
		return domain.PlanPage(id)
	case domain.SubjectTeam:
		return "/teams/" + id
	}
	return domain.PageInbox
}

// Routes adds the pages to the engine.
func (p *Pages) Routes(e *gin.Engine) {
	static, _ := fs.Sub(FS, "static")
	e.StaticFS("/static", http.FS(static))
	e.GET("/", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, domain.PageInbox) })
	e.GET("/login", p.loginPage)
	e.POST("/login", p.startLogin)
	e.GET("/login/callback", p.callback)
	e.POST("/logout", p.logout)
	e.GET("/logget-ud", p.loggedOut)
	p.RegisterStatement(e)
	p.citizen = p.RegisterCitizenLogin(e)
	p.citizenRoutes(p.citizen)
	g := e.Group("/", p.authenticate)
	g.GET(domain.PageInbox, render(p, "inbox", "Min indbakke", p.inbox))
	g.GET(domain.PageCourses, render(p, "courses", "Forløb", p.courses))
	g.GET(domain.PageCourses+"/:id", render(p, "course", "Forløb", p.course))
	g.GET("/styregruppe", render(p, "steering", "Styregruppen: anmodninger om forlængelse", p.steering))
	g.GET(domain.PagePlans, render(p, "plans", "Samarbejdsmodellen", p.plans))
	g.GET(domain.PagePlans+"/:id", render(p, "plan", "Borgerens plan", p.plan))
	g.GET("/teams/:id", render(p, "team", "Team", p.team))
	g.GET("/rapporter", render(p, "reports", "Rapporter", p.reports))
	g.GET("/programstyring", render(p, "steeringreport", "Programstyring: mål, ressourcer og beslutninger", p.steeringReport))
}

const callerKey = "tvp.page.caller"

// authenticate sends a visitor without a live session to the login page; the session's
// staff member is made a Caller by the service. The pages show citizens by name.
func (p *Pages) authenticate(c *gin.Context) {
	sess, err := p.session(c.Request)
	var by service.Caller
	if err == nil {
		by, err = p.d.Service.Identify(c.Request.Context(), sess.StaffID, c.GetHeader("X-TVP-Purpose"), "")
	}
	if domain.ErrorCode(err) == domain.EUnauthorized {
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.Path))
		c.Abort()
		return
	} else if err != nil {
		p.renderError(c, domain.Actor{}, "", err)
		c.Abort()
		return
	}
	by.Names = true
	c.Set(callerKey, by)
	c.Set(sessionKey, sess)
	c.Next()
}

func caller(c *gin.Context) service.Caller {
	by, _ := c.Get(callerKey)
	return by.(service.Caller)
}

// Page is what every page's layout shows, with the page's own view model.
type Page[T any] struct {
	Title  string
	Me     domain.Actor
	MeName string
	MyTeam string
	Nav    Nav
	// CSRF is the session's token, which every form and script post sends back.
	CSRF string
	Data T
}

// Nav are the menu's entries the caller may use (the access rules' answer).
type Nav struct {
	Courses, Steering, Reports bool
}

func navFor(a domain.Actor) Nav {
	return Nav{
		Courses:  domain.May(a, domain.Programme, domain.CoursesList),
		Steering: domain.May(a, domain.Programme, domain.ExtensionsPending),
		Reports:  domain.May(a, domain.Programme, domain.ReportsRead),
	}
}

// render runs a page: its view model, then the template; a refusal is a Danish page with the
// error's status, never a 500 for a client's mistake.
func render[T any](p *Pages, name, title string, data func(ctx context.Context, by service.Caller, c *gin.Context) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		by := caller(c)
		pg := Page[T]{Title: title, Me: by.Actor, MeName: by.Actor.ID, MyTeam: by.Actor.TeamID, Nav: navFor(by.Actor), CSRF: csrfOf(c)}
		if m, err := p.d.Service.Me(c.Request.Context(), by); err == nil {
			pg.MeName = m.Name
		}
		d, err := data(c.Request.Context(), by, c)
		if err != nil {
			p.renderError(c, pg.Me, pg.MeName, err)
			return
		}
		pg.Data = d
		if t, ok := any(d).(titled); ok {
			pg.Title = t.pageTitle()
		}
		p.write(c, http.StatusOK, name, pg)
	}
}

// titled is a view model that names its page itself.
type titled interface {
	pageTitle() string
}

// ErrorPage is a refusal, in Danish.
type ErrorPage struct {
	Message, Detail string
}

func (p *Pages) renderError(c *gin.Context, me domain.Actor, meName string, err error) {
	status, code := p.d.StatusOf(err)
	detail := ""
	if status < 500 {
		detail = domain.ErrorMessage(err)
	} else {
		p.d.Log.ErrorContext(c.Request.Context(), "page failed", "route", c.FullPath(), "err", err)
	}
	p.write(c, status, "error", Page[ErrorPage]{Title: "Det lykkedes ikke", Me: me, MeName: meName, Nav: navFor(me), MyTeam: me.TeamID,
		CSRF: csrfOf(c), Data: ErrorPage{Message: words.Error(code), Detail: detail}})
}

// execute renders the page's template with the layout.
func (p *Pages) execute(w io.Writer, name string, pg any) error {
	t, ok := p.tmpls[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	return t.ExecuteTemplate(w, "layout", pg)
}

func (p *Pages) write(c *gin.Context, status int, name string, pg any) {
	var buf bytes.Buffer
	if err := p.execute(&buf, name, pg); err != nil {
		p.d.Log.ErrorContext(c.Request.Context(), "render page", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "Der skete en fejl hos os.")
		return
	}
	c.Header("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// InboxPage is the caller's reminders, their absences (with the form to record one) and whom
// they stand in for today.
type InboxPage struct {
	Items []service.InboxItem
	// Me is the caller's staff id (the absence form's path).
	Me         string
	Absences   []domain.Absence
	StandingIn []domain.Absence
}

func (p *Pages) inbox(ctx context.Context, by service.Caller, _ *gin.Context) (InboxPage, error) {
	items, err := p.d.Service.Inbox(ctx, by, service.InboxInput{})
	if err != nil {
		return InboxPage{}, err
	}
	out := InboxPage{Items: items, Me: by.Actor.ID}
	if out.Absences, err = p.d.Service.Absences(ctx, by, by.Actor.ID); err != nil {
		return InboxPage{}, err
	}
	out.StandingIn, err = p.d.Service.StandingIn(ctx, by)
	return out, err
}

// CoursesPage is the courses the caller may read, and the referral form.
type CoursesPage struct {
	Courses []service.CourseSummary
	// Names are the citizens' names; TeamNames the teams'.
	Names     map[string]string
	TeamNames map[string]string
	Today     string
	// MayRefer: the referral form (the teams and consultants to choose from).
	MayRefer    bool
	MayOverride bool
	Teams       []domain.Team
	Consultants []service.StaffMember
}

func (p *Pages) courses(ctx context.Context, by service.Caller, _ *gin.Context) (CoursesPage, error) {
	page, err := p.d.Service.Courses(ctx, by, service.CourseListInput{Limit: 200})
	if err != nil {
		return CoursesPage{}, err
	}
	out := CoursesPage{Courses: page.Items, Names: page.Names, TeamNames: map[string]string{}, Today: p.now().Format(time.DateOnly)}
	teams, err := p.d.Service.Teams(ctx, by)
	if err != nil {
		return out, err
	}
	for _, t := range teams {
		out.TeamNames[t.ID] = t.Name
		if domain.May(by.Actor, domain.TeamSubject(t.ID), domain.CourseRefer) {
			out.Teams = append(out.Teams, t)
		}
		out.MayOverride = out.MayOverride || domain.May(by.Actor, domain.TeamSubject(t.ID), domain.CourseOverrideNorm)
	}
	out.MayRefer = len(out.Teams) > 0
	if out.MayRefer {
		staff, err := p.d.Service.Staff(ctx, by, service.StaffListInput{})
		if err != nil {
			return out, err
		}
		for _, m := range staff {
			if slices.ContainsFunc(out.Teams, func(t domain.Team) bool { return m.ConsultantOf(t.ID) }) {
				out.Consultants = append(out.Consultants, m)
			}
		}
	}
	return out, nil
}

// CoursePage is one course.
type CoursePage struct {
	Course      service.Course
	Team        domain.Team
	Names       map[string]string
	Consultants []string
	Timeline    []TimelineEvent
	// Chart is the goals' progression; nil before the first.
	Chart    *LineChart
	May      CourseSteps
	ScoreMax int
	Today    string
	// MilestoneOutcomes and CloseOutcomes are the choices of the milestone and close forms.
	MilestoneOutcomes, CloseOutcomes []Option
}

// Option is a choice of a form's select: the code sent and its Danish label.
type Option struct {
	Value, Label string
}

// The outcomes the milestone and close forms offer: those the service accepts for each step.
var (
	milestoneOutcomes = domain.MilestoneOutcomes()
	closeOutcomes     = domain.CloseOutcomes()
)

func outcomeOptions(choices []domain.Outcome) []Option {
	out := make([]Option, len(choices))
	for i, o := range choices {
		out[i] = Option{Value: string(o), Label: upperFirst(words.Outcome(o))}
	}
	return out
}

// upperFirst is s with its first letter in upper case, for a label that begins a line.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// CourseSteps are the course's steps whose forms the caller sees.
type CourseSteps struct {
	Progression, Milestone, Extension, Close bool
}

// TimelineEvent is one thing that happened in a course, or what comes next.
type TimelineEvent struct {
	At   time.Time
	Text string
	Next bool
}

func (p *Pages) course(ctx context.Context, by service.Caller, c *gin.Context) (CoursePage, error) {
	v, err := p.d.Service.Course(ctx, by, c.Param("id"))
	if err != nil {
		return CoursePage{}, err
	}
	if v.Full == nil {
		return CoursePage{}, domain.Errorf(domain.EForbidden, "Styregruppen træffer afgørelse om forlængelser fra sin egen side.")
	}
	st := *v.Full
	team, err := p.d.Service.Team(ctx, by, st.TeamID)
	if err != nil {
		return CoursePage{}, err
	}
	names, err := p.staffNames(ctx, by)
	if err != nil {
		return CoursePage{}, err
	}
	var consultants []string
	for _, sid := range st.ConsultantIDs {
		consultants = append(consultants, nameOr(names, sid))
	}
	scoreMax := st.ScoreMax
	return CoursePage{
		Course: st, Team: team, Names: v.Names, Consultants: consultants, Timeline: courseTimeline(st),
		Chart: progressionChart(st, scoreMax), ScoreMax: scoreMax, Today: p.now().Format(time.DateOnly),
		MilestoneOutcomes: outcomeOptions(milestoneOutcomes), CloseOutcomes: outcomeOptions(closeOutcomes),
		May: CourseSteps{Progression: v.Can[domain.CourseProgression], Milestone: v.Can[domain.CourseMilestone],
			Extension: v.Can[domain.CourseRequestExtension], Close: v.Can[domain.CourseClose]},
	}, nil
}

func (p *Pages) staffNames(ctx context.Context, by service.Caller) (map[string]string, error) {
	staff, err := p.d.Service.Staff(ctx, by, service.StaffListInput{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(staff))
	for _, m := range staff {
		out[m.ID] = m.Name
	}
	return out, nil
}

func (p *Pages) teamNames(ctx context.Context, by service.Caller) (map[string]string, error) {
	teams, err := p.d.Service.Teams(ctx, by)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(teams))
	for _, t := range teams {
		out[t.ID] = t.Name
	}
	return out, nil
}

// nameOr is the name of the id, or the id when it has none.
func nameOr(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return id
}

// courseTimeline is what happened in the course, in order, and what comes next.
func courseTimeline(st service.Course) []TimelineEvent {
	ev := []TimelineEvent{{At: st.StartDate, Text: "Visiteret"}}
	for _, pr := range st.Progressions {
		ev = append(ev, TimelineEvent{At: pr.RecordedAt, Text: fmt.Sprintf("Målprogression %d registreret: %s", pr.Seq, pr.Note)})
	}
	for _, m := range st.Milestones {
		ev = append(ev, TimelineEvent{At: m.Date, Text: "Resultat undervejs: " + words.Outcome(m.Outcome)})
	}
	for _, e := range st.Extensions {
		ev = append(ev, TimelineEvent{At: e.RequestedAt, Text: fmt.Sprintf("Forlængelse til %s ønsket: %s", dateDA(e.NewEnd), e.Reason)})
		if e.DecidedAt != nil {
			ev = append(ev, TimelineEvent{At: *e.DecidedAt, Text: "Styregruppen har " + words.Decision(e.Decision) + " forlængelsen: " + e.DecisionReason})
		}
	}
	for _, ps := range st.Pauses {
		ev = append(ev, TimelineEvent{At: ps.PausedAt, Text: "Teamet sat på pause"})
		if ps.ResumedAt != nil {
			ev = append(ev, TimelineEvent{At: *ps.ResumedAt, Text: "Teamet genoptaget"})
		}
	}
	if st.ClosedOn != nil && st.Outcome != nil {
		ev = append(ev, TimelineEvent{At: *st.ClosedOn, Text: "Afsluttet: " + words.Outcome(*st.Outcome)})
	}
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].At.Before(ev[j].At) })
	if st.NextDeadline != nil {
		ev = append(ev, TimelineEvent{At: *st.NextDeadline, Text: "Næste: " + words.Next(st.Next), Next: true})
	}
	return ev
}

// SteeringPage is the extension requests that wait for the steering group.
type SteeringPage struct {
	Items []service.PendingExtension
	// TeamNames and StaffNames name the teams and the staff who asked.
	TeamNames, StaffNames map[string]string
}

func (p *Pages) steering(ctx context.Context, by service.Caller, _ *gin.Context) (SteeringPage, error) {
	items, err := p.d.Service.PendingExtensions(ctx, by)
	if err != nil {
		return SteeringPage{}, err
	}
	out := SteeringPage{Items: items}
	if out.TeamNames, err = p.teamNames(ctx, by); err != nil {
		return out, err
	}
	out.StaffNames, err = p.staffNames(ctx, by)
	return out, err
}

// PlansPage is the plans the caller takes part in.
type PlansPage struct {
	Plans []service.PlanSummary
	Names map[string]string
}

func (p *Pages) plans(ctx context.Context, by service.Caller, _ *gin.Context) (PlansPage, error) {
	page, err := p.d.Service.Plans(ctx, by, service.PlanListInput{Limit: 200})
	return PlansPage{Plans: page.Items, Names: page.Names}, err
}

// PlanPage is one citizen's plan.
type PlanPage struct {
	Plan        service.Plan
	CitizenName string
	StaffNames  map[string]string
	Next        *domain.Meeting
	// Meetings are the plan's meetings, in order.
	Meetings []MeetingRow
	May      PlanSteps
	Today    string
	// Versions are the form's versions, newest first.
	Versions []domain.FormVersion
	// Agreements are the current form's agreements; FormLines the current form as the
	// meeting forms' goals field takes it (carried on, with the agreements' ids).
	Agreements []domain.Agreement
	FormLines  string
}

// MeetingRow is a meeting in the plan's table.
type MeetingRow struct {
	domain.Meeting
	// MinutesOverdue: the minutes are not written and their deadline has passed.
	MinutesOverdue bool
}

func meetingRows(ms []domain.Meeting, now time.Time) []MeetingRow {
	out := make([]MeetingRow, len(ms))
	for i, m := range ms {
		out[i] = MeetingRow{Meeting: m, MinutesOverdue: m.MinutesRecordedAt == nil && m.MinutesDue != nil && now.After(*m.MinutesDue)}
	}
	return out
}

// PlanSteps are the plan's steps whose forms the caller sees.
type PlanSteps struct {
	Schedule, Invitation, MeetingHeld, Consent, Agenda, AgreementDone bool
}

func (p *Pages) plan(ctx context.Context, by service.Caller, c *gin.Context) (PlanPage, error) {
	v, err := p.d.Service.Plan(ctx, by, c.Param("id"))
	if err != nil {
		return PlanPage{}, err
	}
	if v.Full == nil {
		return PlanPage{}, domain.Errorf(domain.EForbidden, "Kun de fagpersoner, der deltager i borgerens plan, kan se den.")
	}
	rec := *v.Full
	names, err := p.staffNames(ctx, by)
	if err != nil {
		return PlanPage{}, err
	}
	var next *domain.Meeting
	for i := range rec.Meetings {
		m := &rec.Meetings[i]
		if m.Kind == domain.MeetingCrossDisciplinary && (m.Status == domain.MeetingUnscheduled || m.Status == domain.MeetingScheduled) {
			next = m
		}
	}
	now := p.now()
	versions := slices.Clone(rec.FormVersions)
	slices.Reverse(versions)
	out := PlanPage{Plan: rec, CitizenName: v.Names[rec.CitizenID], StaffNames: names, Next: next, Meetings: meetingRows(rec.Meetings, now), Versions: versions,
		May: PlanSteps{Schedule: v.Can[domain.PlanSchedule], Invitation: v.Can[domain.PlanInvitation],
			MeetingHeld: v.Can[domain.PlanMeetingHeld], Consent: v.Can[domain.PlanConsent] && rec.Consent == nil,
			Agenda: v.Can[domain.PlanAgendaPoint] && next != nil, AgreementDone: v.Can[domain.PlanAgreementDone]},
		Today: now.Format(time.DateOnly)}
	if len(rec.FormVersions) > 0 {
		cur := rec.FormVersions[len(rec.FormVersions)-1]
		out.FormLines = formLines(cur)
		for _, g := range cur.Goals {
			out.Agreements = append(out.Agreements, g.Agreements...)
		}
	}
	return out, nil
}

// TeamPage is a team's page.
type TeamPage struct {
	service.TeamPage
	// StaffNames name the courses' consultants.
	StaffNames map[string]string
	// Chart is the open courses per consultant against the norm; nil without consultants.
	Chart *BarChart
}

func (t TeamPage) pageTitle() string { return t.Team.Name }

func (p *Pages) team(ctx context.Context, by service.Caller, c *gin.Context) (TeamPage, error) {
	t, err := p.d.Service.TeamOverview(ctx, by, c.Param("id"))
	if err != nil {
		return TeamPage{}, err
	}
	var bars []bar
	for _, l := range t.Caseloads {
		bars = append(bars, bar{Label: l.Name, Value: l.Open, Norm: l.NormMax})
	}
	names, err := p.staffNames(ctx, by)
	if err != nil {
		return TeamPage{}, err
	}
	return TeamPage{TeamPage: t, StaffNames: names, Chart: barChart("Åbne forløb pr. borgerkonsulent mod normen", bars)}, nil
}

// ReportsPage is the status report and the stored committee reports.
type ReportsPage struct {
	Report report.Status
	Stored []domain.StoredReport
	// Chart is the status table as bars; nil without teams.
	Chart *BarChart
}

func (p *Pages) reports(ctx context.Context, by service.Caller, _ *gin.Context) (ReportsPage, error) {
	r, err := p.d.Service.StatusReport(ctx, by, service.ReportInput{})
	if err != nil {
		return ReportsPage{}, err
	}
	stored, err := p.d.Service.CommitteeReports(ctx, by)
	if err != nil {
		return ReportsPage{}, err
	}
	var bars []bar
	for _, t := range r.Teams {
		bars = append(bars, bar{Label: t.TeamName + ": berørte", Value: t.Touched},
			bar{Label: t.TeamName + ": igangværende", Value: t.Ongoing},
			bar{Label: t.TeamName + ": uddannelse", Value: t.Education},
			bar{Label: t.TeamName + ": beskæftigelse", Value: t.Employment})
	}
	return ReportsPage{Report: r, Stored: stored, Chart: barChart("Status pr. team", bars)}, nil
}

// SteeringReportPage is the programme's targets, resources and decisions.
type SteeringReportPage struct {
	Report    report.Steering
	Decisions []domain.Decision
	TeamNames map[string]string
}

func (p *Pages) steeringReport(ctx context.Context, by service.Caller, _ *gin.Context) (SteeringReportPage, error) {
	r, err := p.d.Service.SteeringReport(ctx, by, service.ReportInput{})
	if err != nil {
		return SteeringReportPage{}, err
	}
	decisions, err := p.d.Service.Decisions(ctx, by, service.DecisionListInput{})
	if err != nil {
		return SteeringReportPage{}, err
	}
	names, err := p.teamNames(ctx, by)
	return SteeringReportPage{Report: r, Decisions: decisions, TeamNames: names}, err
}
