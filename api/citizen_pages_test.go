package api_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/internal/dev/demo"
	"tvp/internal/testing/apptest"
)

// citizenFixture is a plan for the demo citizen Sara (who logs in as borger.sara), with her
// consent, a meeting held with a goal and two agreements, and the next meeting set; and a
// course for the demo citizen Mikkel (borger.mikkel).
type citizenFixture struct {
	plan, course     string
	sara, mikkel     string // citizen ids
	nextMeeting      time.Time
	coordinatorRead  time.Time
	coordinatorWhy   string
	saraCitizenLogin demo.CitizenLogin
}

func newCitizenFixture(t *testing.T, app *apptest.App) citizenFixture {
	t.Helper()
	f := citizenFixture{sara: demo.CitizenLogins[1].CitizenID, mikkel: demo.CitizenLogins[0].CitizenID, saraCitizenLogin: demo.CitizenLogins[1]}
	ida := as{t: t, app: app, user: "tovholder.ida"}
	jonas := as{t: t, app: app, user: "koordinator.jonas"}
	enrol := enrolment()
	enrol["citizen"] = map[string]any{"cpr": demo.CitizenLogins[1].CPR, "name": demo.CitizenLogins[1].Name}
	var p struct{ ID string }
	require.Equal(t, http.StatusCreated, ida.do("POST", "/api/v1/plans", enrol, &p).StatusCode)
	f.plan = p.ID
	require.Eventually(t, func() bool {
		pl, err := app.Store.GetPlan(context.Background(), f.plan)
		return err == nil && pl.Revision > 0 && pl.CitizenID == f.sara
	}, 15*time.Second, 100*time.Millisecond, "the plan never ran for Sara")
	path := "/api/v1/plans/" + f.plan
	require.Equal(t, http.StatusOK, jonas.do("POST", path+"/consent", map[string]any{"scope": "Deling mellem de tre centre", "date": app.Day(0, 0, 0)}, nil).StatusCode)
	at := time.Now().Add(time.Second).UTC()
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/schedule", map[string]any{"at": at}, nil).StatusCode)
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/invitation", nil, nil).StatusCode)
	time.Sleep(time.Until(at))
	due := func(days int) string { return app.Day(0, 0, days) }
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/held", map[string]any{
		"held_at": at, "citizen_present": true, "attendees": []string{"sagsbehandler.lise"},
		"goals": []map[string]any{{"goal": "Stabil bolig", "agreements": []map[string]any{
			{"text": "Søge boligstøtte", "party": "staff", "staff_id": "sagsbehandler.lise", "due_date": due(10)},
			{"text": "Ringe til boligforeningen", "party": "citizen", "due_date": due(5)},
			{"text": "Samtale om søvn", "party": "outside", "outside": "Egen læge", "due_date": due(20)},
		}}},
		"summary": "Første plan",
	}, nil).StatusCode)
	f.nextMeeting = time.Now().AddDate(0, 0, 14).UTC().Truncate(time.Minute)
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/schedule", map[string]any{"at": f.nextMeeting}, nil).StatusCode)

	// The coordinator reads the plan, saying why: the citizen's access log shows it.
	f.coordinatorWhy = "forberedelse af mødet"
	f.coordinatorRead = time.Now()
	reader := as{t: t, app: app, user: "tovholder.ida", header: map[string]string{"X-TVP-Purpose": f.coordinatorWhy}}
	require.Equal(t, http.StatusOK, reader.do("GET", path, nil, nil).StatusCode)

	var c struct{ ID string }
	body := map[string]any{"team_id": "ungeteam", "citizens": []map[string]any{{"cpr": demo.CitizenLogins[0].CPR, "name": demo.CitizenLogins[0].Name}},
		"consultant_ids": []string{"konsulent.anna"}, "start_date": app.Day(0, 0, 0), "goals": []map[string]any{{"text": "Starte på en uddannelse"}}}
	require.Equal(t, http.StatusCreated, as{t: t, app: app, user: "konsulent.anna"}.do("POST", "/api/v1/courses", body, &c).StatusCode)
	waitCourse(t, app, c.ID)
	f.course = c.ID
	return f
}

// The citizen logs in through the provider, sees their plan and the next meeting, puts a
// point on the agenda, writes their words on a goal and confirms the form's version; the
// coordinator sees all three on the plan's page; the citizen's access log shows the
// coordinator's read with its date and purpose. All by keyboard-friendly plain forms, and
// every citizen page passes the axe-core scan.
func TestTheCitizenTakesPartInTheirPlan(t *testing.T) {
	app := apptest.Start(t)
	f := newCitizenFixture(t, app)
	ctx := browser(t)
	planPath := "/borger/plan/" + f.plan

	app.CitizenBrowserLoginNext(t, ctx, "borger.sara", planPath)
	var body string
	run(t, ctx, "my plan", chromedp.WaitVisible(`#nuvaerende`, chromedp.ByID), chromedp.Text(`main`, &body, chromedp.ByQuery))
	assert.Contains(t, body, "Din plan nu (version 1")
	assert.Contains(t, body, "Stabil bolig")
	assert.Contains(t, body, "Ringe til boligforeningen")
	apptest.CheckAccessible(t, ctx, "my plan")

	// The next meeting, and a point on its agenda.
	run(t, ctx, "my next meeting", chromedp.Navigate(app.URL+planPath+"/moede"), chromedp.WaitVisible(`#naeste`, chromedp.ByID),
		chromedp.Text(`#naeste`, &body, chromedp.ByID))
	assert.Contains(t, body, "Dit næste møde er "+f.nextMeeting.In(copenhagen()).Format("02-01-2006 15:04"))
	apptest.CheckAccessible(t, ctx, "my next meeting")
	run(t, ctx, "an agenda point", chromedp.SendKeys(`#punkt`, "Jeg vil tale om min husleje", chromedp.ByID),
		chromedp.Click(`#send-punkt`, chromedp.ByID), arrivedAt("ok=dagsorden"), chromedp.WaitVisible(`.notice`, chromedp.ByQuery), chromedp.Text(`main`, &body, chromedp.ByQuery))
	assert.Contains(t, body, "Dit punkt er sat på dagsordenen")
	assert.Contains(t, body, "Jeg vil tale om min husleje (dit punkt)")

	// Their own words on the goal, and their answer to the form's version.
	run(t, ctx, "words on a goal", chromedp.Navigate(app.URL+planPath), chromedp.WaitVisible(`#ord-0`, chromedp.ByID),
		chromedp.SendKeys(`#ord-0`, "Jeg har fundet en lejlighed, jeg gerne vil have", chromedp.ByID),
		chromedp.Click(`#send-ord-0`, chromedp.ByID), arrivedAt("ok=ord"), chromedp.WaitVisible(`.notice`, chromedp.ByQuery), chromedp.Text(`main`, &body, chromedp.ByQuery))
	assert.Contains(t, body, "Dine ord: Jeg har fundet en lejlighed")
	run(t, ctx, "confirm the form", chromedp.Navigate(app.URL+planPath), chromedp.WaitVisible(`#svar-ja`, chromedp.ByID),
		chromedp.Click(`#svar-ja`, chromedp.ByID), chromedp.Click(`#send-svar`, chromedp.ByID),
		arrivedAt("ok=svar"), chromedp.WaitVisible(`.notice`, chromedp.ByQuery), chromedp.Text(`main`, &body, chromedp.ByQuery))
	assert.Contains(t, body, "du har bekræftet den")

	// The other pages: agreements, people, consent, the access log.
	for _, pg := range []struct{ path, ready, want string }{
		{planPath + "/aftaler", "#aabne", "Søge boligstøtte"},
		{planPath + "/folk", "#kontakt", "tovholder"},
		{planPath + "/samtykke", "#samtykke", "Deling mellem de tre centre"},
		{"/borger", "#mine-sager", "Din plan i samarbejdsmodellen"},
	} {
		run(t, ctx, pg.path, chromedp.Navigate(app.URL+pg.path), chromedp.WaitVisible(pg.ready, chromedp.ByQuery), chromedp.Text(`main`, &body, chromedp.ByQuery))
		assert.Contains(t, body, pg.want, pg.path)
		apptest.CheckAccessible(t, ctx, pg.path)
	}
	run(t, ctx, "who has looked", chromedp.Navigate(app.URL+"/borger/indsigt"), chromedp.WaitVisible(`table`, chromedp.ByQuery),
		chromedp.Text(`table`, &body, chromedp.ByQuery))
	assert.Contains(t, body, f.coordinatorRead.In(copenhagen()).Format("02-01-2006"))
	assert.Contains(t, body, "læste din plan")
	assert.Contains(t, body, f.coordinatorWhy)
	assert.Contains(t, body, "en tovholder", "staff are named by what they do unless the municipality says otherwise")
	apptest.CheckAccessible(t, ctx, "who has looked")

	// The coordinator sees the citizen's part on the plan's page.
	login(t, ctx, app, "tovholder.ida")
	run(t, ctx, "the coordinator's page", chromedp.Navigate(app.URL+"/samarbejde/"+f.plan), chromedp.WaitVisible(`#agenda`, chromedp.ByID),
		chromedp.Text(`main`, &body, chromedp.ByQuery))
	assert.Contains(t, body, "Jeg vil tale om min husleje (borgeren")
	assert.Contains(t, body, "Borgerens ord")
	assert.Contains(t, body, "Jeg har fundet en lejlighed")
	assert.Contains(t, body, "bekræftet")
	assert.Contains(t, body, "Egen læge (netværk)")
	apptest.CheckAccessible(t, ctx, "the coordinator's plan page with the citizen's part")

	// Each of the citizen's steps is audited with the citizen as actor.
	var n int
	require.NoError(t, app.Store.DB().Get(&n, `SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action IN
		('collaboration.agenda_point_added', 'collaboration.goal_words_written', 'collaboration.form_responded')`, "borger:"+f.sara))
	assert.Equal(t, 3, n)
}

// A citizen never sees another citizen's plan or course: every citizen page and every form
// answers 403, in Danish, and the refusal is audited with the other citizen's id.
func TestACitizenNeverSeesAnotherCitizensCase(t *testing.T) {
	app := apptest.Start(t)
	f := newCitizenFixture(t, app)
	mikkel := app.CitizenLogin("borger.mikkel")
	sara := app.CitizenLogin("borger.sara")
	plan, course := "/borger/plan/"+f.plan, "/borger/forloeb/"+f.course

	type req struct {
		method, path string
		form         url.Values
	}
	foreign := []struct {
		who   apptest.PageSession
		other string
		reqs  []req
	}{
		{mikkel, f.sara, []req{
			{"GET", plan, nil}, {"GET", plan + "/moede", nil}, {"GET", plan + "/aftaler", nil}, {"GET", plan + "/folk", nil},
			{"GET", plan + "/samtykke", nil},
			{"POST", plan + "/dagsorden", url.Values{"text": {"Indbrud"}}},
			{"POST", plan + "/ord", url.Values{"version": {"1"}, "goal": {"0"}, "text": {"Indbrud"}}},
			{"POST", plan + "/svar", url.Values{"version": {"1"}, "confirmed": {"ja"}}},
			{"POST", plan + "/samtykke", url.Values{"reason": {"Indbrud"}}},
		}},
		{sara, f.mikkel, []req{{"GET", course, nil}}},
	}
	for _, who := range foreign {
		for _, r := range who.reqs {
			var before int
			require.NoError(t, app.Store.DB().Get(&before, `SELECT count(*) FROM audit_log WHERE refused AND citizen_id = $1`, who.other))
			status, body := citizenRequest(t, app, who.who, r.method, r.path, r.form)
			assert.Equal(t, http.StatusForbidden, status, "%s %s", r.method, r.path)
			assert.Contains(t, body, "Du kan kun se din egen plan og dit eget forløb", "%s %s", r.method, r.path)
			var after int
			require.NoError(t, app.Store.DB().Get(&after, `SELECT count(*) FROM audit_log WHERE refused AND citizen_id = $1`, who.other))
			assert.Equal(t, before+1, after, "the refusal of %s %s is audited with the other citizen", r.method, r.path)
		}
	}
	// Nothing changed in Sara's plan.
	rec, err := app.Store.GetPlan(context.Background(), f.plan)
	require.NoError(t, err)
	assert.Empty(t, rec.GoalWords)
	assert.Empty(t, rec.FormVersions[0].Responses)
	assert.NotEqual(t, "ended", string(rec.Phase))

	// Their own pages open; a plan that does not exist is 404, not a 500.
	for _, p := range []string{plan, plan + "/moede", plan + "/aftaler", plan + "/folk", plan + "/samtykke", "/borger", "/borger/indsigt"} {
		status, _ := citizenRequest(t, app, sara, "GET", p, nil)
		assert.Equal(t, http.StatusOK, status, p)
	}
	status, _ := citizenRequest(t, app, mikkel, "GET", course, nil)
	assert.Equal(t, http.StatusOK, status)
	status, _ = citizenRequest(t, app, sara, "GET", "/borger/plan/00000000-0000-4000-8000-000000000000", nil)
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = citizenRequest(t, app, sara, "GET", "/borger/plan/ikke-et-id", nil)
	assert.Less(t, status, 500)
	// The API is not theirs.
	status, _ = citizenRequest(t, app, sara, "GET", "/api/v1/plans/"+f.plan, nil)
	assert.Equal(t, http.StatusUnauthorized, status)
}

// citizenRequest sends a request with a citizen's session (a form post carries its CSRF
// token) and returns the status and body, not following redirects.
func citizenRequest(t *testing.T, app *apptest.App, s apptest.PageSession, method, path string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		form.Set("csrf", s.CSRF)
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, app.URL+path, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(s.Cookie)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func copenhagen() *time.Location {
	l, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		return time.UTC
	}
	return l
}

// The citizen's pages by keyboard alone: every page's skip link and tab order, visibly
// focused; then a journey with keys only: from the front page through the menu to the next
// meeting, a point on the agenda (typed, Enter), back to the plan and words on a goal, and
// the answer to the form.
func TestTheCitizenPagesWorkByKeyboard(t *testing.T) {
	app := apptest.Start(t)
	f := newCitizenFixture(t, app)
	ctx := browser(t)
	plan := "/borger/plan/" + f.plan
	app.CitizenBrowserLogin(t, ctx, "borger.sara")
	for _, pg := range []struct{ path, ready string }{
		{"/borger", "#mine-sager"}, {plan, "#nuvaerende"}, {plan + "/moede", "#naeste"}, {plan + "/aftaler", "#aabne"},
		{plan + "/folk", "#kontakt"}, {plan + "/samtykke", "#samtykke"}, {"/borger/indsigt", "main h1"},
	} {
		checkKeyboard(t, ctx, app, pg.path, pg.ready)
	}

	k := newKeyboard(t, ctx)
	var body string
	run(t, ctx, "the front page", chromedp.Navigate(app.URL+"/borger"), chromedp.WaitVisible(`#mine-sager`, chromedp.ByID))
	k.tabTo("the menu's next meeting", func(s focusStop) bool { return s.Text == "Mit næste møde" })
	run(t, ctx, "follow it", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(`#naeste`, chromedp.ByID))
	k.tabTo("the agenda field", func(s focusStop) bool { return s.ID == "punkt" })
	run(t, ctx, "type a point", chromedp.KeyEvent("Min søns skole"))
	k.tabTo("the agenda button", func(s focusStop) bool { return s.ID == "send-punkt" })
	run(t, ctx, "send it", chromedp.KeyEvent(kb.Enter), arrivedAt("ok=dagsorden"), chromedp.WaitVisible(`.notice`, chromedp.ByQuery), chromedp.Text(`main`, &body, chromedp.ByQuery))
	assert.Contains(t, body, "Min søns skole (dit punkt)")

	k.tabTo("the menu's plan", func(s focusStop) bool { return s.Text == "Min plan" })
	run(t, ctx, "follow it", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(`#nuvaerende`, chromedp.ByID))
	k.tabTo("the words field", func(s focusStop) bool { return s.ID == "ord-0" })
	run(t, ctx, "type words", chromedp.KeyEvent("Det går bedre"))
	k.tabTo("the words button", func(s focusStop) bool { return s.ID == "send-ord-0" })
	run(t, ctx, "send them", chromedp.KeyEvent(kb.Enter), arrivedAt("ok=ord"), chromedp.WaitVisible(`.notice`, chromedp.ByQuery), chromedp.Text(`main`, &body, chromedp.ByQuery))
	assert.Contains(t, body, "Dine ord: Det går bedre")
	k.tabTo("the answer's choice", func(s focusStop) bool { return s.ID == "svar-ja" })
	run(t, ctx, "choose a comment", chromedp.KeyEvent(kb.ArrowDown))
	k.tabTo("the comment field", func(s focusStop) bool { return s.ID == "kommentar" })
	run(t, ctx, "type a comment", chromedp.KeyEvent("Jeg vil hellere have praktik først"))
	k.tabTo("the answer button", func(s focusStop) bool { return s.ID == "send-svar" })
	run(t, ctx, "send it", chromedp.KeyEvent(kb.Enter), arrivedAt("ok=svar"),
		chromedp.WaitVisible(`.notice`, chromedp.ByQuery), chromedp.Text(`main`, &body, chromedp.ByQuery))
	assert.Contains(t, body, "du har skrevet en kommentar")
	assert.Contains(t, body, "Jeg vil hellere have praktik først")
}

// arrivedAt waits until the browser's location contains s (a form's post has been answered),
// through the navigation that gets there.
func arrivedAt(s string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for {
			var here string
			if err := chromedp.Location(&here).Do(ctx); err == nil && strings.Contains(here, s) {
				return chromedp.WaitReady(`body`, chromedp.ByQuery).Do(ctx)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// A family course: each adult member logs in to the family's own view of it; someone else's
// family course stays closed.
func TestEachFamilyMemberSeesTheFamilyCourse(t *testing.T) {
	app := apptest.Start(t)
	lene, oskar := demo.CitizenLogins[2], demo.CitizenLogins[3]
	var c struct{ ID string }
	body := map[string]any{"team_id": "familieteam", "citizens": []map[string]any{{"cpr": lene.CPR, "name": lene.Name}, {"cpr": oskar.CPR, "name": oskar.Name}},
		"consultant_ids": []string{"konsulent.eva"}, "start_date": app.Day(0, 0, 0), "goals": []map[string]any{{"text": "Oskar kommer i skole hver dag"}}}
	require.Equal(t, http.StatusCreated, as{t: t, app: app, user: "konsulent.eva"}.do("POST", "/api/v1/courses", body, &c).StatusCode)
	waitCourse(t, app, c.ID)
	for _, who := range []demo.CitizenLogin{lene, oskar} {
		s := app.CitizenLogin(who.Username)
		status, page := citizenRequest(t, app, s, "GET", "/borger/forloeb/"+c.ID, nil)
		assert.Equal(t, http.StatusOK, status, who.Username)
		assert.Contains(t, page, "Et forløb for din familie", who.Username)
		assert.Contains(t, page, "Oskar kommer i skole hver dag", who.Username)
		// The course's own scale (its settings), though it was never reorganised: before, a
		// citizen was shown a scale only after a decision had changed the course's terms.
		assert.Contains(t, page, "på en skala fra 1 til 10", who.Username)
		status, page = citizenRequest(t, app, s, "GET", "/borger", nil)
		assert.Equal(t, http.StatusOK, status)
		assert.Contains(t, page, "/borger/forloeb/"+c.ID, "the family course is on %s's front page", who.Username)
	}
	status, _ := citizenRequest(t, app, app.CitizenLogin("borger.sara"), "GET", "/borger/forloeb/"+c.ID, nil)
	assert.Equal(t, http.StatusForbidden, status)
}
