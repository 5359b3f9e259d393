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
	"tvp/workflows/course"
	"tvp/workflows/teampause"
)

// shortTeam makes a team's durations seconds long for a course that starts app.Day(0, 0, -1): its
// progression and its end fall due untilProgression and untilEnd from now.
func shortTeam(t *testing.T, app *apptest.App, teamID string, untilProgression, untilEnd time.Duration) {
	t.Helper()
	ctx := context.Background()
	team, err := app.Store.GetTeam(ctx, teamID)
	require.NoError(t, err)
	sinceStart := time.Since(app.Today.AddDate(0, 0, -1))
	team.Settings.CourseLength = domain.ExactPeriod(sinceStart + untilEnd)
	team.Settings.ProgressionInterval = domain.ExactPeriod(sinceStart + untilProgression)
	team.Settings.EndReminderLead = domain.Duration(untilEnd / 2)
	team.Settings.ReminderInterval = domain.Duration(2 * time.Second)
	team.Settings.EscalateAfter = domain.Duration(4 * time.Second)
	require.NoError(t, app.Store.UpsertTeam(ctx, team))
}

// open reminders of a course for a recipient and kind.
func openReminders(t *testing.T, app *apptest.App, courseID, recipient string, kind domain.ReminderKind) int {
	t.Helper()
	items, err := app.Store.ListReminders(context.Background(), "course", courseID)
	require.NoError(t, err)
	n := 0
	for _, r := range items {
		if r.RecipientID == recipient && r.Kind == kind && r.DoneAt == nil {
			n++
		}
	}
	return n
}

// One course driven through the HTTP API on the real Temporal server, with durations of
// seconds: referral, a progression reminder answered, an extension requested and approved by
// the steering group, closed with an outcome.
func TestCourseFromReferralToClose(t *testing.T) {
	app := apptest.Start(t)
	shortTeam(t, app, "ungeteam", 2*time.Second, 30*time.Second)
	anna := as{t: t, app: app, user: "konsulent.anna"}
	bo := as{t: t, app: app, user: "styregruppe.bo"}

	ref := validReferral()
	ref["start_date"] = app.Day(0, 0, -1)
	var created struct{ ID string }
	require.Equal(t, http.StatusCreated, anna.do("POST", "/api/v1/courses", ref, &created).StatusCode)
	path := "/api/v1/courses/" + created.ID

	require.Eventually(t, func() bool {
		return openReminders(t, app, created.ID, "konsulent.anna", domain.ReminderProgressionDue) > 0
	}, 20*time.Second, 200*time.Millisecond, "the progression reminder never came")

	var st course.State
	resp := anna.do("POST", path+"/progressions", map[string]any{
		"scores": []map[string]any{{"goal_id": "g1", "score": 6}}, "note": "Godt i gang",
	}, &st)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Len(t, st.Progressions, 1)
	assert.Zero(t, openReminders(t, app, created.ID, "konsulent.anna", domain.ReminderProgressionDue), "done by itself")

	var p api.Problem
	resp = anna.do("POST", path+"/progressions", map[string]any{
		"scores": []map[string]any{{"goal_id": "g1", "score": 99}}, "note": "x",
	}, &p)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Equal(t, "scores[0].score", p.Field)

	newEnd := app.Day(0, 0, 30)
	resp = anna.do("POST", path+"/extensions", map[string]any{"reason": "Mangler praktikplads", "new_end": newEnd}, &st)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, domain.PhaseExtensionPending, st.Phase)
	require.Eventually(t, func() bool {
		return openReminders(t, app, created.ID, "styregruppe.bo", domain.ReminderExtensionDecision) > 0
	}, 10*time.Second, 200*time.Millisecond, "the steering group was not reminded")

	resp = anna.do("POST", path+"/extensions/1/decision", map[string]any{"approve": true, "reason": "selv"}, &p)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a consultant does not decide")
	assert.Equal(t, domain.EForbidden, p.Code)

	resp = bo.do("POST", path+"/extensions/1/decision", map[string]any{"approve": true, "reason": "Godkendt på styregruppemødet"}, &st)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, newEnd, st.PlannedEnd.Format(time.DateOnly))
	assert.Equal(t, domain.PhaseActive, st.Phase)
	assert.Zero(t, openReminders(t, app, created.ID, "styregruppe.bo", domain.ReminderExtensionDecision))
	var register struct{ Items []domain.Decision }
	require.Equal(t, http.StatusOK, bo.do("GET", "/api/v1/decisions", nil, &register).StatusCode)
	require.Len(t, register.Items, 1, "the decision is in the register")
	assert.Equal(t, created.ID, register.Items[0].Changes[0].CourseID, "linked to the course")

	resp = anna.do("POST", path+"/close", map[string]any{"outcome": "education", "date": app.Day(0, 0, 0), "note": "Startet på EUD"}, &st)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, domain.PhaseClosed, st.Phase)

	resp = anna.do("POST", path+"/close", map[string]any{"outcome": "education", "date": app.Day(0, 0, 0)}, &p)
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "a closed course refuses every step")
	assert.Equal(t, domain.EPhase, p.Code)

	require.Eventually(t, func() bool {
		rec, err := app.Store.GetCourse(context.Background(), created.ID)
		return err == nil && rec.Phase == domain.PhaseClosed
	}, 10*time.Second, 100*time.Millisecond)
	var closed course.State
	require.Equal(t, http.StatusOK, anna.do("GET", path, nil, &closed).StatusCode)
	assert.Equal(t, domain.OutcomeEducation, *closed.Outcome)
	assert.Equal(t, newEnd, closed.PlannedEnd.Format(time.DateOnly))

	require.Eventually(t, func() bool {
		items, err := app.Store.ListReminders(context.Background(), "course", created.ID)
		if err != nil {
			return false
		}
		for _, r := range items {
			if r.DoneAt == nil {
				return false
			}
		}
		return len(items) > 0
	}, 10*time.Second, 100*time.Millisecond, "closing completes every reminder")
	app.RecordHistory(course.WorkflowID(created.ID), "../workflows/course/testdata/referral_progression_extension_close.json")
}

func TestDuplicateAndRepeatedReferral(t *testing.T) {
	app := apptest.Start(t)
	anna := as{t: t, app: app, user: "konsulent.anna", header: map[string]string{"Idempotency-Key": "ref-1"}}
	var first, again struct{ ID string }
	require.Equal(t, http.StatusCreated, anna.do("POST", "/api/v1/courses", validReferral(), &first).StatusCode)
	resp := anna.do("POST", "/api/v1/courses", validReferral(), &again)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "the same referral, repeated: the first answer")
	assert.Equal(t, "true", resp.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, first.ID, again.ID)
	changed := validReferral()
	changed["start_date"] = app.Day(0, -2, 0)
	var p0 api.Problem
	assert.Equal(t, http.StatusConflict, anna.do("POST", "/api/v1/courses", changed, &p0).StatusCode, "the key with another request")

	other := as{t: t, app: app, user: "konsulent.anna"}
	var p api.Problem
	resp = other.do("POST", "/api/v1/courses", validReferral(), &p)
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "a second active course for the citizen in the team")
	assert.Contains(t, p.Detail, "already has an active course")

	var n int
	require.NoError(t, app.Store.DB().Get(&n, "SELECT count(*) FROM courses"))
	assert.Equal(t, 1, n)
}

func TestCaseloadNormAndOverride(t *testing.T) {
	app := apptest.Start(t)
	eva := as{t: t, app: app, user: "konsulent.eva"}
	finn := as{t: t, app: app, user: "leder.finn"}
	family := func(i int) map[string]any {
		return map[string]any{
			"team_id":        "familieteam",
			"citizens":       []map[string]any{{"cpr": "01010" + string(rune('0'+i)) + "-1234", "name": "Forælder"}},
			"consultant_ids": []string{"konsulent.eva"},
			"start_date":     app.Day(0, -1, 0),
			"goals":          []map[string]any{{"text": "Trivsel"}},
		}
	}
	for i := 0; i < 3; i++ { // Familieteam: 3 courses per half-time consultant
		require.Equal(t, http.StatusCreated, eva.do("POST", "/api/v1/courses", family(i), nil).StatusCode, "course %d", i+1)
	}
	var p api.Problem
	resp := eva.do("POST", "/api/v1/courses", family(3), &p)
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Equal(t, "consultant_ids[0]", p.Field)
	assert.Contains(t, p.Detail, "norm")

	withReason := family(3)
	withReason["caseload_override_reason"] = "Akut sag; Eva har kapacitet i denne periode"
	resp = eva.do("POST", "/api/v1/courses", withReason, &p)
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "only a team lead overrides")

	var created struct{ ID string }
	require.Equal(t, http.StatusCreated, finn.do("POST", "/api/v1/courses", withReason, &created).StatusCode)
	var by, reason string
	require.NoError(t, app.Store.DB().QueryRow(
		"SELECT override_by, override_reason FROM course_consultants WHERE course_id = $1", created.ID).Scan(&by, &reason))
	assert.Equal(t, "leder.finn", by)
	assert.Equal(t, "Akut sag; Eva har kapacitet i denne periode", reason)
}

func TestTeamPauseThroughTheAPI(t *testing.T) {
	app := apptest.Start(t)
	anna := as{t: t, app: app, user: "konsulent.anna"}
	ulla := as{t: t, app: app, user: "leder.ulla"}
	var created struct{ ID string }
	ref := validReferral()
	ref["start_date"] = app.Day(0, 0, -1)
	require.Equal(t, http.StatusCreated, anna.do("POST", "/api/v1/courses", ref, &created).StatusCode)
	require.Eventually(t, func() bool {
		_, err := app.Store.GetCourse(context.Background(), created.ID)
		return err == nil
	}, 10*time.Second, 100*time.Millisecond)

	resume := app.Day(0, 3, 0)
	var p api.Problem
	assert.Equal(t, http.StatusForbidden, anna.do("POST", "/api/v1/teams/ungeteam/pause", map[string]any{"planned_resume": resume, "reason": "x"}, &p).StatusCode)
	require.Equal(t, http.StatusAccepted, ulla.do("POST", "/api/v1/teams/ungeteam/pause", map[string]any{"planned_resume": resume, "reason": "Omorganisering"}, nil).StatusCode)
	assert.Equal(t, http.StatusConflict, ulla.do("POST", "/api/v1/teams/ungeteam/pause", map[string]any{"planned_resume": resume, "reason": "igen"}, &p).StatusCode)

	require.Eventually(t, func() bool {
		var st course.State
		anna.do("GET", "/api/v1/courses/"+created.ID, nil, &st)
		return st.Phase == domain.PhasePaused
	}, 10*time.Second, 100*time.Millisecond, "the course paused with its team")

	second := validReferral()
	second["citizens"] = []map[string]any{{"cpr": "020304-5678", "name": "Anden"}}
	resp := anna.do("POST", "/api/v1/courses", second, &p)
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "a paused team takes no referrals")
	assert.Contains(t, p.Detail, "paused")

	require.Equal(t, http.StatusOK, ulla.do("POST", "/api/v1/teams/ungeteam/resume", nil, nil).StatusCode)
	require.Eventually(t, func() bool {
		var st course.State
		anna.do("GET", "/api/v1/courses/"+created.ID, nil, &st)
		return st.Phase == domain.PhaseActive && len(st.Pauses) == 1 && st.Pauses[0].ResumedAt != nil
	}, 10*time.Second, 100*time.Millisecond, "the course resumed with its team")
	assert.Equal(t, http.StatusConflict, ulla.do("POST", "/api/v1/teams/ungeteam/resume", nil, &p).StatusCode, "not paused any more")

	var closed course.State
	require.Equal(t, http.StatusOK, anna.do("POST", "/api/v1/courses/"+created.ID+"/close",
		map[string]any{"outcome": "handed_back", "date": app.Day(0, 0, 0)}, &closed).StatusCode)
	app.RecordHistory(course.WorkflowID(created.ID), "../workflows/course/testdata/paused_resumed_handed_back.json")
	app.RecordHistory(teampause.WorkflowID("ungeteam"), "../workflows/teampause/testdata/pause_resume.json")
}

func TestAuthentication(t *testing.T) {
	app := apptest.Start(t)
	var p api.Problem
	resp := as{t: t, app: app}.do("GET", "/api/v1/teams", nil, &p)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, domain.EUnauthorized, p.Code)

	resp = as{t: t, app: app, header: map[string]string{"Authorization": "Bearer not.a.token"}}.do("GET", "/api/v1/teams", nil, &p)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	resp = as{t: t, app: app, user: "nobody"}.do("GET", "/api/v1/teams", nil, &p)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "a valid token for someone who is not staff")

	resp = as{t: t, app: app, user: "sagsbehandler.lise"}.do("POST", "/api/v1/courses", validReferral(), &p)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, p.Detail, "consultant")
}
