package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/api"
	"tvp/domain"
	"tvp/internal/testing/apptest"
	"tvp/report"
	"tvp/store"
)

// loadSeedUngeteam writes the read model of the seed's Ungeteam (mid-2020): 55 young people
// touched, 26 ongoing, 5 in employment, 19 started an education, some of those outcomes
// reached while the course goes on.
//
// tvp:fixed-date the seed's courses of 2018-2020, read as of the seed's report (1 July 2020)
func loadSeedUngeteam(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	type spec struct {
		n         int
		closed    domain.Outcome // "" for ongoing
		milestone domain.Outcome
	}
	specs := []spec{
		{21, "", ""}, {4, "", domain.OutcomeEducation}, {1, "", domain.OutcomeEmployment}, // 26 ongoing
		{4, domain.OutcomeEmployment, ""}, {15, domain.OutcomeEducation, ""}, {6, domain.OutcomeNoResult, ""},
		{3, domain.OutcomeHandedBack, ""}, {1, domain.OutcomeCollaboration, ""}, // 29 ended
	}
	consultants := []string{"konsulent.anna", "konsulent.bilal", "konsulent.cecilie", "konsulent.dennis"}
	i := 0
	for _, sp := range specs {
		for k := 0; k < sp.n; k++ {
			i++
			cid := uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprintf("citizen-%d", i))).String()
			require.NoError(t, s.EnsureCitizen(ctx, cid, fmt.Sprintf("Ung %d", i), nil))
			start := time.Date(2018, 6, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 5*i)
			id := uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprintf("course-%d", i))).String()
			rec := domain.CourseRecord{
				ID: id, WorkflowID: "course-" + id, TeamID: "ungeteam", Kind: domain.TargetYoung, Phase: domain.PhaseActive,
				StartDate: start, PlannedEnd: start.AddDate(1, 0, 0), ReferredBy: "leder.ulla", Revision: 1,
				CitizenIDs: []string{cid}, ConsultantIDs: []string{consultants[i%4]},
			}
			if sp.closed != "" {
				closed := start.AddDate(0, 10, 0)
				out := sp.closed
				rec.Phase, rec.Outcome, rec.ClosedOn = domain.PhaseClosed, &out, &closed
			}
			if sp.milestone != "" {
				rec.Milestones = []domain.Milestone{{Outcome: sp.milestone, Date: start.AddDate(0, 5, 0), RecordedBy: consultants[i%4]}}
			}
			require.NoError(t, s.SaveCourse(ctx, rec))
		}
	}
}

// The seed's figures (Ungeteam, mid-2020) in the status report as of its date.
//
// tvp:fixed-date the seed's report is as of 1 July 2020
func TestStatusReportShowsTheSeedsFigures(t *testing.T) {
	app := apptest.Start(t)
	loadSeedUngeteam(t, app.Store)
	ulla := as{t: t, app: app, user: "leder.ulla"}

	var r report.Status
	require.Equal(t, http.StatusOK, ulla.do("GET", "/api/v1/reports/status?as_of=2020-07-01", nil, &r).StatusCode)
	var unge domain.TeamStatus
	for _, ts := range r.Teams {
		if ts.TeamID == "ungeteam" {
			unge = ts
		}
	}
	assert.Equal(t, 55, unge.Touched, "young people touched")
	assert.Equal(t, 26, unge.Ongoing, "ongoing")
	assert.Equal(t, 5, unge.Employment, "in employment")
	assert.Equal(t, 19, unge.Education, "started an education")
	assert.Equal(t, 29, unge.Ended)
	require.Len(t, r.CentreCaseload, 3)
	assert.Equal(t, 55, r.CentreCaseload[0].PerCaseworker)
	assert.Equal(t, 35, r.CentreCaseload[0].RecommendedMax)
	for _, cl := range r.Caseloads {
		if cl.TeamID == "ungeteam" {
			assert.Equal(t, 10, cl.NormMax, "Ungeteam: 10 per half-time consultant")
		}
	}

	req, _ := http.NewRequest("GET", app.URL+"/api/v1/reports/status?as_of=2020-07-01&format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+app.Token("styregruppe.bo"))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/csv")
	assert.Contains(t, string(body), "Ungeteam;55;55;26;29;5;19;0;6;3;1")

	var p api.Problem
	assert.Equal(t, http.StatusForbidden, as{t: t, app: app, user: "konsulent.anna"}.do("GET", "/api/v1/reports/status", nil, &p).StatusCode)

	// The half-yearly report for the committees: produced (as its schedule does), stored, listed.
	admin := as{t: t, app: app, user: "admin"}
	var produced struct {
		ReportID int64 `json:"report_id"`
	}
	require.Equal(t, http.StatusCreated, admin.do("POST", "/api/v1/reports/committee", nil, &produced).StatusCode)
	var list struct{ Items []domain.StoredReport }
	require.Equal(t, http.StatusOK, ulla.do("GET", "/api/v1/reports/committee", nil, &list).StatusCode)
	require.Len(t, list.Items, 1)
	var stored struct {
		domain.StoredReport
		Body report.Status `json:"body"`
	}
	require.Equal(t, http.StatusOK, ulla.do("GET", fmt.Sprintf("/api/v1/reports/committee/%d", produced.ReportID), nil, &stored).StatusCode)
	from, to := domain.HalfYearBefore(time.Now())
	assert.Equal(t, from.Format(time.DateOnly), stored.PeriodFrom.Format(time.DateOnly))
	assert.Equal(t, to.Format(time.DateOnly), stored.PeriodTo.Format(time.DateOnly))
	for _, ts := range stored.Body.Teams {
		if ts.TeamID == "ungeteam" {
			assert.Equal(t, 55, ts.Touched)
		}
	}
	require.Equal(t, http.StatusCreated, admin.do("POST", "/api/v1/reports/committee", nil, &produced).StatusCode)
	ulla.do("GET", "/api/v1/reports/committee", nil, &list)
	assert.Len(t, list.Items, 1, "one report per period")
}
