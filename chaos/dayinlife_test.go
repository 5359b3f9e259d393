package chaos_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"tvp/domain"
	"tvp/internal/testing/testenv"
	"tvp/workflows/collab"
	"tvp/workflows/course"
	"tvp/workflows/effects"
)

// A day in the life (months, scaled into minutes): a seeded, reproducible generator drives
// many courses and plans through random valid and invalid steps over the HTTP API, several at
// once on the same workflow (pauses during extensions, moved meetings, double closes, repeated
// idempotency keys, NUL and oversized text), with the worker killed and restarted in the
// middle. At the end it checks that no workflow failed; that the read model equals each
// workflow's queried state; that each accepted step has exactly one audit row per citizen; that
// nothing answered 500; and that every reminder raised is done, or open for the right person.
// A failure names the seed: TVP_DAY_SEED=<seed> runs the same day again.
func TestDayInTheLife(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("TVP_DAY_SEED"); v != "" {
		var err error
		seed, err = strconv.ParseUint(v, 10, 64)
		require.NoError(t, err)
	}
	var sys *system
	t.Cleanup(func() {
		if t.Failed() {
			if sys != nil && sys.worker != nil {
				logs := sys.worker.stderr.String()
				t.Logf("the worker's last words:\n%s", logs[max(0, len(logs)-8000):])
			}
			t.Logf("the day's seed: TVP_DAY_SEED=%d", seed)
		}
	})
	cfg := dayConfig{courses: 10, plans: 6, runFor: 75 * time.Second, day: 200 * time.Millisecond, parallel: 4}
	if !short() {
		cfg = dayConfig{courses: 40, plans: 24, runFor: 8 * time.Minute, day: time.Second, parallel: 6}
	}
	sys = startSystem(t, "", nil)
	d := newDay(t, sys, seed, cfg)
	d.setUp()
	d.live()
	d.quiesce()
	d.check()
	note("day in the life (seed %d): %d courses and %d plans (%d and %d at a time), %d steps sent and %d inbox requests (answers: %d accepted, %d refused, %d unanswered in time), %d bad inputs, %d concurrent bursts, %d repeated keys, worker restarts %d; every invariant held: %v; refusals by status and code: %s",
		seed, len(d.courses), len(d.plans), d.cfg.courses, d.cfg.plans, d.sent.Load(), d.inbox.Load(), d.accepted.Load(), d.refused.Load(), d.lost.Load(), d.bad.Load(), d.bursts.Load(), d.repeats.Load(), d.restarts.Load(), !t.Failed(), d.topRefusals(8))
}

type dayConfig struct {
	courses, plans int
	runFor, day    time.Duration // how long the day lasts; one day of the programme
	parallel       int           // steps in flight at once
}

type dayCourse struct {
	id, consultant, team string
	citizens             int
}

type dayPlan struct {
	id string
}

type day struct {
	t   *testing.T
	sys *system
	cfg dayConfig

	mu  sync.Mutex
	rnd *rand.Rand

	// courses and plans are every one the day has made; active and activePlans those it
	// lives with now (one that ends is replaced by a new referral or enrolment).
	courses, active    []*dayCourse
	plans, activePlans []*dayPlan
	citizenSeq         atomic.Int64
	// steps counts the steps accepted per subject and audit action (not the replays); maybe
	// those whose answer was lost (503 or 504 while the worker was down: applied or not).
	steps, maybe map[string]int
	// refusals counts the steps refused, by status and problem code.
	refusals map[string]int
	// keys are idempotency keys used, with their request, to be sent again.
	keys []keyedRequest

	sent, inbox, accepted, refused, bad, bursts, repeats, restarts atomic.Int64
	status5xx, lost                                                atomic.Int64
	failures                                                       []string
}

type keyedRequest struct {
	user, key, method, path string
	body                    any
}

func newDay(t *testing.T, sys *system, seed uint64, cfg dayConfig) *day {
	return &day{t: t, sys: sys, cfg: cfg, rnd: rand.New(rand.NewPCG(seed, seed^0x5eed)), steps: map[string]int{}, maybe: map[string]int{}, refusals: map[string]int{}}
}

func (d *day) intn(n int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rnd.IntN(n)
}

func (d *day) chance(p float64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rnd.Float64() < p
}

func (d *day) days(n float64) time.Duration { return time.Duration(n * float64(d.cfg.day)) }

// setUp scales the teams' and the collaboration model's settings (a year lasts 365 days of
// cfg.day) and refers and enrols the day's citizens.
func (d *day) setUp() {
	t, ctx := d.t, context.Background()
	now := time.Now().UTC()
	since := now.Sub(now.Truncate(24 * time.Hour)) // a course starts at midnight of its start date
	for _, id := range []string{"ungeteam", "familieteam"} {
		team, err := d.sys.store.GetTeam(ctx, id)
		require.NoError(t, err)
		s := &team.Settings
		s.CourseLength = domain.ExactPeriod(since + d.days(365))
		s.ProgressionInterval = domain.ExactPeriod(since + d.days(60))
		s.EndReminderLead = domain.Duration(d.days(60))
		s.ReminderInterval = domain.Duration(d.days(7))
		s.EscalateAfter = domain.Duration(d.days(14))
		s.MaxExtension = domain.DaysPeriod(400) // an extension is asked to a date (a day's granularity)
		s.CaseloadMax, s.CaseloadMin = 40, 0
		require.NoError(t, d.sys.store.UpsertTeam(ctx, team))
	}
	cs := domain.DefaultCollaborationSettings()
	cs.FirstMeetingWithin = domain.Duration(d.days(42))
	cs.InvitationLead = domain.Duration(d.days(21))
	cs.MinutesDueWorkingDays = 0
	cs.ReminderInterval = domain.Duration(d.days(3))
	cs.MeetingGrace = domain.Duration(d.days(1))
	cs.RunLength = domain.Duration(d.days(150)) // a plan continues as new during the day
	require.NoError(t, d.sys.store.SetCollaborationSettings(ctx, cs))

	young := []string{"konsulent.anna", "konsulent.bilal", "konsulent.cecilie", "konsulent.dennis"}
	family := []string{"konsulent.eva", "konsulent.frida", "konsulent.gustav", "konsulent.hanne"}
	for i := 0; i < d.cfg.courses; i++ {
		c := &dayCourse{team: "ungeteam", consultant: young[i%len(young)], citizens: 1}
		if i%3 == 2 {
			c.team, c.consultant, c.citizens = "familieteam", family[i%len(family)], 2
		}
		created, status := d.refer(c)
		require.Equal(t, http.StatusCreated, status, "referral %d", i)
		d.active = append(d.active, created)
	}
	for i := 0; i < d.cfg.plans; i++ {
		created, status := d.enrol()
		require.Equal(t, http.StatusCreated, status, "enrolment %d", i)
		d.activePlans = append(d.activePlans, created)
	}
}

// refer refers new citizens to a course like c (its team, consultant and number of citizens)
// and counts the referral; the course is nil unless the answer is 201.
func (d *day) refer(like *dayCourse) (*dayCourse, int) {
	var citizens []map[string]any
	for range like.citizens {
		citizens = append(citizens, map[string]any{"cpr": d.newCPR(), "name": "Dag Borger"})
	}
	d.sent.Add(1)
	status, body, _ := d.do(like.consultant, "", "POST", "/api/v1/courses", map[string]any{
		"team_id": like.team, "citizens": citizens, "consultant_ids": []string{like.consultant},
		"start_date": startDay().Format(time.DateOnly), "goals": []map[string]any{{"text": "Uddannelse"}, {"text": "Trivsel"}},
	})
	d.count(status)
	var created struct{ ID string }
	if status != http.StatusCreated || json.Unmarshal(body, &created) != nil {
		return nil, status
	}
	c := &dayCourse{id: created.ID, team: like.team, consultant: like.consultant, citizens: like.citizens}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.steps["course/"+c.id+"/"+string(domain.AuditCourseReferred)]++
	d.courses = append(d.courses, c)
	return c, status
}

// enrol enrols a new citizen in the collaboration model and counts it; nil unless 201.
func (d *day) enrol() (*dayPlan, int) {
	d.sent.Add(1)
	status, body, _ := d.do("tovholder.ida", "", "POST", "/api/v1/plans", map[string]any{
		"citizen":        map[string]any{"cpr": d.newCPR(), "name": "Plan Borger"},
		"coordinator_id": "tovholder.ida", "coordinating_caseworker_id": "koordinator.jonas",
		"caseworker_ids": []string{"sagsbehandler.lise", "sagsbehandler.mads"},
	})
	d.count(status)
	var created struct{ ID string }
	if status != http.StatusCreated || json.Unmarshal(body, &created) != nil {
		return nil, status
	}
	p := &dayPlan{id: created.ID}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.steps["plan/"+p.id+"/"+string(domain.AuditEnrolled)]++
	d.plans = append(d.plans, p)
	return p, status
}

// newCPR is a CPR number no citizen of the day has had (a valid date, distinct serials).
func (d *day) newCPR() string {
	n := int(d.citizenSeq.Add(1))
	return fmt.Sprintf("%02d%02d%02d-%04d", 1+n%28, 1+(n/28)%12, (n/336)%100, 5000+(n/33600)%5000)
}

// pickCourse and pickPlan choose one of the workflows the day is living with now.
func (d *day) pickCourse() *dayCourse {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.active[d.rnd.IntN(len(d.active))]
}

func (d *day) pickPlan() *dayPlan {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.activePlans[d.rnd.IntN(len(d.activePlans))]
}

// replaceCourse puts a new referral where a course that has ended was, so that the day goes
// on with as many live courses (a caseworker's next citizen).
func (d *day) replaceCourse(old *dayCourse) {
	c, _ := d.refer(old)
	if c == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if i := slices.Index(d.active, old); i >= 0 {
		d.active[i] = c
	}
}

func (d *day) replacePlan(old *dayPlan) {
	p, _ := d.enrol()
	if p == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if i := slices.Index(d.activePlans, old); i >= 0 {
		d.activePlans[i] = p
	}
}

// live runs the day: cfg.parallel steps in flight, a burst of several steps at once on one
// workflow now and then, the worker killed and started again half-way.
func (d *day) live() {
	deadline := time.Now().Add(d.cfg.runFor)
	var wg sync.WaitGroup
	for w := 0; w < d.cfg.parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if d.chance(0.1) {
					d.burst()
				} else {
					d.step()
				}
			}
		}()
	}
	time.Sleep(d.cfg.runFor / 2)
	d.sys.worker.kill()
	d.restarts.Add(1)
	time.Sleep(2 * time.Second)
	d.sys.worker.start()
	wg.Wait()
}

// burst sends several steps at once to one workflow: double closes, a pause with an extension
// waiting, moved meetings.
func (d *day) burst() {
	d.bursts.Add(1)
	var wg sync.WaitGroup
	n := 2 + d.intn(3)
	if d.chance(0.5) {
		c := d.pickCourse()
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); d.courseStep(c) }()
		}
	} else {
		p := d.pickPlan()
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); d.planStep(p) }()
		}
	}
	wg.Wait()
}

func (d *day) step() {
	switch x := d.intn(100); {
	case x < 40:
		d.courseStep(d.pickCourse())
	case x < 80:
		d.planStep(d.pickPlan())
	case x < 85:
		d.teamStep()
	case x < 92:
		d.repeatKey()
	default:
		d.answerInbox()
	}
}

// text is a step's free text: mostly fine, now and then with a NUL, a control character or
// too long.
func (d *day) text(base string) (string, bool) {
	switch d.intn(20) {
	case 0:
		return base + "\u0000nul", true
	case 1:
		return base + "\u001b[31m", true
	case 2:
		return strings.Repeat("x", 25000), true
	}
	return base, false
}

func (d *day) courseStep(c *dayCourse) {
	path := "/api/v1/courses/" + c.id
	lead := map[string]string{"ungeteam": "leder.ulla", "familieteam": "leder.finn"}[c.team]
	who := c.consultant
	if d.chance(0.2) {
		who = lead
	}
	if d.chance(0.05) {
		who = []string{"konsulent.bilal", "leder.finn", "styregruppe.bo", "tovholder.ida"}[d.intn(4)] // often no access
	}
	today := testenv.Today().Format(time.DateOnly)
	tomorrow := testenv.Today().AddDate(0, 0, 1+d.intn(3)).Format(time.DateOnly)
	note, badNote := d.text("Godt i gang")
	switch d.intn(9) {
	case 0, 1:
		d.send(who, "POST", path+"/progressions", map[string]any{"scores": []map[string]any{
			{"goal_id": "g1", "score": 1 + d.intn(10)}, {"goal_id": "g2", "score": 1 + d.intn(12)}}, "note": note}, "course", c.id, domain.AuditProgressionRecorded, badNote)
	case 2:
		d.send(who, "POST", path+"/milestones", map[string]any{"outcome": []string{"education", "employment", "self_support"}[d.intn(3)], "date": today},
			"course", c.id, domain.AuditMilestoneRecorded, false)
	case 3, 4:
		d.send(who, "POST", path+"/extensions", map[string]any{"reason": note, "new_end": tomorrow}, "course", c.id, domain.AuditExtensionRequested, badNote)
	case 5, 6:
		approve := d.chance(0.6)
		action := domain.AuditExtensionRejected
		if approve {
			action = domain.AuditExtensionApproved
		}
		seq := strconv.Itoa(1 + d.intn(2))
		if d.chance(0.1) {
			seq = "0"
		}
		d.send([]string{"styregruppe.bo", "styregruppe.dorte"}[d.intn(2)], "POST", path+"/extensions/"+seq+"/decision",
			map[string]any{"approve": approve, "reason": "Besluttet"}, "course", c.id, action, false)
	case 7:
		var status int
		if d.chance(0.3) {
			status = d.send(who, "POST", path+"/move-to-collaboration", map[string]any{"date": today,
				"coordinator_id": "tovholder.nina", "coordinating_caseworker_id": "koordinator.olga",
				"caseworker_ids": []string{"sagsbehandler.per", "sagsbehandler.mads"}}, "course", c.id, domain.AuditCourseClosed, false)
		} else {
			status = d.send(who, "POST", path+"/close", map[string]any{"outcome": []string{"education", "employment", "no_result", "handed_back"}[d.intn(4)],
				"date": today, "note": note}, "course", c.id, domain.AuditCourseClosed, badNote)
		}
		if status == http.StatusOK {
			d.replaceCourse(c)
		}
	default:
		d.send(who, "GET", path, nil, "", "", "", false)
	}
}

func (d *day) planStep(p *dayPlan) {
	path := "/api/v1/plans/" + p.id
	now := time.Now().UTC()
	text, bad := d.text("Aftalt")
	switch d.intn(12) {
	case 0:
		d.send([]string{"tovholder.ida", "koordinator.jonas"}[d.intn(2)], "POST", path+"/consent",
			map[string]any{"scope": text, "date": now.Format(time.DateOnly)}, "plan", p.id, domain.AuditConsentRecorded, bad)
	case 1, 2:
		at := now.Add(d.days(float64(2 + d.intn(40))))
		d.send("tovholder.ida", "POST", path+"/meeting/schedule", map[string]any{"at": at}, "plan", p.id, domain.AuditMeetingMoved, false)
	case 3:
		d.send("tovholder.ida", "POST", path+"/meeting/invitation", nil, "plan", p.id, domain.AuditInvitationSent, false)
	case 4, 5:
		d.send("tovholder.ida", "POST", path+"/meeting/held", map[string]any{"held_at": now.Add(-time.Second), "citizen_present": d.chance(0.7),
			"goals":   []map[string]any{{"goal": text, "agreements": []map[string]any{{"text": "Ringe til jobcentret", "responsible": "Borgeren"}}}},
			"summary": "Nye mål"}, "plan", p.id, domain.AuditMeetingHeld, bad)
	case 6:
		d.send("tovholder.ida", "POST", path+"/meeting/not-held", map[string]any{"reason": "Borgeren var syg"}, "plan", p.id, domain.AuditMeetingNotHeld, false)
	case 7:
		seq := strconv.Itoa(1 + d.intn(6))
		d.send("tovholder.ida", "POST", path+"/meetings/"+seq+"/minutes", map[string]any{"minutes": text}, "plan", p.id, domain.AuditMinutesRecorded, bad)
	case 8:
		d.send("koordinator.jonas", "POST", path+"/citizen-meeting", map[string]any{"held_at": now.Add(-time.Second), "note": text},
			"plan", p.id, domain.AuditCitizenMeetingHeld, bad)
	case 9:
		join := []string{"sagsbehandler.per"}
		if d.chance(0.5) {
			join = []string{}
		}
		d.send([]string{"tovholder.ida", "leder.karen", "leder.ulla"}[d.intn(3)], "POST", path+"/participants",
			map[string]any{"join": join, "leave": []string{}}, "plan", p.id, domain.AuditParticipantsChanged, false)
	case 10:
		if d.chance(0.1) {
			status := d.send("tovholder.ida", "POST", path+"/leave", map[string]any{"date": now.Format(time.DateOnly), "reason": "Flyttet"}, "plan", p.id, domain.AuditLeft, false)
			if status == http.StatusOK {
				d.replacePlan(p)
			}
		}
	default:
		d.send([]string{"tovholder.ida", "sagsbehandler.lise", "leder.karen", "sagsbehandler.per"}[d.intn(4)], "GET", path, nil, "", "", "", false)
	}
}

// teamStep pauses or resumes Ungeteam (its courses pause with it, extensions waiting or not).
func (d *day) teamStep() {
	if d.chance(0.5) {
		d.send("leder.ulla", "POST", "/api/v1/teams/ungeteam/pause", map[string]any{
			"planned_resume": testenv.Today().AddDate(0, 0, 2).Format(time.DateOnly), "reason": "Omorganisering"}, "", "", "", false)
	} else {
		d.send("leder.ulla", "POST", "/api/v1/teams/ungeteam/resume", nil, "", "", "", false)
	}
}

// repeatKey sends a request again with the idempotency key it was first sent with.
func (d *day) repeatKey() {
	d.mu.Lock()
	if len(d.keys) == 0 {
		d.mu.Unlock()
		return
	}
	k := d.keys[d.rnd.IntN(len(d.keys))]
	d.mu.Unlock()
	d.repeats.Add(1)
	status, _, replayed := d.do(k.user, k.key, k.method, k.path, k.body)
	if status < 500 && status != 409 && !replayed && status < 300 {
		d.fail("a repeat of %s %s with key %s was applied again (%d)", k.method, k.path, k.key, status)
	}
}

// answerInbox: a coordinator or consultant reads their inbox and marks an item done.
func (d *day) answerInbox() {
	user := []string{"tovholder.ida", "konsulent.anna", "koordinator.jonas", "leder.ulla"}[d.intn(4)]
	var inbox struct{ Items []struct{ ID int64 } }
	d.inbox.Add(1)
	status, body, _ := d.do(user, "", "GET", "/api/v1/me/inbox", nil)
	d.count(status)
	_ = json.Unmarshal(body, &inbox)
	if len(inbox.Items) > 0 {
		it := inbox.Items[d.intn(len(inbox.Items))]
		d.inbox.Add(1)
		status, _, _ := d.do(user, "", "POST", fmt.Sprintf("/api/v1/me/inbox/%d/done", it.ID), nil)
		d.count(status)
	}
}

// send sends a step (with an idempotency key, mostly) and counts what it came to: an
// accepted step is one audit action on its subject.
func (d *day) send(user, method, path string, body any, subject, id string, action domain.AuditAction, bad bool) int {
	if bad {
		d.bad.Add(1)
	}
	n := d.sent.Add(1)
	key := ""
	if method == "POST" && d.chance(0.7) {
		key = fmt.Sprintf("k-%d", n)
	}
	status, answer, replayed := d.do(user, key, method, path, body)
	d.count(status)
	if status >= 300 {
		var p struct{ Code string }
		_ = json.Unmarshal(answer, &p)
		d.mu.Lock()
		d.refusals[fmt.Sprintf("%d %s", status, p.Code)]++
		d.mu.Unlock()
	}
	if bad && status < 300 {
		d.fail("%s %s accepted bad text (%d)", method, path, status)
	}
	if action == domain.AuditMeetingMoved {
		action = domain.AuditMeetingScheduled // a meeting set again is moved: counted as one kind
	}
	if method == "POST" && !replayed && action != "" {
		d.mu.Lock()
		switch {
		case status >= 200 && status < 300:
			d.steps[subject+"/"+id+"/"+string(action)]++
		case status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
			d.maybe[subject+"/"+id+"/"+string(action)]++
		}
		d.mu.Unlock()
	}
	if key != "" && status < 500 {
		d.mu.Lock()
		d.keys = append(d.keys, keyedRequest{user: user, key: key, method: method, path: path, body: body})
		d.mu.Unlock()
	}
	return status
}

// topRefusals lists the n commonest refusals, most first.
func (d *day) topRefusals(n int) string {
	type kv struct {
		k string
		v int
	}
	var all []kv
	for k, v := range d.refusals {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	var parts []string
	for _, x := range all[:min(n, len(all))] {
		parts = append(parts, fmt.Sprintf("%s: %d", x.k, x.v))
	}
	return strings.Join(parts, ", ")
}

func (d *day) count(status int) {
	switch {
	case status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
		d.lost.Add(1) // the worker or Temporal did not answer in time: said so, not hidden
	case status >= 500:
		d.status5xx.Add(1)
	case status >= 300:
		d.refused.Add(1)
	default:
		d.accepted.Add(1)
	}
}

func (d *day) do(user, key, method, path string, body any) (int, []byte, bool) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, d.sys.api.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	tok, err := d.sys.idp.Token(context.Background(), user)
	if err != nil {
		d.fail("%v", err)
		return 0, nil, false
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.fail("%s %s: %v", method, path, err)
		return 0, nil, false
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable && resp.StatusCode != http.StatusGatewayTimeout {
		d.fail("%s %s as %s: %d %s", method, path, user, resp.StatusCode, data)
	}
	return resp.StatusCode, data, resp.Header.Get("Idempotent-Replayed") == "true"
}

func (d *day) fail(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.failures) < 50 {
		d.failures = append(d.failures, fmt.Sprintf(format, args...))
	}
}

// quiesce lets the workers finish what the day left: every workflow's read model catches up.
func (d *day) quiesce() {
	// A pause left open would keep its courses paused; the day ends with the team at work.
	d.sys.call(d.t, "leder.ulla", "POST", "/api/v1/teams/ungeteam/resume", nil, nil)
	time.Sleep(3 * time.Second)
}

// check asserts the invariants.
func (d *day) check() {
	t, ctx := d.t, context.Background()
	for _, f := range d.failures {
		t.Error(f)
	}
	assert.Zero(t, d.status5xx.Load(), "no answer was a 500")

	// No workflow of the day failed, timed out or was terminated (the server may be shared:
	// make stack's).
	for _, status := range []string{"Failed", "TimedOut", "Terminated"} {
		resp, err := d.sys.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("TaskQueue = '%s' AND ExecutionStatus = '%s'", d.sys.queue, status),
		})
		require.NoError(t, err)
		for _, ex := range resp.Executions {
			t.Errorf("workflow %s is %s", ex.Execution.WorkflowId, ex.Status)
		}
	}

	// The read model equals each workflow's queried state (given a moment to catch up).
	for _, c := range d.courses {
		var last string
		ok := assert.Eventually(t, func() bool {
			rec, err := d.sys.store.GetCourse(ctx, c.id)
			if err != nil {
				last = "read model: " + err.Error()
				return false
			}
			if rec.Phase == domain.PhaseClosed {
				return true // the workflow has ended; its last save is the read model
			}
			var st course.State
			v, err := d.sys.client.QueryWorkflow(ctx, course.WorkflowID(c.id), "", course.QueryState, course.StateQuery{})
			if err == nil {
				err = v.Get(&st)
			}
			if err != nil {
				last = "query: " + err.Error()
				return false
			}
			last = fmt.Sprintf("workflow: revision %d, %s, end %s, next %v, stuck %d; read model: revision %d, %s, end %s, next %v",
				st.Revision, st.Phase, st.PlannedEnd, st.NextDeadline, len(st.Effects.Stuck), rec.Revision, rec.Phase, rec.PlannedEnd, rec.NextDeadline)
			// The read model keeps the end as a date, and times to the microsecond.
			return st.Revision == rec.Revision && st.Phase == rec.Phase &&
				st.PlannedEnd.UTC().Format(time.DateOnly) == rec.PlannedEnd.Format(time.DateOnly) && sameTime(st.NextDeadline, rec.NextDeadline) &&
				d.stuckRecorded(ctx, course.WorkflowID(c.id), st.Effects)
		}, 30*time.Second, 200*time.Millisecond, "course %s: the read model differs from the workflow", c.id)
		if !ok {
			t.Logf("course %s, last seen: %s", c.id, last)
		}
	}
	for _, p := range d.plans {
		var last string
		ok := assert.Eventually(t, func() bool {
			rec, err := d.sys.store.GetPlan(ctx, p.id)
			if err != nil {
				last = "read model: " + err.Error()
				return false
			}
			if rec.Phase == domain.PlanEnded {
				return true
			}
			var st collab.State
			v, err := d.sys.client.QueryWorkflow(ctx, collab.WorkflowID(p.id), "", collab.QueryState, collab.StateQuery{})
			if err == nil {
				err = v.Get(&st)
			}
			if err != nil {
				last = "query: " + err.Error()
				return false
			}
			last = fmt.Sprintf("workflow: revision %d, %s, coordinator %s, %d meetings, %d versions, stuck %v; read model: revision %d, %s, coordinator %s, %d meetings, %d versions",
				st.Revision, st.Phase, st.CoordinatorID, len(st.Meetings), len(st.FormVersions), st.Effects.List(), rec.Revision, rec.Phase, rec.CoordinatorID, len(rec.Meetings), len(rec.FormVersions))
			return st.Revision == rec.Revision && st.Phase == rec.Phase && st.CoordinatorID == rec.CoordinatorID &&
				len(st.Meetings) == len(rec.Meetings) && len(st.FormVersions) == len(rec.FormVersions) &&
				d.stuckRecorded(ctx, collab.WorkflowID(p.id), st.Effects)
		}, 30*time.Second, 200*time.Millisecond, "plan %s: the read model differs from the workflow", p.id)
		if !ok {
			t.Logf("plan %s, last seen: %s", p.id, last)
		}
	}

	// Each accepted step has exactly one audit row per citizen of its subject.
	var rows []struct {
		SubjectType string `db:"subject_type"`
		SubjectID   string `db:"subject_id"`
		Action      string `db:"action"`
		N           int    `db:"n"`
	}
	require.NoError(t, d.sys.store.DB().Select(&rows, `
		SELECT subject_type, subject_id, action, count(*) / GREATEST(count(DISTINCT citizen_id), 1) AS n
		FROM audit_log WHERE actor_id <> '' AND key IS NOT NULL GROUP BY subject_type, subject_id, action`))
	got := map[string]int{}
	for _, r := range rows {
		if r.Action == string(domain.AuditMeetingMoved) {
			r.Action = string(domain.AuditMeetingScheduled)
		}
		got[r.SubjectType+"/"+r.SubjectID+"/"+r.Action] += r.N
	}
	var keys []string
	for k := range d.steps {
		keys = append(keys, k)
	}
	for k := range d.maybe {
		if _, ok := d.steps[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got[k] < d.steps[k] || got[k] > d.steps[k]+d.maybe[k] {
			t.Errorf("audit rows of %s: %d, for %d steps accepted and %d whose answer was lost\n%s", k, got[k], d.steps[k], d.maybe[k], d.auditRows(k))
		}
	}

	// Every reminder raised is done, or open for the right person.
	var open []domain.Reminder
	require.NoError(t, d.sys.store.DB().Select(&open, `
		SELECT key, recipient_id, kind, subject_type, subject_id, due_at, created_at, done_at, scheduled_for
		FROM reminders WHERE done_at IS NULL`))
	for _, r := range open {
		switch r.SubjectType {
		case domain.SubjectCourse:
			rec, err := d.sys.store.GetCourse(ctx, r.SubjectID)
			require.NoError(t, err)
			if assert.NotEqual(t, domain.PhaseClosed, rec.Phase, "%s is open on a closed course", r.Key) {
				lead := map[string]string{"ungeteam": "leder.ulla", "familieteam": "leder.finn"}[rec.TeamID]
				ok := containsStr(rec.ConsultantIDs, r.RecipientID) || r.RecipientID == lead || strings.HasPrefix(r.RecipientID, "styregruppe.")
				assert.True(t, ok, "%s is open for %s, who has no part in the course", r.Key, r.RecipientID)
			}
		case domain.SubjectPlan:
			rec, err := d.sys.store.GetPlan(ctx, r.SubjectID)
			require.NoError(t, err)
			if assert.NotEqual(t, domain.PlanEnded, rec.Phase, "%s is open on an ended plan", r.Key) {
				ok := r.RecipientID == rec.CoordinatorID || r.RecipientID == rec.CoordinatingCaseworkerID || r.RecipientID == "leder.karen"
				assert.True(t, ok, "%s is open for %s, who is no longer responsible", r.Key, r.RecipientID)
			}
		}
	}
}

// stuckRecorded reports whether the effects a running workflow holds as stuck are exactly
// those open in the stuck-effects register: no workflow waits on a failing write that no
// administrator can see, and nothing is listed as stuck that the workflow has made.
func (d *day) stuckRecorded(ctx context.Context, workflowID string, l effects.Ledger) bool {
	open, err := d.sys.store.OpenStuckEffects(ctx, workflowID)
	if err != nil {
		return false
	}
	var held, recorded []string
	for _, s := range l.List() {
		held = append(held, s.Key)
	}
	for _, s := range open {
		recorded = append(recorded, s.Key)
	}
	sort.Strings(held)
	sort.Strings(recorded)
	return slices.Equal(held, recorded)
}

// sameTime compares two times as PostgreSQL keeps them: to the microsecond.
func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Round(time.Microsecond).Equal(b.Round(time.Microsecond))
}

func containsStr(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// auditRows lists the audit rows of a subject and action (subject type/id/action), for a
// failure: each row's time, key and actor, oldest first.
func (d *day) auditRows(k string) string {
	parts := strings.SplitN(k, "/", 3)
	if len(parts) != 3 {
		return ""
	}
	var rows []struct {
		ID    int64     `db:"id"`
		At    time.Time `db:"at"`
		Key   string    `db:"key"`
		Actor string    `db:"actor_id"`
	}
	if err := d.sys.store.DB().Select(&rows, `
		SELECT id, at, COALESCE(key, '') AS key, actor_id FROM audit_log
		WHERE subject_type = $1 AND subject_id = $2 AND action IN ($3, CASE WHEN $3 = $4 THEN $5 ELSE $3 END)
		ORDER BY id`, parts[0], parts[1], parts[2], string(domain.AuditMeetingScheduled), string(domain.AuditMeetingMoved)); err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "  row %d at %s key %q by %s\n", r.ID, r.At.UTC().Format(time.RFC3339Nano), r.Key, r.Actor)
	}
	// The workflow's history (every run), in brief: its workflow tasks that failed or timed out
	// and the Updates it accepted.
	wid := collab.WorkflowID(parts[1])
	if parts[0] == string(domain.SubjectCourse) {
		wid = course.WorkflowID(parts[1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := d.sys.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: fmt.Sprintf("WorkflowId = '%s'", wid)})
	if err != nil {
		return b.String() + err.Error()
	}
	for i := len(resp.Executions) - 1; i >= 0; i-- {
		ex := resp.Executions[i]
		fmt.Fprintf(&b, "  run %s (%s):\n", ex.Execution.RunId, ex.Status)
		iter := d.sys.client.GetWorkflowHistory(ctx, wid, ex.Execution.RunId, false, 0)
		for iter.HasNext() {
			ev, err := iter.Next()
			if err != nil {
				fmt.Fprintf(&b, "    %v\n", err)
				break
			}
			at := ev.EventTime.AsTime().UTC().Format("15:04:05.000")
			switch {
			case ev.GetWorkflowTaskFailedEventAttributes() != nil:
				a := ev.GetWorkflowTaskFailedEventAttributes()
				fmt.Fprintf(&b, "    %d %s WorkflowTaskFailed %s: %s\n", ev.EventId, at, a.Cause, a.Failure.GetMessage())
			case ev.GetWorkflowTaskTimedOutEventAttributes() != nil:
				fmt.Fprintf(&b, "    %d %s WorkflowTaskTimedOut %s\n", ev.EventId, at, ev.GetWorkflowTaskTimedOutEventAttributes().TimeoutType)
			case ev.GetWorkflowExecutionUpdateAcceptedEventAttributes() != nil:
				a := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes()
				fmt.Fprintf(&b, "    %d %s UpdateAccepted %s %s\n", ev.EventId, at, a.AcceptedRequest.GetInput().GetName(), a.ProtocolInstanceId)
			case ev.GetWorkflowTaskStartedEventAttributes() != nil:
				fmt.Fprintf(&b, "    %d %s WorkflowTaskStarted by %s\n", ev.EventId, at, ev.GetWorkflowTaskStartedEventAttributes().Identity)
			case ev.GetTimerFiredEventAttributes() != nil, ev.GetMarkerRecordedEventAttributes() != nil,
				ev.GetWorkflowTaskScheduledEventAttributes() != nil, ev.GetWorkflowTaskCompletedEventAttributes() != nil:
			default:
				fmt.Fprintf(&b, "    %d %s %s\n", ev.EventId, at, ev.EventType)
			}
		}
	}
	return b.String()
}
