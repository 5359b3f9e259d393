package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/api"
	"tvp/internal/testing/apptest"
)

// matrixFixture is one of each relation to a case:
//   - course A (Ungeteam): konsulent.anna's, with an extension request waiting (the steering
//     group's business), citizen "Alma Matrix";
//   - course B (Ungeteam): konsulent.bilal's, whose extension the steering group decided (a
//     decision in the register linked to it), citizen "Bjørn Matrix";
//   - course C (Familieteam): konsulent.eva's, citizen "Cille Matrix";
//   - plan P: tovholder.ida coordinates, koordinator.jonas is the coordinating caseworker,
//     sagsbehandler.lise and sagsbehandler.mads take part; leder.karen leads the coordinator;
//     citizen "Pia Matrix".
//
// Everyone else stands in no relation to them: konsulent.bilal to A (same team), konsulent.eva
// and leder.finn (another team), tovholder.nina (another coordinator), sagsbehandler.per (not
// in the plan), the steering group to everything but extension requests.
type matrixFixture struct {
	courseA, courseB, courseC, plan string
	citizenA, citizenP              string
}

func newMatrixFixture(t *testing.T, app *apptest.App) matrixFixture {
	t.Helper()
	var f matrixFixture
	refer := func(user, team, cpr, name string) string {
		var c struct{ ID string }
		body := map[string]any{"team_id": team, "citizens": []map[string]any{{"cpr": cpr, "name": name}},
			"consultant_ids": []string{user}, "start_date": app.Day(0, 0, 0), "goals": []map[string]any{{"text": "Et mål"}}}
		require.Equal(t, http.StatusCreated, as{t: t, app: app, user: user}.do("POST", "/api/v1/courses", body, &c).StatusCode)
		waitCourse(t, app, c.ID)
		return c.ID
	}
	f.courseA = refer("konsulent.anna", "ungeteam", "010101-1111", "Alma Matrix")
	f.courseB = refer("konsulent.bilal", "ungeteam", "020202-2222", "Bjørn Matrix")
	f.courseC = refer("konsulent.eva", "familieteam", "030303-3333", "Cille Matrix")
	extend := map[string]any{"reason": "Mere tid", "new_end": app.Day(1, 2, 0)}
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "konsulent.anna"}.do("POST", "/api/v1/courses/"+f.courseA+"/extensions", extend, nil).StatusCode)
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "konsulent.bilal"}.do("POST", "/api/v1/courses/"+f.courseB+"/extensions", extend, nil).StatusCode)
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "styregruppe.bo"}.do("POST", "/api/v1/courses/"+f.courseB+"/extensions/1/decision",
		map[string]any{"approve": true, "reason": "Godkendt: borgeren er tæt på uddannelse"}, nil).StatusCode)
	enrol := enrolment()
	enrol["citizen"] = map[string]any{"cpr": "040404-4444", "name": "Pia Matrix"}
	var p struct{ ID string }
	require.Equal(t, http.StatusCreated, as{t: t, app: app, user: "tovholder.ida"}.do("POST", "/api/v1/plans", enrol, &p).StatusCode)
	f.plan = p.ID
	require.Eventually(t, func() bool {
		a, err1 := app.Store.GetCourse(context.Background(), f.courseA)
		pl, err2 := app.Store.GetPlan(context.Background(), f.plan)
		if err1 != nil || err2 != nil || pl.Revision == 0 || a.Phase != "extension_pending" {
			return false
		}
		f.citizenA, f.citizenP = a.CitizenIDs[0], pl.CitizenID
		return true
	}, 15*time.Second, 100*time.Millisecond)
	return f
}

var matrixUsers = []string{
	"konsulent.anna", "konsulent.bilal", "konsulent.eva", "leder.ulla", "leder.finn", "leder.karen", "styregruppe.bo",
	"tovholder.ida", "tovholder.nina", "koordinator.jonas", "sagsbehandler.lise", "sagsbehandler.per", "admin",
}

// expect is what a user gets: a status (or 0: any allowed answer, not 401/403/5xx), JSON keys
// the answer must have and must not have (paths like "items[].citizen_ids"), and for pages,
// text it must and must not contain.
type expect struct {
	status         int
	has, hasNot    []string
	shows, showsNo []string
}

func allow(status int, has ...string) expect { return expect{status: status, has: has} }

// withNot adds keys the answer must not have.
func (e expect) withNot(keys ...string) expect { e.hasNot = append(e.hasNot, keys...); return e }

// showing adds texts a page must show (and, after "!", must not).
func (e expect) showing(texts ...string) expect {
	for _, x := range texts {
		if rest, ok := strings.CutPrefix(x, "!"); ok {
			e.showsNo = append(e.showsNo, rest)
		} else {
			e.shows = append(e.shows, x)
		}
	}
	return e
}

// only expects the users listed to get their expectation, everybody else 403.
type only map[string]expect

// everyone expects every user to get the same.
func everyone(e expect) only {
	out := only{}
	for _, u := range matrixUsers {
		out[u] = e
	}
	return out
}

func (o only) and(users []string, e expect) only {
	for _, u := range users {
		o[u] = e
	}
	return o
}

// Every role and relation against every endpoint and page, reads and writes: the status, and
// which fields (or, on a page, which names) come back. A write is sent with a body that the
// step refuses once it is allowed (422 or 409), so the fixture does not change between rows:
// a 403 says the caller may not, anything else that they may. Every refusal of a read or a
// step about a citizen is in that citizen's access log.
func TestAccessMatrix(t *testing.T) {
	app := apptest.Start(t)
	f := newMatrixFixture(t, app)
	A, B, C, P := f.courseA, f.courseB, f.courseC, f.plan
	full := []string{"citizen_ids", "goals", "progressions", "consultant_ids", "extensions"}
	stepUsers := func(users ...string) only {
		o := only{}
		for _, u := range users {
			o[u] = allow(422)
		}
		return o
	}
	leads := []string{"leder.ulla", "leder.finn", "leder.karen"}
	reporters := append([]string{"styregruppe.bo", "admin"}, leads...)
	participants := []string{"tovholder.ida", "koordinator.jonas", "sagsbehandler.lise", "admin"}
	rows := []struct {
		method, path string
		body         any
		want         only
	}{
		// Courses: read.
		{"GET", "/api/v1/courses/" + A, nil, only{
			"konsulent.anna": allow(200, full...), "leder.ulla": allow(200, full...), "admin": allow(200, full...),
			"styregruppe.bo": allow(200, "course_id", "extensions", "planned_end").withNot(full[:4]...),
		}},
		{"GET", "/api/v1/courses/" + C, nil, only{"konsulent.eva": allow(200, full...), "leder.finn": allow(200, full...), "admin": allow(200, full...)}},
		// Courses: lists (a consultant their own, a lead their team's, an admin all).
		{"GET", "/api/v1/courses", nil, only{
			"konsulent.anna": allow(200, "items[].citizen_ids"), "konsulent.bilal": allow(200), "konsulent.eva": allow(200),
			"leder.ulla": allow(200), "leder.finn": allow(200), "leder.karen": allow(200), "admin": allow(200),
		}},
		// Course steps.
		{"POST", "/api/v1/courses", map[string]any{"team_id": "ungeteam"}, stepUsers("konsulent.anna", "konsulent.bilal", "leder.ulla")},
		{"POST", "/api/v1/courses", map[string]any{"team_id": "familieteam"}, stepUsers("konsulent.eva", "leder.finn")},
		{"POST", "/api/v1/courses/" + A + "/progressions", map[string]any{}, stepUsers("konsulent.anna", "leder.ulla")},
		{"POST", "/api/v1/courses/" + A + "/milestones", map[string]any{}, stepUsers("konsulent.anna", "leder.ulla")},
		{"POST", "/api/v1/courses/" + A + "/extensions", map[string]any{}, stepUsers("konsulent.anna", "leder.ulla")},
		{"POST", "/api/v1/courses/" + A + "/close", map[string]any{}, stepUsers("konsulent.anna", "leder.ulla")},
		{"POST", "/api/v1/courses/" + A + "/move-to-collaboration", map[string]any{}, stepUsers("konsulent.anna", "leder.ulla")},
		{"POST", "/api/v1/courses/" + A + "/extensions/1/decision", map[string]any{}, stepUsers("styregruppe.bo")},
		{"POST", "/api/v1/courses/" + C + "/extensions/1/decision", map[string]any{}, only{}}, // no request: not the steering group's
		{"POST", "/api/v1/courses/" + C + "/close", map[string]any{}, stepUsers("konsulent.eva", "leder.finn")},
		// The steering group's worklist.
		{"GET", "/api/v1/extensions/pending", nil, only{"styregruppe.bo": allow(200, "items[].reason"), "admin": allow(200)}},
		// Plans.
		{"GET", "/api/v1/plans/" + P, nil, only{}.and(participants, allow(200, "citizen_id", "form_versions", "meetings")).and(
			[]string{"leder.karen"}, allow(200, "meetings", "participants", "next").withNot("citizen_id", "form_versions", "consent"))},
		{"GET", "/api/v1/plans", nil, everyone(allow(200)).and([]string{"styregruppe.bo"}, expect{status: 403})},
		{"POST", "/api/v1/plans", map[string]any{}, stepUsers("tovholder.ida", "tovholder.nina", "koordinator.jonas", "leder.ulla", "leder.finn", "leder.karen")},
		{"POST", "/api/v1/plans/" + P + "/consent", map[string]any{}, stepUsers("tovholder.ida", "koordinator.jonas")},
		{"POST", "/api/v1/plans/" + P + "/consent/withdraw", map[string]any{}, stepUsers("tovholder.ida", "koordinator.jonas")},
		{"POST", "/api/v1/plans/" + P + "/meeting/schedule", map[string]any{}, stepUsers("tovholder.ida")},
		{"POST", "/api/v1/plans/" + P + "/meeting/invitation", nil, only{"tovholder.ida": allow(409)}},
		{"POST", "/api/v1/plans/" + P + "/meeting/held", map[string]any{}, stepUsers("tovholder.ida")},
		{"POST", "/api/v1/plans/" + P + "/meeting/not-held", map[string]any{}, stepUsers("tovholder.ida")},
		{"POST", "/api/v1/plans/" + P + "/meetings/1/minutes", map[string]any{}, stepUsers("tovholder.ida")},
		{"POST", "/api/v1/plans/" + P + "/citizen-meeting", map[string]any{}, stepUsers("koordinator.jonas")},
		{"POST", "/api/v1/plans/" + P + "/participants", map[string]any{}, stepUsers("tovholder.ida", "leder.karen", "admin")},
		{"POST", "/api/v1/plans/" + P + "/leave", map[string]any{}, stepUsers("tovholder.ida")},
		// Teams.
		{"GET", "/api/v1/teams", nil, everyone(allow(200))},
		{"GET", "/api/v1/teams/ungeteam", nil, everyone(allow(200))},
		{"GET", "/api/v1/staff", nil, everyone(allow(200))},
		{"POST", "/api/v1/teams/ungeteam/pause", map[string]any{}, stepUsers("leder.ulla")},
		{"POST", "/api/v1/teams/ungeteam/resume", nil, only{"leder.ulla": allow(409)}},
		{"GET", "/api/v1/teams/ungeteam/worklist", nil, only{
			"leder.ulla": allow(200, "worklist", "open_courses"), "admin": allow(200, "worklist"),
			"styregruppe.bo": allow(200, "open_courses").withNot("worklist"),
		}},
		{"POST", "/api/v1/teams/ungeteam/reorganise", map[string]any{}, stepUsers("styregruppe.bo", "admin")},
		{"POST", "/api/v1/teams/ungeteam/phase-out", map[string]any{}, stepUsers("styregruppe.bo", "admin")},
		{"POST", "/api/v1/teams/ungeteam/targets", map[string]any{}, stepUsers("styregruppe.bo", "admin")},
		// The register and the reports.
		{"GET", "/api/v1/decisions", nil, only{}.and(reporters, allow(200))},
		{"POST", "/api/v1/decisions", map[string]any{}, stepUsers("styregruppe.bo", "admin")},
		{"GET", "/api/v1/reports/status", nil, only{}.and(reporters, allow(200, "teams"))},
		{"GET", "/api/v1/reports/steering", nil, only{}.and(reporters, allow(200))},
		{"GET", "/api/v1/reports/committee", nil, only{}.and(reporters, allow(200))},
		{"GET", "/api/v1/reports/committee/999999", nil, only{}.and(reporters, allow(404))},
		{"GET", "/api/v1/citizens/" + f.citizenA + "/access-log", nil, only{"admin": allow(200, "entries")}},
		// The workflows' stuck effects, and a pause's latest date.
		{"GET", "/api/v1/effects/stuck", nil, only{"admin": allow(200, "items")}},
		{"POST", "/api/v1/courses/" + A + "/retry-effects", nil, only{"admin": allow(200, "stuck")}},
		{"POST", "/api/v1/plans/" + P + "/retry-effects", nil, only{"admin": allow(200, "stuck")}},
		{"POST", "/api/v1/teams/ungeteam/pause/retry-effects", nil, only{"admin": allow(404)}}, // no pause runs
		{"POST", "/api/v1/teams/ungeteam/pause/resume-by", map[string]any{}, stepUsers("styregruppe.bo", "admin")},
		// One's own inbox.
		{"GET", "/api/v1/me/inbox", nil, everyone(allow(200, "items"))},
		{"POST", "/api/v1/me/inbox/999999/done", nil, everyone(allow(404))},
		// A staff member's absences: they themself, their lead, an administrator.
		{"GET", "/api/v1/staff/konsulent.anna/absences", nil, only{"konsulent.anna": allow(200, "items"), "leder.ulla": allow(200, "items"), "admin": allow(200, "items")}},
		{"POST", "/api/v1/staff/konsulent.anna/absences", map[string]any{"from": app.Day(0, 1, 1), "to": app.Day(0, 1, 0)}, stepUsers("konsulent.anna", "leder.ulla", "admin")},
		{"DELETE", "/api/v1/staff/konsulent.anna/absences/00000000-0000-4000-8000-000000000000", nil,
			only{"konsulent.anna": allow(404), "leder.ulla": allow(404), "admin": allow(404)}},
	}
	for _, r := range rows {
		for _, u := range matrixUsers {
			want, ok := r.want[u]
			if !ok {
				want = expect{status: http.StatusForbidden}
			}
			name := r.method + " " + shortPath(r.path, f) + " as " + u
			t.Run(name, func(t *testing.T) {
				var raw json.RawMessage
				resp := as{t: t, app: app, user: u}.do(r.method, r.path, r.body, &raw)
				checkAnswer(t, resp, raw, want)
			})
		}
	}

	// What each list shows whom.
	listIDs := func(user, path string) []string {
		var page struct{ Items []struct{ ID string } }
		require.Equal(t, http.StatusOK, as{t: t, app: app, user: user}.do("GET", path, nil, &page).StatusCode)
		var ids []string
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		sort.Strings(ids)
		return ids
	}
	sorted := func(ids ...string) []string { sort.Strings(ids); return ids }
	assert.Equal(t, []string{A}, listIDs("konsulent.anna", "/api/v1/courses"))
	assert.Equal(t, []string{B}, listIDs("konsulent.bilal", "/api/v1/courses"))
	assert.Equal(t, sorted(A, B), listIDs("leder.ulla", "/api/v1/courses"))
	assert.Equal(t, []string{C}, listIDs("leder.finn", "/api/v1/courses"))
	assert.Empty(t, listIDs("leder.karen", "/api/v1/courses"))
	assert.Equal(t, sorted(A, B, C), listIDs("admin", "/api/v1/courses"))
	assert.Equal(t, []string{C}, listIDs("leder.finn", "/api/v1/courses?team=familieteam"))
	assert.Empty(t, listIDs("leder.finn", "/api/v1/courses?team=ungeteam"), "a filter never widens the scope")
	for _, u := range []string{"tovholder.ida", "koordinator.jonas", "sagsbehandler.lise", "admin"} {
		assert.Equal(t, []string{P}, listIDs(u, "/api/v1/plans"), u)
	}
	for _, u := range []string{"tovholder.nina", "sagsbehandler.per", "leder.karen", "leder.ulla"} {
		assert.Empty(t, listIDs(u, "/api/v1/plans"), u)
	}
	// The register: the extension decided on Bilal's course is Ungeteam's and the steering
	// group's business, not Familieteam's.
	decisionsAbout := func(user string) bool {
		var reg struct {
			Items []struct {
				Changes []struct {
					CourseID string `json:"course_id"`
				}
			}
		}
		require.Equal(t, http.StatusOK, as{t: t, app: app, user: user}.do("GET", "/api/v1/decisions", nil, &reg).StatusCode)
		for _, d := range reg.Items {
			for _, ch := range d.Changes {
				if ch.CourseID == B {
					return true
				}
			}
		}
		return false
	}
	assert.True(t, decisionsAbout("leder.ulla"))
	assert.True(t, decisionsAbout("styregruppe.bo"))
	assert.False(t, decisionsAbout("leder.finn"), "another team's lead does not see decisions about the team's courses")
	assert.False(t, decisionsAbout("leder.karen"))

	// Every refusal about a citizen's course or plan is in that citizen's access log.
	refused := func(citizen string) map[string]bool {
		entries, err := app.Store.CitizenAccessLog(context.Background(), citizen)
		require.NoError(t, err)
		out := map[string]bool{}
		for _, e := range entries {
			if e.Refused {
				out[e.ActorID+" "+string(e.Action)] = true
			}
		}
		return out
	}
	ra, rp := refused(f.citizenA), refused(f.citizenP)
	for _, u := range []string{"konsulent.bilal", "konsulent.eva", "leder.finn", "leder.karen", "tovholder.ida", "sagsbehandler.per"} {
		assert.True(t, ra[u+" course.read"], "%s's refused read of course A is in the citizen's log", u)
		assert.True(t, ra[u+" course.record_progression"], "%s's refused step on course A is in the citizen's log", u)
	}
	for _, u := range []string{"konsulent.anna", "leder.ulla", "leder.finn", "tovholder.nina", "sagsbehandler.per", "styregruppe.bo"} {
		assert.True(t, rp[u+" plan.read"], "%s's refused read of the plan is in the citizen's log", u)
		assert.True(t, rp[u+" plan.change_participants"], "%s's refused step on the plan is in the citizen's log", u)
	}
}

// The pages against every role and relation: the status, and whose names they show.
func TestAccessMatrixPages(t *testing.T) {
	app := apptest.Start(t)
	f := newMatrixFixture(t, app)
	A, P := f.courseA, f.plan
	leads := []string{"leder.ulla", "leder.finn", "leder.karen"}
	rows := []struct {
		path string
		want only
	}{
		{"/indbakke", everyone(allow(200))},
		{"/forloeb/" + A, only{
			"konsulent.anna": allow(200).showing("Alma Matrix"), "leder.ulla": allow(200).showing("Alma Matrix"), "admin": allow(200).showing("Alma Matrix"),
		}},
		{"/forloeb", only{
			"konsulent.anna":  allow(200).showing("Alma Matrix", "!Bjørn Matrix", "!Cille Matrix"),
			"konsulent.bilal": allow(200).showing("Bjørn Matrix", "!Alma Matrix"),
			"konsulent.eva":   allow(200).showing("Cille Matrix", "!Alma Matrix", "!Bjørn Matrix"),
			"leder.ulla":      allow(200).showing("Alma Matrix", "Bjørn Matrix", "!Cille Matrix"),
			"leder.finn":      allow(200).showing("Cille Matrix", "!Alma Matrix", "!Bjørn Matrix"),
			"leder.karen":     allow(200).showing("!Alma Matrix", "!Cille Matrix"),
			"admin":           allow(200).showing("Alma Matrix", "Bjørn Matrix", "Cille Matrix"),
		}},
		{"/samarbejde/" + P, only{}.and([]string{"tovholder.ida", "koordinator.jonas", "sagsbehandler.lise", "admin"}, allow(200).showing("Pia Matrix"))},
		{"/samarbejde", everyone(allow(200).showing("!Pia Matrix")).and([]string{"tovholder.ida", "koordinator.jonas", "sagsbehandler.lise", "admin"},
			allow(200).showing("Pia Matrix")).and([]string{"styregruppe.bo"}, expect{status: 403})},
		{"/teams/ungeteam", only{
			"konsulent.anna":  allow(200).showing("Alma Matrix", "!Bjørn Matrix"),
			"konsulent.bilal": allow(200).showing("Bjørn Matrix", "!Alma Matrix"),
			"leder.ulla":      allow(200).showing("Alma Matrix", "Bjørn Matrix"),
			"admin":           allow(200).showing("Alma Matrix", "Bjørn Matrix"),
		}},
		{"/styregruppe", only{"styregruppe.bo": allow(200).showing("Mere tid", "!Alma Matrix"), "admin": allow(200)}},
		{"/rapporter", only{}.and(append([]string{"styregruppe.bo", "admin"}, leads...), allow(200))},
		{"/programstyring", only{}.and(append([]string{"styregruppe.bo", "admin"}, leads...), allow(200))},
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, r := range rows {
		for _, u := range matrixUsers {
			want, ok := r.want[u]
			if !ok {
				want = expect{status: http.StatusForbidden}
			}
			t.Run(shortPath(r.path, f)+" as "+u, func(t *testing.T) {
				req, err := http.NewRequest("GET", app.URL+r.path, nil)
				require.NoError(t, err)
				req.AddCookie(app.SessionCookie(u))
				resp, err := client.Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				page := string(body)
				if want.status == 0 {
					assert.NotContains(t, []int{401, 403}, resp.StatusCode)
				} else {
					assert.Equal(t, want.status, resp.StatusCode)
				}
				for _, s := range want.shows {
					assert.Contains(t, page, s)
				}
				for _, s := range want.showsNo {
					assert.NotContains(t, page, s)
				}
				if resp.StatusCode == http.StatusForbidden {
					assert.Contains(t, page, "Du har ikke adgang", "a refusal in Danish")
					for _, name := range []string{"Alma Matrix", "Bjørn Matrix", "Cille Matrix", "Pia Matrix"} {
						assert.NotContains(t, page, name)
					}
				}
			})
		}
	}
}

// shortPath names a path by its fixture ids, for the test's name.
func shortPath(p string, f matrixFixture) string {
	for id, name := range map[string]string{f.courseA: "A", f.courseB: "B", f.courseC: "C", f.plan: "P", f.citizenA: "citizenA"} {
		if id != "" {
			p = strings.ReplaceAll(p, id, name)
		}
	}
	return strings.TrimPrefix(p, "/api/v1")
}

// checkAnswer compares an answer with what was expected.
func checkAnswer(t *testing.T, resp *http.Response, raw json.RawMessage, want expect) {
	t.Helper()
	if want.status == 0 {
		assert.NotContains(t, []int{401, 403}, resp.StatusCode, "%s", raw)
		assert.Less(t, resp.StatusCode, 500, "%s", raw)
	} else {
		assert.Equal(t, want.status, resp.StatusCode, "%s", raw)
	}
	if resp.StatusCode == http.StatusForbidden {
		var p api.Problem
		require.NoError(t, json.Unmarshal(raw, &p))
		assert.Equal(t, "forbidden", p.Code)
		assert.NotEmpty(t, p.Detail, "a refusal says why")
		return
	}
	var doc any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &doc))
	}
	for _, k := range want.has {
		assert.True(t, hasKey(doc, k), "the answer has %s: %s", k, clip(raw))
	}
	for _, k := range want.hasNot {
		assert.False(t, hasKey(doc, k), "the answer must not have %s: %s", k, clip(raw))
	}
}

// hasKey reports whether a decoded JSON document has the key path ("a.b", "items[].c": in
// some item).
func hasKey(doc any, path string) bool {
	head, rest, _ := strings.Cut(path, ".")
	if name, ok := strings.CutSuffix(head, "[]"); ok {
		m, _ := doc.(map[string]any)
		items, _ := m[name].([]any)
		for _, it := range items {
			if rest == "" || hasKey(it, rest) {
				return true
			}
		}
		return false
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return false
	}
	v, ok := m[head]
	if !ok {
		return false
	}
	return rest == "" || hasKey(v, rest)
}

func clip(raw json.RawMessage) string {
	s := string(raw)
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}
