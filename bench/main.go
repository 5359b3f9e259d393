// Command bench measures TVP against the bare Temporal client in the same run, on the same
// Temporal dev server and PostgreSQL, and prints a Markdown table (make bench).
//
// It measures, with 32 concurrent callers: starting courses through the HTTP API against
// starting the same workflow through the SDK client; one step (an Update) and one read (a
// query) through the API against the client; and the list endpoints with 10,000 courses and
// 10,000 collaboration plans in the read model.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"tvp/activities"
	"tvp/api"
	"tvp/domain"
	"tvp/internal/auth"
	"tvp/internal/codec"
	"tvp/internal/demo"
	"tvp/internal/metrics"
	"tvp/internal/temporalx"
	"tvp/store"
	"tvp/worker"
	"tvp/workflows/course"
)

func main() {
	var (
		dsn         = flag.String("database-url", os.Getenv("TVP_BENCH_DATABASE_URL"), "an empty database")
		temporal    = flag.String("temporal", os.Getenv("TVP_BENCH_TEMPORAL_ADDRESS"), "Temporal host:port")
		starts      = flag.Int("starts", 600, "courses started per side")
		steps       = flag.Int("steps", 400, "updates and queries per side")
		listRows    = flag.Int("list-rows", 10000, "courses and plans in the read model for the list benchmark")
		listCalls   = flag.Int("list-calls", 300, "calls per list endpoint")
		concurrency = flag.Int("concurrency", 32, "concurrent callers")
		out         = flag.String("out", "bench/out/results.md", "where to write the table")
		cpuProfile  = flag.String("cpuprofile", "", "write a CPU profile of the API starts here")
	)
	flag.Parse()
	if err := run(*dsn, *temporal, *starts, *steps, *listRows, *listCalls, *concurrency, *out, *cpuProfile); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// stats are the latencies of one side of one comparison.
type stats struct {
	n          int
	elapsed    time.Duration
	latencies  []time.Duration
	errs       int64
	throughput float64
}

func (s *stats) pct(p float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	sort.Slice(s.latencies, func(i, j int) bool { return s.latencies[i] < s.latencies[j] })
	return s.latencies[int(p*float64(len(s.latencies)-1))]
}

// measure runs fn n times with c concurrent callers.
func measure(n, c int, fn func(i int) error) *stats {
	st := &stats{n: n, latencies: make([]time.Duration, n)}
	var next int64 = -1
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(atomic.AddInt64(&next, 1))
				if i >= n {
					return
				}
				t0 := time.Now()
				if err := fn(i); err != nil {
					atomic.AddInt64(&st.errs, 1)
					if atomic.LoadInt64(&st.errs) <= 3 {
						fmt.Fprintln(os.Stderr, "error:", err)
					}
				}
				st.latencies[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	st.elapsed = time.Since(start)
	st.throughput = float64(n) / st.elapsed.Seconds()
	return st
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func delta(d time.Duration) string { return fmt.Sprintf("%+.1f ms", float64(d.Microseconds())/1000) }

type row struct{ what, api, bare, ratio string }

func run(dsn, temporalAddr string, nStarts, nSteps, listRows, listCalls, conc int, outPath, profilePath string) error {
	if dsn == "" || temporalAddr == "" {
		return fmt.Errorf("set TVP_BENCH_DATABASE_URL and TVP_BENCH_TEMPORAL_ADDRESS (make bench does)")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		return err
	}
	if err := demo.LoadRegister(ctx, s); err != nil {
		return err
	}
	team, err := s.GetTeam(ctx, "ungeteam")
	if err != nil {
		return err
	}
	team.Settings.CaseloadMax = 1 << 20 // the benchmark measures the machinery, not the norm
	if err := s.UpsertTeam(ctx, team); err != nil {
		return err
	}
	key, _ := codec.GenerateKey()
	keys, err := codec.ParseKeys("bench:" + key)
	if err != nil {
		return err
	}
	m, _ := metrics.New()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tc, err := temporalx.Dial(ctx, temporalx.Options{Address: temporalAddr, Namespace: "default", Logger: log, Metrics: m.Temporal(), DataConverter: keys.DataConverter()})
	if err != nil {
		return err
	}
	defer tc.Close()
	queue := "bench-" + uuid.NewString()[:8]
	w := worker.New(tc, queue, &activities.Activities{Store: s}, worker.Options{})
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()
	ik, _ := auth.GenerateKey()
	issuer := auth.NewDevIssuer("https://bench", ik)
	srv := httptest.NewServer(api.New(api.Deps{Store: s, Temporal: tc, Metrics: m, Log: log, TaskQueue: queue,
		TemporalTimeout: 30 * time.Second, CPRPepper: "bench", Verifier: issuer.Verifier()}).Handler())
	defer srv.Close()
	tok := map[string]string{}
	for _, u := range []string{"konsulent.anna", "admin"} {
		if tok[u], err = issuer.Token(u, 6*time.Hour); err != nil {
			return err
		}
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc * 2}}
	call := func(user, method, path string, body any) error {
		var r io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, srv.URL+path, r)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok[user])
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
		}
		return nil
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	var rows []row
	compare := func(what string, a, b *stats) {
		rows = append(rows,
			row{what + ": throughput", fmt.Sprintf("%.0f/s", a.throughput), fmt.Sprintf("%.0f/s", b.throughput), fmt.Sprintf("%.2f", a.throughput/b.throughput)},
			row{what + ": p50", ms(a.pct(0.5)), ms(b.pct(0.5)), delta(a.pct(0.5) - b.pct(0.5))},
			row{what + ": p99", ms(a.pct(0.99)), ms(b.pct(0.99)), delta(a.pct(0.99) - b.pct(0.99))},
		)
		if a.errs+b.errs > 0 {
			rows = append(rows, row{what + ": errors", fmt.Sprint(a.errs), fmt.Sprint(b.errs), ""})
		}
	}

	// 1. Starting courses.
	fmt.Fprintln(os.Stderr, "starts...")
	bareInputs := make([]course.Input, nStarts)
	for i := range bareInputs {
		cid := uuid.NewString()
		if err := s.EnsureCitizen(ctx, cid, "Bench", nil); err != nil {
			return err
		}
		bareInputs[i] = course.Input{CourseID: uuid.NewString(), TeamID: "ungeteam", Kind: domain.TargetYoung, CitizenIDs: []string{cid},
			ConsultantIDs: []string{"konsulent.anna"}, StartDate: today, Goals: []course.Goal{{ID: "g1", Text: "Uddannelse"}},
			Settings: team.Settings, ReferredBy: "konsulent.anna"}
	}
	apiIDs := make([]string, nStarts)
	if profilePath != "" {
		f, err := os.Create(profilePath)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	apiStarts := measure(nStarts, conc, func(i int) error {
		var resp struct{ ID string }
		b, _ := json.Marshal(map[string]any{"team_id": "ungeteam", "consultant_ids": []string{"konsulent.anna"}, "start_date": today.Format(time.DateOnly),
			"citizens": []map[string]any{{"cpr": cprFor(i), "name": "Bench"}}, "goals": []map[string]any{{"text": "Uddannelse"}}})
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/courses", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok["konsulent.anna"])
		r, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer r.Body.Close()
		data, _ := io.ReadAll(r.Body)
		if r.StatusCode != http.StatusCreated {
			return fmt.Errorf("start: %d %s", r.StatusCode, data)
		}
		_ = json.Unmarshal(data, &resp)
		apiIDs[i] = resp.ID
		return nil
	})
	pprof.StopCPUProfile()
	bareStarts := measure(nStarts, conc, func(i int) error {
		_, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: course.WorkflowID(bareInputs[i].CourseID), TaskQueue: queue},
			course.CourseWorkflow, bareInputs[i])
		return err
	})
	compare(fmt.Sprintf("start a course (%d, concurrency %d)", nStarts, conc), apiStarts, bareStarts)
	time.Sleep(3 * time.Second) // let the courses' first steps land

	// 2. One step and one read.
	fmt.Fprintln(os.Stderr, "steps...")
	n := min(nSteps, nStarts)
	milestone := func(i int) course.MilestoneRequest {
		return course.MilestoneRequest{Actor: domain.Actor{ID: "konsulent.anna", Roles: []domain.Role{domain.RoleConsultant}}, Outcome: domain.OutcomeEducation, Date: today}
	}
	apiUpd := measure(n, conc, func(i int) error {
		return call("konsulent.anna", "POST", "/api/v1/courses/"+apiIDs[i]+"/milestones", map[string]any{"outcome": "education", "date": today.Format(time.DateOnly)})
	})
	bareUpd := measure(n, conc, func(i int) error {
		h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: course.WorkflowID(bareInputs[i].CourseID),
			UpdateName: course.UpdateRecordMilestone, Args: []any{milestone(i)}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err != nil {
			return err
		}
		return h.Get(ctx, nil)
	})
	compare(fmt.Sprintf("a step, an Update (%d)", n), apiUpd, bareUpd)
	apiQ := measure(n, conc, func(i int) error { return call("konsulent.anna", "GET", "/api/v1/courses/"+apiIDs[i], nil) })
	bareQ := measure(n, conc, func(i int) error {
		v, err := tc.QueryWorkflow(ctx, course.WorkflowID(bareInputs[i].CourseID), "", course.QueryState, course.StateQuery{})
		if err != nil {
			return err
		}
		var st course.State
		return v.Get(&st)
	})
	compare(fmt.Sprintf("a read, a query (%d)", n), apiQ, bareQ)

	// 3. Lists from the read model with listRows courses and plans.
	fmt.Fprintln(os.Stderr, "lists...")
	if err := fillReadModel(ctx, s, listRows); err != nil {
		return err
	}
	due := today.AddDate(0, 3, 0).Format(time.DateOnly)
	lists := []struct{ name, path string }{
		{"courses of a team", "/api/v1/courses?team=ungeteam&limit=50"},
		{"courses in a phase, due before", "/api/v1/courses?phase=active&due_before=" + due + "&limit=50"},
		{"courses of a consultant", "/api/v1/courses?consultant=konsulent.bilal&limit=50"},
		{"plans of a coordinator", "/api/v1/plans?coordinator=tovholder.nina&limit=50"},
		{"plans due before", "/api/v1/plans?due_before=" + due + "&limit=50"},
	}
	var listRowsOut []row
	for _, l := range lists {
		st := measure(listCalls, conc, func(int) error { return call("admin", "GET", l.path, nil) })
		listRowsOut = append(listRowsOut, row{l.name, ms(st.pct(0.5)), ms(st.pct(0.99)), fmt.Sprint(st.errs)})
	}

	var b strings.Builder
	fmt.Fprintf(&b, "# TVP benchmark, %s\n\nTemporal dev server (SQLite) and PostgreSQL on this machine; the API and a worker in one process; 32 concurrent callers.\n\n", time.Now().UTC().Format(time.RFC3339))
	b.WriteString("| measure | through the API | bare SDK client | API / bare |\n|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.what, r.api, r.bare, r.ratio)
	}
	fmt.Fprintf(&b, "\nLists from the read model with %d courses and %d plans (%d calls each):\n\n| list | p50 | p99 | errors |\n|---|---|---|---|\n", listRows, listRows, listCalls)
	for _, r := range listRowsOut {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.what, r.api, r.bare, r.ratio)
	}
	fmt.Print(b.String())
	if err := os.MkdirAll(filepath.Dir(outPath), 0o755); err != nil {
		return err
	}
	return os.WriteFile(outPath, []byte(b.String()), 0o644)
}

// cprFor makes a distinct, well-formed CPR number for the i-th made-up citizen.
func cprFor(i int) string {
	d := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/9000)
	return fmt.Sprintf("%s-%04d", d.Format("020106"), 1000+i%9000)
}

// fillReadModel writes n courses and n plans straight into the read model.
func fillReadModel(ctx context.Context, s *store.Store, n int) error {
	_, err := s.DB().ExecContext(ctx, `
		INSERT INTO courses (id, workflow_id, team_id, kind, phase, start_date, planned_end, next_deadline, next_action, referred_by, revision, created_at)
		SELECT id, 'course-' || id, CASE WHEN g % 2 = 0 THEN 'ungeteam' ELSE 'familieteam' END,
			CASE WHEN g % 2 = 0 THEN 'young' ELSE 'family' END,
			(ARRAY['active','active','active','awaiting_decision','extension_pending','closed'])[1 + g % 6],
			current_date - (g % 700), current_date - (g % 700) + 365, now() + (g % 400) * interval '1 day',
			'record goal progression', 'leder.ulla', 1, now() - g * interval '1 minute'
		FROM (SELECT gen_random_uuid() AS id, g FROM generate_series(1, $1) g) x`, n)
	if err != nil {
		return fmt.Errorf("fill courses: %w", err)
	}
	_, err = s.DB().ExecContext(ctx, `
		INSERT INTO course_consultants (course_id, staff_id)
		SELECT id, (ARRAY['konsulent.anna','konsulent.bilal','konsulent.cecilie','konsulent.dennis'])[1 + abs(hashtext(id::text)) % 4]
		FROM courses WHERE workflow_id LIKE 'course-%' ON CONFLICT DO NOTHING`)
	if err != nil {
		return fmt.Errorf("fill consultants: %w", err)
	}
	_, err = s.DB().ExecContext(ctx, `
		WITH c AS (INSERT INTO citizens (id, name) SELECT gen_random_uuid(), 'Bench ' || g FROM generate_series(1, $1) g RETURNING id)
		INSERT INTO collaboration_plans (id, workflow_id, citizen_id, coordinator_id, coordinating_caseworker_id, phase,
			next_deadline, next_action, revision, created_at)
		SELECT p, 'collab-' || p, c.id, CASE WHEN random() < 0.5 THEN 'tovholder.ida' ELSE 'tovholder.nina' END, 'koordinator.jonas',
			'active', now() + (random() * 400) * interval '1 day', 'the coordinator sends the invitation', 1, now() - random() * interval '700 days'
		FROM (SELECT id, gen_random_uuid() AS p FROM c) c`, n)
	if err != nil {
		return fmt.Errorf("fill plans: %w", err)
	}
	_, err = s.DB().ExecContext(ctx, `ANALYZE`)
	return err
}
