package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/internal/testing/apptest"
	"tvp/workflows/course"
)

// A client may use an Idempotency-Key again once its answer has expired (IdempotencyTTL).
// The key alone made the new course's id and a step's Update id, so another referral under a
// reused key was taken for the first one repeated (200, the old course, no referral made) and
// another step for the old step (Temporal gave the old Update's result, nothing recorded):
// both lost without a word. The same request sent again late is still the same request.
func TestAKeyUsedAgainAfterItsAnswerExpiredDoesTheNewRequest(t *testing.T) {
	app := apptest.Start(t)
	anna := as{t: t, app: app, user: "konsulent.anna", header: map[string]string{"Idempotency-Key": "k-1"}}
	expire := func() {
		_, err := app.Store.DB().Exec("DELETE FROM idempotency_keys") // as the sweep does after the TTL
		require.NoError(t, err)
	}
	var first, second, late struct{ ID string }
	require.Equal(t, http.StatusCreated, anna.do("POST", "/api/v1/courses", validReferral(), &first).StatusCode)
	expire()
	other := validReferral()
	other["citizens"] = []map[string]any{{"cpr": "050607-1234", "name": "Anden Borger"}}
	require.Equal(t, http.StatusCreated, anna.do("POST", "/api/v1/courses", other, &second).StatusCode, "another referral under the key")
	assert.NotEqual(t, first.ID, second.ID)
	expire()
	resp := anna.do("POST", "/api/v1/courses", validReferral(), &late)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the first referral sent again late: the same referral")
	assert.Equal(t, first.ID, late.ID)
	var n int
	require.NoError(t, app.Store.DB().Get(&n, "SELECT count(*) FROM courses"))
	assert.Equal(t, 2, n)

	step := as{t: t, app: app, user: "konsulent.anna", header: map[string]string{"Idempotency-Key": "m-1"}}
	today := app.Day(0, 0, 0)
	var st course.State
	require.Equal(t, http.StatusOK, step.do("POST", "/api/v1/courses/"+first.ID+"/milestones", map[string]any{"outcome": "education", "date": today}, &st).StatusCode)
	expire()
	require.Equal(t, http.StatusOK, step.do("POST", "/api/v1/courses/"+first.ID+"/milestones", map[string]any{"outcome": "employment", "date": today}, &st).StatusCode)
	require.Len(t, st.Milestones, 2, "the second step under the reused key was taken")
	assert.Equal(t, "employment", string(st.Milestones[1].Outcome))
}
