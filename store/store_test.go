package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/internal/testing/storetest"
	"tvp/store"
)

func open(t *testing.T) (*store.Store, context.Context) {
	t.Helper()
	s, _ := storetest.MustOpen(t)
	ctx := context.Background()
	require.NoError(t, demo.LoadRegister(ctx, s))
	return s, ctx
}

func TestMigrationsCurrent(t *testing.T) {
	s, ctx := open(t)
	ok, err := s.MigrationsCurrent(ctx)
	require.NoError(t, err)
	assert.True(t, ok)
	_, err = s.Migrate(ctx) // again: nothing to do
	require.NoError(t, err)
}

func TestDemoRegisterIsIdempotent(t *testing.T) {
	s, ctx := open(t)
	require.NoError(t, demo.LoadRegister(ctx, s))
	teams, err := s.ListTeams(ctx)
	require.NoError(t, err)
	require.Len(t, teams, 2)
	assert.Equal(t, "Familieteam", teams[0].Name)
	assert.Equal(t, 3, teams[0].Settings.CaseloadMax, "Familieteam: 3 courses per half-time consultant")
	assert.Equal(t, domain.Years(1), teams[1].Settings.CourseLength)
	staff, err := s.ListStaff(ctx, "")
	require.NoError(t, err)
	assert.Len(t, staff, len(demo.Staff))
	anna, err := s.GetStaff(ctx, "konsulent.anna")
	require.NoError(t, err)
	assert.Equal(t, []domain.Role{domain.RoleConsultant}, anna.Roles)
	assert.Equal(t, 17.0, anna.HoursPerWeek)
}

func record(rev int64, phase domain.CoursePhase) domain.CourseRecord {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	return domain.CourseRecord{
		ID: "3b0a6a2e-8d0f-4d8e-9a3c-0000000000aa", WorkflowID: "course-3b0a6a2e-8d0f-4d8e-9a3c-0000000000aa",
		TeamID: "ungeteam", Kind: domain.TargetYoung, Phase: phase, StartDate: start, PlannedEnd: start.AddDate(1, 0, 0),
		ReferredBy: "leder.ulla", Revision: rev,
		CitizenIDs: []string{demo.Citizens[0].ID}, ConsultantIDs: []string{"konsulent.anna"},
	}
}

func TestSaveCourseKeepsTheNewestRevision(t *testing.T) {
	s, ctx := open(t)
	require.NoError(t, s.SaveCourse(ctx, record(2, domain.PhaseExtensionPending)))
	require.NoError(t, s.SaveCourse(ctx, record(1, domain.PhaseActive)), "a late, older write is not an error")
	require.NoError(t, s.SaveCourse(ctx, record(2, domain.PhaseActive)), "a retried write is not an error")
	got, err := s.GetCourse(ctx, record(0, "").ID)
	require.NoError(t, err)
	assert.Equal(t, domain.PhaseExtensionPending, got.Phase)
	assert.Equal(t, int64(2), got.Revision)
	assert.Equal(t, []string{"konsulent.anna"}, got.ConsultantIDs)
}

// Two steps of a new course saving it at the same moment (its start and an Update) race on the
// first insert: the loser gets a retryable error, never a conflict, and its retry succeeds.
func TestConcurrentFirstSavesAreRetryable(t *testing.T) {
	s, ctx := open(t)
	for round := range 20 {
		rec := record(int64(1), domain.PhaseActive)
		rec.ID = fmt.Sprintf("3b0a6a2e-8d0f-4d8e-9a3c-%012d", 100+round)
		rec.WorkflowID = "course-" + rec.ID
		rec.CitizenIDs = []string{fmt.Sprintf("6f1c1a9e-0d0e-4b52-9a51-%012d", 100+round)}
		require.NoError(t, s.EnsureCitizen(ctx, rec.CitizenIDs[0], "Racer", nil))
		errs := make([]error, 4)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { errs[i] = s.SaveCourse(ctx, rec) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				require.Equal(t, domain.EUnavailable, domain.ErrorCode(err), "%v", err)
				require.NoError(t, s.SaveCourse(ctx, rec), "the retry")
			}
		}
		got, err := s.GetCourse(ctx, rec.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(1), got.Revision)
	}
}

func TestOneActiveCoursePerCitizenPerTeam(t *testing.T) {
	s, ctx := open(t)
	require.NoError(t, s.SaveCourse(ctx, record(1, domain.PhaseActive)))
	other := record(1, domain.PhaseActive)
	other.ID, other.WorkflowID = "3b0a6a2e-8d0f-4d8e-9a3c-0000000000bb", "course-3b0a6a2e-8d0f-4d8e-9a3c-0000000000bb"
	err := s.SaveCourse(ctx, other)
	assert.Equal(t, domain.EConflict, domain.ErrorCode(err), "%v", err)
	var n int
	require.NoError(t, s.DB().Get(&n, "SELECT count(*) FROM courses"))
	assert.Equal(t, 1, n, "the refused course left nothing behind")
}

func TestAuditIsIdempotentAndAppendOnly(t *testing.T) {
	s, ctx := open(t)
	cid := demo.Citizens[0].ID
	e := domain.AuditEntry{ActorID: "konsulent.anna", Action: "course.read", SubjectType: "course", SubjectID: "x",
		CitizenID: &cid, Purpose: "casework", Key: "k1"}
	require.NoError(t, s.AppendAudit(ctx, e))
	require.NoError(t, s.AppendAudit(ctx, e))
	e.Key = ""
	require.NoError(t, s.AppendAudit(ctx, e))
	require.NoError(t, s.AppendAudit(ctx, e))
	log, err := s.CitizenAccessLog(ctx, cid)
	require.NoError(t, err)
	assert.Len(t, log, 3, "a keyed entry once, unkeyed entries each time")
	_, err = s.DB().Exec("UPDATE audit_log SET actor_id = 'someone else'")
	assert.ErrorContains(t, err, "permission denied", "the application may not change the log (audit_test.go: every refusal)")
}

func TestCitizenRecognisedByHash(t *testing.T) {
	s, ctx := open(t)
	h := domain.CPRHash("pepper", "0102031234")
	id1, err := s.KnownCitizen(ctx, store.NewCitizen{ID: "3b0a6a2e-8d0f-4d8e-9a3c-0000000000c1", Hash: h, Name: "A"})
	require.NoError(t, err)
	id2, err := s.KnownCitizen(ctx, store.NewCitizen{ID: "3b0a6a2e-8d0f-4d8e-9a3c-0000000000c2", Hash: h, Name: "B"})
	require.NoError(t, err)
	assert.Equal(t, id1, id2)
	c, err := s.GetCitizen(ctx, id1)
	require.NoError(t, err)
	assert.Equal(t, "A", c.Name, "a known citizen keeps their name")
	var cols []string
	require.NoError(t, s.DB().Select(&cols, "SELECT column_name FROM information_schema.columns WHERE table_name = 'citizens' ORDER BY 1"))
	assert.NotContains(t, cols, "cpr", "the CPR number itself has no column")
}

// A burst of more concurrent requests than the pool keeps idle closed the extra connections
// after each request and opened new ones (each a new PostgreSQL backend) for the next: the
// store keeps every open connection while it is in use.
func TestABurstKeepsItsConnections(t *testing.T) {
	_, dsn := storetest.MustOpen(t)
	ctx := context.Background()
	burst := func(s *store.Store) {
		var wg sync.WaitGroup
		for range 2 * store.MaxOpenConns {
			wg.Go(func() {
				_, err := s.DB().ExecContext(ctx, "SELECT pg_sleep(0.02)")
				assert.NoError(t, err)
			})
		}
		wg.Wait()
	}
	for _, tc := range []struct {
		name   string
		opts   []store.Option
		closes bool
	}{
		{"the store", nil, false},
		{"with 10 idle connections kept", []store.Option{store.WithMaxIdleConns(10)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := store.Open(ctx, dsn, append([]store.Option{store.AsRole(store.AppRole)}, tc.opts...)...)
			require.NoError(t, err)
			defer s.Close()
			burst(s)
			burst(s)
			st := s.DB().Stats()
			assert.LessOrEqual(t, st.OpenConnections, store.MaxOpenConns)
			if tc.closes {
				assert.Positive(t, st.MaxIdleClosed, "connections closed after the burst")
			} else {
				assert.Zero(t, st.MaxIdleClosed, "no connection closed for want of room in the idle pool")
				assert.Equal(t, store.MaxOpenConns, st.OpenConnections, "every connection kept")
			}
		})
	}
}

// A request that failed on the server's side releases its key: the same request sent again
// runs again, but another request under the key is refused, as the failed one may have done
// part of its work. (The claim was deleted, and a retry with another body ran as new.)
func TestAReleasedKeyTakesOnlyItsOwnRequestAgain(t *testing.T) {
	s, _ := storetest.MustOpen(t)
	ctx := context.Background()
	claim := func(hash string) (*store.StoredResponse, error) {
		return s.ClaimIdempotencyKey(ctx, "konsulent.anna", "k", "POST", "/api/v1/courses/x/milestones", []byte(hash), time.Hour)
	}
	first, err := claim("a")
	require.NoError(t, err)
	require.Nil(t, first, "the first request goes on")
	_, err = claim("a")
	assert.Equal(t, domain.EConflict, domain.ErrorCode(err), "while it runs")
	require.NoError(t, s.ReleaseIdempotencyKey(ctx, "konsulent.anna", "k"))
	_, err = claim("b")
	assert.Equal(t, domain.EConflict, domain.ErrorCode(err), "another request under the released key")
	again, err := claim("a")
	require.NoError(t, err)
	assert.Nil(t, again, "the same request runs again")
	require.NoError(t, s.SaveIdempotentResponse(ctx, "konsulent.anna", "k", store.StoredResponse{Status: 200, Body: []byte("{}"), ContentType: "application/json"}))
	answer, err := claim("a")
	require.NoError(t, err)
	require.NotNil(t, answer)
	assert.Equal(t, 200, answer.Status)
}
