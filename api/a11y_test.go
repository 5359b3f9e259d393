package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/internal/testing/apptest"
)

// a11yFixture is demo data that fills every staff page: the matrix's courses (one with an
// extension waiting for the steering group), a progression (the course page's chart) and a
// plan with consent, a meeting held (the form's versions) and the next meeting set.
func a11yFixture(t *testing.T, app *apptest.App) matrixFixture {
	t.Helper()
	f := newMatrixFixture(t, app)
	anna := as{t: t, app: app, user: "konsulent.anna"}
	require.Equal(t, http.StatusOK, anna.do("POST", "/api/v1/courses/"+f.courseA+"/progressions", map[string]any{
		"scores": []map[string]any{{"goal_id": "g1", "score": 4}}, "note": "Godt i gang"}, nil).StatusCode)

	ida := as{t: t, app: app, user: "tovholder.ida"}
	jonas := as{t: t, app: app, user: "koordinator.jonas"}
	path := "/api/v1/plans/" + f.plan
	require.Equal(t, http.StatusOK, jonas.do("POST", path+"/consent", map[string]any{"scope": "Deling mellem centrene", "date": app.Day(0, 0, 0)}, nil).StatusCode)
	at := time.Now().Add(time.Second).UTC()
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/schedule", map[string]any{"at": at}, nil).StatusCode)
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/invitation", nil, nil).StatusCode)
	time.Sleep(time.Until(at))
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/held", map[string]any{
		"held_at": at, "citizen_present": true, "attendees": []string{"sagsbehandler.lise"},
		"goals":   []map[string]any{{"goal": "Stabil bolig", "agreements": []map[string]any{{"text": "Søge bolig", "responsible": "borgeren"}}}},
		"summary": "Første plan",
	}, nil).StatusCode)
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/schedule", map[string]any{"at": time.Now().AddDate(0, 0, 14).UTC()}, nil).StatusCode)
	return f
}

// Every staff page, scanned by axe-core in Chromium against WCAG 2.1 A and AA (the Danish web
// accessibility act's requirement), with demo data on it, as the staff members who see the
// most of it: no rule may be broken.
func TestEveryStaffPageIsAccessible(t *testing.T) {
	app := apptest.Start(t)
	f := a11yFixture(t, app)
	ctx := browser(t)

	scan := func(name, path string, ready string) {
		t.Helper()
		run(t, ctx, name, chromedp.Navigate(app.URL+path), chromedp.WaitVisible(ready, chromedp.ByQuery))
		apptest.CheckAccessible(t, ctx, name+" ("+path+")")
	}

	// The scan itself finds what it should: a field without a label, an image without a text.
	run(t, ctx, "a page with faults", chromedp.Navigate(`data:text/html,<!doctype html><html lang="da"><title>Fejl</title><main><h1>Fejl</h1><input id="x"><img src="data:,"></main></html>`))
	faults, err := apptest.AxeViolations(ctx)
	require.NoError(t, err)
	var ids []string
	for _, v := range faults {
		ids = append(ids, v.ID)
	}
	require.Subset(t, ids, []string{"label", "image-alt"}, "axe-core finds the faults of a faulty page")

	// Without a session.
	run(t, ctx, "forget the session", network.ClearBrowserCookies())
	scan("the login page", "/login", "#login")
	scan("the accessibility statement, logged out", "/tilgaengelighed", "main h1")

	for _, pg := range []struct{ user, name, path, ready string }{
		{"konsulent.anna", "the inbox", "/indbakke", "main h1"},
		{"konsulent.anna", "the courses and the referral form", "/forloeb", "#cpr"},
		{"konsulent.anna", "a course with its chart and forms", "/forloeb/" + f.courseA, "#planned-end"},
		{"konsulent.anna", "a course the user may not read (an error page)", "/forloeb/" + f.courseC, "main h1"},
		{"konsulent.anna", "a course that does not exist (an error page)", "/forloeb/00000000-0000-4000-8000-000000000000", "main h1"},
		{"konsulent.anna", "the accessibility statement, logged in", "/tilgaengelighed", "main h1"},
		{"leder.ulla", "a course as its team's lead", "/forloeb/" + f.courseB, "#planned-end"},
		{"leder.ulla", "a team", "/teams/ungeteam", "main h1"},
		{"leder.ulla", "the reports", "/rapporter", "main h1"},
		{"styregruppe.bo", "the steering group's pending extensions", "/styregruppe", `input[name="approve"]`},
		{"styregruppe.bo", "programme steering", "/programstyring", "main h1"},
		{"tovholder.ida", "the plans", "/samarbejde", "main h1"},
		{"tovholder.ida", "a plan with its forms", "/samarbejde/" + f.plan, "#next-meeting"},
		{"koordinator.jonas", "a plan as its coordinating caseworker", "/samarbejde/" + f.plan, "main h1"},
	} {
		if pg.user != "" {
			login(t, ctx, app, pg.user)
		}
		scan(pg.name, pg.path, pg.ready)
	}

	// Log out through the form: the provider sends the browser to the logged-out page.
	run(t, ctx, "log out",
		chromedp.Navigate(app.URL+"/indbakke"),
		chromedp.Click(`form.logout button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#login-again`, chromedp.ByID),
	)
	apptest.CheckAccessible(t, ctx, "the logged-out page (/logget-ud)")
}

// focusStop is where focus is after a Tab, as the test sees it.
type focusStop struct {
	Tag, Text, Href, ID string
	InMain              bool
	// Visible: the element has a box inside the viewport (the browser scrolls it into view).
	Visible bool
	// Indicator: the focused element draws a focus indicator of its own (an outline of at
	// least 2 px or a box shadow), not only the browser's thin default ring.
	Indicator string
}

// same: the same element (as far as the test can tell).
func (s focusStop) same(o focusStop) bool {
	return s.Tag == o.Tag && s.ID == o.ID && s.Href == o.Href && s.Text == o.Text
}

func (s focusStop) String() string {
	return fmt.Sprintf("<%s id=%q href=%q>%s", s.Tag, s.ID, s.Href, strings.TrimSpace(s.Text))
}

const focusedJS = `(() => {
	const e = document.activeElement;
	if (!e || e === document.body) return {Tag: "body"};
	const r = e.getBoundingClientRect(), s = getComputedStyle(e);
	const ow = parseFloat(s.outlineWidth) || 0;
	let ind = "";
	if (s.outlineStyle !== "none" && s.outlineStyle !== "auto" && ow >= 2) ind = "outline " + s.outlineStyle + " " + s.outlineWidth + " " + s.outlineColor;
	else if (s.boxShadow && s.boxShadow !== "none") ind = "box-shadow " + s.boxShadow;
	return {Tag: e.tagName.toLowerCase(), Text: (e.innerText || e.value || "").slice(0, 60),
		Href: e.getAttribute("href") || "", ID: e.id || "", InMain: !!e.closest("main"),
		Visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
		Indicator: ind};
})()`

// tabbableJS lists the elements Tab should visit, in document order: what a person can reach by
// keyboard (of a group of radio buttons, the checked one or else the first). A positive
// tabindex (which would jump the order) is reported as such.
const tabbableJS = `Array.from(document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]'))
	.filter(e => !e.disabled && e.type !== "hidden" && e.tabIndex >= 0 && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden")
	.filter(e => {
		if (e.type !== "radio") return true;
		const group = Array.from((e.form || document).querySelectorAll('input[type=radio]')).filter(r => r.name === e.name);
		const checked = group.find(r => r.checked);
		return checked ? checked === e : group[0] === e;
	})
	.map(e => ({Tag: e.tagName.toLowerCase(), ID: e.id || "", Href: e.getAttribute("href") || "", Text: (e.innerText || e.value || "").slice(0, 60),
		Positive: e.tabIndex > 0}))`

type tabbable struct {
	Tag, ID, Href, Text string
	Positive            bool
}

// The pages work by keyboard: the first Tab reaches a skip link ("Gå til indhold") that moves
// focus to the page's content; every further Tab moves focus to the next link, button or
// field in the page's order, each visibly focused.
func TestTheStaffPagesWorkByKeyboard(t *testing.T) {
	app := apptest.Start(t)
	f := newMatrixFixture(t, app)
	ctx := browser(t)
	pages := []struct{ user, path, ready string }{
		{"", "/login", "#login"},
		{"", "/tilgaengelighed", "main h1"},
		{"konsulent.anna", "/forloeb", "#cpr"},
		{"konsulent.anna", "/forloeb/" + f.courseA, "#planned-end"},
		{"leder.ulla", "/teams/ungeteam", "main h1"},
		{"styregruppe.bo", "/styregruppe", `input[name="approve"]`},
		{"tovholder.ida", "/samarbejde/" + f.plan, "main h1"},
	}
	for _, pg := range pages {
		if pg.user == "" {
			run(t, ctx, "forget the session", network.ClearBrowserCookies())
		} else {
			login(t, ctx, app, pg.user)
		}
		checkKeyboard(t, ctx, app, pg.path, pg.ready)
	}
}

// keyboard drives the browser by keys alone: Tab and what the focused element is.
type keyboard struct {
	t   *testing.T
	ctx context.Context
}

func newKeyboard(t *testing.T, ctx context.Context) keyboard {
	run(t, ctx, "focus emulation", chromedp.ActionFunc(func(ctx context.Context) error {
		return emulation.SetFocusEmulationEnabled(true).Do(ctx)
	}))
	return keyboard{t: t, ctx: ctx}
}

func (k keyboard) focused(what string) focusStop {
	k.t.Helper()
	var s focusStop
	run(k.t, k.ctx, what, chromedp.Evaluate(focusedJS, &s))
	return s
}

func (k keyboard) tab() focusStop {
	k.t.Helper()
	run(k.t, k.ctx, "press Tab", chromedp.KeyEvent(kb.Tab))
	return k.focused("where focus is")
}

// tabTo presses Tab until focus is on the element that matches (at most 60 times).
func (k keyboard) tabTo(what string, match func(focusStop) bool) focusStop {
	k.t.Helper()
	for i := 0; i < 60; i++ {
		if s := k.tab(); match(s) {
			return s
		}
	}
	k.t.Fatalf("Tab never reached %s", what)
	return focusStop{}
}

// checkKeyboard checks one page by keyboard: the first Tab reaches a skip link ("Gå til
// indhold") that moves focus to the page's content; every further Tab moves focus to the
// next link, button or field in the page's order, each visibly focused.
func checkKeyboard(t *testing.T, ctx context.Context, app *apptest.App, path, ready string) {
	t.Helper()
	k := newKeyboard(t, ctx)
	load := func() {
		t.Helper()
		run(t, ctx, path, chromedp.Navigate(app.URL+path), chromedp.WaitVisible(ready, chromedp.ByQuery))
	}

	// The skip link: first, visible when focused, and it moves focus to the content.
	load()
	first := k.tab()
	if !assert.Equal(t, "#indhold", first.Href, "%s: the first Tab reaches the skip link, not %s", path, first) {
		return
	}
	assert.Equal(t, "Gå til indhold", strings.TrimSpace(first.Text), path)
	assert.True(t, first.Visible, "%s: the skip link is visible when focused", path)
	assert.NotEmpty(t, first.Indicator, "%s: the skip link shows that it has focus", path)
	run(t, ctx, "follow the skip link", chromedp.KeyEvent(kb.Enter))
	var hash string
	run(t, ctx, "the location", chromedp.Evaluate(`location.hash`, &hash))
	assert.Equal(t, "#indhold", hash, path)
	assert.Equal(t, "indhold", k.focused("after the skip link").ID, "%s: the skip link moves focus to the content", path)
	if next := k.tab(); !next.InMain {
		t.Errorf("%s: after the skip link, Tab goes to %s, not into the content", path, next)
	}

	// Tab through the whole page: the document's order, every stop visibly focused.
	load()
	var want []tabbable
	run(t, ctx, "the tabbable elements", chromedp.Evaluate(tabbableJS, &want))
	require.NotEmpty(t, want, path)
	var prev focusStop
	for i, w := range want {
		assert.False(t, w.Positive, "%s: a positive tabindex jumps the order: %+v", path, w)
		got := k.tab()
		// Chromium's date and time fields take a Tab per part (day, month, year).
		for n := 0; n < 8 && got.same(prev) && got.Tag == "input"; n++ {
			got = k.tab()
		}
		prev = got
		if got.Tag != w.Tag || got.ID != w.ID || got.Href != w.Href || strings.TrimSpace(got.Text) != strings.TrimSpace(w.Text) {
			t.Errorf("%s: Tab %d reaches %s, want <%s id=%q href=%q>%s (the page's order)", path, i+1, got, w.Tag, w.ID, w.Href, w.Text)
			break
		}
		assert.True(t, got.Visible, "%s: Tab %d: %s is not visible when focused", path, i+1, got)
		assert.NotEmpty(t, got.Indicator, "%s: Tab %d: %s shows no focus indicator of its own", path, i+1, got)
	}
}
