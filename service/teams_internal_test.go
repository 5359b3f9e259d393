package service

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/internal/testing/storetest"
)

// A reorganisation that moves the running courses moves every open course of the team, past
// the store's page of 500: before, the 501st and later kept the old terms and nobody was told.
func TestOpenCoursesReadsEveryPage(t *testing.T) {
	st, _ := storetest.MustOpen(t)
	ctx := context.Background()
	require.NoError(t, demo.LoadRegister(ctx, st))
	s := New(st, nil, Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	const open, closed = 1203, 40
	for i := range open + closed {
		id := fmt.Sprintf("3b0a6a2e-8d0f-4d8e-9a3c-%012d", i)
		citizen := fmt.Sprintf("6f1c1a9e-0d0e-4b52-9a51-%012d", i)
		require.NoError(t, st.EnsureCitizen(ctx, citizen, "Borger", nil))
		rec := domain.CourseRecord{
			ID: id, WorkflowID: "course-" + id, TeamID: "ungeteam", Kind: domain.TargetYoung, Phase: domain.PhaseActive,
			StartDate: start, PlannedEnd: start.AddDate(1, 0, 0), ReferredBy: "konsulent.anna", Revision: 1,
			CitizenIDs: []string{citizen}, ConsultantIDs: []string{"konsulent.anna"},
		}
		if i >= open {
			rec.Phase = domain.PhaseClosed
		}
		require.NoError(t, st.SaveCourse(ctx, rec))
	}
	got, err := s.openCourses(ctx, "ungeteam")
	require.NoError(t, err)
	assert.Len(t, got, open)
	seen := map[string]bool{}
	for _, r := range got {
		assert.False(t, seen[r.ID], "course %s twice", r.ID)
		seen[r.ID] = true
	}
}
