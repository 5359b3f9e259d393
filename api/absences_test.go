package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"tvp/api"
	"tvp/domain"
	"tvp/internal/testing/apptest"
	"tvp/service"
	"tvp/workflows/schedules"
)

type absence struct {
	ID        string  `json:"id"`
	StaffID   string  `json:"staff_id"`
	From      string  `json:"from"`
	To        string  `json:"to"`
	StandInID *string `json:"stand_in_id"`
	HolderID  *string `json:"holder_id"`
}

// heldBy counts a plan's open reminders for the owner by whoever holds them.
func heldBy(t *testing.T, app *apptest.App, planID, owner string) map[string]int {
	t.Helper()
	items, err := app.Store.ListReminders(context.Background(), domain.SubjectPlan, planID)
	require.NoError(t, err)
	out := map[string]int{}
	for _, r := range items {
		if r.DoneAt == nil && r.OwnerID == owner {
			out[r.RecipientID]++
		}
	}
	return out
}

// The coordinator is away: her lead records it with a stand-in (another coordinator). An
// absence from tomorrow changes nothing today; one from today hands her open reminders to the
// stand-in at once, new ones reach the stand-in too (and say on whose behalf), and the
// stand-in reads and coordinates her plan, audited as on her behalf. The day after it ends, the
// stand-in may no longer and the reminders go back; cancelling it gives them back at once.
func TestAbsenceHandsRemindersToTheStandInAndBack(t *testing.T) {
	app := apptest.Start(t)
	shortCollaboration(t, app)
	ctx := context.Background()
	ida := as{t: t, app: app, user: "tovholder.ida"}
	nina := as{t: t, app: app, user: "tovholder.nina"}
	karen := as{t: t, app: app, user: "leder.karen"}
	jonas := as{t: t, app: app, user: "koordinator.jonas"}

	enrol := enrolment()
	enrol["citizen"] = map[string]any{"cpr": "121280-1234", "name": "Sigrid Stedfortræder"}
	var plan struct{ ID string }
	require.Equal(t, http.StatusCreated, ida.do("POST", "/api/v1/plans", enrol, &plan).StatusCode)
	path := "/api/v1/plans/" + plan.ID
	require.Eventually(t, func() bool { return heldBy(t, app, plan.ID, "tovholder.ida")["tovholder.ida"] > 0 },
		15*time.Second, 100*time.Millisecond, "the coordinator's first reminder")
	require.Equal(t, http.StatusForbidden, nina.do("GET", path, nil, nil).StatusCode, "another coordinator's plan")

	// Who may record it: she, her lead, an administrator; not a colleague.
	now := time.Now()
	tomorrow, inAWeek := domain.DayIn(now.AddDate(0, 0, 1)), domain.DayIn(now.AddDate(0, 0, 7))
	var p api.Problem
	require.Equal(t, http.StatusForbidden, nina.do("POST", "/api/v1/staff/tovholder.ida/absences",
		map[string]any{"from": tomorrow, "to": inAWeek, "stand_in_id": "tovholder.nina"}, &p).StatusCode)
	require.Equal(t, http.StatusUnprocessableEntity, karen.do("POST", "/api/v1/staff/tovholder.ida/absences",
		map[string]any{"from": tomorrow, "to": inAWeek, "stand_in_id": "sagsbehandler.per"}, &p).StatusCode, "no coordinator")
	assert.Equal(t, "stand_in_id", p.Field)

	// From tomorrow: nothing changes today.
	var later absence
	require.Equal(t, http.StatusCreated, karen.do("POST", "/api/v1/staff/tovholder.ida/absences",
		map[string]any{"from": tomorrow, "to": inAWeek, "stand_in_id": "tovholder.nina"}, &later).StatusCode)
	assert.Equal(t, "tovholder.nina", *later.HolderID)
	require.Equal(t, http.StatusConflict, ida.do("POST", "/api/v1/staff/tovholder.ida/absences",
		map[string]any{"from": inAWeek, "to": inAWeek}, &p).StatusCode, "overlapping")
	assert.Equal(t, http.StatusForbidden, nina.do("GET", path, nil, nil).StatusCode, "not before the absence begins")
	assert.Zero(t, heldBy(t, app, plan.ID, "tovholder.ida")["tovholder.nina"])
	require.Equal(t, http.StatusNoContent, ida.do("DELETE", "/api/v1/staff/tovholder.ida/absences/"+later.ID, nil, nil).StatusCode)

	// From today: her open reminders go to the stand-in at once.
	today := domain.DayIn(now)
	var away absence
	require.Equal(t, http.StatusCreated, ida.do("POST", "/api/v1/staff/tovholder.ida/absences",
		map[string]any{"from": today, "to": today, "stand_in_id": "tovholder.nina"}, &away).StatusCode)
	var list struct{ Items []absence }
	require.Equal(t, http.StatusOK, karen.do("GET", "/api/v1/staff/tovholder.ida/absences", nil, &list).StatusCode)
	require.Len(t, list.Items, 1)
	held := heldBy(t, app, plan.ID, "tovholder.ida")
	assert.Zero(t, held["tovholder.ida"], "handed over")
	assert.Positive(t, held["tovholder.nina"])

	// New reminders go to the stand-in: the repeated one, raised after the absence began.
	var inbox struct {
		Items []struct {
			ID         int64
			Kind       string
			OnBehalfOf string    `json:"on_behalf_of"`
			CreatedAt  time.Time `json:"created_at"`
		}
	}
	require.Eventually(t, func() bool {
		nina.do("GET", "/api/v1/me/inbox", nil, &inbox)
		for _, it := range inbox.Items {
			if it.CreatedAt.After(now) && it.OnBehalfOf == "tovholder.ida" && it.Kind == string(domain.ReminderScheduleMeeting) {
				return true
			}
		}
		return false
	}, 15*time.Second, 200*time.Millisecond, "a new reminder reached the stand-in")
	assert.Zero(t, heldBy(t, app, plan.ID, "tovholder.ida")["tovholder.ida"], "nothing new reached the absent coordinator")

	// The hourly hand-over on the real server changes nothing while the absence lasts.
	run, err := app.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "handover-" + plan.ID, TaskQueue: app.TaskQueue}, schedules.HandOverWorkflow, schedules.HandOverInput{})
	require.NoError(t, err)
	var ho schedules.HandOverResult
	require.NoError(t, run.Get(ctx, &ho))
	assert.Equal(t, today, ho.Day)
	assert.Zero(t, heldBy(t, app, plan.ID, "tovholder.ida")["tovholder.ida"])

	// The day after it ends (the service's clock moved on): the stand-in's access has ended,
	// and the hand-over gives the reminders back.
	dayAfter := now.AddDate(0, 0, 1)
	svc := service.New(app.Store, app.Temporal, service.Config{TaskQueue: app.TaskQueue, Now: func() time.Time { return dayAfter }}, nil)
	by, err := svc.Identify(ctx, "tovholder.nina", "", "")
	require.NoError(t, err)
	assert.Empty(t, by.Actor.StandsInFor)
	_, err = svc.Plan(ctx, by, plan.ID)
	assert.Equal(t, domain.EForbidden, domain.ErrorCode(err), "no longer a stand-in")
	byToday, err := app.Service.Identify(ctx, "tovholder.nina", "", "")
	require.NoError(t, err)
	assert.Equal(t, []string{"tovholder.ida"}, byToday.Actor.StandsInFor)
	openKeys := func() map[string]string { // the plan's open reminders of hers: key -> holder
		items, err := app.Store.ListReminders(ctx, domain.SubjectPlan, plan.ID)
		require.NoError(t, err)
		out := map[string]string{}
		for _, r := range items {
			if r.DoneAt == nil && r.OwnerID == "tovholder.ida" {
				out[r.Key] = r.RecipientID
			}
		}
		return out
	}
	before := openKeys() // (the workflow goes on raising reminders meanwhile: those are today's)
	require.NotEmpty(t, before)
	moved, err := app.Store.HandOverReminders(ctx, domain.DayIn(dayAfter))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, moved, int64(len(before)))
	after := openKeys()
	for key := range before {
		assert.Equal(t, "tovholder.ida", after[key], "%s handed back", key)
	}

	// Today again (the absence still lasts): the stand-in again.
	_, err = app.Store.HandOverReminders(ctx, today)
	require.NoError(t, err)
	assert.Zero(t, heldBy(t, app, plan.ID, "tovholder.ida")["tovholder.ida"])

	// The stand-in reads and coordinates her plan, audited as on her behalf; a colleague who
	// stands in for nobody still may not.
	require.Equal(t, http.StatusOK, nina.do("GET", path, nil, nil).StatusCode)
	require.Equal(t, http.StatusOK, jonas.do("POST", path+"/consent", map[string]any{"scope": "Deling", "date": today}, nil).StatusCode)
	require.Equal(t, http.StatusOK, nina.do("POST", path+"/meeting/schedule", map[string]any{"at": now.Add(48 * time.Hour).UTC()}, nil).StatusCode)
	reads := func() int {
		var n int
		require.NoError(t, app.Store.DB().Get(&n, "SELECT count(*) FROM audit_log WHERE actor_id = 'tovholder.nina' AND action = $1 AND subject_id = $2",
			domain.PlanRead.Audit(), plan.ID))
		return n
	}
	readsBefore := reads()
	require.Equal(t, http.StatusOK, nina.do("POST", path+"/meeting/agenda", map[string]any{"text": "Bolig"}, nil).StatusCode)
	assert.Equal(t, readsBefore, reads(), "a step is no read: the agenda point's answer comes from the step (before, the API read the plan again, audited as a read)")
	assert.Equal(t, http.StatusForbidden, as{t: t, app: app, user: "sagsbehandler.per"}.do("GET", path, nil, nil).StatusCode)
	rec, err := app.Store.GetPlan(ctx, plan.ID)
	require.NoError(t, err)
	log, err := app.Store.CitizenAccessLog(ctx, rec.CitizenID)
	require.NoError(t, err)
	onBehalf := map[domain.AuditAction]bool{}
	for _, e := range log {
		if e.ActorID == "tovholder.nina" && !e.Refused && e.Details["on_behalf_of"] == "tovholder.ida" {
			onBehalf[e.Action] = true
		}
	}
	assert.True(t, onBehalf[domain.PlanRead.Audit()], "the read, on her behalf")
	assert.True(t, onBehalf[domain.PlanSchedule.Audit()], "the step, on her behalf")
	// Every step of a plan goes through one runner, which audits a stand-in's step on behalf of
	// the absent colleague.
	assert.True(t, onBehalf[domain.PlanAgendaPoint.Audit()], "the agenda point, on her behalf")

	// Cancelled: what is open goes back to her at once, and the stand-in's access ends.
	require.Equal(t, http.StatusNoContent, karen.do("DELETE", "/api/v1/staff/tovholder.ida/absences/"+away.ID, nil, nil).StatusCode)
	assert.Zero(t, heldBy(t, app, plan.ID, "tovholder.ida")["tovholder.nina"], "given back on cancelling")
	assert.Equal(t, http.StatusForbidden, nina.do("GET", path, nil, nil).StatusCode, "the stand-in's access ends with the absence")
}
