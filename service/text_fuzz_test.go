package service_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"tvp/domain"
	"tvp/internal/testing/apptest"
	"tvp/service"
)

// FuzzServiceText: whatever text a caller sends (in any field of a referral, a step, a list's
// filters, an id, the purpose and idempotency key of the request), a use case answers or
// refuses with a client's error. Never an internal error (a 500), never a panic, and nothing
// that PostgreSQL would refuse reaches it.
func FuzzServiceText(f *testing.F) {
	// tvp:fixed-date the seed corpus: text of a date's shape, whatever day it is
	for _, s := range []string{"", "ok", "ungeteam", "konsulent.anna", "2026-01-05", "010203-1234", "g1",
		"nul\x00byte", "\x1b[2J", "\xff\xfe", "a\xc3", "æøå", "\u2028", "\ufffe", "'; DROP TABLE courses; --",
		// tvp:fixed-date the seed corpus: text of a date's shape, whatever day it is
		"0c0ffee0-0000-4000-8000-000000000001", "2026-02-30", "99999999999999999999"} {
		f.Add(s, "note")
		f.Add("x", s)
	}
	app := apptest.Start(f)
	ctx := context.Background()
	svc := app.Service
	anna, err := svc.Identify(ctx, "konsulent.anna", "", "")
	if err != nil {
		f.Fatal(err)
	}
	ida, _ := svc.Identify(ctx, "tovholder.ida", "", "")
	admin, _ := svc.Identify(ctx, "admin", "", "")
	ref := service.ReferInput{TeamID: "ungeteam", Citizens: []service.CitizenIn{{CPR: "010203-1234", Name: "Test"}},
		ConsultantIDs: []string{"konsulent.anna"}, StartDate: app.Day(0, 0, 0), Goals: []service.GoalIn{{Text: "Mål"}}}
	course, err := svc.Refer(ctx, anna, ref)
	if err != nil {
		f.Fatal(err)
	}
	plan, err := svc.Enrol(ctx, ida, service.EnrolInput{Citizen: service.CitizenIn{CPR: "150590-4321", Name: "Borger"},
		EnrolmentIn: service.EnrolmentIn{CoordinatorID: "tovholder.ida", CoordinatingCaseworkerID: "koordinator.jonas",
			CaseworkerIDs: []string{"sagsbehandler.lise", "sagsbehandler.mads"}}})
	if err != nil {
		f.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err1 := app.Store.GetCourse(ctx, course.ID)
		p, err2 := app.Store.GetPlan(ctx, plan.ID)
		if err1 == nil && err2 == nil && c.Revision > 0 && p.Revision > 0 {
			break
		}
		if time.Now().After(deadline) {
			f.Fatal("the fixture never saved")
		}
		time.Sleep(50 * time.Millisecond)
	}

	f.Fuzz(func(t *testing.T, a, b string) {
		check := func(what string, err error) {
			t.Helper()
			if err == nil {
				return
			}
			switch domain.ErrorCode(err) {
			case domain.EInvalid, domain.ENotFound, domain.EConflict, domain.EPhase, domain.EForbidden, domain.ETooLarge:
			default:
				t.Fatalf("%s with %q, %q: %v (code %s): want a client's error", what, a, b, err, domain.ErrorCode(err))
			}
			if domain.ErrorMessage(err) == "" {
				t.Fatalf("%s: an error without a message", what)
			}
		}
		by, err := svc.Identify(ctx, "konsulent.anna", a, b)
		check("identify", err)
		if err != nil {
			by = anna
		}
		r := ref
		r.Citizens = []service.CitizenIn{{CPR: "010203-1234", Name: a, BirthDate: b}} // the citizen has a course: refused after the checks
		r.Goals = []service.GoalIn{{Text: b}}
		_, err = svc.Refer(ctx, by, r)
		check("refer", err)
		_, err = svc.Refer(ctx, by, service.ReferInput{TeamID: a, Citizens: []service.CitizenIn{{CPR: b, Name: a}},
			ConsultantIDs: []string{a}, StartDate: b, Goals: []service.GoalIn{{Text: a}}, CaseloadOverrideReason: b})
		check("refer, every field", err)
		_, err = svc.RecordProgression(ctx, by, course.ID, service.ProgressionInput{Scores: []service.ScoreIn{{GoalID: a, Score: 3}}, Note: b})
		check("progression", err)
		_, err = svc.RequestExtension(ctx, by, course.ID, service.ExtensionInput{Reason: a, NewEnd: b})
		check("extension", err)
		_, err = svc.Course(ctx, by, a)
		check("course", err)
		_, err = svc.Courses(ctx, by, service.CourseListInput{TeamID: a, ConsultantID: b, DueBefore: a, Cursor: b, Phase: domain.CoursePhase(a)})
		check("courses", err)
		_, err = svc.Team(ctx, by, a)
		check("team", err)
		_, err = svc.Worklist(ctx, by, b)
		check("worklist", err)
		_, err = svc.RecordConsent(ctx, ida, plan.ID, service.ConsentInput{Scope: a, Date: b})
		check("consent", err)
		_, err = svc.RecordMinutes(ctx, ida, plan.ID, 1, service.MinutesInput{Minutes: a})
		check("minutes", err)
		_, err = svc.ChangeParticipants(ctx, ida, plan.ID, service.ParticipantsInput{JoinIDs: []string{a}, NewCoordinator: b})
		check("participants", err)
		_, err = svc.Plans(ctx, ida, service.PlanListInput{CoordinatorID: a, Cursor: b})
		check("plans", err)
		_, err = svc.Plan(ctx, ida, b)
		check("plan", err)
		_, err = svc.AccessLog(ctx, admin, a)
		check("access log", err)
		_, err = svc.Decisions(ctx, by, service.DecisionListInput{TeamID: a})
		check("decisions", err)
		_, err = svc.CommitteeReport(ctx, by, b)
		check("committee report", err)
		check("inbox done", svc.InboxDone(ctx, by, a))
		_, err = svc.Staff(ctx, by, service.StaffListInput{TeamID: b})
		check("staff", err)
		if by.Key != "" {
			_, err = svc.ClaimRequest(ctx, by, http.MethodPost, "/api/v1/x/"+a, []byte(b), time.Hour)
			check("claim", err)
		}
	})
}
