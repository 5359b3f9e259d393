package store_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/store"
)

// A consultant's caseload is one count: the referral rules check a referral against the same
// open courses that the team page and the reports show. A course reserved by a referral whose
// workflow has not yet written its first revision counts in both (it is hers from the moment
// the referral is accepted); before, the reports left it out, so a consultant shown at 9 of 10
// was refused a referral for being at 10.
func TestTheCaseloadAReferralIsCheckedAgainstIsTheOneTheReportsShow(t *testing.T) {
	s, ctx := open(t)
	// tvp:fixed-date a course start kept in the store: nothing here is compared with today
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	refer := func(id string) int {
		var seen int
		rec := domain.CourseRecord{ID: id, WorkflowID: "course-" + id, TeamID: "ungeteam", Kind: domain.TargetYoung,
			Phase: domain.PhaseActive, StartDate: start, PlannedEnd: start.AddDate(1, 0, 0), ReferredBy: "konsulent.anna",
			ConsultantIDs: []string{"konsulent.anna"}}
		_, err := s.Refer(ctx, store.Referral{Course: rec, Today: start,
			Citizens: []store.NewCitizen{{ID: uuid.NewString(), Hash: []byte(id), Name: "Borger"}}},
			func(f domain.ReferralFacts) ([]domain.CaseloadOverride, error) {
				seen = f.Consultants["konsulent.anna"].Caseload
				return nil, nil
			})
		require.NoError(t, err)
		return seen
	}
	shown := func() int {
		loads, err := s.Caseloads(ctx)
		require.NoError(t, err)
		for _, l := range loads {
			if l.StaffID == "konsulent.anna" {
				return l.Open
			}
		}
		t.Fatal("no caseload for konsulent.anna")
		return 0
	}
	assert.Equal(t, 0, refer("3b0a6a2e-8d0f-4d8e-9a3c-0000000000c1"))
	// Reserved, not yet written by its workflow (revision 0).
	assert.Equal(t, 1, shown(), "the reports count the reserved course")
	assert.Equal(t, 1, refer("3b0a6a2e-8d0f-4d8e-9a3c-0000000000c2"), "the next referral counts it")
	assert.Equal(t, 2, shown())
}
