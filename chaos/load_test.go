package chaos_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/internal/testing/testenv"
	"tvp/workflows/course"
)

// load refers courses and then steps them through the API from several callers until stop is
// closed, each step a client's: sent with an Idempotency-Key and repeated with the same key
// until it is answered 200 (a 503 or a timeout while a part is down is retried). It returns
// the courses and, per course, how many steps were answered.
type load struct {
	t     *testing.T
	s     *system
	ids   []string
	steps []atomic.Int64
	sent  atomic.Int64
	wg    sync.WaitGroup
}

func referralOf(cpr string) map[string]any {
	r := referral()
	r["citizens"] = []map[string]any{{"cpr": cpr, "name": "Kaos Borger"}}
	return r
}

// startLoad refers n courses (each a citizen of its own), then steps them from callers
// goroutines until stop is closed.
func startLoad(t *testing.T, s *system, n, callers int, stop <-chan struct{}) *load {
	t.Helper()
	l := &load{t: t, s: s, ids: make([]string, n), steps: make([]atomic.Int64, n)}
	team, err := s.store.GetTeam(context.Background(), "ungeteam")
	require.NoError(t, err)
	team.Settings.CaseloadMax = max(team.Settings.CaseloadMax, n) // every course is Anna's
	require.NoError(t, s.store.UpsertTeam(context.Background(), team))
	for i := range n {
		var created struct{ ID string }
		cpr := fmt.Sprintf("0102%02d-%04d", 30+i%60, 2000+i)
		// The run's queue in the key: on make stack's server the workflows of earlier runs remain.
		require.Equal(t, http.StatusCreated, s.callKey(t, "konsulent.anna", "refer-"+s.queue+"-"+cpr, "POST", "/api/v1/courses", referralOf(cpr), &created))
		l.ids[i] = created.ID
	}
	for c := range callers {
		l.wg.Go(func() {
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				i := rand.IntN(n)
				key := fmt.Sprintf("step-%d-%d", c, k)
				if l.step(i, key, stop) {
					l.steps[i].Add(1)
				}
				time.Sleep(time.Duration(50+rand.IntN(200)) * time.Millisecond)
			}
		})
	}
	return l
}

// step sends a milestone (a step that leaves the course's reminders be) to course i with the key until it is answered 200, or until two
// minutes have passed after stop.
func (l *load) step(i int, key string, stop <-chan struct{}) bool {
	var deadline time.Time
	// A client sends the very same request again under its key.
	body := map[string]any{"outcome": []string{"education", "employment", "self_support"}[rand.IntN(3)], "date": testenv.Today().Format(time.DateOnly)}
	for {
		l.sent.Add(1)
		var problem map[string]any
		status := l.s.callKey(l.t, "konsulent.anna", key, "POST", "/api/v1/courses/"+l.ids[i]+"/milestones", body, &problem)
		if status == http.StatusOK {
			return true
		}
		if status < 500 && status != http.StatusConflict && status != http.StatusTooManyRequests {
			l.t.Errorf("a step to %s was answered %d: %v", l.ids[i], status, problem)
			return false
		}
		select {
		case <-stop:
			if deadline.IsZero() {
				deadline = time.Now().Add(2 * time.Minute)
			}
			if time.Now().After(deadline) {
				l.t.Errorf("a step to %s was not answered 200 within two minutes after the load (last %d)", l.ids[i], status)
				return false
			}
		default:
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// check waits for the callers, then asserts that every course has each answered step once
// (its milestones), its read model caught up, its referral logged once, and its reminders
// neither lost nor doubled. It returns the steps answered and the reminders raised.
func (l *load) check() (steps, reminders int) {
	t, s := l.t, l.s
	l.wg.Wait()
	ctx := context.Background()
	for i, id := range l.ids {
		want := int(l.steps[i].Load())
		steps += want
		var st course.State
		require.Eventually(t, func() bool {
			return s.call(t, "konsulent.anna", "GET", "/api/v1/courses/"+id, nil, &st) == http.StatusOK
		}, 90*time.Second, time.Second, "course %s did not answer", id)
		assert.Len(t, st.Milestones, want, "course %s: each answered step once", id)
		require.Eventually(t, func() bool {
			rec, err := s.store.GetCourse(ctx, id)
			return err == nil && rec.Revision == st.Revision
		}, 60*time.Second, 200*time.Millisecond, "course %s: the read model did not catch up", id)
		var referred int
		require.NoError(t, s.store.DB().Get(&referred, "SELECT count(*) FROM audit_log WHERE action = 'course.referred' AND subject_id = $1", id))
		assert.Equal(t, 1, referred, "course %s: the referral logged once", id)
		reminders += occasions(t, s, "course", id)[domain.ReminderProgressionDue]
	}
	return steps, reminders
}

// underLoad refers courses and steps them from callers while fault runs (it gets the load
// and returns what to tell), then checks every course and notes the result.
func underLoad(t *testing.T, s *system, courses, callers int, fault func(*load) string) {
	t.Helper()
	shortTeam(t, s, 2*time.Second, time.Hour)
	stop := make(chan struct{})
	l := startLoad(t, s, courses, callers, stop)
	time.Sleep(4 * time.Second)
	what := fault(l)
	close(stop)
	steps, reminders := l.check()
	require.NotZero(t, steps)
	assert.GreaterOrEqual(t, reminders, courses, "every course was reminded")
	note("%s under load (%d courses, %d callers): %d steps answered (%d requests), each once; %d progression reminders, lost 0, doubled 0",
		what, courses, callers, steps, l.sent.Load(), reminders)
}

// Two workers share the task queue, as make stack runs them; one is SIGKILLed while callers
// step many courses through the API and their reminders fall due, and is not started again
// until the other has carried the load alone for a while: every answered step happens once,
// no reminder is lost or doubled.
func TestOneOfTwoWorkersKilledUnderLoad(t *testing.T) {
	s := startSystem(t, "", nil)
	second := startWorker(t, s.worker.env)
	courses, callers, alone := 12, 4, 8*time.Second
	if !short() {
		courses, callers, alone = 40, 8, 30*time.Second
	}
	underLoad(t, s, courses, callers, func(*load) string {
		s.worker.kill()
		time.Sleep(alone)
		s.worker.start()
		if !short() { // and the other way round
			time.Sleep(5 * time.Second)
			second.kill()
			time.Sleep(alone)
			second.start()
		}
		time.Sleep(3 * time.Second)
		return fmt.Sprintf("one of two workers SIGKILLed (%s on the other alone)", alone)
	})
}

// Stop the PostgreSQL under make stack's Temporal server (its histories, timers and task
// queues are there) while callers step courses, and start it again: Temporal answers
// "unavailable" or not in time meanwhile (the API 503 or 504), and afterwards every answered
// step has happened once and no reminder is lost or doubled. Only on make stack with a
// PostgreSQL of its own (TVP_PRIVATE_PG=1): the dev server keeps its state in SQLite, and the
// machine's PostgreSQL is not this test's to stop. TVP's database is the test's own, on the
// machine's PostgreSQL.
func TestPostgresRestartUnderTemporal(t *testing.T) {
	if os.Getenv(EnvChaosTemporal) == "" || os.Getenv("TVP_PRIVATE_PG") != "1" {
		t.Skip("needs make stack's Temporal server on a PostgreSQL of its own: TVP_PRIVATE_PG=1 make stack, and this test with TVP_PRIVATE_PG=1 and " + EnvChaosTemporal)
	}
	s := startSystem(t, "", nil)
	courses, callers, down := 8, 3, 10*time.Second
	if !short() {
		courses, callers, down = 30, 6, 30*time.Second
	}
	underLoad(t, s, courses, callers, func(l *load) string {
		s.temporal.stackControl("postgres-stop")
		time.Sleep(down / 2)
		var problem map[string]any
		status := s.call(t, "konsulent.anna", "GET", "/api/v1/courses/"+l.ids[0], nil, &problem)
		assert.Contains(t, []int{http.StatusServiceUnavailable, http.StatusGatewayTimeout}, status, "a read while Temporal's database is down: %v", problem)
		time.Sleep(down / 2)
		s.temporal.stackControl("postgres-start")
		s.temporal.waitHealthy()
		time.Sleep(8 * time.Second)
		return fmt.Sprintf("the PostgreSQL under make stack's Temporal server stopped for %s", down)
	})
}
