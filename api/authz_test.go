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
	"tvp/domain"
	"tvp/internal/testing/apptest"
)

// Every role against every kind of endpoint: allowed (any answer but 401/403), or 403 with a
// reason. Writes are sent with bodies that the step itself refuses, so that the fixture does
// not change between rows.
func TestEveryRoleAgainstEveryEndpoint(t *testing.T) {
	app := apptest.Start(t)
	var course, plan struct{ ID string }
	require.Equal(t, http.StatusCreated, as{t: t, app: app, user: "konsulent.anna"}.do("POST", "/api/v1/courses", validReferral(), &course).StatusCode)
	require.Equal(t, http.StatusCreated, as{t: t, app: app, user: "tovholder.ida"}.do("POST", "/api/v1/plans", enrolment(), &plan).StatusCode)
	require.Eventually(t, func() bool {
		c, err1 := app.Store.GetCourse(context.Background(), course.ID)
		p, err2 := app.Store.GetPlan(context.Background(), plan.ID)
		return err1 == nil && err2 == nil && c.Revision > 0 && p.Revision > 0
	}, 15*time.Second, 100*time.Millisecond)
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "konsulent.anna"}.do("POST", "/api/v1/courses/"+course.ID+"/extensions",
		map[string]any{"reason": "Mere tid", "new_end": app.Day(1, 1, 0)}, nil).StatusCode)
	rec, err := app.Store.GetCourse(context.Background(), course.ID)
	require.NoError(t, err)
	citizen := rec.CitizenIDs[0]

	users := []string{"konsulent.anna", "konsulent.bilal", "leder.ulla", "leder.finn", "styregruppe.bo",
		"tovholder.ida", "koordinator.jonas", "sagsbehandler.lise", "sagsbehandler.per", "admin"}
	endpoints := []struct {
		method, path string
		body         any
		allowed      []string
	}{
		{"GET", "/api/v1/courses/" + course.ID, nil, []string{"konsulent.anna", "leder.ulla", "styregruppe.bo", "admin"}},
		{"GET", "/api/v1/courses", nil, []string{"konsulent.anna", "konsulent.bilal", "leder.ulla", "leder.finn", "admin"}},
		{"POST", "/api/v1/courses", map[string]any{"team_id": "ungeteam"}, []string{"konsulent.anna", "konsulent.bilal", "leder.ulla"}},
		{"POST", "/api/v1/courses/" + course.ID + "/progressions",
			map[string]any{"scores": []map[string]any{{"goal_id": "nope", "score": 1}}, "note": "x"}, []string{"konsulent.anna", "leder.ulla"}},
		{"POST", "/api/v1/courses/" + course.ID + "/extensions/1/decision",
			map[string]any{"approve": true, "reason": "x"}, []string{"styregruppe.bo"}},
		{"GET", "/api/v1/extensions/pending", nil, []string{"styregruppe.bo", "admin"}},
		{"POST", "/api/v1/teams/ungeteam/resume", nil, []string{"leder.ulla"}},
		{"POST", "/api/v1/plans", map[string]any{"coordinator_id": "tovholder.ida"}, []string{"leder.ulla", "leder.finn", "tovholder.ida", "koordinator.jonas"}},
		{"GET", "/api/v1/plans/" + plan.ID, nil, []string{"tovholder.ida", "koordinator.jonas", "sagsbehandler.lise", "admin"}},
		{"GET", "/api/v1/plans", nil, []string{"konsulent.anna", "konsulent.bilal", "leder.ulla", "leder.finn",
			"tovholder.ida", "koordinator.jonas", "sagsbehandler.lise", "sagsbehandler.per", "admin"}},
		{"POST", "/api/v1/plans/" + plan.ID + "/meeting/invitation", nil, []string{"tovholder.ida"}},
		{"POST", "/api/v1/plans/" + plan.ID + "/citizen-meeting", map[string]any{"held_at": time.Now().UTC(), "note": "x"}, []string{"koordinator.jonas"}},
		{"GET", "/api/v1/citizens/" + citizen + "/access-log", nil, []string{"admin"}},
	}
	for _, ep := range endpoints {
		for _, u := range users {
			allowed := false
			for _, a := range ep.allowed {
				allowed = allowed || a == u
			}
			t.Run(ep.method+" "+ep.path[strings.LastIndex(ep.path, "v1/")+3:]+" as "+u, func(t *testing.T) {
				var p api.Problem
				resp := as{t: t, app: app, user: u}.do(ep.method, ep.path, ep.body, &p)
				if allowed {
					assert.NotContains(t, []int{401, 403}, resp.StatusCode, "%s may: %s", u, p.Detail)
					assert.Less(t, resp.StatusCode, 500, p.Detail)
				} else {
					assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s may not", u)
					assert.Equal(t, domain.EForbidden, p.Code)
					assert.NotEmpty(t, p.Detail, "a denial says why")
				}
			})
		}
	}
}
