package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/api"
	"tvp/domain"
	"tvp/internal/testing/apptest"
	"tvp/internal/testing/testenv"
)

// as is a caller of the API: a staff member with a token (none for "").
type as struct {
	t    *testing.T
	app  *apptest.App
	user string
	// header, if set, is added to every request.
	header map[string]string
	// unchecked marks requests that are deliberately outside the API's description (tests of
	// refusals): they are not validated against it. Answers always are.
	unchecked bool
}

func (a as) do(method, path string, body any, out any) *http.Response {
	a.t.Helper()
	h := map[string]string{}
	for k, v := range a.header {
		h[k] = v
	}
	if a.user != "" {
		h["Authorization"] = "Bearer " + a.app.Token(a.user)
	}
	return send(a.t, method, a.app.URL+path, body, out, h, a.unchecked)
}

// call sends a JSON request and decodes the JSON answer into out (if not nil). The request and
// the answer are validated against the API's OpenAPI description (openapi_test.go).
func call(t *testing.T, method, url string, body any, out any, headers ...map[string]string) *http.Response {
	t.Helper()
	h := map[string]string{}
	for _, m := range headers {
		for k, v := range m {
			h[k] = v
		}
	}
	return send(t, method, url, body, out, h, false)
}

func send(t *testing.T, method, url string, body any, out any, headers map[string]string, unchecked bool) *http.Response {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		raw, err = json.Marshal(b)
		require.NoError(t, err)
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)

	c, err := contract()
	require.NoError(t, err)
	c.check(t, exchange{method: method, url: url, header: req.Header, body: raw, unchecked: unchecked,
		status: resp.StatusCode, respHead: resp.Header, resp: data})

	if out != nil {
		require.NoError(t, json.Unmarshal(data, out), "body: %s", data)
	}
	return resp
}

// validReferral refers one young person to Ungeteam, on a course that started a month before
// the test's today (testenv.Today).
func validReferral() map[string]any {
	return map[string]any{
		"team_id": "ungeteam",
		// tvp:fixed-date a birth date is a fact about the person, never compared with today
		"citizens":       []map[string]any{{"cpr": "010203-1234", "name": "Test Testesen", "birth_date": "2003-02-01"}},
		"consultant_ids": []string{"konsulent.anna"},
		"start_date":     testenv.Today().AddDate(0, -1, 0).Format(time.DateOnly),
		"goals":          []map[string]any{{"text": "Starte på en uddannelse"}},
	}
}

func TestReadyz(t *testing.T) {
	app := apptest.Start(t)
	var body struct {
		Status string                    `json:"status"`
		Checks map[string]map[string]any `json:"checks"`
	}
	resp := call(t, "GET", app.URL+"/readyz", nil, &body)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "ready", body.Status)
	for _, name := range []string{"postgres", "migrations", "temporal"} {
		assert.Equal(t, true, body.Checks[name]["ok"], "check %s: %v", name, body.Checks[name])
	}
	resp = call(t, "GET", app.URL+"/healthz", nil, nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// Prometheus: the API's own request metrics and the Temporal SDK's (the client's calls).
	req, _ := http.NewRequest("GET", app.URL+"/metrics", nil)
	mresp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer mresp.Body.Close()
	metrics, _ := io.ReadAll(mresp.Body)
	assert.Contains(t, string(metrics), `tvp_http_requests_total{method="GET",route="/readyz",status="200"}`)
	assert.Contains(t, string(metrics), "temporal_request", "the Temporal SDK's client metrics")
}

// A course referred through the HTTP API runs on the real Temporal server; its activity writes
// the read-model row to PostgreSQL; the API reads the course back from the workflow's query.
func TestCreateCourseEndToEnd(t *testing.T) {
	app := apptest.Start(t)

	anna := as{t: t, app: app, user: "konsulent.anna"}
	var created struct{ ID string }
	referral := validReferral()
	resp := anna.do("POST", "/api/v1/courses", referral, &created)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.NotEmpty(t, created.ID)
	assert.Equal(t, "/api/v1/courses/"+created.ID, resp.Header.Get("Location"))

	ctx := context.Background()
	var rec domain.CourseRecord
	require.Eventually(t, func() bool {
		var err error
		rec, err = app.Store.GetCourse(ctx, created.ID)
		return err == nil
	}, 20*time.Second, 100*time.Millisecond, "the read-model row never arrived")
	assert.Equal(t, "ungeteam", rec.TeamID)
	assert.Equal(t, domain.PhaseActive, rec.Phase)
	start, perr := time.Parse(time.DateOnly, referral["start_date"].(string))
	require.NoError(t, perr)
	assert.Equal(t, start.Format(time.DateOnly), rec.StartDate.Format(time.DateOnly))
	assert.Equal(t, start.AddDate(0, 0, 365).Format(time.DateOnly), rec.PlannedEnd.Format(time.DateOnly), "365 days by Ungeteam's settings")
	assert.Equal(t, []string{"konsulent.anna"}, rec.ConsultantIDs)
	require.Len(t, rec.CitizenIDs, 1)
	assert.Equal(t, "konsulent.anna", rec.ReferredBy)

	var st map[string]any
	resp = anna.do("GET", "/api/v1/courses/"+created.ID, nil, &st)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "active", st["phase"])
	assert.Equal(t, created.ID, st["course_id"])
	assert.Len(t, st["goals"], 1)

	// The citizen is known by a pseudonymous id; the CPR number is nowhere in the row or state.
	c, err := app.Store.GetCitizen(ctx, rec.CitizenIDs[0])
	require.NoError(t, err)
	assert.Equal(t, "Test Testesen", c.Name)
	raw, _ := json.Marshal(st)
	assert.NotContains(t, string(raw), "1234")

	// The referral and the read are in the citizen's access log.
	require.Eventually(t, func() bool {
		entries, err := app.Store.CitizenAccessLog(ctx, rec.CitizenIDs[0])
		if err != nil || len(entries) != 2 {
			return false
		}
		got := map[string]string{}
		for _, e := range entries {
			got[string(e.Action)] = e.ActorID + " " + string(e.Purpose)
		}
		return got["course.referred"] == "konsulent.anna referral" && got["course.read"] == "konsulent.anna casework"
	}, 10*time.Second, 100*time.Millisecond)
}

func TestCreateCourseBadInput(t *testing.T) {
	app := apptest.Start(t)
	with := func(change func(m map[string]any)) map[string]any {
		m := validReferral()
		change(m)
		return m
	}
	cases := []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"empty body", "", 422, domain.EInvalid, ""},
		{"not JSON", "{", 422, domain.EInvalid, ""},
		{"two objects", `{"team_id":"x"} {}`, 422, domain.EInvalid, ""},
		{"unknown field", with(func(m map[string]any) { m["phase"] = "closed" }), 422, domain.EInvalid, "phase"},
		{"wrong type", with(func(m map[string]any) { m["team_id"] = 7 }), 422, domain.EInvalid, "team_id"},
		{"missing team", with(func(m map[string]any) { delete(m, "team_id") }), 422, domain.EInvalid, "team_id"},
		{"no citizens", with(func(m map[string]any) { m["citizens"] = []any{} }), 422, domain.EInvalid, "citizens"},
		// tvp:fixed-date a date that never is, on any day
		{"impossible date", with(func(m map[string]any) { m["start_date"] = "2026-02-30" }), 422, domain.EInvalid, "start_date"},
		{"bad CPR", with(func(m map[string]any) {
			m["citizens"] = []map[string]any{{"cpr": "123", "name": "X"}}
		}), 422, domain.EInvalid, "citizens[0].cpr"},
		{"CPR with an impossible date", with(func(m map[string]any) {
			m["citizens"] = []map[string]any{{"cpr": "320199-1234", "name": "X"}}
		}), 422, domain.EInvalid, "citizens[0].cpr"},
		{"goal without text", with(func(m map[string]any) { m["goals"] = []map[string]any{{"text": ""}} }), 422, domain.EInvalid, "goals[0].text"},
		{"unknown team", with(func(m map[string]any) { m["team_id"] = "nope" }), 422, domain.EInvalid, "team_id"},
		{"consultant of another team", with(func(m map[string]any) { m["consultant_ids"] = []string{"konsulent.eva"} }), 422, domain.EInvalid, "consultant_ids[0]"},
		{"too many consultants", with(func(m map[string]any) {
			m["consultant_ids"] = []string{"konsulent.anna", "konsulent.bilal", "konsulent.cecilie", "konsulent.dennis"}
		}), 422, domain.EInvalid, "consultant_ids"},
		{"a family in Ungeteam", with(func(m map[string]any) {
			m["citizens"] = []map[string]any{{"cpr": "010203-1234", "name": "A"}, {"cpr": "010204-1234", "name": "B"}}
		}), 422, domain.EInvalid, "citizens"},
		{"oversized body", `{"team_id":"` + strings.Repeat("x", api.MaxBodyBytes) + `"}`, 413, domain.ETooLarge, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p api.Problem
			resp := as{t: t, app: app, user: "konsulent.anna"}.do("POST", "/api/v1/courses", tc.body, &p)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
			assert.Equal(t, tc.code, p.Code)
			assert.Equal(t, tc.field, p.Field, "detail: %s", p.Detail)
			assert.NotEmpty(t, p.Detail)
		})
	}
	var n int
	require.NoError(t, app.Store.DB().Get(&n, "SELECT count(*) FROM courses"))
	assert.Zero(t, n, "a refused referral writes no course")
}

func TestUnknownCourseAndRoute(t *testing.T) {
	app := apptest.Start(t)
	for _, path := range []string{"/api/v1/courses/not-a-uuid", "/api/v1/courses/8e7f0d5e-63c4-4f3c-9a43-4b8c1a0f0000", "/api/v1/nothing"} {
		var p api.Problem
		resp := as{t: t, app: app, user: "konsulent.anna"}.do("GET", path, nil, &p)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		assert.Equal(t, domain.ENotFound, p.Code, path)
	}
	resp := as{t: t, app: app, user: "konsulent.anna"}.do("DELETE", "/api/v1/courses", nil, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}
