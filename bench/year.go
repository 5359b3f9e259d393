package main

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"
	"go.temporal.io/sdk/client"

	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/workflows/collab"
	"tvp/workflows/course"
)

// The municipality-year: yearCourses courses and yearPlans collaboration plans, referred
// evenly over the first quarter of a year that lasts cfg.year, every duration of the settings
// scaled by the same factor. Simulated people answer their reminders as caseworkers would (most
// at the first reminder, some at the second, a few not until it is escalated); at the end every
// reminder in the inbox is checked against what the workflows' histories say they raised.

// yearSim is the simulation's state.
type yearSim struct {
	b        *bench
	ctx      context.Context
	day      time.Duration
	team     domain.TeamSettings
	plans    domain.CollaborationSettings
	mu       sync.Mutex
	courses  map[string]*simCourse // by course id
	plansBy  map[string]*simPlan   // by plan id
	acted    map[string]bool       // occasions answered (key without count and recipient)
	seen     map[string]bool       // inbox keys seen
	stopped  atomic.Bool
	wg       sync.WaitGroup
	actions  atomic.Int64
	failures atomic.Int64
}

type simCourse struct {
	id, consultant string
	start          time.Time
	progK          int    // answers goal progression at this reminder
	ending         string // early, overdue, extend, escalate
	endK           int    // answers the overdue reminder at this one
}

type simPlan struct {
	id, coordinator string
	scheduleK       int
	meetingAt       map[int]time.Time // meeting seq -> the time set
	notHeldOnce     bool              // the first meeting is recorded as not held (rescheduled)
}

var (
	benchConsultants = []string{"konsulent.anna", "konsulent.bilal", "konsulent.cecilie", "konsulent.dennis"}
	benchLead        = demo.Actor("leder.ulla")
	benchSteering    = demo.Actor("styregruppe.dorte")
	benchCoordinator = []string{"tovholder.ida", "tovholder.nina"}
	benchCaseworker  = demo.Actor("koordinator.jonas")
)

func (b *bench) municipalityYear(ctx context.Context) error {
	// A fresh worker: the scale phase's 10,000 courses sleep on timers months away.
	if b.worker != nil {
		if err := b.worker.stop(); err != nil {
			return err
		}
		b.worker = nil
	}
	if err := b.ensureWorker(ctx); err != nil {
		return err
	}
	waitIdle()
	year := b.cfg.year
	factor := float64(year) / float64(domain.Days(365).D())
	scale := func(d domain.Duration) domain.Duration { return domain.Duration(time.Duration(float64(d) * factor)) }
	// A year's periods, scaled to exact lengths (the calendar does not scale).
	scaleP := func(p domain.Period) domain.Period {
		return domain.ExactPeriod(scale(domain.Duration(p.Exactly())).D())
	}
	ts := b.team.Settings
	ts.CourseLength, ts.ProgressionInterval, ts.EndReminderLead = scaleP(ts.CourseLength), scaleP(ts.ProgressionInterval), scale(ts.EndReminderLead)
	ts.ReminderInterval, ts.EscalateAfter, ts.MaxExtension = scale(ts.ReminderInterval), scale(ts.EscalateAfter), scaleP(ts.MaxExtension)
	cs := domain.DefaultCollaborationSettings()
	cs.FirstMeetingWithin, cs.InvitationLead, cs.ReminderInterval = scale(cs.FirstMeetingWithin), scale(cs.InvitationLead), scale(cs.ReminderInterval)
	cs.MeetingGrace, cs.RunLength = scale(cs.MeetingGrace), scale(cs.RunLength)
	cs.MinutesDueWorkingDays = 0 // working days do not scale: the minutes are due when the meeting is recorded
	y := &yearSim{b: b, ctx: ctx, day: scale(domain.Days(1)).D(), team: ts, plans: cs,
		courses: map[string]*simCourse{}, plansBy: map[string]*simPlan{}, acted: map[string]bool{}, seen: map[string]bool{}}

	nc, np := b.cfg.yearCourses, b.cfg.yearPlans
	rng := rand.New(rand.NewPCG(1, 2))
	citizens := make([]string, nc+np)
	for i := range citizens {
		citizens[i] = uuid.NewString()
	}
	if _, err := b.store.DB().ExecContext(ctx, `INSERT INTO citizens (id, name) SELECT unnest($1::uuid[]), 'Bench'`, pq.StringArray(citizens)); err != nil {
		return fmt.Errorf("citizens: %w", err)
	}
	type referral struct {
		at     time.Duration
		course *simCourse
		plan   *simPlan
		cid    string
	}
	spread := year / 4
	refs := make([]referral, 0, nc+np)
	for i := range nc {
		c := &simCourse{id: uuid.NewString(), consultant: benchConsultants[i%len(benchConsultants)], progK: 1, endK: 1}
		if rng.IntN(5) == 0 {
			c.progK = 2
		}
		switch r := rng.IntN(100); {
		case r < 60:
			c.ending = "early"
		case r < 80:
			c.ending, c.endK = "overdue", 1+rng.IntN(2)
		case r < 90:
			c.ending = "extend"
		default:
			c.ending = "escalate"
		}
		y.courses[c.id] = c
		refs = append(refs, referral{at: time.Duration(rng.Int64N(int64(spread))), course: c, cid: citizens[i]})
	}
	for i := range np {
		p := &simPlan{id: uuid.NewString(), coordinator: benchCoordinator[i%2], scheduleK: 1, meetingAt: map[int]time.Time{}, notHeldOnce: rng.IntN(20) == 0}
		if rng.IntN(5) == 0 {
			p.scheduleK = 2
		}
		y.plansBy[p.id] = p
		refs = append(refs, referral{at: time.Duration(rng.Int64N(int64(spread))), plan: p, cid: citizens[nc+i]})
	}
	// Refer each when its time comes.
	slices.SortFunc(refs, func(a, b referral) int { return cmp.Compare(a.at, b.at) })

	fmt.Fprintf(b.progress, "a year of %s: %d courses and %d plans referred over %s (a day is %s)...\n", year, nc, np, spread, y.day.Round(time.Millisecond))
	pollDone := make(chan struct{})
	go y.poll(pollDone)
	begin := time.Now()
	var startErrs atomic.Int64
	var starts sync.WaitGroup
	for _, r := range refs {
		time.Sleep(time.Until(begin.Add(r.at)))
		starts.Add(1)
		go func() {
			defer starts.Done()
			if err := y.refer(r.course, r.plan, r.cid); err != nil {
				if startErrs.Add(1) <= 3 {
					fmt.Fprintln(os.Stderr, "refer:", err)
				}
			}
		}()
	}
	starts.Wait()
	// The last referral's course runs a year, may be extended (60 days) or escalated (14 days
	// past its end): the horizon covers it.
	horizon := spread + year + 80*y.day
	for time.Since(begin) < horizon {
		time.Sleep(5 * time.Second)
		fmt.Fprintf(b.progress, "  %s of %s: %d answers, %d failed\n", time.Since(begin).Round(time.Second), horizon.Round(time.Second), y.actions.Load(), y.failures.Load())
	}
	// The year is over: the people stop answering, and once their last answers are in, the
	// worker stops, so that the histories and the inbox hold still while they are compared.
	y.stopped.Store(true)
	y.wg.Wait()
	close(pollDone)
	if err := b.worker.stop(); err != nil {
		return err
	}
	b.worker = nil
	return y.verify(startErrs.Load())
}

// refer starts a course or a plan through the client, as the API would.
func (y *yearSim) refer(c *simCourse, p *simPlan, citizen string) error {
	ctx, b := y.ctx, y.b
	if c != nil {
		c.start = time.Now()
		_, err := b.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: course.WorkflowID(c.id), TaskQueue: b.queue}, course.CourseWorkflow,
			course.Input{CourseID: c.id, TeamID: "ungeteam", Kind: domain.TargetYoung, CitizenIDs: []string{citizen},
				ConsultantIDs: []string{c.consultant}, StartDate: c.start, Goals: []course.Goal{{ID: "g1", Text: "Uddannelse"}},
				Settings: y.team, ReferredBy: c.consultant})
		return err
	}
	_, err := b.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: collab.WorkflowID(p.id), TaskQueue: b.queue}, collab.CollaborationWorkflow,
		collab.Input{PlanID: p.id, CitizenID: citizen, CoordinatorID: p.coordinator, CoordinatingCaseworkerID: benchCaseworker.ID,
			Caseworkers: []collab.Caseworker{{StaffID: "sagsbehandler.lise", Centre: domain.CentreChildren}, {StaffID: "sagsbehandler.mads", Centre: domain.CentreHealth}},
			EnrolledBy:  benchCaseworker.ID, Settings: y.plans})
	if err != nil {
		return err
	}
	// The citizen consents at the first talk.
	return y.update(collab.WorkflowID(p.id), collab.UpdateRecordConsent, collab.ConsentRequest{Actor: benchCaseworker, Scope: "deling mellem centrene", Date: time.Now()})
}

// update runs one Update and waits for its result.
func (y *yearSim) update(workflowID, name string, arg any) error {
	h, err := y.b.tc.UpdateWorkflow(y.ctx, client.UpdateWorkflowOptions{WorkflowID: workflowID, UpdateName: name, Args: []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		return err
	}
	return h.Get(y.ctx, nil)
}

// inboxItem is a reminder as the simulated people read their inbox.
type inboxItem struct {
	Key       string              `db:"key"`
	Kind      domain.ReminderKind `db:"kind"`
	SubjectID string              `db:"subject_id"`
	Recipient string              `db:"recipient_id"`
	StoredAt  time.Time           `db:"stored_at"`
}

// poll reads new inbox items every 200 ms and hands each to the person it is for.
func (y *yearSim) poll(done chan struct{}) {
	since := time.Now().Add(-time.Minute)
	for {
		select {
		case <-done:
			return
		case <-time.After(200 * time.Millisecond):
		}
		var items []inboxItem
		err := y.b.store.DB().SelectContext(y.ctx, &items, `
			SELECT key, kind, subject_id, recipient_id, stored_at FROM reminders WHERE stored_at > $1 ORDER BY stored_at`, since)
		if err != nil {
			fmt.Fprintln(os.Stderr, "poll inbox:", err)
			continue
		}
		for _, it := range items {
			// Items commit moments after their stored_at: read a few seconds back each time.
			if t := it.StoredAt.Add(-5 * time.Second); t.After(since) {
				since = t
			}
			y.mu.Lock()
			isNew := !y.seen[it.Key]
			y.seen[it.Key] = true
			y.mu.Unlock()
			if isNew && !y.stopped.Load() {
				y.handle(it)
			}
		}
	}
}

// occasionOf splits an inbox key into its occasion and the reminder's number (1 if the
// occasion is reminded once).
func occasionOf(key string) (occasion string, n int) {
	segs := strings.Split(key, "/")
	if len(segs) >= 3 {
		if n, err := strconv.Atoi(segs[len(segs)-2]); err == nil {
			return strings.Join(segs[:len(segs)-2], "/"), n
		}
	}
	return strings.Join(segs[:len(segs)-1], "/"), 1
}

// handle decides what the recipient of a reminder does, and does it after a moment's thought.
func (y *yearSim) handle(it inboxItem) {
	occ, n := occasionOf(it.Key)
	y.mu.Lock()
	c, p := y.courses[it.SubjectID], y.plansBy[it.SubjectID]
	if (c == nil && p == nil) || y.acted[occ] {
		y.mu.Unlock()
		return
	}
	var act func() error
	if c != nil {
		act = y.courseAction(c, it, n)
	} else {
		act = y.planAction(p, it, occ, n)
	}
	if act != nil {
		y.acted[occ] = true
	}
	y.mu.Unlock()
	if act == nil {
		return
	}
	y.wg.Add(1)
	go func() {
		defer y.wg.Done()
		time.Sleep(time.Duration(rand.Int64N(int64(y.day)))) // within a (scaled) day
		if err := act(); err != nil {
			if y.failures.Add(1) <= 5 {
				fmt.Fprintf(os.Stderr, "answer %s: %v\n", it.Key, err)
			}
			return
		}
		y.actions.Add(1)
	}()
}

func (y *yearSim) courseAction(c *simCourse, it inboxItem, n int) func() error {
	wid := course.WorkflowID(c.id)
	me := demo.Actor(c.consultant)
	closeAs := func(by domain.Actor, outcome domain.Outcome) func() error {
		return func() error {
			return y.update(wid, course.UpdateClose, course.CloseRequest{Actor: by, Outcome: outcome, Date: time.Now(), Note: "Afsluttet"})
		}
	}
	switch {
	case it.Kind == domain.ReminderProgressionDue && n == c.progK:
		return func() error {
			return y.update(wid, course.UpdateRecordProgression, course.ProgressionRequest{Actor: me,
				Scores: []course.GoalScore{{GoalID: "g1", Score: 1 + rand.IntN(10)}}, Note: "Status"})
		}
	case it.Kind == domain.ReminderEndApproaching && it.Recipient == c.consultant && (c.ending == "early" || c.ending == "extended"):
		return func() error { // the outcome comes a few weeks before the end
			time.Sleep(time.Duration(20+rand.IntN(20)) * y.day)
			return closeAs(me, domain.OutcomeEducation)()
		}
	case it.Kind == domain.ReminderEndApproaching && it.Recipient == c.consultant && c.ending == "extend":
		c.ending = "extended"
		end := y.team.CourseLength.After(c.start)
		return func() error {
			return y.update(wid, course.UpdateRequestExtension, course.ExtensionRequest{Actor: me, Reason: "Mangler afslutning", NewEnd: end.Add(60 * y.day)})
		}
	case it.Kind == domain.ReminderExtensionDecision:
		return func() error {
			return y.update(wid, course.UpdateDecideExtension, course.DecisionRequest{Actor: benchSteering, Approve: true, Reason: "Godkendt", Sequence: 1})
		}
	case it.Kind == domain.ReminderEndOverdue && c.ending == "overdue" && n == c.endK:
		return closeAs(me, domain.OutcomeEmployment)
	case it.Kind == domain.ReminderEndEscalated && c.ending == "escalate":
		return closeAs(benchLead, domain.OutcomeHandedBack)
	}
	return nil
}

func (y *yearSim) planAction(p *simPlan, it inboxItem, occ string, n int) func() error {
	wid := collab.WorkflowID(p.id)
	segs := strings.Split(occ, "/") // collab-ID/kind/seq/due
	seq, _ := strconv.Atoi(segs[min(2, len(segs)-1)])
	coordinator := demo.Actor(it.Recipient)
	goals := []domain.FormGoal{{Goal: "Fast bolig", Agreements: []domain.Agreement{{Text: "Søge bolig", Responsible: "koordinator.jonas"}}}}
	switch {
	case it.Kind == domain.ReminderScheduleMeeting && n >= p.scheduleK:
		at := time.Now().Add(y.plans.InvitationLead.D() + time.Duration(3+rand.IntN(8))*y.day)
		p.meetingAt[seq] = at
		return func() error {
			return y.update(wid, collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: coordinator, At: at})
		}
	case it.Kind == domain.ReminderSendInvitation:
		return func() error {
			return y.update(wid, collab.UpdateRecordInvitation, collab.InvitationRequest{Actor: coordinator})
		}
	case it.Kind == domain.ReminderRecordMeeting && p.notHeldOnce:
		p.notHeldOnce = false
		return func() error {
			return y.update(wid, collab.UpdateRecordNotHeld, collab.NotHeldRequest{Actor: coordinator, Reason: "Borgeren var syg"})
		}
	case it.Kind == domain.ReminderRecordMeeting:
		held, ok := p.meetingAt[seq]
		if !ok {
			held = time.Now().Add(-y.day)
		}
		return func() error {
			return y.update(wid, collab.UpdateRecordMeeting, collab.MeetingRequest{Actor: coordinator, HeldAt: held, CitizenPresent: true,
				Attendees: []string{coordinator.ID, benchCaseworker.ID}, Goals: goals, Summary: "Planen er opdateret"})
		}
	case it.Kind == domain.ReminderMinutesDue:
		return func() error {
			return y.update(wid, collab.UpdateRecordMinutes, collab.MinutesRequest{Actor: coordinator, MeetingSeq: seq, Minutes: "Referat"})
		}
	case it.Kind == domain.ReminderCitizenMeeting:
		return func() error {
			return y.update(wid, collab.UpdateRecordCitizenMeeting, collab.CitizenMeetingRequest{Actor: benchCaseworker, HeldAt: time.Now(), Note: "Opfølgning"})
		}
	}
	return nil
}
