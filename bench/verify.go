package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"
	enumspb "go.temporal.io/api/enums/v1"

	"tvp/activities"
	"tvp/workflows/collab"
	"tvp/workflows/course"
)

// raised is what one workflow's histories (every run) say it raised.
type raised struct {
	occasions map[string]int // RaiseReminder's key -> times completed
	items     []string       // the inbox keys the completed raises made (key/recipient)
	pending   []string       // the keys of raises scheduled, not completed (the worker stopped)
	runs      int
	err       error
}

// raise records one completed raise of an occasion.
func (r *raised) raise(key string, recipients []string) {
	r.occasions[key]++
	for _, to := range recipients {
		r.items = append(r.items, key+"/"+to)
	}
}

// history reads every run of a workflow, newest first, following continue-as-new back.
func (y *yearSim) history(workflowID string) raised {
	out := raised{occasions: map[string]int{}}
	runID := ""
	for {
		out.runs++
		it := y.b.tc.GetWorkflowHistory(y.ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		scheduled := map[int64]activities.RaiseReminderInput{}
		previous := ""
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				out.err = fmt.Errorf("history of %s: %w", workflowID, err)
				return out
			}
			switch ev.GetEventType() {
			case enumspb.EVENT_TYPE_MARKER_RECORDED: // a local activity: its result names the occasion
				a := ev.GetMarkerRecordedEventAttributes()
				if a.GetMarkerName() != "LocalActivity" || a.GetFailure() != nil {
					continue
				}
				var data struct{ ActivityType string }
				if err := y.b.dc.FromPayloads(a.GetDetails()["data"], &data); err != nil {
					out.err = fmt.Errorf("decode a local activity of %s: %w", workflowID, err)
					return out
				}
				if data.ActivityType != "RaiseReminder" {
					continue
				}
				var res activities.RaiseReminderResult
				if err := y.b.dc.FromPayloads(a.GetDetails()["result"], &res); err != nil {
					out.err = fmt.Errorf("decode a raise's result in %s: %w", workflowID, err)
					return out
				}
				out.raise(res.Key, res.Recipients)
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
				previous = ev.GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				a := ev.GetActivityTaskScheduledEventAttributes()
				if a.GetActivityType().GetName() != "RaiseReminder" {
					continue
				}
				var in activities.RaiseReminderInput
				if err := y.b.dc.FromPayloads(a.GetInput(), &in); err != nil {
					out.err = fmt.Errorf("decode a raise of %s: %w", workflowID, err)
					return out
				}
				scheduled[ev.GetEventId()] = in
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
				a := ev.GetActivityTaskCompletedEventAttributes()
				in, ok := scheduled[a.GetScheduledEventId()]
				if !ok {
					continue
				}
				delete(scheduled, a.GetScheduledEventId())
				var res activities.RaiseReminderResult
				if err := y.b.dc.FromPayloads(a.GetResult(), &res); err != nil {
					out.err = fmt.Errorf("decode a raise's result in %s: %w", workflowID, err)
					return out
				}
				out.raise(in.Key, res.Recipients)
			}
		}
		for _, in := range scheduled {
			out.pending = append(out.pending, in.Key)
		}
		if previous == "" {
			return out
		}
		runID = previous
	}
}

// inboxRow is a reminder as the verification reads it.
type inboxRow struct {
	Key          string     `db:"key"`
	Kind         string     `db:"kind"`
	ScheduledFor *time.Time `db:"scheduled_for"`
	StoredAt     time.Time  `db:"stored_at"`
}

// verify checks every inbox item of the year against the workflows' histories, and reports
// how late the reminders were.
func (y *yearSim) verify(startErrs int64) error {
	var ids, wids []string
	for id := range y.courses {
		ids, wids = append(ids, id), append(wids, course.WorkflowID(id))
	}
	for id := range y.plansBy {
		ids, wids = append(ids, id), append(wids, collab.WorkflowID(id))
	}
	fmt.Fprintf(y.b.progress, "reading %d histories...\n", len(wids))
	results := make([]raised, len(wids))
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				results[i] = y.history(wids[i])
			}
		})
	}
	for i := range wids {
		next <- i
	}
	close(next)
	wg.Wait()

	expected := map[string]bool{}
	pending := map[string]bool{}
	raises, twice, continued := 0, 0, 0
	for _, r := range results {
		if r.err != nil {
			return r.err
		}
		for _, n := range r.occasions {
			raises += n
			if n > 1 {
				twice++
			}
		}
		for _, k := range r.items {
			expected[k] = true
		}
		for _, k := range r.pending {
			pending[k] = true
		}
		if r.runs > 1 {
			continued++
		}
	}
	var rows []inboxRow
	if err := y.b.store.DB().SelectContext(y.ctx, &rows, `
		SELECT key, kind, scheduled_for, stored_at FROM reminders WHERE subject_id = ANY($1)`, pq.StringArray(ids)); err != nil {
		return fmt.Errorf("read the inbox: %w", err)
	}
	found := map[string]bool{}
	unexpected, inFlight, unscheduled := 0, 0, 0
	var late []time.Duration
	byKind := map[string]int{}
	for _, r := range rows {
		found[r.Key] = true
		byKind[r.Kind]++
		if !expected[r.Key] {
			if pending[r.Key[:max(0, strings.LastIndex(r.Key, "/"))]] { // the key is the occasion's, then /recipient
				inFlight++
			} else {
				unexpected++
			}
		}
		if r.ScheduledFor == nil {
			unscheduled++
			continue
		}
		late = append(late, r.StoredAt.Sub(*r.ScheduledFor))
	}
	missing := 0
	for k := range expected {
		if !found[k] {
			missing++
		}
	}
	slices.Sort(late)
	q := func(p float64) time.Duration {
		if len(late) == 0 {
			return 0
		}
		return late[max(0, min(len(late)-1, int(p*float64(len(late))+0.5)-1))]
	}
	kinds := make([]string, 0, len(byKind))
	for k, n := range byKind {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)

	b := y.b
	b.report.section(fmt.Sprintf("A municipality-year: %d courses and %d collaboration plans", len(y.courses), len(y.plansBy)))
	b.report.line("The year lasts %s (a day is %s): every duration of the settings is scaled by the same factor, and the minutes are due when a meeting is recorded "+
		"(working days do not scale). Referrals arrive evenly over the first quarter. Simulated people answer their reminders within a (scaled) day: "+
		"most at the first reminder, a fifth at the second; 60%% of the courses close a few weeks before their end, 20%% when overdue, 10%% after an extension "+
		"approved by the steering group, 10%% only after the team lead is told; one plan in twenty has a meeting that is not held and is rescheduled. "+
		"Lateness is the time from when an occasion was due to fire (its timer) until its item was in the inbox; the check compares every inbox item "+
		"with what the workflows' histories (every run) say was raised. Target: lateness p99 under 1 s, none lost, none doubled.\n",
		b.cfg.year, y.day.Round(time.Millisecond))
	b.report.table([]string{"measure", "value"}, [][]string{
		{"reminders in the inbox", fmt.Sprint(len(rows))},
		{"by kind", strings.Join(kinds, ", ")},
		{"raised according to the histories (items)", fmt.Sprintf("%d occasions, %d items", raises, len(expected))},
		{"lost: raised, not in the inbox", fmt.Sprint(missing)},
		{"doubled: an occasion raised twice", fmt.Sprint(twice)},
		{"in the inbox without a raise in any history", fmt.Sprint(unexpected)},
		{"raises in flight when the worker stopped (scheduled, not completed; items already in the inbox)", fmt.Sprintf("%d (%d)", len(pending), inFlight)},
		{"items without a scheduled time", fmt.Sprint(unscheduled)},
		{"lateness p50", ms(q(0.5))},
		{"lateness p99", ms(q(0.99))},
		{"lateness p99.9", ms(q(0.999))},
		{"lateness max", ms(q(1))},
		{"lateness min (negative: early)", ms(q(0))},
		{"answers by the simulated people (failed)", fmt.Sprintf("%d (%d)", y.actions.Load(), y.failures.Load())},
		{"plans continued as new after their year", fmt.Sprint(continued)},
		{"referrals that failed to start", fmt.Sprint(startErrs)},
		{"the server's timer queue: mitigations taken by its monitor", timerQueueActions()},
	})
	return nil
}

// timerQueueActions reads, from the server's metrics (TVP_BENCH_TEMPORAL_METRICS), what
// its queue monitor did to the timer queue (a reader taken for stuck delays due timers).
func timerQueueActions() string {
	addr := os.Getenv("TVP_BENCH_TEMPORAL_METRICS")
	if addr == "" {
		return "(not read)"
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return "(not read: " + err.Error() + ")"
	}
	defer resp.Body.Close()
	var out []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "queue_actions{") || !strings.Contains(line, `operation="TimerQueueProcessor"`) {
			continue
		}
		_, rest, _ := strings.Cut(line, `queue_action="`)
		action, _, _ := strings.Cut(rest, `"`)
		fields := strings.Fields(line)
		out = append(out, action+" "+fields[len(fields)-1])
	}
	if len(out) == 0 {
		return "none"
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
