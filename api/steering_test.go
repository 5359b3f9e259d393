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
	"tvp/internal/dev/demo"
	"tvp/internal/testing/apptest"
	"tvp/report"
	"tvp/workflows/course"
)

// decision is a decision of the steering group, made on the test's today.
func decision(app *apptest.App, title string) map[string]any {
	return map[string]any{"decided_on": app.Day(0, 0, 0), "body": "steering_group", "title": title, "text": "Besluttet i styregruppen"}
}

func familyReferral(cpr, start string, consultants ...string) map[string]any {
	return map[string]any{
		"team_id": "familieteam", "citizens": []map[string]any{{"cpr": cpr, "name": "Forælder"}},
		"consultant_ids": consultants, "start_date": start, "goals": []map[string]any{{"text": "Trivsel"}},
	}
}

func waitCourse(t *testing.T, app *apptest.App, id string) {
	t.Helper()
	require.Eventually(t, func() bool {
		rec, err := app.Store.GetCourse(context.Background(), id)
		return err == nil && rec.Revision > 0
	}, 15*time.Second, 100*time.Millisecond)
}

// The seed's option b for Familieteam: full time, two consultants per family, two-year
// courses, from a date. A running course keeps its terms; one referred after gets the new;
// a steering-group decision moves the running ones, and their ends and timers follow.
func TestReorganiseATeam(t *testing.T) {
	app := apptest.Start(t)
	eva := as{t: t, app: app, user: "konsulent.eva"}
	bo := as{t: t, app: app, user: "styregruppe.bo"}
	var before struct{ ID string }
	require.Equal(t, http.StatusCreated, eva.do("POST", "/api/v1/courses", familyReferral("010180-1111", app.Day(0, 0, 0), "konsulent.eva"), &before).StatusCode)
	waitCourse(t, app, before.ID)
	var st0 course.State
	require.Equal(t, http.StatusOK, eva.do("GET", "/api/v1/courses/"+before.ID, nil, &st0).StatusCode)

	team, err := app.Store.GetTeam(context.Background(), "familieteam")
	require.NoError(t, err)
	next := team.Settings
	next.CourseLength, next.ConsultantsMin, next.ConsultantsMax = domain.Years(2), 2, 3
	from := app.Day(0, 0, 7)
	var p api.Problem
	assert.Equal(t, http.StatusForbidden, eva.do("POST", "/api/v1/teams/familieteam/reorganise", map[string]any{
		"effective_from": from, "settings": next, "decision": decision(app, "Option b")}, &p).StatusCode)
	require.Equal(t, http.StatusOK, bo.do("POST", "/api/v1/teams/familieteam/reorganise", map[string]any{
		"effective_from": from, "settings": next, "decision": decision(app, "Familieteamet reorganiseres (option b)")}, nil).StatusCode)

	var st course.State
	require.Equal(t, http.StatusOK, eva.do("GET", "/api/v1/courses/"+before.ID, nil, &st).StatusCode)
	assert.Equal(t, st0.PlannedEnd, st.PlannedEnd, "a running course keeps its terms")

	resp := eva.do("POST", "/api/v1/courses", familyReferral("010181-2222", from, "konsulent.eva"), &p)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "two consultants per family from the date")
	assert.Equal(t, "consultant_ids", p.Field)
	var after struct{ ID string }
	require.Equal(t, http.StatusCreated, eva.do("POST", "/api/v1/courses", familyReferral("010181-2222", from, "konsulent.eva", "konsulent.frida"), &after).StatusCode)
	waitCourse(t, app, after.ID)
	require.Equal(t, http.StatusOK, eva.do("GET", "/api/v1/courses/"+after.ID, nil, &st).StatusCode)
	assert.Equal(t, domain.Years(2).After(day(from)), st.PlannedEnd.UTC(), "the new duration: two years in the calendar")

	// The steering group moves the running courses to the new terms.
	var moved struct {
		DecisionID   int64    `json:"decision_id"`
		MovedCourses []string `json:"moved_courses"`
	}
	require.Equal(t, http.StatusOK, bo.do("POST", "/api/v1/teams/familieteam/reorganise", map[string]any{
		"effective_from": from, "settings": next, "move_running": true, "decision": decision(app, "Løbende forløb flyttes til nye vilkår")}, &moved).StatusCode)
	assert.ElementsMatch(t, []string{before.ID, after.ID}, moved.MovedCourses)
	require.Equal(t, http.StatusOK, eva.do("GET", "/api/v1/courses/"+before.ID, nil, &st).StatusCode)
	assert.Equal(t, domain.Years(2).After(st0.StartDate.UTC()), st.PlannedEnd.UTC(), "the end moved by a year: two years from the start")
	require.Len(t, st.TermsChanges, 1)
	assert.Equal(t, moved.DecisionID, st.TermsChanges[0].DecisionID)
	assert.False(t, st.EndReminderSentFor.Equal(st.PlannedEnd), "the end reminder is armed for the new end")
	require.Eventually(t, func() bool {
		rec, err := app.Store.GetCourse(context.Background(), before.ID)
		return err == nil && rec.PlannedEnd.Equal(st.PlannedEnd)
	}, 10*time.Second, 100*time.Millisecond, "the read model has the new end")

	var register struct{ Items []domain.Decision }
	require.Equal(t, http.StatusOK, bo.do("GET", "/api/v1/decisions?team=familieteam", nil, &register).StatusCode)
	require.Len(t, register.Items, 2)
	var linked int
	for _, ch := range register.Items[0].Changes {
		if ch.Kind == "course_terms" {
			linked++
		}
	}
	assert.Equal(t, 2, linked, "the decision links the courses it moved")
}

// The seed's option a: no new referrals from a date; the open courses are handed back; the
// team closes when none is left.
func TestPhaseOutATeam(t *testing.T) {
	app := apptest.Start(t)
	eva := as{t: t, app: app, user: "konsulent.eva"}
	finn := as{t: t, app: app, user: "leder.finn"}
	var c1, c2 struct{ ID string }
	require.Equal(t, http.StatusCreated, eva.do("POST", "/api/v1/courses", familyReferral("010180-1111", app.Day(0, 0, 0), "konsulent.eva"), &c1).StatusCode)
	require.Equal(t, http.StatusCreated, eva.do("POST", "/api/v1/courses", familyReferral("010180-3333", app.Day(0, 0, 0), "konsulent.eva"), &c2).StatusCode)
	waitCourse(t, app, c1.ID)
	waitCourse(t, app, c2.ID)
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "styregruppe.dorte"}.do("POST", "/api/v1/teams/familieteam/phase-out",
		map[string]any{"from": app.Day(0, 0, 0), "decision": decision(app, "Familieteamet udfases (option a)")}, nil).StatusCode)

	var p api.Problem
	resp := eva.do("POST", "/api/v1/courses", familyReferral("010182-4444", app.Day(0, 0, 0), "konsulent.eva"), &p)
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Contains(t, p.Detail, "phased out")

	var w struct {
		Closed   bool                  `json:"closed"`
		Worklist []domain.CourseRecord `json:"worklist"`
	}
	require.Equal(t, http.StatusOK, finn.do("GET", "/api/v1/teams/familieteam/worklist", nil, &w).StatusCode)
	assert.Len(t, w.Worklist, 2)
	assert.False(t, w.Closed)
	for _, id := range []string{c1.ID, c2.ID} {
		require.Equal(t, http.StatusOK, finn.do("POST", "/api/v1/courses/"+id+"/close",
			map[string]any{"outcome": "handed_back", "date": app.Day(0, 0, 0)}, nil).StatusCode)
	}
	require.Eventually(t, func() bool {
		finn.do("GET", "/api/v1/teams/familieteam/worklist", nil, &w)
		return w.Closed
	}, 15*time.Second, 200*time.Millisecond, "the team did not close after its last course was handed back")
	assert.Empty(t, w.Worklist)
}

// The steering report: actual against target, and resources, for data with known figures
// (the seed's Ungeteam: 55 referred, 26 open, 24 reached employment or education).
func TestSteeringReportActualAgainstTarget(t *testing.T) {
	app := apptest.Start(t)
	loadSeedUngeteam(t, app.Store)
	require.NoError(t, demo.LoadDecisions(context.Background(), app.Store))
	require.NoError(t, demo.LoadDecisions(context.Background(), app.Store), "loaded once")
	bo := as{t: t, app: app, user: "styregruppe.bo"}
	require.Equal(t, http.StatusOK, bo.do("POST", "/api/v1/teams/ungeteam/targets", map[string]any{
		"targets": []map[string]any{
			{"key": "employment_or_education_share", "target": 0.5, "description": "Halvdelen i job eller uddannelse"},
			{"key": "capacity_use", "target": 0.6, "description": "Fuld ressourceudnyttelse"},
		}, "decision": decision(app, "Nye målsætninger")}, nil).StatusCode)

	var r report.Steering
	// tvp:fixed-date the seed's report is as of 1 July 2020
	require.Equal(t, http.StatusOK, bo.do("GET", "/api/v1/reports/steering?as_of=2020-07-01", nil, &r).StatusCode)
	var unge report.TeamSteering
	for _, ts := range r.Teams {
		if ts.TeamID == "ungeteam" {
			unge = ts
		}
	}
	assert.Equal(t, 55, unge.Referred)
	assert.Equal(t, 26, unge.Open)
	assert.Equal(t, 24, unge.ReachedEmpEdu, "5 in employment, 19 in education")
	got := map[domain.TargetKey]report.TargetLine{}
	for _, l := range unge.Targets {
		got[l.Key] = l
	}
	assert.Equal(t, report.TargetLine{Key: "employment_or_education_share", Description: "Halvdelen i job eller uddannelse", Target: 0.5, Actual: 0.436, Met: false}, got["employment_or_education_share"])
	assert.Equal(t, report.TargetLine{Key: "capacity_use", Description: "Fuld ressourceudnyttelse", Target: 0.6, Actual: 0.65, Met: true}, got["capacity_use"], "26 open against 4 consultants × 10")
	// Staff: a lead (37 h) and four half-time consultants (4 × 17 h) = 105 h = 2.84 FTE.
	assert.Equal(t, 105.0, unge.StaffHours)
	assert.Equal(t, 2.84, unge.FTE)
	assert.Equal(t, 1560811.0, unge.CostDKK, "105/37 × 550,000 DKK")
	assert.Equal(t, 60031.0, unge.CostPerOpenCourse)
	assert.Equal(t, 65034.0, unge.CostPerEmpEdu)
	assert.Equal(t, 400000.0, r.Resources.PoolDKK)

	var register struct{ Items []domain.Decision }
	require.Equal(t, http.StatusOK, bo.do("GET", "/api/v1/decisions", nil, &register).StatusCode)
	assert.Len(t, register.Items, len(demo.Decisions)+1, "the seed's history and the new targets")
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// A pause has a latest resume date ("genoptages senest 1. januar"): it is given with the pause,
// and a new decision of the steering group moves it, recorded in the register. The lead still
// resumes the team before it.
func TestPauseLatestResumeDateMovedByDecision(t *testing.T) {
	app := apptest.Start(t)
	finn := as{t: t, app: app, user: "leder.finn"}
	bo := as{t: t, app: app, user: "styregruppe.bo"}
	planned := app.Day(0, 2, 0)
	latest := app.Day(0, 3, 0)
	var p api.Problem
	assert.Equal(t, http.StatusUnprocessableEntity, finn.do("POST", "/api/v1/teams/familieteam/pause",
		map[string]any{"planned_resume": latest, "resume_by": planned, "reason": "x"}, &p).StatusCode, "the latest date is not before the planned one")
	assert.Equal(t, "resume_by", p.Field)
	var started struct {
		ResumeBy string `json:"resume_by"`
	}
	require.Equal(t, http.StatusAccepted, finn.do("POST", "/api/v1/teams/familieteam/pause",
		map[string]any{"planned_resume": planned, "resume_by": latest, "reason": "Ny organisering"}, &started).StatusCode)
	t.Cleanup(func() { finn.do("POST", "/api/v1/teams/familieteam/resume", nil, nil) })
	assert.Equal(t, latest, started.ResumeBy)
	require.Eventually(t, func() bool {
		_, err := app.Store.OpenTeamPause(context.Background(), "familieteam")
		return err == nil
	}, 10*time.Second, 100*time.Millisecond)

	later := app.Day(0, 4, 0)
	body := map[string]any{"resume_by": later, "decision": decision(app, "Familieteamet genoptages senest "+later)}
	assert.Equal(t, http.StatusForbidden, finn.do("POST", "/api/v1/teams/familieteam/pause/resume-by", body, &p).StatusCode, "a decision, not the lead's")
	var moved struct {
		ResumeBy time.Time `json:"resume_by"`
		Moves    []struct {
			DecisionID int64 `json:"decision_id"`
		} `json:"moves"`
	}
	require.Equal(t, http.StatusOK, bo.do("POST", "/api/v1/teams/familieteam/pause/resume-by", body, &moved).StatusCode)
	assert.Equal(t, later, moved.ResumeBy.UTC().Format(time.DateOnly))
	require.Len(t, moved.Moves, 1)
	var register struct{ Items []domain.Decision }
	require.Equal(t, http.StatusOK, bo.do("GET", "/api/v1/decisions?team=familieteam", nil, &register).StatusCode)
	require.NotEmpty(t, register.Items)
	assert.Equal(t, moved.Moves[0].DecisionID, register.Items[0].ID, "the move is the register's newest decision about the team")

	var resumed struct {
		ResumedBy            string `json:"resumed_by"`
		ResumedAutomatically bool   `json:"resumed_automatically"`
	}
	require.Equal(t, http.StatusOK, finn.do("POST", "/api/v1/teams/familieteam/resume", nil, &resumed).StatusCode)
	assert.Equal(t, "leder.finn", resumed.ResumedBy)
	assert.False(t, resumed.ResumedAutomatically)
	assert.Equal(t, http.StatusConflict, bo.do("POST", "/api/v1/teams/familieteam/pause/resume-by", body, &p).StatusCode, "no pause to move")
}
