package api_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/api"
	"tvp/internal/apptest"
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

	t.Run("the login", func(t *testing.T) {
		app := apptest.StartWith(t, apptest.Options{RateLimits: api.RateLimits{
			LoginPerAddress: api.Rate{PerSecond: 0.01, Burst: 4}, LoginPerUser: api.Rate{PerSecond: 0.01, Burst: 2}}})
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		post := func(user string) *http.Response {
			resp, err := client.PostForm(app.URL+"/login", url.Values{"username": {user}})
			require.NoError(t, err)
			resp.Body.Close()
			return resp
		}
		get := func() *http.Response {
			resp, err := client.Get(app.URL + "/login")
			require.NoError(t, err)
			resp.Body.Close()
			return resp
		}
		assert.NotEqual(t, http.StatusTooManyRequests, post("konsulent.anna").StatusCode)
		assert.NotEqual(t, http.StatusTooManyRequests, post("Konsulent.Anna ").StatusCode)
		resp := post("konsulent.anna")
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "a third try for the same user name")
		assert.NotEmpty(t, resp.Header.Get("Retry-After"))
		assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
		assert.NotEqual(t, http.StatusTooManyRequests, get().StatusCode, "the address has one left")
		resp = get()
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "the address has used its burst")
		secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		require.NoError(t, err)
		assert.InDelta(t, 100, secs, 1, "one token per 100 s")
	})
}
