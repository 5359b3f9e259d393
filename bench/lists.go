package main

import (
	"context"
	"fmt"
	"time"

	"tvp/store"
)

// lists measures the list endpoints over a read model with listRows courses and plans: one
// caller (what a caseworker waits) and the full concurrency (the API under load).
func (b *bench) lists(ctx context.Context) error {
	fmt.Fprintln(b.progress, "filling the read model...")
	if err := fillReadModel(ctx, b.store, b.cfg.listRows); err != nil {
		return err
	}
	due := time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly)
	lists := []struct{ name, path string }{
		{"courses of a team", "/api/v1/courses?team=ungeteam&limit=50"},
		{"courses in a phase, due before", "/api/v1/courses?phase=active&due_before=" + due + "&limit=50"},
		{"courses of a consultant", "/api/v1/courses?consultant=konsulent.bilal&limit=50"},
		{"plans of a coordinator", "/api/v1/plans?coordinator=tovholder.nina&limit=50"},
		{"plans due before", "/api/v1/plans?due_before=" + due + "&limit=50"},
	}
	var rows [][]string
	for _, l := range lists {
		fmt.Fprintln(b.progress, l.name+"...")
		call := func(int) error { return b.call("admin", "GET", l.path, nil, nil) }
		waitIdle()
		one := measure(0, b.cfg.listCalls, 1, call)
		waitIdle()
		many := measure(0, b.cfg.listCalls, b.cfg.concurrency, call)
		rows = append(rows, []string{l.name, ms(one.pct(0.5)), ms(one.pct(0.99)), ms(many.pct(0.5)), ms(many.pct(0.99)),
			fmt.Sprintf("%.2f", many.throughput()/one.throughput()), fmt.Sprint(one.errs + many.errs)})
	}
	b.report.section(fmt.Sprintf("Lists from the read model (%d courses, %d plans)", b.cfg.listRows, b.cfg.listRows))
	b.report.line("A page of 50, %d calls per list: by one caller, then by %d at once. Target: p99 under 50 ms. "+
		"The last ratio is the throughput of %d callers against one.\n", b.cfg.listCalls, b.cfg.concurrency, b.cfg.concurrency)
	b.report.table([]string{"list", "p50, 1 caller", "p99, 1 caller", fmt.Sprintf("p50, %d callers", b.cfg.concurrency),
		fmt.Sprintf("p99, %d callers", b.cfg.concurrency), "throughput ratio", "errors"}, rows)
	return nil
}

// fillReadModel writes n courses and n plans straight into the read model.
func fillReadModel(ctx context.Context, s *store.Store, n int) error {
	_, err := s.DB().ExecContext(ctx, `
		INSERT INTO courses (id, workflow_id, team_id, kind, phase, start_date, planned_end, next_deadline, referred_by, revision, created_at)
		SELECT id, 'course-' || id, CASE WHEN g % 2 = 0 THEN 'ungeteam' ELSE 'familieteam' END,
			CASE WHEN g % 2 = 0 THEN 'young' ELSE 'family' END,
			(ARRAY['active','active','active','awaiting_decision','extension_pending','closed'])[1 + g % 6],
			current_date - (g % 700), current_date - (g % 700) + 365, now() + (g % 400) * interval '1 day',
			'leder.ulla', 1, now() - g * interval '1 minute'
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
			next_deadline, revision, created_at)
		SELECT p, 'collab-' || p, c.id, CASE WHEN random() < 0.5 THEN 'tovholder.ida' ELSE 'tovholder.nina' END, 'koordinator.jonas',
			'active', now() + (random() * 400) * interval '1 day', 1, now() - random() * interval '700 days'
		FROM (SELECT id, gen_random_uuid() AS p FROM c) c`, n)
	if err != nil {
		return fmt.Errorf("fill plans: %w", err)
	}
	_, err = s.DB().ExecContext(ctx, `ANALYZE`)
	return err
}
