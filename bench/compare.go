package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"
	"go.temporal.io/sdk/client"

	"tvp/domain"
	"tvp/workflows/course"
)

// call makes one API request as the user and decodes a 2xx answer into out (if not nil).
func (b *bench) call(user, method, path string, body, out any) error {
	return b.callAt(b.srv, user, method, path, body, out)
}

// callAt is call on the given API server.
func (b *bench) callAt(srv *httptest.Server, user, method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, srv.URL+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+b.tokens[user])
	resp, err := b.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// compare measures starts, an Update and a query through the API against the bare client.
func (b *bench) compare(ctx context.Context) error {
	if err := b.ensureWorker(ctx); err != nil {
		return err
	}
	c, n, rounds := b.cfg.concurrency, b.cfg.starts, max(1, b.cfg.rounds)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	bareInputs := make([]course.Input, n)
	for i := range bareInputs {
		cid := uuid.NewString()
		if err := b.store.EnsureCitizen(ctx, cid, "Bench", nil); err != nil {
			return err
		}
		bareInputs[i] = course.Input{CourseID: uuid.NewString(), TeamID: "ungeteam", Kind: domain.TargetYoung, CitizenIDs: []string{cid},
			ConsultantIDs: []string{benchConsultant(i)}, StartDate: today, Goals: []course.Goal{{ID: "g1", Text: "Uddannelse"}},
			Settings: b.team.Settings, ReferredBy: benchLead.ID}
	}
	// The sides: the API, the API before the change (-before), the bare client.
	servers := []*httptest.Server{b.srv}
	names := []string{"through the API"}
	for _, sd := range b.befores {
		servers = append(servers, sd.srv)
		names = append(names, sd.name)
	}
	apiIDs := make([][]string, len(servers))
	var starts []func(int) error
	for k, srv := range servers {
		apiIDs[k] = make([]string, n)
		starts = append(starts, func(i int) error {
			var resp struct{ ID string }
			err := b.callAt(srv, benchLead.ID, "POST", "/api/v1/courses", map[string]any{
				"team_id": "ungeteam", "consultant_ids": []string{benchConsultant(i)}, "start_date": today.Format(time.DateOnly),
				"citizens": []map[string]any{{"cpr": cprFor(k*n + i), "name": "Bench"}}, "goals": []map[string]any{{"text": "Uddannelse"}}}, &resp)
			apiIDs[k][i] = resp.ID
			return err
		})
	}
	startBare := func(i int) error {
		_, err := b.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: course.WorkflowID(bareInputs[i].CourseID), TaskQueue: b.queue},
			course.CourseWorkflow, bareInputs[i])
		return err
	}
	procs := []proc{{"API (bench process)", os.Getpid()}, {"worker", b.worker.cmd.Process.Pid}}
	if pid, err := strconv.Atoi(os.Getenv("TVP_BENCH_TEMPORAL_PID")); err == nil {
		procs = append(procs, proc{"Temporal server", pid})
	}
	procs = append(procs, proc{"PostgreSQL", postgresCluster})
	// The connections opened to the benchmark's database (by the API and the worker), as
	// PostgreSQL counts them (its statistics reach the view within a second or so).
	sessions := func() int64 {
		time.Sleep(1100 * time.Millisecond)
		var n int64
		_ = b.store.DB().GetContext(ctx, &n, `SELECT sessions FROM pg_stat_database WHERE datname = current_database()`)
		return n
	}
	// After each side's starts: until the worker has run every course's first steps (its first
	// save in the read model), so that this work counts as the side's and the next side does
	// not wait behind it.
	drain := func(side, from, to int) {
		ids := make([]string, 0, to-from)
		for i := from; i < to; i++ {
			if side < len(servers) {
				ids = append(ids, apiIDs[side][i])
			} else {
				ids = append(ids, bareInputs[i].CourseID)
			}
		}
		deadline := time.Now().Add(5 * time.Minute)
		for time.Now().Before(deadline) {
			var left int
			if err := b.store.DB().GetContext(ctx, &left, `SELECT $2::int - count(*) FROM courses WHERE id::text = ANY($1) AND revision >= 1`,
				pq.StringArray(ids), len(ids)); err != nil || left == 0 {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		fmt.Fprintln(b.progress, "drain: courses still without their first steps after 5 minutes")
	}
	fmt.Fprintln(b.progress, "starts...")
	if b.cfg.cpuProfile != "" {
		f, err := os.Create(b.cfg.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	startStats := alternateN(n, rounds, c, procs, sessions, drain, append(starts, startBare)...)

	fmt.Fprintln(b.progress, "steps...")
	m := min(b.cfg.steps, n)
	var updates, queries []func(int) error
	for k, srv := range servers {
		updates = append(updates, func(i int) error {
			return b.callAt(srv, benchLead.ID, "POST", "/api/v1/courses/"+apiIDs[k][i]+"/milestones",
				map[string]any{"outcome": "education", "date": today.Format(time.DateOnly)}, nil)
		})
		queries = append(queries, func(i int) error {
			return b.callAt(srv, benchLead.ID, "GET", "/api/v1/courses/"+apiIDs[k][i], nil, nil)
		})
	}
	updStats := alternateN(m, rounds, c, procs, sessions, nil, append(updates, func(i int) error {
		h, err := b.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: course.WorkflowID(bareInputs[i].CourseID),
			UpdateName: course.UpdateRecordMilestone, Args: []any{course.MilestoneRequest{Actor: benchLead, Outcome: domain.OutcomeEducation, Date: today}},
			WaitForStage: client.WorkflowUpdateStageCompleted})
		if err != nil {
			return err
		}
		return h.Get(ctx, nil)
	})...)
	qStats := alternateN(m, rounds, c, procs, sessions, nil, append(queries, func(i int) error {
		v, err := b.tc.QueryWorkflow(ctx, course.WorkflowID(bareInputs[i].CourseID), "", course.QueryState, course.StateQuery{})
		if err != nil {
			return err
		}
		var st course.State
		return v.Get(&st)
	})...)
	last := len(servers)
	apiStarts, bareStarts := startStats[0], startStats[last]
	apiUpd, bareUpd := updStats[0], updStats[last]
	apiQ, bareQ := qStats[0], qStats[last]

	b.report.section("Through the API against the bare SDK client")
	b.report.line("%d concurrent callers; each comparison in %d rounds that alternate which side goes first, each round after the machine has settled. "+
		"Target: starts at least 0.9 of the bare throughput, p99 within +10 ms.\n", c, rounds)
	var rows [][]string
	for _, cmp := range []struct {
		what     string
		api, sdk *stats
	}{
		{fmt.Sprintf("start a course (%d per side)", n), apiStarts, bareStarts},
		{fmt.Sprintf("a step: an Update (%d)", m), apiUpd, bareUpd},
		{fmt.Sprintf("a read: a query (%d)", m), apiQ, bareQ},
	} {
		rows = append(rows,
			[]string{cmp.what + ": throughput", fmt.Sprintf("%.0f/s", cmp.api.throughput()), fmt.Sprintf("%.0f/s", cmp.sdk.throughput()),
				fmt.Sprintf("%.2f", cmp.api.throughput()/cmp.sdk.throughput())},
			[]string{cmp.what + ": p50", ms(cmp.api.pct(0.5)), ms(cmp.sdk.pct(0.5)), delta(cmp.api.pct(0.5) - cmp.sdk.pct(0.5))},
			[]string{cmp.what + ": p99", ms(cmp.api.pct(0.99)), ms(cmp.sdk.pct(0.99)), delta(cmp.api.pct(0.99) - cmp.sdk.pct(0.99))})
		if cmp.api.errs+cmp.sdk.errs > 0 {
			rows = append(rows, []string{cmp.what + ": errors", fmt.Sprint(cmp.api.errs), fmt.Sprint(cmp.sdk.errs), ""})
		}
	}
	b.report.table([]string{"measure", "through the API", "bare SDK client", "API / bare"}, rows)
	for k, sd := range b.befores {
		b.report.line("The same rounds, with another side: %s.\n", sd.name)
		var rows [][]string
		for _, x := range []struct {
			what string
			st   []*stats
		}{{"start a course", startStats}, {"a step: an Update", updStats}, {"a read: a query", qStats}} {
			with, without, bare := x.st[0], x.st[k+1], x.st[last]
			rows = append(rows, []string{x.what, fmt.Sprintf("%.0f/s", without.throughput()), fmt.Sprintf("%.0f/s", with.throughput()),
				fmt.Sprintf("%.0f/s", bare.throughput()), fmt.Sprintf("%.2f", without.throughput()/bare.throughput()),
				fmt.Sprintf("%.2f", with.throughput()/bare.throughput()), fmt.Sprintf("%.2f", with.throughput()/without.throughput()),
				ms(without.pct(0.99)), ms(with.pct(0.99)), ms(bare.pct(0.99))})
		}
		b.report.table([]string{"measure", "without", "with", "bare", "without / bare", "with / bare", "with / without", "p99 without", "p99 with", "p99 bare"}, rows)
	}
	all := [][]*stats{startStats, updStats, qStats}
	var cpuRows [][]string
	for k, nm := range append(names, "bare SDK client") {
		for i, p := range procs {
			row := []string{nm, p.name}
			for _, st := range all {
				row = append(row, st[k].cpuPerCall(i))
			}
			cpuRows = append(cpuRows, row)
		}
		row := []string{nm, "PostgreSQL connections opened, per 100 calls"}
		for _, st := range all {
			row = append(row, fmt.Sprintf("%.1f", 100*float64(st[k].sessions)/float64(max(1, st[k].n()))))
		}
		cpuRows = append(cpuRows, row)
	}
	b.report.line("CPU time per call by process (user+system from /proc, 10 ms ticks; the bench process holds the API and all the callers; " +
		"PostgreSQL is every PostgreSQL process of the machine, TVP's database for the API and the worker, and Temporal's where it keeps its state there). " +
		"A start's figures include the worker's first steps of the course, which each side waits for before the next begins.\n")
	b.report.table([]string{"side", "CPU ms per call", "start a course", "a step: an Update", "a read: a query"}, cpuRows)
	return nil
}

// cprFor makes a distinct, well-formed CPR number for the i-th made-up citizen.
func cprFor(i int) string {
	d := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/9000)
	return fmt.Sprintf("%s-%04d", d.Format("020106"), 1000+i%9000)
}
