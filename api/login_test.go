package api_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/internal/testing/apptest"
	"tvp/web"
)

// requests records the URLs the browser asks for (documents only: the navigation).
type requests struct {
	mu   sync.Mutex
	urls []string
}

func (r *requests) listen(ctx context.Context) {
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Type == network.ResourceTypeDocument {
			r.mu.Lock()
			r.urls = append(r.urls, e.Request.URL)
			r.mu.Unlock()
		}
	})
}

// to returns the recorded requests whose URL begins with prefix, and forgets all.
func (r *requests) to(prefix string) []*url.URL {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*url.URL
	for _, u := range r.urls {
		if strings.HasPrefix(u, prefix) {
			pu, _ := url.Parse(u)
			out = append(out, pu)
		}
	}
	r.urls = nil
	return out
}

// sessionCookie returns the browser's session cookie at the app.
func sessionCookie(t *testing.T, ctx context.Context, app *apptest.App) *network.Cookie {
	t.Helper()
	var cookies []*network.Cookie
	run(t, ctx, "read the cookies", chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		cookies, err = network.GetCookies().WithURLs([]string{app.URL + "/"}).Do(ctx)
		return err
	}))
	for _, c := range cookies {
		if c.Name == web.SessionCookie {
			return c
		}
	}
	t.Fatalf("no session cookie among %d cookies", len(cookies))
	return nil
}

// pageStatus asks for a page with a session cookie: 200 for a live session, a redirect to the
// login page for an ended one.
func pageStatus(t *testing.T, app *apptest.App, path string, cookie *http.Cookie) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, app.URL+path, nil)
	require.NoError(t, err)
	req.AddCookie(cookie)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Location")
}

// A person logs in as in production: TVP's login page sends the browser to the provider's
// authorization endpoint with PKCE (S256), a state and a nonce; the provider's own login
// form takes the password; TVP's callback starts a session whose cookie is __Host-, Secure,
// HttpOnly and SameSite=Lax. The pages work (a referral posted by the page's script with the
// CSRF token). Logout ends the session at once and at the provider (RP-initiated logout):
// the old cookie is refused by the pages and the API, and the next login asks for the
// password again.
func TestLoginThroughTheProvider(t *testing.T) {
	app := apptest.Start(t)
	ctx := browser(t)
	var seen requests
	seen.listen(ctx)

	run(t, ctx, "a page without a session shows the login page",
		chromedp.Navigate(app.URL+"/forloeb"),
		chromedp.WaitVisible(`#login`, chromedp.ByID),
		chromedp.Click(`#login`, chromedp.ByID),
		chromedp.WaitVisible(`#username`, chromedp.ByID),
	)
	shot(t, ctx, "20-provider-login")
	authorize := seen.to(app.IdP.Issuer() + "/authorize")
	require.Len(t, authorize, 1, "the login goes to the provider's authorization endpoint")
	q := authorize[0].Query()
	assert.Equal(t, "code", q.Get("response_type"))
	assert.Equal(t, apptest.PagesClientID, q.Get("client_id"))
	assert.Equal(t, "S256", q.Get("code_challenge_method"), "PKCE")
	assert.Len(t, q.Get("code_challenge"), 43, "a SHA-256 challenge, base64url")
	assert.NotEmpty(t, q.Get("state"))
	assert.NotEmpty(t, q.Get("nonce"))
	assert.Equal(t, app.URL+"/login/callback", q.Get("redirect_uri"))

	providerLogin(t, ctx, "konsulent.anna")
	var here string
	run(t, ctx, "where the login went on to", chromedp.Location(&here))
	assert.Equal(t, app.URL+"/forloeb", here, "back to the page asked for")
	cookie := sessionCookie(t, ctx, app)
	assert.True(t, cookie.Secure, "Secure")
	assert.True(t, cookie.HTTPOnly, "HttpOnly")
	assert.Equal(t, network.CookieSameSiteLax, cookie.SameSite)
	assert.Equal(t, "/", cookie.Path)
	assert.NotContains(t, cookie.Value, ".", "an opaque id, not a token")

	run(t, ctx, "refer a citizen from the page",
		chromedp.WaitVisible(`#cpr`, chromedp.ByID),
		chromedp.SetValue(`#team_id`, "ungeteam", chromedp.ByID),
		chromedp.SendKeys(`#cpr`, "020304-1234", chromedp.ByID),
		chromedp.SendKeys(`#navn`, "Login Borgersen", chromedp.ByID),
		chromedp.SendKeys(`#goals`, "Starte på en uddannelse", chromedp.ByID),
		chromedp.Click(`form[data-api="/api/v1/courses"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#planned-end`, chromedp.ByID),
	)
	old := &http.Cookie{Name: cookie.Name, Value: cookie.Value}
	status, _ := pageStatus(t, app, "/indbakke", old)
	require.Equal(t, http.StatusOK, status, "the session works outside the browser too")

	seen.to("") // forget the requests so far
	run(t, ctx, "log out",
		chromedp.Click(`form.logout button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#login-again`, chromedp.ByID),
		chromedp.Location(&here),
	)
	shot(t, ctx, "21-logged-out")
	assert.Equal(t, app.URL+"/logget-ud", here)
	endSession := seen.to(app.IdP.Issuer() + "/end_session")
	require.Len(t, endSession, 1, "logout goes on to the provider's end-session endpoint")
	assert.NotEmpty(t, endSession[0].Query().Get("id_token_hint"))
	assert.Equal(t, app.URL+"/logget-ud", endSession[0].Query().Get("post_logout_redirect_uri"))

	status, location := pageStatus(t, app, "/indbakke", old)
	assert.Equal(t, http.StatusSeeOther, status, "the old cookie is refused by the pages")
	assert.Equal(t, "/login?next=%2Findbakke", location)
	var p struct{ Code string }
	resp := call(t, http.MethodGet, app.URL+"/api/v1/me/inbox", nil, &p, map[string]string{"Cookie": old.String()})
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "and by the API")

	run(t, ctx, "log in again: the provider asks for the password again",
		chromedp.Click(`#login-again`, chromedp.ByID),
		chromedp.WaitVisible(`#login`, chromedp.ByID),
		chromedp.Click(`#login`, chromedp.ByID),
		chromedp.WaitVisible(`#username`, chromedp.ByID),
	)
	providerLogin(t, ctx, "konsulent.anna")
	assert.NotEqual(t, old.Value, sessionCookie(t, ctx, app).Value, "a new login is a new session")
}

// A session ends after the idle timeout: the browser that comes back later is at the login
// page, and its cookie is refused by the API too. A session in use stays.
func TestSessionIdleTimeout(t *testing.T) {
	app := apptest.StartWith(t, apptest.Options{SessionIdle: 2 * time.Second})
	ctx := browser(t)
	login(t, ctx, app, "konsulent.anna")
	cookie := sessionCookie(t, ctx, app)
	kept := app.Login("leder.ulla")
	for range 3 { // in use: a request every second
		time.Sleep(time.Second)
		status, _ := pageStatus(t, app, "/indbakke", kept.Cookie)
		require.Equal(t, http.StatusOK, status, "a session in use stays")
	}
	run(t, ctx, "come back after the idle timeout",
		chromedp.Navigate(app.URL+"/indbakke"),
		chromedp.WaitVisible(`#login`, chromedp.ByID),
	)
	var p struct{ Code string }
	resp := call(t, http.MethodGet, app.URL+"/api/v1/me/inbox", nil, &p,
		map[string]string{"Cookie": (&http.Cookie{Name: cookie.Name, Value: cookie.Value}).String()})
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}
