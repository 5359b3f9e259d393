package api_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"tvp/api"
	"tvp/internal/testing/apptest"
	"tvp/internal/testing/testenv"
)

// urlRecorder keeps every URL the test's HTTP client asks for.
type urlRecorder struct {
	mu   sync.Mutex
	urls []string
	next http.RoundTripper
}

func (r *urlRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.urls = append(r.urls, req.URL.String())
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// A full course and a collaboration cycle with a marked CPR number and name: neither is in
// the server's raw histories (payloads are encrypted), its visibility records (workflow IDs,
// search attributes, memo), the process's log output, or any request URL.
func TestNoPersonalDataLeaves(t *testing.T) {
	const cpr, cprDigits, name = "241299-9871", "2412999871", "Xylofon Markørsen"
	var logs syncBuffer
	app := apptest.StartWith(t, apptest.Options{LogWriter: &logs})
	rec := &urlRecorder{next: http.DefaultTransport}
	http.DefaultTransport, rec.next = rec, http.DefaultTransport
	t.Cleanup(func() { http.DefaultTransport = rec.next })
	shortTeam(t, app, "ungeteam", 2*time.Second, 30*time.Second)
	shortCollaboration(t, app)

	anna := as{t: t, app: app, user: "konsulent.anna"}
	bo := as{t: t, app: app, user: "styregruppe.bo"}
	ref := validReferral()
	ref["start_date"] = app.Day(0, 0, -1)
	ref["citizens"] = []map[string]any{{"cpr": cpr, "name": name}}
	ref["goals"] = []map[string]any{{"text": "Mål for " + name}}
	var created struct{ ID string }
	require.Equal(t, http.StatusCreated, anna.do("POST", "/api/v1/courses", ref, &created).StatusCode)
	path := "/api/v1/courses/" + created.ID
	require.Eventually(t, func() bool {
		return openReminders(t, app, created.ID, "konsulent.anna", "course.progression_due") > 0
	}, 20*time.Second, 200*time.Millisecond)
	require.Equal(t, http.StatusOK, anna.do("POST", path+"/progressions", map[string]any{
		"scores": []map[string]any{{"goal_id": "g1", "score": 5}}, "note": name + " har det bedre"}, nil).StatusCode)
	require.Equal(t, http.StatusOK, anna.do("POST", path+"/extensions", map[string]any{
		"reason": "Behov for " + name, "new_end": app.Day(0, 2, 0)}, nil).StatusCode)
	var p0 api.Problem
	require.Equal(t, http.StatusOK, bo.do("POST", path+"/extensions/1/decision", map[string]any{"approve": true, "reason": "ok"}, &p0).StatusCode, p0.Detail)
	require.Equal(t, http.StatusOK, anna.do("GET", path, nil, nil).StatusCode)
	require.Equal(t, http.StatusOK, anna.do("POST", path+"/close", map[string]any{"outcome": "education", "date": app.Day(0, 0, 0)}, nil).StatusCode)

	ida := as{t: t, app: app, user: "tovholder.ida"}
	jonas := as{t: t, app: app, user: "koordinator.jonas"}
	enrol := enrolment()
	enrol["citizen"] = map[string]any{"cpr": cpr, "name": name}
	var plan struct{ ID string }
	require.Equal(t, http.StatusCreated, ida.do("POST", "/api/v1/plans", enrol, &plan).StatusCode)
	ppath := "/api/v1/plans/" + plan.ID
	var p1 api.Problem
	require.Equal(t, http.StatusOK, jonas.do("POST", ppath+"/consent", map[string]any{"scope": "Deling om " + name, "date": app.Day(0, 0, 0)}, &p1).StatusCode, p1.Detail)
	meeting := time.Now().Add(2 * time.Second).UTC()
	require.Equal(t, http.StatusOK, ida.do("POST", ppath+"/meeting/schedule", map[string]any{"at": meeting}, nil).StatusCode)
	require.Equal(t, http.StatusOK, ida.do("POST", ppath+"/meeting/invitation", nil, nil).StatusCode)
	time.Sleep(time.Until(meeting))
	require.Equal(t, http.StatusOK, ida.do("POST", ppath+"/meeting/held", map[string]any{
		"held_at": meeting, "citizen_present": true,
		"goals":   []map[string]any{{"goal": "Bolig til " + name, "agreements": []map[string]any{{"text": "Søge", "responsible": name}}}},
		"summary": "Plan for " + name}, nil).StatusCode)
	require.Equal(t, http.StatusOK, ida.do("POST", ppath+"/meetings/1/minutes", map[string]any{"minutes": "Referat om " + name}, nil).StatusCode)
	require.Equal(t, http.StatusOK, ida.do("GET", ppath, nil, nil).StatusCode)
	require.Equal(t, http.StatusOK, ida.do("POST", ppath+"/leave", map[string]any{"date": app.Day(0, 0, 0), "reason": "Afsluttet"}, nil).StatusCode)

	markers := []string{cpr, cprDigits, name, "Markørsen", "Xylofon"}
	leaks := func(where, text string) {
		t.Helper()
		for _, m := range markers {
			assert.NotContains(t, text, m, "%s contains %q", where, m)
		}
	}

	// The server's raw records, read without the codec.
	raw, err := client.Dial(client.Options{HostPort: testenv.TemporalAddress(t), Namespace: "default"})
	require.NoError(t, err)
	defer raw.Close()
	ctx := context.Background()
	time.Sleep(time.Second) // visibility is eventually consistent
	resp, err := raw.WorkflowService().ListWorkflowExecutions(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: "default", Query: "TaskQueue = '" + app.TaskQueue + "'", PageSize: 1000,
	})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(resp.Executions), 2, "the course and the plan are visible")
	for _, ex := range resp.Executions {
		b, err := protojson.Marshal(ex) // workflow ID, type, search attributes, memo
		require.NoError(t, err)
		leaks("visibility record of "+ex.Execution.WorkflowId, string(b))
		iter := raw.GetWorkflowHistory(ctx, ex.Execution.WorkflowId, ex.Execution.RunId, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		events := 0
		for iter.HasNext() {
			ev, err := iter.Next()
			require.NoError(t, err)
			b, err := protojson.Marshal(ev)
			require.NoError(t, err)
			leaks("history of "+ex.Execution.WorkflowId, string(b))
			events++
		}
		assert.Greater(t, events, 3)
	}

	// The process's logs and the request URLs.
	require.NotZero(t, logs.Len(), "the process logged")
	leaks("the logs", logs.String())
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.NotEmpty(t, rec.urls)
	leaks("the request URLs", strings.Join(rec.urls, "\n"))
}

// syncBuffer is a bytes.Buffer safe for the loggers of several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}
