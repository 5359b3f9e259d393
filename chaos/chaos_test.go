package chaos_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/internal/testing/testenv"
	"tvp/store"
	"tvp/workflows/course"
)

// call sends a JSON request as the user and decodes the answer.
func (s *system) call(t *testing.T, user, method, path string, body, out any) int {
	t.Helper()
	return s.callKey(t, user, "", method, path, body, out)
}

// callKey is call with an Idempotency-Key: a client that retries after a timeout uses one,
// so that its step happens once.
func (s *system) callKey(t *testing.T, user, key, method, path string, body, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.api.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token(t, user))
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		_ = json.Unmarshal(data, out)
	}
	return resp.StatusCode
}

// shortTeam makes Ungeteam's durations seconds long for a course that starts on startDay():
// its progression and its end fall due untilProgression and untilEnd from now.
func shortTeam(t *testing.T, s *system, untilProgression, untilEnd time.Duration) {
	t.Helper()
	team, err := s.store.GetTeam(context.Background(), "ungeteam")
	require.NoError(t, err)
	since := time.Since(startDay())
	team.Settings.CourseLength = domain.ExactPeriod(since + untilEnd)
	team.Settings.ProgressionInterval = domain.ExactPeriod(since + untilProgression)
	team.Settings.ReminderInterval = domain.Duration(2 * time.Second)
	team.Settings.EndReminderLead = domain.Duration(untilEnd / 2)
	require.NoError(t, s.store.UpsertTeam(context.Background(), team))
}

// startDay is the start date of the courses the fault tests refer: the day before the
// municipality's today (testenv.Today). A course's dates count from midnight UTC of its start,
// and midnight UTC of today is still ahead between 23:00 and 24:00 UTC (22:00 in summer).
func startDay() time.Time { return testenv.Today().AddDate(0, 0, -1) }

func referral() map[string]any {
	return map[string]any{
		"team_id": "ungeteam", "citizens": []map[string]any{{"cpr": "010203-1234", "name": "Kaos Borger"}},
		"consultant_ids": []string{"konsulent.anna"}, "start_date": startDay().Format(time.DateOnly),
		"goals": []map[string]any{{"text": "Uddannelse"}},
	}
}

// occasions checks a subject's reminders: each occasion once (no double), and the repeats of
// an occasion numbered 1..n without a gap (none lost). It returns the count per kind.
func occasions(t *testing.T, s *system, subjectType domain.SubjectType, subjectID string) map[domain.ReminderKind]int {
	t.Helper()
	items, err := s.store.ListReminders(context.Background(), subjectType, subjectID)
	require.NoError(t, err)
	seen := map[string]bool{}
	repeats := map[string][]int{}
	kinds := map[domain.ReminderKind]int{}
	for _, r := range items {
		assert.False(t, seen[r.Key], "doubled: %s", r.Key)
		seen[r.Key] = true
		kinds[r.Kind]++
		parts := strings.Split(r.Key, "/")
		var n int
		if _, err := fmt.Sscan(parts[len(parts)-2], &n); err == nil {
			occ := strings.Join(parts[:len(parts)-2], "/") + "/" + r.RecipientID
			repeats[occ] = append(repeats[occ], n)
		}
	}
	for occ, ns := range repeats {
		sort.Ints(ns)
		for i, n := range ns {
			assert.Equal(t, i+1, n, "lost: a repeat of %s is missing (%v)", occ, ns)
		}
	}
	return kinds
}

// Kill the worker (SIGKILL) again and again while a course raises its reminders, and start it
// again: every step happens once, and no reminder is lost or doubled.
func TestWorkerKilledMidCourse(t *testing.T) {
	s := startSystem(t, "", nil)
	shortTeam(t, s, 2*time.Second, time.Hour)
	var created struct{ ID string }
	require.Equal(t, http.StatusCreated, s.call(t, "konsulent.anna", "POST", "/api/v1/courses", referral(), &created))

	kills := 3
	if !short() {
		kills = 10
	}
	for i := 0; i < kills; i++ {
		time.Sleep(time.Duration(1000+rand.IntN(2500)) * time.Millisecond)
		s.worker.kill()
		time.Sleep(time.Duration(200+rand.IntN(1500)) * time.Millisecond)
		s.worker.start()
	}
	time.Sleep(7 * time.Second) // reminders go on repeating with the worker back
	// The worker is back: the course answers a step again within seconds.
	var st course.State
	last := 0
	if !assert.Eventually(t, func() bool {
		last = s.callKey(t, "konsulent.anna", "progression-1", "POST", "/api/v1/courses/"+created.ID+"/progressions", map[string]any{
			"scores": []map[string]any{{"goal_id": "g1", "score": 5}}, "note": "efter uroen"}, &st)
		return last == http.StatusOK
	}, 60*time.Second, time.Second, "the course did not answer after the worker came back") {
		d, derr := s.client.DescribeWorkflow(context.Background(), course.WorkflowID(created.ID), "")
		status := ""
		if derr == nil {
			status = d.RawResponse.WorkflowExecutionInfo.Status.String()
		}
		iter := s.client.GetWorkflowHistory(context.Background(), course.WorkflowID(created.ID), "", false, 0)
		var events []string
		for iter.HasNext() {
			ev, err := iter.Next()
			if err != nil {
				break
			}
			events = append(events, ev.EventType.String())
		}
		t.Fatalf("last status %d; workflow %s %v; events %v; worker stderr:\n%s", last, status, derr, events, s.worker.stderr.String())
	}
	require.Len(t, st.Progressions, 1, "the progression was recorded once")

	time.Sleep(3 * time.Second) // let every pending write land
	kinds := occasions(t, s, "course", created.ID)
	reminded := kinds[domain.ReminderProgressionDue]
	assert.GreaterOrEqual(t, reminded, 2, "the reminder repeated")
	var rev int64
	require.Eventually(t, func() bool {
		rec, err := s.store.GetCourse(context.Background(), created.ID)
		rev = rec.Revision
		return err == nil && rec.Revision == st.Revision
	}, 30*time.Second, 200*time.Millisecond, "the read model did not catch up")
	var referred int
	require.NoError(t, s.store.DB().Get(&referred, "SELECT count(*) FROM audit_log WHERE action = 'course.referred' AND subject_id = $1", created.ID))
	assert.Equal(t, 1, referred, "the referral was logged once")
	note("worker SIGKILLed %d times during a course: %d progression reminders raised, lost 0, doubled 0 (checked by key); read model at revision %d", kills, reminded, rev)
}

// Start courses while no worker runs: the API accepts them, and they run when a worker
// returns.
func TestRequestsWhileNoWorkerRuns(t *testing.T) {
	s := startSystem(t, "", nil)
	s.worker.kill()
	var created struct{ ID string }
	require.Equal(t, http.StatusCreated, s.call(t, "konsulent.anna", "POST", "/api/v1/courses", referral(), &created))
	time.Sleep(2 * time.Second)
	rec, err := s.store.GetCourse(context.Background(), created.ID)
	require.NoError(t, err)
	assert.Zero(t, rec.Revision, "reserved, not yet run")
	s.worker.start()
	require.Eventually(t, func() bool {
		rec, err := s.store.GetCourse(context.Background(), created.ID)
		return err == nil && rec.Revision >= 1
	}, 60*time.Second, 200*time.Millisecond, "the referral was not applied when the worker returned")
	var st course.State
	require.Equal(t, http.StatusOK, s.call(t, "konsulent.anna", "GET", "/api/v1/courses/"+created.ID, nil, &st))
	assert.Equal(t, domain.PhaseActive, st.Phase)
	note("a referral accepted while no worker ran: applied when the worker returned; lost 0")
}

// Stop and restart the Temporal server (file-backed) in the middle of a collaboration cycle:
// the plan goes on where it was.
func TestTemporalRestartMidCycle(t *testing.T) {
	s := startSystem(t, "", nil)
	cs := domain.DefaultCollaborationSettings()
	cs.FirstMeetingWithin, cs.InvitationLead, cs.ReminderInterval = domain.Duration(4*time.Second), domain.Duration(2*time.Second), domain.Duration(2*time.Second)
	cs.MinutesDueWorkingDays = 0
	require.NoError(t, s.store.SetCollaborationSettings(context.Background(), cs))
	var plan struct{ ID string }
	require.Equal(t, http.StatusCreated, s.call(t, "tovholder.ida", "POST", "/api/v1/plans", map[string]any{
		"citizen": map[string]any{"cpr": "150590-4321", "name": "Kaos"}, "coordinator_id": "tovholder.ida",
		"coordinating_caseworker_id": "koordinator.jonas", "caseworker_ids": []string{"sagsbehandler.lise", "sagsbehandler.mads"},
	}, &plan))
	path := "/api/v1/plans/" + plan.ID
	require.Equal(t, http.StatusOK, s.call(t, "koordinator.jonas", "POST", path+"/consent", map[string]any{"scope": "Deling", "date": testenv.Today().Format(time.DateOnly)}, nil))
	meeting := time.Now().Add(8 * time.Second).UTC()
	require.Equal(t, http.StatusOK, s.call(t, "tovholder.ida", "POST", path+"/meeting/schedule", map[string]any{"at": meeting}, nil))

	down := 3 * time.Second
	if !short() {
		down = 15 * time.Second
	}
	s.temporal.stop()
	time.Sleep(down)
	s.temporal.start()

	last, problem := 0, map[string]any{}
	if !assert.Eventually(t, func() bool {
		last = s.callKey(t, "tovholder.ida", "invitation-1", "POST", path+"/meeting/invitation", nil, &problem)
		return last == http.StatusOK
	}, 90*time.Second, time.Second, "the plan did not answer after Temporal came back") {
		t.Fatalf("last %d %v; worker: %s", last, problem, s.worker.stderr.String())
	}
	time.Sleep(time.Until(meeting))
	var rec domain.PlanRecord
	require.Eventually(t, func() bool {
		return s.callKey(t, "tovholder.ida", "held-1", "POST", path+"/meeting/held", map[string]any{
			"held_at": meeting, "citizen_present": true, "summary": "Første plan",
			"goals": []map[string]any{{"goal": "Bolig", "agreements": []map[string]any{{"text": "Søge", "responsible": "borgeren"}}}},
		}, &rec) == http.StatusOK
	}, 30*time.Second, time.Second)
	assert.Len(t, rec.FormVersions, 1)
	assert.NotNil(t, rec.Consent, "consent recorded before the restart is still there")
	require.Equal(t, http.StatusOK, s.call(t, "tovholder.ida", "POST", path+"/meetings/1/minutes", map[string]any{"minutes": "Referat"}, nil))
	time.Sleep(2 * time.Second)
	kinds := occasions(t, s, "plan", plan.ID)
	note("Temporal stopped for %s mid-cycle: the plan went on (consent, meeting, form and minutes kept); reminders %v, lost 0, doubled 0", down, kinds)
	_ = domain.ReminderSendInvitation
}

// privatePostgres starts a PostgreSQL cluster of the test's own (Debian's initdb and pg_ctl,
// through scripts/lib.sh), so that it can be stopped. It returns its admin URL.
func privatePostgres(t *testing.T) (adminURL string, stop, start func()) {
	t.Helper()
	dir, err := os.MkdirTemp("", "tvp-chaos-pg-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o755))
	var a string // the port: reserved (testenv.FreeAddr); a new one if it was taken all the same
	run := func(fn string) error {
		cmd := exec.Command("bash", "-c", `source ../scripts/lib.sh && `+fn+` "$1" "$2"`, "_", dir, a)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %w: %s", fn, err, out) // pg_private_start prints the server log's tail
		}
		return nil
	}
	start = func() { require.NoError(t, run("pg_private_start")) }
	stop = func() { require.NoError(t, run("pg_private_stop")) }
	for i := 1; ; i++ {
		a = testenv.FreePort(t)
		err := run("pg_private_start")
		if err == nil {
			break
		}
		require.Less(t, i, 3, "PostgreSQL did not start (3 tries): %v", err)
		t.Logf("PostgreSQL did not start on port %s (%v); trying another", a, err)
	}
	t.Cleanup(func() {
		stop()
		_ = os.RemoveAll(dir)
	})
	return "postgres://postgres@127.0.0.1:" + a + "/postgres?sslmode=disable", stop, start
}

// Stop PostgreSQL in the middle of a course: the API answers 503 problem+json where it needs
// the database, the activities retry, and when it returns the read model catches up with
// nothing missing.
func TestPostgresDownMidCourse(t *testing.T) {
	admin, stopPG, startPG := privatePostgres(t)
	db, err := sql.Open("postgres", admin)
	require.NoError(t, err)
	_, err = db.Exec("CREATE DATABASE tvp_chaos")
	require.NoError(t, err)
	db.Close()
	dsn := strings.Replace(admin, "/postgres?", "/tvp_chaos?", 1)
	ctx := context.Background()
	owner, err := store.Open(ctx, dsn)
	require.NoError(t, err)
	_, err = owner.Migrate(ctx)
	require.NoError(t, err)
	owner.Close()
	st, err := store.Open(ctx, dsn, store.AsRole(store.AppRole))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	s := startSystem(t, dsn, st)
	shortTeam(t, s, 2*time.Second, time.Hour)

	var created struct{ ID string }
	require.Equal(t, http.StatusCreated, s.call(t, "konsulent.anna", "POST", "/api/v1/courses", referral(), &created))
	require.Eventually(t, func() bool {
		items, err := s.store.ListReminders(ctx, "course", created.ID)
		return err == nil && len(items) > 0
	}, 30*time.Second, 200*time.Millisecond, "no first reminder")

	down := 8 * time.Second
	if !short() {
		down = 30 * time.Second
	}
	stopPG()
	var problem map[string]any
	status := s.call(t, "konsulent.anna", "GET", "/api/v1/courses/"+created.ID, nil, &problem)
	assert.Equal(t, http.StatusServiceUnavailable, status, "%v", problem)
	assert.Equal(t, "unavailable", problem["code"])
	time.Sleep(down)
	startPG()

	var state course.State
	require.Eventually(t, func() bool {
		return s.call(t, "konsulent.anna", "GET", "/api/v1/courses/"+created.ID, nil, &state) == http.StatusOK
	}, 60*time.Second, time.Second, "the API did not recover")
	require.Eventually(t, func() bool {
		var now course.State
		if s.call(t, "konsulent.anna", "GET", "/api/v1/courses/"+created.ID, nil, &now) != http.StatusOK {
			return false
		}
		rec, err := s.store.GetCourse(ctx, created.ID)
		return err == nil && rec.Revision == now.Revision && rec.Revision > 2
	}, 90*time.Second, time.Second, "the read model did not catch up")
	kinds := occasions(t, s, "course", created.ID)
	assert.GreaterOrEqual(t, kinds[domain.ReminderProgressionDue], 2, "reminders due during the outage arrived after it")
	note("PostgreSQL stopped for %s mid-course: the API answered 503 problem+json, activities retried; %d reminders in the read model, lost 0, doubled 0", down, kinds[domain.ReminderProgressionDue])
}
