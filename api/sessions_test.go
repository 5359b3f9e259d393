package api_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/api"
	"tvp/domain"
	"tvp/internal/dev/idp"
	"tvp/internal/testing/apptest"
	"tvp/web"
)

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// post sends a form post with cookies and answers the status, the Location and the body.
func post(t *testing.T, u string, form url.Values, cookies ...*http.Cookie) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := noFollow.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

// Every post from the pages carries the session's CSRF token: the script's posts to the API
// (X-TVP-CSRF), the logout form, and the login form (its own token, before there is a
// session). Without it, or with another session's, nothing happens.
func TestAPostWithoutTheCSRFTokenIsRefused(t *testing.T) {
	app := apptest.Start(t)
	anna, other := app.Login("konsulent.anna"), app.Login("konsulent.anna")
	courses := func() int {
		var list struct{ Items []any }
		require.Equal(t, http.StatusOK, as{t: t, app: app, user: "konsulent.anna"}.do("GET", "/api/v1/courses?team=ungeteam", nil, &list).StatusCode)
		return len(list.Items)
	}
	before := courses()
	cookie := map[string]string{"Cookie": anna.Cookie.String()}
	for _, tc := range []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"no CSRF token", nil, http.StatusForbidden},
		{"another session's CSRF token", map[string]string{web.CSRFHeader: other.CSRF}, http.StatusForbidden},
		{"the session id as the CSRF token", map[string]string{web.CSRFHeader: anna.Cookie.Value}, http.StatusForbidden},
		{"the old page header instead", map[string]string{"X-TVP-Page": "1"}, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p api.Problem
			resp := call(t, http.MethodPost, app.URL+"/api/v1/courses", validReferral(), &p, cookie, tc.headers)
			assert.Equal(t, tc.want, resp.StatusCode)
			assert.Equal(t, domain.EForbidden, p.Code)
		})
	}
	assert.Equal(t, before, courses(), "no referral happened")
	resp := call(t, http.MethodPost, app.URL+"/api/v1/courses", validReferral(), nil, cookie, map[string]string{web.CSRFHeader: anna.CSRF})
	assert.Equal(t, http.StatusCreated, resp.StatusCode, "with the session's token it happens")
	resp = call(t, http.MethodGet, app.URL+"/api/v1/me/inbox", nil, nil, cookie)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a read needs no token")

	t.Run("the logout form", func(t *testing.T) {
		status, _, _ := post(t, app.URL+"/logout", url.Values{}, anna.Cookie)
		assert.Equal(t, http.StatusForbidden, status)
		status, _, _ = post(t, app.URL+"/logout", url.Values{"csrf": {other.CSRF}}, anna.Cookie)
		assert.Equal(t, http.StatusForbidden, status)
		got, _ := pageStatus(t, app, "/indbakke", anna.Cookie)
		assert.Equal(t, http.StatusOK, got, "the session goes on")
		status, loc, _ := post(t, app.URL+"/logout", url.Values{"csrf": {anna.CSRF}}, anna.Cookie)
		assert.Equal(t, http.StatusSeeOther, status)
		assert.True(t, strings.HasPrefix(loc, app.IdP.Issuer()+"/end_session?"), "logged out at the provider: %s", loc)
		got, _ = pageStatus(t, app, "/indbakke", anna.Cookie)
		assert.Equal(t, http.StatusSeeOther, got, "the session has ended")
		got, _ = pageStatus(t, app, "/indbakke", other.Cookie)
		assert.Equal(t, http.StatusOK, got, "another session of the same person goes on")
	})

	t.Run("the login form", func(t *testing.T) {
		token := &http.Cookie{Name: "__Host-tvp_csrf", Value: strings.Repeat("a", 43)}
		for _, tc := range []struct {
			name    string
			form    url.Values
			cookies []*http.Cookie
		}{
			{"no token, no cookie", url.Values{"next": {"/indbakke"}}, nil},
			{"a token, no cookie", url.Values{"csrf": {token.Value}}, nil},
			{"a cookie, no token", url.Values{}, []*http.Cookie{token}},
			{"a token that is not the cookie's", url.Values{"csrf": {strings.Repeat("b", 43)}}, []*http.Cookie{token}},
		} {
			status, loc, _ := post(t, app.URL+"/login", tc.form, tc.cookies...)
			assert.Equal(t, http.StatusForbidden, status, tc.name)
			assert.Empty(t, loc, "%s: not sent to the provider", tc.name)
		}
		status, loc, _ := post(t, app.URL+"/login", url.Values{"csrf": {token.Value}}, token)
		assert.Equal(t, http.StatusSeeOther, status, "the cookie's token")
		assert.True(t, strings.HasPrefix(loc, app.IdP.Issuer()+"/authorize?"), loc)
	})
}

// A login goes on only to a path of TVP's own: an off-site next, in the login page's query
// or in the form it posts, lands on the inbox.
func TestAnOffSiteNextIsRefused(t *testing.T) {
	app := apptest.Start(t)
	for _, next := range []string{"//evil.example", `/\evil.example`, "https://evil.example/forloeb", "/\t/evil.example", "javascript:alert(1)"} {
		_, landed := app.LoginNext("konsulent.anna", next)
		assert.Equal(t, "/indbakke", strings.TrimPrefix(landed, app.URL), "next=%q", next)
		resp, err := http.Get(app.URL + "/login?next=" + url.QueryEscape(next))
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Contains(t, string(body), `name="next" value="/indbakke"`, "the form carries no off-site next")
	}
	_, landed := app.LoginNext("konsulent.anna", "/forloeb?team=ungeteam")
	assert.Equal(t, "/forloeb?team=ungeteam", strings.TrimPrefix(landed, app.URL), "a path of TVP's own")
}

// The callback takes only a state this browser began with (its cookie), once; the provider's
// refusal is shown, not followed.
func TestTheCallbackTakesOnlyThisBrowsersStateOnce(t *testing.T) {
	app := apptest.Start(t)
	ctx := context.Background()
	token := &http.Cookie{Name: "__Host-tvp_csrf", Value: strings.Repeat("c", 43)}
	status, authorize, _ := post(t, app.URL+"/login", url.Values{"csrf": {token.Value}}, token)
	require.Equal(t, http.StatusSeeOther, status)
	au, err := url.Parse(authorize)
	require.NoError(t, err)
	state := au.Query().Get("state")
	resp, err := noFollow.Get(authorize)
	require.NoError(t, err)
	resp.Body.Close()
	form, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	back, err := idp.SignIn(ctx, noFollow, form.String(), "konsulent.anna", apptest.Password)
	require.NoError(t, err)
	require.Equal(t, state, back.Query().Get("state"))

	callback := func(cookies ...*http.Cookie) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, back.String(), nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := noFollow.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == web.SessionCookie && c.MaxAge >= 0 {
				return resp.StatusCode, c.Value
			}
		}
		return resp.StatusCode, ""
	}
	status, session := callback()
	assert.Equal(t, http.StatusUnauthorized, status, "another browser (no login cookie) is refused")
	assert.Empty(t, session)
	status, session = callback(&http.Cookie{Name: "__Host-tvp_login", Value: "another-state"})
	assert.Equal(t, http.StatusUnauthorized, status, "another login's state is refused")
	assert.Empty(t, session)
	before := app.Login("leder.ulla") // the browser had a session of someone else's
	status, session = callback(&http.Cookie{Name: "__Host-tvp_login", Value: state}, before.Cookie)
	assert.Equal(t, http.StatusSeeOther, status, "the browser that began it is let in")
	assert.NotEmpty(t, session)
	got, _ := pageStatus(t, app, "/indbakke", before.Cookie)
	assert.Equal(t, http.StatusSeeOther, got, "a new login ends the browser's earlier session")
	status, session = callback(&http.Cookie{Name: "__Host-tvp_login", Value: state})
	assert.Equal(t, http.StatusUnauthorized, status, "a state is good once")
	assert.Empty(t, session)

	// The provider's refusal.
	status, authorize, _ = post(t, app.URL+"/login", url.Values{"csrf": {token.Value}}, token)
	require.Equal(t, http.StatusSeeOther, status)
	au, _ = url.Parse(authorize)
	req, _ := http.NewRequest(http.MethodGet, app.URL+"/login/callback?error=access_denied&state="+url.QueryEscape(au.Query().Get("state")), nil)
	req.AddCookie(&http.Cookie{Name: "__Host-tvp_login", Value: au.Query().Get("state")})
	resp, err = noFollow.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, string(body), "access_denied")
}

// An administrator ends a staff member's sessions at once; nobody else may.
func TestAnAdministratorRevokesSessions(t *testing.T) {
	app := apptest.Start(t)
	first, second := app.Login("konsulent.anna"), app.Login("konsulent.anna")
	ulla := app.Login("leder.ulla")

	var p api.Problem
	resp := as{t: t, app: app, user: "leder.ulla"}.do("POST", "/api/v1/staff/konsulent.anna/sessions/revoke", nil, &p)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a team lead may not")
	resp = call(t, http.MethodPost, app.URL+"/api/v1/staff/konsulent.anna/sessions/revoke", nil, &p,
		map[string]string{"Cookie": first.Cookie.String(), web.CSRFHeader: first.CSRF})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "nor anna herself")
	resp = as{t: t, app: app, user: "admin"}.do("POST", "/api/v1/staff/nobody.here/sessions/revoke", nil, &p)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	var out struct {
		StaffID string `json:"staff_id"`
		Revoked int    `json:"revoked"`
	}
	resp = as{t: t, app: app, user: "admin"}.do("POST", "/api/v1/staff/konsulent.anna/sessions/revoke", nil, &out)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "konsulent.anna", out.StaffID)
	assert.Equal(t, 2, out.Revoked)
	for _, s := range []apptest.PageSession{first, second} {
		got, loc := pageStatus(t, app, "/indbakke", s.Cookie)
		assert.Equal(t, http.StatusSeeOther, got, "ended at once")
		assert.True(t, strings.HasPrefix(loc, "/login"), loc)
	}
	got, _ := pageStatus(t, app, "/indbakke", ulla.Cookie)
	assert.Equal(t, http.StatusOK, got, "someone else's session goes on")

	var n int
	require.NoError(t, app.Store.DB().Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'sessions.revoke' AND actor_id = 'admin' AND NOT refused`))
	assert.Equal(t, 1, n, "the revocation is audited")
	require.NoError(t, app.Store.DB().Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'sessions.revoke' AND refused`))
	assert.Equal(t, 2, n, "so are the refusals")
}

// A session ends at its maximum age, however busy.
func TestSessionMaxAge(t *testing.T) {
	app := apptest.StartWith(t, apptest.Options{SessionIdle: time.Hour, SessionMaxAge: 3 * time.Second})
	s := app.Login("konsulent.anna")
	start := time.Now()
	for time.Since(start) < 2*time.Second {
		got, _ := pageStatus(t, app, "/indbakke", s.Cookie)
		require.Equal(t, http.StatusOK, got, "in use, before its maximum age")
		time.Sleep(300 * time.Millisecond)
	}
	time.Sleep(time.Until(start.Add(3500 * time.Millisecond)))
	got, _ := pageStatus(t, app, "/indbakke", s.Cookie)
	assert.Equal(t, http.StatusSeeOther, got, "past its maximum age")
}
