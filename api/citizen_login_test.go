package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/internal/dev/demo"
	"tvp/internal/testing/apptest"
	"tvp/web"
)

// citizenLogBuffer is a log the app writes while the test reads it.
type citizenLogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *citizenLogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *citizenLogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// cprIn returns the tables of the app's database (as its owner) in which a row holds the
// CPR number, with or without its dash, in any column.
func cprIn(t *testing.T, app *apptest.App, cpr string) []string {
	t.Helper()
	db, err := sql.Open("postgres", app.DatabaseURL)
	require.NoError(t, err)
	defer db.Close()
	var tables []string
	rows, err := db.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)
	require.NoError(t, err)
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		tables = append(tables, n)
	}
	require.NoError(t, rows.Err())
	require.Contains(t, tables, "sessions")
	var found []string
	digits := strings.ReplaceAll(cpr, "-", "")
	for _, tbl := range tables {
		var n int
		q := fmt.Sprintf(`SELECT count(*) FROM %[1]s AS t WHERE strpos(row_to_json(t)::text, $1) > 0 OR strpos(row_to_json(t)::text, $2) > 0`, pq.QuoteIdentifier(tbl))
		require.NoError(t, db.QueryRow(q, cpr, digits).Scan(&n), tbl)
		if n > 0 {
			found = append(found, tbl)
		}
	}
	return found
}

// pageStatusAs asks for a page with a cookie and returns the status and the redirect.
func citizenStatus(t *testing.T, app *apptest.App, method, path string, cookie *http.Cookie) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, app.URL+path, nil)
	require.NoError(t, err)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// A citizen logs in through the provider (MitID in production): the provider vouches for the
// made-up CPR number at userinfo, TVP recognises the demo citizen by its keyed hash and
// starts a citizen session under its own cookie (__Host-, Secure, HttpOnly, Lax). The CPR
// number is in no table of the database (sessions, the audit log, the citizens, the logins
// under way) and in no log line. Logout ends the session at once: the cookie opens nothing.
func TestCitizenLoginThroughTheProvider(t *testing.T) {
	var logs citizenLogBuffer
	app := apptest.StartWith(t, apptest.Options{LogWriter: &logs})
	mikkel := demo.CitizenLogins[0]
	require.Equal(t, demo.Citizens[0].ID, mikkel.CitizenID)

	status, location := citizenStatus(t, app, http.MethodGet, web.CitizenAccountPath, nil)
	assert.Equal(t, http.StatusSeeOther, status, "no session: to the citizens' login page")
	assert.Equal(t, web.CitizenLoginPath+"?next="+url.QueryEscape(web.CitizenAccountPath), location)

	sess, landed := app.CitizenLoginNext(mikkel.Username, web.CitizenAccountPath)
	assert.Equal(t, app.URL+web.CitizenAccountPath, landed)
	assert.Equal(t, web.CitizenSessionCookie, sess.Cookie.Name)
	assert.NotEmpty(t, sess.CSRF)

	var page string
	resp := citizenGet(t, app, web.CitizenAccountPath, sess.Cookie, &page)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, demo.Citizens[0].Name, "the citizen is greeted by name")
	assert.Contains(t, page, `action="/borger/logout"`)

	var citizenID string
	require.NoError(t, citizenSQLRow(t, app, `SELECT citizen_id::text FROM sessions WHERE citizen_id IS NOT NULL AND ended_at IS NULL`, &citizenID))
	assert.Equal(t, mikkel.CitizenID, citizenID, "the session is the citizen's")
	var started int
	require.NoError(t, citizenSQLRow(t, app, `SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action = 'session.started'`, &started, "borger:"+mikkel.CitizenID))
	assert.Equal(t, 1, started, "the login is audited with the citizen as actor")

	assert.Empty(t, cprIn(t, app, mikkel.CPR), "the CPR number is stored nowhere")
	assert.NotContains(t, logs.String(), strings.ReplaceAll(mikkel.CPR, "-", ""), "nor logged")
	assert.NotContains(t, logs.String(), mikkel.CPR)

	// Logout: the form must carry the session's CSRF token.
	status, _ = citizenPost(t, app, "/borger/logout", sess.Cookie, url.Values{"csrf": {"wrong"}})
	assert.Equal(t, http.StatusForbidden, status, "a logout without the session's token is refused")
	status, location = citizenPost(t, app, "/borger/logout", sess.Cookie, url.Values{"csrf": {sess.CSRF}})
	assert.Equal(t, http.StatusSeeOther, status)
	end, err := url.Parse(location)
	require.NoError(t, err)
	assert.Equal(t, app.IdP.Issuer()+"/end_session", end.Scheme+"://"+end.Host+end.Path, "RP-initiated logout at the provider")
	assert.Equal(t, app.URL+web.CitizenLoggedOutPath, end.Query().Get("post_logout_redirect_uri"))
	assert.Equal(t, apptest.CitizenClientID, end.Query().Get("client_id"))
	assert.NotEmpty(t, end.Query().Get("id_token_hint"), "the ID token (which carries no CPR number) is the hint")

	status, location = citizenStatus(t, app, http.MethodGet, web.CitizenAccountPath, sess.Cookie)
	assert.Equal(t, http.StatusSeeOther, status, "the ended session opens nothing")
	assert.True(t, strings.HasPrefix(location, web.CitizenLoginPath), location)
	resp = citizenGet(t, app, web.CitizenLoggedOutPath, nil, &page)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Du er logget ud")
	assert.Empty(t, cprIn(t, app, mikkel.CPR), "nor after logout")
}

// A person whom the provider vouches for and who has no plan or course in TVP is told so in
// plain Danish (403, not a 500), no session starts, and the refusal is audited without the
// CPR number.
func TestCitizenLoginUnknownCPR(t *testing.T) {
	var logs citizenLogBuffer
	app := apptest.StartWith(t, apptest.Options{LogWriter: &logs})
	r := app.TryCitizenLogin(demo.Outsider.Username, web.CitizenHome)
	require.NoError(t, r.Err)
	assert.Equal(t, http.StatusForbidden, r.Status)
	assert.Contains(t, r.Body, "Du har ikke en plan eller et forløb i TVP")
	assert.Nil(t, r.Session.Cookie, "no session")

	var refused int
	require.NoError(t, citizenSQLRow(t, app, `SELECT count(*) FROM audit_log WHERE action = 'citizen.login_refused' AND refused`, &refused))
	assert.Equal(t, 1, refused, "the refusal is audited")
	var sessions int
	require.NoError(t, citizenSQLRow(t, app, `SELECT count(*) FROM sessions WHERE citizen_id IS NOT NULL`, &sessions))
	assert.Zero(t, sessions)
	assert.Empty(t, cprIn(t, app, demo.Outsider.CPR), "the CPR number is stored nowhere")
	assert.NotContains(t, logs.String(), strings.ReplaceAll(demo.Outsider.CPR, "-", ""), "nor logged")

	r = app.TryCitizenLogin("konsulent.anna", web.CitizenHome)
	require.NoError(t, r.Err)
	assert.Equal(t, http.StatusUnauthorized, r.Status, "a user the provider vouches no CPR number for is refused")
	assert.Nil(t, r.Session.Cookie)
}

// A staff session never opens a citizen's page, and a citizen's session never opens a staff
// page or the API: not under its own cookie, nor with its id put in the other's cookie.
func TestCitizenAndStaffSessionsNeverMix(t *testing.T) {
	app := apptest.Start(t)
	staff := app.Login("konsulent.anna")
	citizen := app.CitizenLogin(demo.CitizenLogins[1].Username)

	status, location := citizenStatus(t, app, http.MethodGet, web.CitizenAccountPath, staff.Cookie)
	assert.Equal(t, http.StatusSeeOther, status, "a staff cookie does not open the citizens' pages")
	assert.True(t, strings.HasPrefix(location, web.CitizenLoginPath), location)
	status, _ = citizenStatus(t, app, http.MethodGet, web.CitizenAccountPath,
		&http.Cookie{Name: web.CitizenSessionCookie, Value: staff.Cookie.Value})
	assert.Equal(t, http.StatusSeeOther, status, "nor a staff session's id in the citizens' cookie")

	for _, c := range []*http.Cookie{citizen.Cookie, {Name: web.SessionCookie, Value: citizen.Cookie.Value}} {
		status, location = citizenStatus(t, app, http.MethodGet, "/indbakke", c)
		assert.Equal(t, http.StatusSeeOther, status, "a citizen's session does not open the staff pages (%s)", c.Name)
		assert.Equal(t, "/login?next=%2Findbakke", location)
		var p struct{ Code string }
		resp := call(t, http.MethodGet, app.URL+"/api/v1/me/inbox", nil, &p, map[string]string{"Cookie": c.String(), web.CSRFHeader: citizen.CSRF})
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "nor the API (%s)", c.Name)
		resp = call(t, http.MethodGet, app.URL+"/api/v1/citizens/"+demo.Citizens[1].ID+"/access-log", nil, &p, map[string]string{"Cookie": c.String()})
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "nor the API's citizen reads (%s)", c.Name)
	}

	status, _ = citizenStatus(t, app, http.MethodGet, "/indbakke", staff.Cookie)
	assert.Equal(t, http.StatusOK, status, "both sessions live on side by side")
	status, _ = citizenStatus(t, app, http.MethodGet, web.CitizenAccountPath, citizen.Cookie)
	assert.Equal(t, http.StatusOK, status)
}

// A citizen logs in from Chromium: "Log ind med MitID", the provider's form, back on the
// citizens' pages by name; logout goes through the provider to the logged-out page.
func TestCitizenLoginInABrowser(t *testing.T) {
	app := apptest.Start(t)
	ctx := browser(t)
	app.CitizenBrowserLogin(t, ctx, demo.CitizenLogins[1].Username)
	var name, here string
	run(t, ctx, "the citizen's front page", chromedp.WaitVisible(`#mine-sager`, chromedp.ByID))
	run(t, ctx, "the account page", chromedp.Navigate(app.URL+web.CitizenAccountPath), chromedp.Text(`#citizen-name`, &name, chromedp.ByID))
	assert.Equal(t, demo.Citizens[1].Name, name)
	shot(t, ctx, "40-citizen-logged-in")
	run(t, ctx, "log out",
		chromedp.Click(`#citizen-logout`, chromedp.ByID),
		chromedp.WaitVisible(`#citizen-login-again`, chromedp.ByID),
		chromedp.Location(&here),
	)
	assert.Equal(t, app.URL+web.CitizenLoggedOutPath, here)
	run(t, ctx, "log in again: the provider asks again",
		chromedp.Click(`#citizen-login-again`, chromedp.ByID),
		chromedp.WaitVisible(`#citizen-login`, chromedp.ByID),
		chromedp.Click(`#citizen-login`, chromedp.ByID),
		chromedp.WaitVisible(`#username`, chromedp.ByID),
	)
}

func citizenGet(t *testing.T, app *apptest.App, path string, cookie *http.Cookie, body *string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, app.URL+path, nil)
	require.NoError(t, err)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(resp.Body)
	require.NoError(t, err)
	*body = b.String()
	return resp
}

func citizenPost(t *testing.T, app *apptest.App, path string, cookie *http.Cookie, form url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, app.URL+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cookie)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

func citizenSQLRow(t *testing.T, app *apptest.App, q string, dest any, args ...any) error {
	t.Helper()
	db, err := sql.Open("postgres", app.DatabaseURL)
	require.NoError(t, err)
	defer db.Close()
	return db.QueryRowContext(context.Background(), q, args...).Scan(dest)
}
