package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/api"
	"tvp/internal/testing/apptest"
)

// Every POST endpoint refuses every class of malformed body with a 4xx problem, and nothing
// is written: no course or plan changes, nothing is audited.
func TestEveryEndpointRefusesMalformedBodies(t *testing.T) {
	app := apptest.Start(t)
	var course, plan struct{ ID string }
	ref := validReferral()
	ref["start_date"] = app.Day(0, 0, -1) // nothing falls due while the test runs
	require.Equal(t, http.StatusCreated, as{t: t, app: app, user: "konsulent.anna"}.do("POST", "/api/v1/courses", ref, &course).StatusCode)
	require.Equal(t, http.StatusCreated, as{t: t, app: app, user: "tovholder.ida"}.do("POST", "/api/v1/plans", enrolment(), &plan).StatusCode)
	require.Eventually(t, func() bool {
		c, err1 := app.Store.GetCourse(context.Background(), course.ID)
		p, err2 := app.Store.GetPlan(context.Background(), plan.ID)
		return err1 == nil && err2 == nil && c.Revision > 0 && p.Revision > 0
	}, 15*time.Second, 100*time.Millisecond)

	// An extension request waits, so that the steering group may decide on this course.
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "konsulent.anna"}.do("POST", "/api/v1/courses/"+course.ID+"/extensions",
		map[string]any{"reason": "Mere tid", "new_end": app.Day(1, 1, 0)}, nil).StatusCode)
	counts := func() (audit, revisions int) {
		require.NoError(t, app.Store.DB().Get(&audit, "SELECT count(*) FROM audit_log"))
		require.NoError(t, app.Store.DB().Get(&revisions,
			"SELECT (SELECT COALESCE(sum(revision), 0) FROM courses) + (SELECT COALESCE(sum(revision), 0) FROM collaboration_plans)"))
		return
	}
	// A person's first call links them to the register, which is audited: every caller below
	// calls once before the count.
	for _, u := range []string{"styregruppe.bo", "leder.ulla", "koordinator.jonas"} {
		require.Equal(t, http.StatusOK, as{t: t, app: app, user: u}.do("GET", "/api/v1/me/inbox", nil, nil).StatusCode)
	}
	// The referral and the enrolment are audited after their first save: wait for both.
	require.Eventually(t, func() bool {
		audit, _ := counts()
		return audit >= 3
	}, 15*time.Second, 100*time.Millisecond)
	auditBefore, revBefore := counts()

	endpoints := []struct{ user, path string }{
		{"konsulent.anna", "/api/v1/courses"},
		{"konsulent.anna", "/api/v1/courses/" + course.ID + "/progressions"},
		{"konsulent.anna", "/api/v1/courses/" + course.ID + "/milestones"},
		{"konsulent.anna", "/api/v1/courses/" + course.ID + "/extensions"},
		{"styregruppe.bo", "/api/v1/courses/" + course.ID + "/extensions/1/decision"},
		{"konsulent.anna", "/api/v1/courses/" + course.ID + "/close"},
		{"konsulent.anna", "/api/v1/courses/" + course.ID + "/move-to-collaboration"},
		{"leder.ulla", "/api/v1/teams/ungeteam/pause"},
		{"tovholder.ida", "/api/v1/plans"},
		{"koordinator.jonas", "/api/v1/plans/" + plan.ID + "/consent"},
		{"koordinator.jonas", "/api/v1/plans/" + plan.ID + "/consent/withdraw"},
		{"tovholder.ida", "/api/v1/plans/" + plan.ID + "/meeting/schedule"},
		{"tovholder.ida", "/api/v1/plans/" + plan.ID + "/meeting/held"},
		{"tovholder.ida", "/api/v1/plans/" + plan.ID + "/meeting/not-held"},
		{"tovholder.ida", "/api/v1/plans/" + plan.ID + "/meetings/1/minutes"},
		{"koordinator.jonas", "/api/v1/plans/" + plan.ID + "/citizen-meeting"},
		{"tovholder.ida", "/api/v1/plans/" + plan.ID + "/participants"},
		{"tovholder.ida", "/api/v1/plans/" + plan.ID + "/leave"},
	}
	bodies := []struct {
		name   string
		body   string
		status int
	}{
		{"not JSON", `{"`, 422},
		{"not an object", `[1,2]`, 422},
		{"an unknown field", `{"phase":"closed"}`, 422},
		{"a wrong type", `{"reason":42,"note":42,"date":42,"scope":42,"at":42,"minutes":42,"team_id":42,"held_at":42,"planned_resume":42,"outcome":42}`, 422},
		{"missing fields", `{}`, 422},
		{"too large", `{"reason":"` + strings.Repeat("x", api.MaxBodyBytes) + `"}`, 413},
	}
	for _, ep := range endpoints {
		for _, b := range bodies {
			if b.name == "missing fields" && strings.HasSuffix(ep.path, "/participants") {
				continue // every field of a participants change is optional; an empty change is refused by the step
			}
			t.Run(ep.path[strings.LastIndex(ep.path, "v1/")+3:]+" "+b.name, func(t *testing.T) {
				var p api.Problem
				resp := as{t: t, app: app, user: ep.user}.do("POST", ep.path, b.body, &p)
				assert.Equal(t, b.status, resp.StatusCode, p.Detail)
				assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
				assert.NotEmpty(t, p.Code)
				assert.NotEmpty(t, p.Detail)
			})
		}
	}
	auditAfter, revAfter := counts()
	assert.Equal(t, auditBefore, auditAfter, "nothing was audited: nothing happened")
	assert.Equal(t, revBefore, revAfter, "no course or plan changed")
}
