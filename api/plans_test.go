package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/api"
	"tvp/domain"
	"tvp/internal/testing/apptest"
	"tvp/report"
	"tvp/workflows/collab"
	"tvp/workflows/course"
)

func shortCollaboration(t *testing.T, app *apptest.App) {
	t.Helper()
	cs := domain.DefaultCollaborationSettings()
	cs.FirstMeetingWithin = domain.Duration(4 * time.Second)
	cs.InvitationLead = domain.Duration(2 * time.Second)
	cs.ReminderInterval = domain.Duration(2 * time.Second)
	cs.MinutesDueWorkingDays = 0
	cs.MeetingGrace = domain.Duration(time.Hour)
	require.NoError(t, app.Store.SetCollaborationSettings(context.Background(), cs))
}

func planReminders(t *testing.T, app *apptest.App, planID, recipient string, kind domain.ReminderKind) (open, all int) {
	t.Helper()
	items, err := app.Store.ListReminders(context.Background(), "plan", planID)
	require.NoError(t, err)
	for _, r := range items {
		if r.RecipientID == recipient && r.Kind == kind {
			all++
			if r.DoneAt == nil {
				open++
			}
		}
	}
	return open, all
}

func enrolment() map[string]any {
	return map[string]any{
		"citizen":                    map[string]any{"cpr": "150590-4321", "name": "Borger i samarbejdsmodellen"},
		"coordinator_id":             "tovholder.ida",
		"coordinating_caseworker_id": "koordinator.jonas",
		"caseworker_ids":             []string{"sagsbehandler.lise", "sagsbehandler.mads"},
	}
}

// One plan driven through the HTTP API on the real Temporal server with durations of
// seconds: enrolment, consent, a meeting set, invited, held with the form, minutes missed
// twice (escalated to the coordinator's lead) and written; consent withdrawn ends it.
func TestCollaborationThroughTheAPI(t *testing.T) {
	app := apptest.Start(t)
	shortCollaboration(t, app)
	ida := as{t: t, app: app, user: "tovholder.ida"}
	jonas := as{t: t, app: app, user: "koordinator.jonas"}
	lise := as{t: t, app: app, user: "sagsbehandler.lise"}

	var p api.Problem
	bad := enrolment()
	bad["caseworker_ids"] = []string{"sagsbehandler.lise"}
	assert.Equal(t, http.StatusUnprocessableEntity, ida.do("POST", "/api/v1/plans", bad, &p).StatusCode)
	assert.Equal(t, "caseworker_ids", p.Field)

	var created struct{ ID string }
	require.Equal(t, http.StatusCreated, ida.do("POST", "/api/v1/plans", enrolment(), &created).StatusCode)
	assert.Equal(t, http.StatusConflict, ida.do("POST", "/api/v1/plans", enrolment(), &p).StatusCode, "one plan per citizen")
	path := "/api/v1/plans/" + created.ID

	require.Eventually(t, func() bool {
		open, _ := planReminders(t, app, created.ID, "tovholder.ida", domain.ReminderScheduleMeeting)
		return open > 0
	}, 15*time.Second, 200*time.Millisecond, "the coordinator was not reminded to set the first meeting")

	meetingAt := time.Now().Add(3 * time.Second).UTC()
	var rec domain.PlanRecord
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/schedule", map[string]any{"at": meetingAt}, &rec).StatusCode)
	assert.Equal(t, http.StatusForbidden, lise.do("POST", path+"/meeting/invitation", nil, &p).StatusCode, "only the coordinator")
	require.Eventually(t, func() bool {
		open, _ := planReminders(t, app, created.ID, "tovholder.ida", domain.ReminderSendInvitation)
		return open > 0
	}, 10*time.Second, 200*time.Millisecond, "no invitation reminder")
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/invitation", nil, &rec).StatusCode)
	open, _ := planReminders(t, app, created.ID, "tovholder.ida", domain.ReminderSendInvitation)
	assert.Zero(t, open, "done by itself when the invitation is sent")

	time.Sleep(time.Until(meetingAt))
	held := map[string]any{
		"held_at": meetingAt, "citizen_present": true, "attendees": []string{"sagsbehandler.lise"},
		"goals":   []map[string]any{{"goal": "Stabil bolig", "agreements": []map[string]any{{"text": "Søge bolig", "responsible": "borgeren"}}}},
		"summary": "Første plan",
	}
	resp := ida.do("POST", path+"/meeting/held", held, &p)
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "no meeting without the citizen's consent")
	assert.Contains(t, p.Detail, "consent")
	require.Equal(t, http.StatusOK, jonas.do("POST", path+"/consent", map[string]any{"scope": "Deling mellem centrene", "date": app.Day(0, 0, 0)}, &rec).StatusCode)
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/held", held, &rec).StatusCode)
	require.Len(t, rec.FormVersions, 1)

	require.Eventually(t, func() bool {
		_, all := planReminders(t, app, created.ID, "leder.karen", domain.ReminderMinutesEscalated)
		return all > 0
	}, 15*time.Second, 200*time.Millisecond, "missed minutes were not escalated to the coordinator's lead")
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meetings/1/minutes", map[string]any{"minutes": "Referat"}, &rec).StatusCode)
	open, all := planReminders(t, app, created.ID, "tovholder.ida", domain.ReminderMinutesDue)
	assert.Zero(t, open)
	assert.GreaterOrEqual(t, all, 2)

	require.Equal(t, http.StatusOK, jonas.do("POST", path+"/consent/withdraw", map[string]any{"date": app.Day(0, 0, 0), "reason": "Borgeren ønsker det ikke"}, &rec).StatusCode)
	assert.Equal(t, domain.PlanEnded, rec.Phase)
	assert.Equal(t, http.StatusConflict, ida.do("POST", path+"/meeting/schedule", map[string]any{"at": time.Now().Add(time.Hour)}, &p).StatusCode)

	require.Eventually(t, func() bool {
		r, err := app.Store.GetPlan(context.Background(), created.ID)
		return err == nil && r.Phase == domain.PlanEnded
	}, 10*time.Second, 100*time.Millisecond)
	var final domain.PlanRecord
	require.Equal(t, http.StatusOK, ida.do("GET", path, nil, &final).StatusCode)
	assert.Contains(t, final.EndReason, "consent withdrawn")
	assert.Len(t, final.FormVersions, 1)

	// The report sees the meeting held after it was due (4 s after enrolment), the minutes
	// late, the consent withdrawn.
	var r report.Status
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "admin"}.do("GET", "/api/v1/reports/status", nil, &r).StatusCode)
	assert.Equal(t, domain.CollaborationStat{
		PlansEnded: 1, ConsentWithdrawn: 1, MeetingsHeld: 1, MeetingsOnTime: 0, MinutesDue: 1, MinutesOnTime: 0,
	}, r.Collaboration)
	app.RecordHistory(collab.WorkflowID(created.ID), "../workflows/collab/testdata/enrol_meeting_minutes_withdraw.json")
}

func TestMoveACourseToCollaboration(t *testing.T) {
	app := apptest.Start(t)
	anna := as{t: t, app: app, user: "konsulent.anna"}
	var created struct{ ID string }
	require.Equal(t, http.StatusCreated, anna.do("POST", "/api/v1/courses", validReferral(), &created).StatusCode)
	require.Eventually(t, func() bool {
		_, err := app.Store.GetCourse(context.Background(), created.ID)
		return err == nil
	}, 10*time.Second, 100*time.Millisecond)
	path := "/api/v1/courses/" + created.ID

	var p api.Problem
	resp := anna.do("POST", path+"/close", map[string]any{"outcome": "moved_to_collaboration", "date": app.Day(0, 0, 0)}, &p)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "moving goes through move-to-collaboration")

	move := map[string]any{
		"date": app.Day(0, 0, 0), "note": "Flere forvaltninger", "coordinator_id": "tovholder.ida",
		"coordinating_caseworker_id": "koordinator.jonas", "caseworker_ids": []string{"sagsbehandler.lise", "sagsbehandler.per"},
	}
	var st course.State
	require.Equal(t, http.StatusOK, anna.do("POST", path+"/move-to-collaboration", move, &st).StatusCode)
	assert.Equal(t, domain.PhaseClosed, st.Phase)
	assert.Equal(t, domain.OutcomeCollaboration, *st.Outcome)
	require.NotEmpty(t, st.MovedToPlanID)

	require.Eventually(t, func() bool {
		r, err := app.Store.GetPlan(context.Background(), st.MovedToPlanID)
		return err == nil && r.FromCourseID == created.ID && r.Revision > 0
	}, 10*time.Second, 100*time.Millisecond, "the plan was not started from the course")
	var plan domain.PlanRecord
	var p2 api.Problem
	assert.Equal(t, http.StatusForbidden, anna.do("GET", "/api/v1/plans/"+st.MovedToPlanID, nil, &p2).StatusCode, "the consultant takes no part in the plan")
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "tovholder.ida"}.do("GET", "/api/v1/plans/"+st.MovedToPlanID, nil, &plan).StatusCode)
	assert.Equal(t, domain.PlanAwaitingConsent, plan.Phase)
	assert.Equal(t, st.CitizenIDs[0], plan.CitizenID)
	app.RecordHistory(course.WorkflowID(created.ID), "../workflows/course/testdata/moved_to_collaboration.json")
}
