package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"tvp/api"
	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/internal/testing/apptest"
	"tvp/workflows/course"
)

// The defects of the access issue, each reproduced against the API as it was, each a test.

// A team lead who does not lead the plan's coordinator may not change its participants (it
// replaced the coordinator and answered with the whole plan); the coordinator's lead may, and
// gets back what a GET gives them: the plan's course of meetings, not its content.
func TestOnlyThePlansOwnPeopleChangeItsParticipants(t *testing.T) {
	app := apptest.Start(t)
	var plan struct{ ID string }
	require.Equal(t, http.StatusCreated, as{t: t, app: app, user: "tovholder.ida"}.do("POST", "/api/v1/plans", enrolment(), &plan).StatusCode)
	waitPlan(t, app, plan.ID)
	change := map[string]any{"new_coordinator": "tovholder.nina"}
	var p api.Problem
	for _, u := range []string{"leder.ulla", "leder.finn"} {
		assert.Equal(t, http.StatusForbidden, as{t: t, app: app, user: u}.do("POST", "/api/v1/plans/"+plan.ID+"/participants", change, &p).StatusCode, u)
	}
	rec, err := app.Store.GetPlan(context.Background(), plan.ID)
	require.NoError(t, err)
	assert.Equal(t, "tovholder.ida", rec.CoordinatorID, "the coordinator is unchanged")

	var raw json.RawMessage
	resp := as{t: t, app: app, user: "leder.karen"}.do("POST", "/api/v1/plans/"+plan.ID+"/participants", change, &raw)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	assert.Equal(t, "tovholder.nina", doc["coordinator_id"])
	for _, k := range []string{"citizen_id", "form_versions", "consent"} {
		assert.NotContains(t, doc, k, "the coordinator's lead reads the plan's course, not its content")
	}
	var get map[string]any
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "leder.karen"}.do("GET", "/api/v1/plans/"+plan.ID, nil, &get).StatusCode)
	assert.ElementsMatch(t, keys(get), keys(doc), "the step's answer is what a GET answers")
}

// The steering group's decision answered with the whole course: goals, notes, citizens.
func TestTheSteeringGroupsDecisionAnswersItsViewOnly(t *testing.T) {
	app := apptest.Start(t)
	id := referAndWait(t, app, "konsulent.anna", validReferral())
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "konsulent.anna"}.do("POST", "/api/v1/courses/"+id+"/progressions",
		map[string]any{"scores": []map[string]any{{"goal_id": "g1", "score": 4}}, "note": "Fortroligt: misbrug i hjemmet"}, nil).StatusCode)
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "konsulent.anna"}.do("POST", "/api/v1/courses/"+id+"/extensions",
		map[string]any{"reason": "Mere tid", "new_end": app.Day(1, 3, 0)}, nil).StatusCode)
	var raw json.RawMessage
	resp := as{t: t, app: app, user: "styregruppe.bo"}.do("POST", "/api/v1/courses/"+id+"/extensions/1/decision",
		map[string]any{"approve": true, "reason": "Godkendt"}, &raw)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	assert.NotContains(t, string(raw), "Fortroligt", "no progression note")
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	for _, k := range []string{"citizen_ids", "goals", "progressions", "consultant_ids", "milestones", "close_note"} {
		assert.NotContains(t, doc, k)
	}
	assert.Contains(t, doc, "extensions")
	var get json.RawMessage
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "styregruppe.bo"}.do("GET", "/api/v1/courses/"+id, nil, &get).StatusCode)
	assert.NotContains(t, string(get), "Fortroligt")
}

// A team lead referred citizens to another team and overrode its caseload norm, and the course
// workflow accepted steps from any team lead.
func TestALeadActsInTheirOwnTeamOnly(t *testing.T) {
	app := apptest.Start(t)
	var p api.Problem
	ref := validReferral()
	ref["caseload_override_reason"] = "Travlt"
	assert.Equal(t, http.StatusForbidden, as{t: t, app: app, user: "leder.finn"}.do("POST", "/api/v1/courses", ref, &p).StatusCode)
	var n int
	require.NoError(t, app.Store.DB().Get(&n, "SELECT count(*) FROM courses"))
	assert.Zero(t, n)

	id := referAndWait(t, app, "konsulent.anna", validReferral())
	// Straight to the workflow, past the service: the workflow's own check refuses too.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := app.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: course.WorkflowID(id), UpdateName: course.UpdateClose, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{course.CloseRequest{Actor: demo.Actor("leder.finn"), Outcome: domain.OutcomeNoResult, Date: time.Now()}},
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	require.Error(t, err)
	assert.Contains(t, err.Error(), "forbidden")
	rec, err := app.Store.GetCourse(ctx, id)
	require.NoError(t, err)
	assert.NotEqual(t, domain.PhaseClosed, rec.Phase)
}

// A refused referral overwrote the known citizen's name, and its 409 told any caller whether
// the CPR number was in the programme and in which course.
func TestARefusedReferralChangesNoCitizen(t *testing.T) {
	app := apptest.Start(t)
	id := referAndWait(t, app, "konsulent.anna", validReferral())
	rec, err := app.Store.GetCourse(context.Background(), id)
	require.NoError(t, err)
	again := validReferral()
	again["citizens"] = []map[string]any{{"cpr": "010203-1234", "name": "Et andet navn"}}
	again["consultant_ids"] = []string{"konsulent.bilal"}
	var p api.Problem
	require.Equal(t, http.StatusConflict, as{t: t, app: app, user: "konsulent.bilal"}.do("POST", "/api/v1/courses", again, &p).StatusCode)
	assert.NotContains(t, p.Detail, id, "the course is not named to someone who may not read it")
	cz, err := app.Store.GetCitizen(context.Background(), rec.CitizenIDs[0])
	require.NoError(t, err)
	assert.Equal(t, "Test Testesen", cz.Name, "a refused referral writes nothing about the citizen")
	// The course's own consultant is told which course it is.
	again["consultant_ids"] = []string{"konsulent.anna"}
	require.Equal(t, http.StatusConflict, as{t: t, app: app, user: "konsulent.anna"}.do("POST", "/api/v1/courses", again, &p).StatusCode)
	assert.Contains(t, p.Detail, id)
	// Bilal's probe is in the citizen's access log, as refused.
	entries, err := app.Store.CitizenAccessLog(context.Background(), rec.CitizenIDs[0])
	require.NoError(t, err)
	assert.True(t, hasEntry(entries, "konsulent.bilal", "course.refer", true))

	// A refused enrolment writes nothing about a new citizen either.
	bad := enrolment()
	bad["citizen"] = map[string]any{"cpr": "121212-1212", "name": "Ny Borger"}
	bad["caseworker_ids"] = []string{"sagsbehandler.lise", "sagsbehandler.lise"}
	require.Equal(t, http.StatusUnprocessableEntity, as{t: t, app: app, user: "tovholder.ida"}.do("POST", "/api/v1/plans", bad, &p).StatusCode)
	var n int
	require.NoError(t, app.Store.DB().Get(&n, "SELECT count(*) FROM citizens WHERE name = 'Ny Borger'"))
	assert.Zero(t, n)
}

// move-to-collaboration reserved the plan before it asked whether the caller might move the
// course: an outsider learnt from 409 against 403 who had a plan.
func TestAMoveIsCheckedBeforeAPlanIsReserved(t *testing.T) {
	app := apptest.Start(t)
	id := referAndWait(t, app, "konsulent.anna", validReferral())
	enrol := enrolment()
	enrol["citizen"] = map[string]any{"cpr": "010203-1234", "name": "Test Testesen"} // the course's citizen
	var plan struct{ ID string }
	require.Equal(t, http.StatusCreated, as{t: t, app: app, user: "tovholder.ida"}.do("POST", "/api/v1/plans", enrol, &plan).StatusCode)
	waitPlan(t, app, plan.ID)
	move := map[string]any{"date": app.Day(0, 0, 0), "coordinator_id": "tovholder.ida", "coordinating_caseworker_id": "koordinator.jonas",
		"caseworker_ids": []string{"sagsbehandler.lise", "sagsbehandler.mads"}}
	var p api.Problem
	assert.Equal(t, http.StatusForbidden, as{t: t, app: app, user: "konsulent.bilal"}.do("POST", "/api/v1/courses/"+id+"/move-to-collaboration", move, &p).StatusCode)
	assert.NotContains(t, p.Detail, "collaboration model")
	assert.Equal(t, http.StatusConflict, as{t: t, app: app, user: "konsulent.anna"}.do("POST", "/api/v1/courses/"+id+"/move-to-collaboration", move, &p).StatusCode)
	var plans int
	require.NoError(t, app.Store.DB().Get(&plans, "SELECT count(*) FROM collaboration_plans"))
	assert.Equal(t, 1, plans)
}

// Parallel referrals passed the caseload norm: four at once for a consultant with 9 of 10 gave
// 11 open courses. Ten at once for a consultant one below the norm: exactly one is accepted,
// twenty times over.
func TestReferralsAtOnceKeepTheNorm(t *testing.T) {
	app := apptest.Start(t)
	dennis := as{t: t, app: app, user: "konsulent.dennis"}
	cpr := func(round, i int) string { return fmt.Sprintf("%02d%02d90-%04d", 1+round%28, 1+i%12, round*100+i) }
	referral := func(c string) map[string]any {
		r := validReferral()
		r["citizens"] = []map[string]any{{"cpr": c, "name": "Borger " + c}}
		r["consultant_ids"] = []string{"konsulent.dennis"}
		return r
	}
	for i := 0; i < 9; i++ { // Ungeteam: 10 per half-time consultant; Dennis has 9
		require.Equal(t, http.StatusCreated, dennis.do("POST", "/api/v1/courses", referral(cpr(99, i)), nil).StatusCode)
	}
	openCourses := func() int {
		var n int
		require.NoError(t, app.Store.DB().Get(&n, `SELECT count(*) FROM course_consultants cc JOIN courses c ON c.id = cc.course_id
			WHERE cc.staff_id = 'konsulent.dennis' AND cc.active AND c.phase <> 'closed'`))
		return n
	}
	for round := 0; round < 20; round++ {
		require.Equal(t, 9, openCourses())
		statuses := make([]int, 10)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				body, _ := json.Marshal(referral(cpr(round, i)))
				req, _ := http.NewRequest("POST", app.URL+"/api/v1/courses", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+app.Token("konsulent.dennis"))
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					statuses[i] = resp.StatusCode
					resp.Body.Close()
				}
			}(i)
		}
		wg.Wait()
		created, refused := 0, 0
		var newest string
		for _, st := range statuses {
			switch st {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
				refused++
			}
		}
		require.Equal(t, 1, created, "round %d: exactly one accepted (%v)", round, statuses)
		require.Equal(t, 9, refused, "round %d: the others refused by the norm (%v)", round, statuses)
		require.Equal(t, 10, openCourses())
		// Close the newest, so the next round starts one below the norm again.
		require.NoError(t, app.Store.DB().Get(&newest, `SELECT c.id::text FROM courses c JOIN course_consultants cc ON cc.course_id = c.id
			WHERE cc.staff_id = 'konsulent.dennis' AND c.phase <> 'closed' ORDER BY c.created_at DESC LIMIT 1`))
		waitCourse(t, app, newest)
		require.Equal(t, http.StatusOK, dennis.do("POST", "/api/v1/courses/"+newest+"/close",
			map[string]any{"outcome": "no_result", "date": app.Day(0, 0, 0)}, nil).StatusCode)
		require.Eventually(t, func() bool { return openCourses() == 9 }, 10*time.Second, 50*time.Millisecond)
	}
}

// Refused reads were not audited; lists were audited without their citizens; the steering
// group's worklist, a team's worklist, the register, codec decodes and idempotent replays were
// not audited at all.
func TestEveryReadIsInTheCitizensAccessLog(t *testing.T) {
	app := apptest.Start(t)
	id := referAndWait(t, app, "konsulent.anna", validReferral())
	rec, err := app.Store.GetCourse(context.Background(), id)
	require.NoError(t, err)
	citizen := rec.CitizenIDs[0]
	anna := as{t: t, app: app, user: "konsulent.anna"}
	require.Equal(t, http.StatusOK, anna.do("POST", "/api/v1/courses/"+id+"/extensions",
		map[string]any{"reason": "Mere tid", "new_end": app.Day(1, 3, 0)}, nil).StatusCode)

	require.Equal(t, http.StatusForbidden, as{t: t, app: app, user: "konsulent.bilal"}.do("GET", "/api/v1/courses/"+id, nil, nil).StatusCode)
	require.Equal(t, http.StatusOK, anna.do("GET", "/api/v1/courses", nil, nil).StatusCode)
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "styregruppe.bo"}.do("GET", "/api/v1/extensions/pending", nil, nil).StatusCode)
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "leder.ulla"}.do("GET", "/api/v1/teams/ungeteam/worklist", nil, nil).StatusCode)
	pageReq, _ := http.NewRequest("GET", app.URL+"/styregruppe", nil)
	pageReq.AddCookie(app.SessionCookie("styregruppe.dorte"))
	resp, err := http.DefaultClient.Do(pageReq)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "styregruppe.bo"}.do("POST", "/api/v1/courses/"+id+"/extensions/1/decision",
		map[string]any{"approve": false, "reason": "Nej"}, nil).StatusCode)
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "leder.ulla"}.do("GET", "/api/v1/decisions", nil, nil).StatusCode)
	// An idempotent replay.
	keyed := as{t: t, app: app, user: "konsulent.anna", header: map[string]string{"Idempotency-Key": "ms-1"}}
	ms := map[string]any{"outcome": "education", "date": app.Day(0, 0, 0)}
	require.Equal(t, http.StatusOK, keyed.do("POST", "/api/v1/courses/"+id+"/milestones", ms, nil).StatusCode)
	resp = keyed.do("POST", "/api/v1/courses/"+id+"/milestones", ms, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "true", resp.Header.Get("Idempotent-Replayed"))

	entries, err := app.Store.CitizenAccessLog(context.Background(), citizen)
	require.NoError(t, err)
	for _, w := range []struct {
		actor, action string
		refused       bool
	}{
		{"konsulent.bilal", "course.read", true},
		{"konsulent.anna", "courses.search", false},
		{"styregruppe.bo", "extensions.pending", false},
		{"styregruppe.dorte", "extensions.pending", false},
		{"leder.ulla", "team.worklist", false},
		{"leder.ulla", "decisions.read", false},
		{"konsulent.anna", "request.replayed", false},
	} {
		assert.True(t, hasEntry(entries, w.actor, w.action, w.refused), "%s %s (refused %v) is in the citizen's log", w.actor, w.action, w.refused)
	}
	// The export shows it to the citizen, refusals marked.
	var log struct {
		Entries []struct {
			Actor, Action string
			Refused       bool
		}
	}
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "admin"}.do("GET", "/api/v1/citizens/"+citizen+"/access-log", nil, &log).StatusCode)
	found := false
	for _, e := range log.Entries {
		found = found || (e.Actor == "konsulent.bilal" && e.Refused)
	}
	assert.True(t, found, "the refused look-up is in the export")

	// Codec decodes, refused or not, are audited.
	for _, u := range []string{"admin", "konsulent.anna"} {
		req, _ := http.NewRequest("POST", app.URL+"/codec/decode", strings.NewReader(`{"payloads":[]}`))
		req.Header.Set("Authorization", "Bearer "+app.Token(u))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	var decodes, refusedDecodes int
	require.NoError(t, app.Store.DB().Get(&decodes, "SELECT count(*) FROM audit_log WHERE action = 'payloads.decode' AND actor_id = 'admin' AND NOT refused"))
	require.NoError(t, app.Store.DB().Get(&refusedDecodes, "SELECT count(*) FROM audit_log WHERE action = 'payloads.decode' AND actor_id = 'konsulent.anna' AND refused"))
	assert.Equal(t, 1, decodes)
	assert.Equal(t, 1, refusedDecodes)
}

// An idempotent replay gave the stored answer without asking the access rules again, and the
// stored answers (whole courses) were kept for ever.
func TestAReplayIsCheckedForAccessAgain(t *testing.T) {
	app := apptest.Start(t)
	id := referAndWait(t, app, "konsulent.anna", validReferral())
	ulla := as{t: t, app: app, user: "leder.ulla", header: map[string]string{"Idempotency-Key": "ulla-ms"}}
	ms := map[string]any{"outcome": "education", "date": app.Day(0, 0, 0)}
	require.Equal(t, http.StatusOK, ulla.do("POST", "/api/v1/courses/"+id+"/milestones", ms, nil).StatusCode)
	// Ulla moves to Familieteam: she leads the course's team no more.
	ctx := context.Background()
	m, err := app.Store.GetStaff(ctx, "leder.ulla")
	require.NoError(t, err)
	other := "familieteam"
	m.TeamID = &other
	require.NoError(t, app.Store.UpsertStaff(ctx, m))
	var p api.Problem
	resp := ulla.do("POST", "/api/v1/courses/"+id+"/milestones", ms, &p)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the replay asks the rules again")
	assert.Empty(t, resp.Header.Get("Idempotent-Replayed"))
	entries, err := app.Store.CitizenAccessLog(ctx, mustCourse(t, app, id).CitizenIDs[0])
	require.NoError(t, err)
	assert.True(t, hasEntry(entries, "leder.ulla", "request.replayed", true))

	// Stored answers expire: after the TTL a key is a new request, and the sweep deletes them.
	var stored int
	require.NoError(t, app.Store.DB().Get(&stored, "SELECT count(*) FROM idempotency_keys"))
	require.Equal(t, 1, stored)
	n, err := app.Store.DeleteIdempotencyKeysBefore(ctx, time.Now().Add(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
}

// Bad text was a 500: a NUL in any stored text, a purpose header cut inside a character, an
// Idempotency-Key that is not UTF-8.
func TestBadTextIsRefusedAsInput(t *testing.T) {
	app := apptest.Start(t)
	id := referAndWait(t, app, "konsulent.anna", validReferral())
	var plan struct{ ID string }
	require.Equal(t, http.StatusCreated, as{t: t, app: app, user: "tovholder.ida"}.do("POST", "/api/v1/plans", enrolment(), &plan).StatusCode)
	waitPlan(t, app, plan.ID)
	nul := "før\u0000efter"
	ref := validReferral()
	ref["citizens"] = []map[string]any{{"cpr": "050505-5555", "name": nul}}
	for _, c := range []struct {
		user, path, field string
		body              any
	}{
		{"konsulent.anna", "/api/v1/courses", "citizens[0].name", ref},
		{"konsulent.anna", "/api/v1/courses/" + id + "/progressions", "note", map[string]any{"scores": []map[string]any{{"goal_id": "g1", "score": 3}}, "note": nul}},
		{"konsulent.anna", "/api/v1/courses/" + id + "/extensions", "reason", map[string]any{"reason": nul, "new_end": app.Day(1, 3, 0)}},
		{"koordinator.jonas", "/api/v1/plans/" + plan.ID + "/consent", "scope", map[string]any{"scope": nul, "date": app.Day(0, 0, 0)}},
		{"tovholder.ida", "/api/v1/plans/" + plan.ID + "/meetings/1/minutes", "minutes", map[string]any{"minutes": nul}},
		{"tovholder.ida", "/api/v1/plans/" + plan.ID + "/leave", "reason", map[string]any{"reason": "ud\u001bside", "date": app.Day(0, 0, 0)}},
	} {
		var p api.Problem
		resp := as{t: t, app: app, user: c.user}.do("POST", c.path, c.body, &p)
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "%s: %s", c.path, p.Detail)
		assert.Equal(t, c.field, p.Field, c.path)
	}
	// A purpose of 300 characters, with a multibyte one where 200 bytes would cut: kept, cut on
	// a character boundary.
	long := strings.Repeat("æ", 300)
	resp := as{t: t, app: app, user: "konsulent.anna", header: map[string]string{api.PurposeHeader: long}}.do("GET", "/api/v1/courses/"+id, nil, nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	var purpose string
	require.NoError(t, app.Store.DB().Get(&purpose, "SELECT purpose FROM audit_log WHERE action = 'course.read' ORDER BY id DESC LIMIT 1"))
	assert.Equal(t, strings.Repeat("æ", 200), purpose)
	// Header values that are not text.
	for h, v := range map[string]string{api.IdempotencyHeader: "n\xffkkel", api.PurposeHeader: "a\xc3"} {
		req, _ := http.NewRequest("POST", app.URL+"/api/v1/courses/"+id+"/milestones", strings.NewReader(`{"outcome":"education","date":"`+app.Day(0, 0, 0)+`"}`))
		req.Header.Set("Authorization", "Bearer "+app.Token("konsulent.anna"))
		req.Header.Set(h, v)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var p api.Problem
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
		resp.Body.Close()
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, h)
		assert.Equal(t, h, p.Field)
	}
}

func referAndWait(t *testing.T, app *apptest.App, user string, body map[string]any) string {
	t.Helper()
	var c struct{ ID string }
	require.Equal(t, http.StatusCreated, as{t: t, app: app, user: user}.do("POST", "/api/v1/courses", body, &c).StatusCode)
	waitCourse(t, app, c.ID)
	return c.ID
}

func waitPlan(t *testing.T, app *apptest.App, id string) {
	t.Helper()
	require.Eventually(t, func() bool {
		p, err := app.Store.GetPlan(context.Background(), id)
		return err == nil && p.Revision > 0
	}, 15*time.Second, 50*time.Millisecond, "plan %s never saved", id)
}

func mustCourse(t *testing.T, app *apptest.App, id string) domain.CourseRecord {
	t.Helper()
	rec, err := app.Store.GetCourse(context.Background(), id)
	require.NoError(t, err)
	return rec
}

func hasEntry(entries []domain.AuditEntry, actor, action string, refused bool) bool {
	for _, e := range entries {
		if e.ActorID == actor && string(e.Action) == action && e.Refused == refused {
			return true
		}
	}
	return false
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A coordinator who hands the plan over to another was answered with the whole plan, which a
// GET right after refused them: the answer says only that the step happened.
func TestHandingOverAPlanAnswersWithoutItsContent(t *testing.T) {
	app := apptest.Start(t)
	var plan struct{ ID string }
	require.Equal(t, http.StatusCreated, as{t: t, app: app, user: "tovholder.ida"}.do("POST", "/api/v1/plans", enrolment(), &plan).StatusCode)
	waitPlan(t, app, plan.ID)
	var doc map[string]any
	require.Equal(t, http.StatusOK, as{t: t, app: app, user: "tovholder.ida"}.do("POST", "/api/v1/plans/"+plan.ID+"/participants",
		map[string]any{"new_coordinator": "tovholder.nina"}, &doc).StatusCode)
	assert.ElementsMatch(t, []string{"id", "revision"}, keys(doc))
	assert.Equal(t, http.StatusForbidden, as{t: t, app: app, user: "tovholder.ida"}.do("GET", "/api/v1/plans/"+plan.ID, nil, nil).StatusCode)
}
