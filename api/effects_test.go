package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/internal/testing/apptest"
	"tvp/internal/testing/storetest"
	"tvp/workflows/course"
)

// A write that the database refuses after the step was accepted, on the real Temporal server
// and PostgreSQL: the step answers 200, the course goes on, the effect is listed to an
// administrator (GET /effects/stuck and the inbox), and once the cause is fixed the
// administrator's retry makes it; the read model then equals the workflow, and the
// administrators' reminder is done.
func TestAStuckEffectIsShownAndRetriedThroughTheAPI(t *testing.T) {
	app := apptest.Start(t)
	anna := as{t: t, app: app, user: "konsulent.anna"}
	admin := as{t: t, app: app, user: "admin"}
	owner := storetest.MustOpenOwner(t, app.DatabaseURL)

	ref := validReferral()
	ref["start_date"] = app.Day(0, 0, -1)
	var created struct{ ID string }
	require.Equal(t, http.StatusCreated, anna.do("POST", "/api/v1/courses", ref, &created).StatusCode)
	path := "/api/v1/courses/" + created.ID
	var before course.State
	require.Equal(t, http.StatusOK, anna.do("GET", path, nil, &before).StatusCode)
	require.Eventually(t, func() bool {
		rec, err := app.Store.GetCourse(t.Context(), created.ID)
		return err == nil && rec.Revision == before.Revision
	}, 10*time.Second, 100*time.Millisecond, "the read model catches up")

	// The database refuses every newer revision of the course's row from now on (a check
	// violation: a permanent error, as a broken row or a missing foreign key would be).
	_, err := owner.DB().Exec(fmt.Sprintf(`ALTER TABLE courses ADD CONSTRAINT test_refuses_newer CHECK (revision <= %d) NOT VALID`, before.Revision))
	require.NoError(t, err)

	var st course.State
	resp := anna.do("POST", path+"/progressions", map[string]any{
		"scores": []map[string]any{{"goal_id": "g1", "score": 5}}, "note": "Godt i gang",
	}, &st)
	require.Equal(t, http.StatusOK, resp.StatusCode, "the step is accepted: its write is the workflow's to finish")
	require.Len(t, st.Progressions, 1)

	var stuck struct{ Items []map[string]any }
	require.Eventually(t, func() bool {
		require.Equal(t, http.StatusOK, admin.do("GET", "/api/v1/effects/stuck", nil, &stuck).StatusCode)
		return len(stuck.Items) > 0
	}, 20*time.Second, 200*time.Millisecond, "the stuck save is listed to an administrator")
	assert.Equal(t, created.ID, stuck.Items[0]["subject_id"])
	assert.Equal(t, "save", stuck.Items[0]["kind"])
	assert.NotEmpty(t, stuck.Items[0]["error"])
	assert.Eventually(t, func() bool {
		return openReminders(t, app, created.ID, "admin", domain.ReminderEffectsStuck) == 1
	}, 10*time.Second, 200*time.Millisecond, "the administrators are told, once")

	var later course.State
	require.Equal(t, http.StatusOK, anna.do("GET", path, nil, &later).StatusCode, "the course goes on")
	assert.Equal(t, domain.PhaseActive, later.Phase)
	var retried struct{ Stuck []domain.StuckEffect }
	require.Equal(t, http.StatusForbidden, anna.do("POST", path+"/retry-effects", nil, nil).StatusCode, "administrators retry")

	_, err = owner.DB().Exec(`ALTER TABLE courses DROP CONSTRAINT test_refuses_newer`)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, admin.do("POST", path+"/retry-effects", nil, &retried).StatusCode)
	assert.Empty(t, retried.Stuck, "made once the cause was fixed")
	require.Equal(t, http.StatusOK, admin.do("GET", "/api/v1/effects/stuck", nil, &stuck).StatusCode)
	assert.Empty(t, stuck.Items)
	rec, err := app.Store.GetCourse(t.Context(), created.ID)
	require.NoError(t, err)
	assert.Equal(t, later.Revision, rec.Revision, "the read model equals the workflow")
	assert.Eventually(t, func() bool {
		return openReminders(t, app, created.ID, "admin", domain.ReminderEffectsStuck) == 0
	}, 10*time.Second, 200*time.Millisecond, "the administrators' reminder is done")
}
