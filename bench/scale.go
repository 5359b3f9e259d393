package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"
	"go.temporal.io/sdk/client"

	"tvp/domain"
	"tvp/workflows/course"
)

// scale starts scaleCourses courses on a fresh worker process with a bounded workflow cache
// and reports the worker's memory against its own idle baseline, and the time to start them.
func (b *bench) scale(ctx context.Context) error {
	if b.worker != nil {
		if err := b.worker.stop(); err != nil {
			return err
		}
		b.worker = nil
	}
	waitIdle()
	if err := b.ensureWorker(ctx); err != nil {
		return err
	}
	time.Sleep(2 * time.Second) // the worker's pollers settle
	idle, _, err := b.worker.memory()
	if err != nil {
		return err
	}
	n, c := b.cfg.scaleCourses, b.cfg.concurrency
	ids, citizens := make([]string, n), make([]string, n)
	for i := range ids {
		ids[i], citizens[i] = uuid.NewString(), uuid.NewString()
	}
	if _, err := b.store.DB().ExecContext(ctx, `INSERT INTO citizens (id, name) SELECT unnest($1::uuid[]), 'Bench'`, pq.StringArray(citizens)); err != nil {
		return fmt.Errorf("citizens: %w", err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	fmt.Fprintf(b.progress, "starting %d courses...\n", n)
	start := time.Now()
	st := measure(0, n, c, func(i int) error {
		_, err := b.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: course.WorkflowID(ids[i]), TaskQueue: b.queue}, course.CourseWorkflow,
			course.Input{CourseID: ids[i], TeamID: "ungeteam", Kind: domain.TargetYoung, CitizenIDs: []string{citizens[i]},
				ConsultantIDs: []string{"konsulent.bilal"}, StartDate: today, Goals: []course.Goal{{ID: "g1", Text: "Uddannelse"}},
				Settings: b.team.Settings, ReferredBy: "konsulent.bilal"})
		return err
	})
	// Started is not running: wait until every course has run its first steps and written
	// its row in the read model.
	var running int
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if err := b.store.DB().GetContext(ctx, &running, `SELECT count(*) FROM courses WHERE id = ANY($1::uuid[]) AND revision > 0`, pq.StringArray(ids)); err != nil {
			return err
		}
		if running == n {
			break
		}
	}
	allRunning := time.Since(start)
	if running != n {
		return fmt.Errorf("only %d of %d courses ran within 10 minutes", running, n)
	}
	waitIdle()
	rss, peak, err := b.worker.memory()
	if err != nil {
		return err
	}
	// A sample of courses, most of them no longer in the worker's cache, answer a query by
	// replaying their history.
	sample := make([]string, 200)
	for i := range sample {
		sample[i] = ids[rand.IntN(n)]
	}
	q := measure(0, len(sample), 8, func(i int) error {
		v, err := b.tc.QueryWorkflow(ctx, course.WorkflowID(sample[i]), "", course.QueryState, course.StateQuery{})
		if err != nil {
			return err
		}
		var s course.State
		return v.Get(&s)
	})
	rssAfter, _, err := b.worker.memory()
	if err != nil {
		return err
	}

	b.report.section(fmt.Sprintf("The worker with %d open courses", n))
	b.report.line("A fresh worker process with a workflow cache of %d (TVP_WORKER_CACHE_SIZE); the courses started through the bare client by %d callers.\n", b.cfg.cacheSize, c)
	b.report.table([]string{"measure", "value", "against the baseline"}, [][]string{
		{"worker RSS, idle (the baseline)", mib(idle), "1.00"},
		{fmt.Sprintf("worker RSS with %d open courses", n), mib(rss), fmt.Sprintf("%.2f", float64(rss)/float64(idle))},
		{"worker RSS at its peak", mib(peak), fmt.Sprintf("%.2f", float64(peak)/float64(idle))},
		{"memory per open course", fmt.Sprintf("%.1f KiB", float64(rss-idle)/float64(n)), ""},
		{fmt.Sprintf("starting %d courses (calls)", n), fmt.Sprintf("%.1f s, %.0f/s, p99 %s", st.elapsed.Seconds(), st.throughput(), ms(st.pct(0.99))), ""},
		{"until every course ran its first steps", fmt.Sprintf("%.1f s, %.0f/s", allRunning.Seconds(), float64(n)/allRunning.Seconds()), ""},
		{"a query to 200 random courses (most replayed from history)", fmt.Sprintf("p50 %s, p99 %s", ms(q.pct(0.5)), ms(q.pct(0.99))), ""},
		{"worker RSS after those queries", mib(rssAfter), fmt.Sprintf("%.2f", float64(rssAfter)/float64(idle))},
	})
	if st.errs+q.errs > 0 {
		b.report.line("Errors: %d starts, %d queries.\n", st.errs, q.errs)
	}
	return nil
}
