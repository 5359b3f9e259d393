package api_test

import (
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/api"
	"tvp/internal/testing/apptest"
)

// assertLimited checks a 429: a problem (validated against the description by call) with
// code rate_limited and a Retry-After in whole seconds.
func assertLimited(t *testing.T, resp *http.Response, p map[string]any) {
	t.Helper()
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "rate_limited", p["code"])
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After: %q", resp.Header.Get("Retry-After"))
	assert.GreaterOrEqual(t, secs, 1)
}

// The API answers 429 problem+json with Retry-After once a user, or an address, has used its
// burst: per user after authentication (another user goes on), per address before it (so
// requests without a valid token count too, and a made-up X-Forwarded-For does not help,
// unless it comes from a trusted proxy).
func TestRateLimitsAnswer429(t *testing.T) {
	t.Run("per user", func(t *testing.T) {
		app := apptest.StartWith(t, apptest.Options{RateLimits: api.RateLimits{APIPerUser: api.Rate{PerSecond: 0.01, Burst: 3}}})
		anna := as{t: t, app: app, user: "konsulent.anna"}
		for range 3 {
			require.Equal(t, http.StatusOK, anna.do("GET", "/api/v1/teams", nil, nil).StatusCode)
		}
		var p map[string]any
		assertLimited(t, anna.do("GET", "/api/v1/teams", nil, &p), p)
		assertLimited(t, anna.do("POST", "/api/v1/courses", validReferral(), &p), p)
		assert.Equal(t, http.StatusOK, as{t: t, app: app, user: "leder.ulla"}.do("GET", "/api/v1/teams", nil, nil).StatusCode,
			"another user is not limited by anna's requests")
	})

	t.Run("per address", func(t *testing.T) {
		app := apptest.StartWith(t, apptest.Options{RateLimits: api.RateLimits{APIPerAddress: api.Rate{PerSecond: 0.01, Burst: 2}}})
		spoof := func(i int) map[string]string {
			return map[string]string{"Authorization": "Bearer not-a-token", "X-Forwarded-For": "203.0.113." + strconv.Itoa(i)}
		}
		for i := range 2 {
			assert.Equal(t, http.StatusUnauthorized, call(t, "GET", app.URL+"/api/v1/teams", nil, nil, spoof(i)).StatusCode)
		}
		var p map[string]any
		assertLimited(t, call(t, "GET", app.URL+"/api/v1/teams", nil, &p, spoof(3)), p)
		assertLimited(t, as{t: t, app: app, user: "admin"}.do("GET", "/api/v1/teams", nil, &p), p)
		resp := call(t, "GET", app.URL+"/healthz", nil, nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "health is not the API's")
	})

	t.Run("per address behind a trusted proxy", func(t *testing.T) {
		app := apptest.StartWith(t, apptest.Options{RateLimits: api.RateLimits{APIPerAddress: api.Rate{PerSecond: 0.01, Burst: 1},
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}})
		from := func(client string) map[string]string {
			return map[string]string{"X-Forwarded-For": "198.51.100.9, " + client}
		}
		assert.Equal(t, http.StatusUnauthorized, call(t, "GET", app.URL+"/api/v1/teams", nil, nil, from("203.0.113.1")).StatusCode)
		assert.Equal(t, http.StatusUnauthorized, call(t, "GET", app.URL+"/api/v1/teams", nil, nil, from("203.0.113.2")).StatusCode,
			"another client behind the proxy has its own count")
		var p map[string]any
		assertLimited(t, call(t, "GET", app.URL+"/api/v1/teams", nil, &p, from("203.0.113.1")), p)
		assert.Equal(t, http.StatusUnauthorized, call(t, "GET", app.URL+"/api/v1/teams", nil, nil, from("2001:db8:1:2::1")).StatusCode)
		assertLimited(t, call(t, "GET", app.URL+"/api/v1/teams", nil, &p, from("2001:db8:1:2::99")), p) // an IPv6 address counts by its /64
	})

	t.Run("the login, per address", func(t *testing.T) {
		app := apptest.StartWith(t, apptest.Options{RateLimits: api.RateLimits{LoginPerAddress: api.Rate{PerSecond: 0.01, Burst: 2}}})
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		get := func() *http.Response {
			resp, err := client.Get(app.URL + "/login")
			require.NoError(t, err)
			resp.Body.Close()
			return resp
		}
		for range 2 {
			assert.Equal(t, http.StatusOK, get().StatusCode, "the login page")
		}
		resp := get()
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "the address has used its burst")
		assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
		secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		require.NoError(t, err)
		assert.InDelta(t, 100, secs, 1, "one token per 100 s")
	})

	// The user name is typed at the provider, so its login form is where a user is counted:
	// tvp dev's provider, as here, behind the same limiter; a production provider counts its own.
	t.Run("the provider's login form, per user name", func(t *testing.T) {
		app := apptest.StartWith(t, apptest.Options{RateLimits: api.RateLimits{
			LoginPerAddress: api.Rate{PerSecond: 0.01, Burst: 20}, LoginPerUser: api.Rate{PerSecond: 0.01, Burst: 2}}})
		form := app.ProviderForm() // TVP's login page, then the provider's authorize, then its form
		id := form.Query().Get("authRequestID")
		require.NotEmpty(t, id, "the provider's login form: %s", form)
		try := func(user, password string) *http.Response {
			req, err := http.NewRequest(http.MethodPost, form.Scheme+"://"+form.Host+form.Path,
				strings.NewReader(url.Values{"authRequestID": {id}, "username": {user}, "password": {password}}.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "text/html")
			resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			require.NoError(t, err)
			return resp
		}
		for _, user := range []string{"konsulent.anna", "Konsulent.Anna "} {
			resp := try(user, "forkert")
			resp.Body.Close()
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "a wrong password, answered by the form")
		}
		resp := try("konsulent.anna", apptest.Password)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "a third try for the same user name, even with the right password")
		assert.NotEmpty(t, resp.Header.Get("Retry-After"))
		assert.Contains(t, resp.Header.Get("Content-Type"), "text/html", "a page to a browser")
		assert.Contains(t, string(body), "For mange forsøg")
		resp = try("leder.ulla", apptest.Password)
		resp.Body.Close()
		assert.Equal(t, http.StatusFound, resp.StatusCode, "another user logs in")
	})
}
