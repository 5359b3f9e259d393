package collab_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/internal/testing/apptest"
	"tvp/service"
	"tvp/workflows/collab"
)

// Steps sent, several at once, while the plan continues as new again and again (its run is
// seconds long), on the real server: every step is either accepted, and audited once, or
// refused with nothing written. Before, a step accepted in the workflow task that continued
// as new (or completed) while another step arrived made its writes, local activities in that
// task, and was then aborted by the server with the task: an audit row and a read-model write
// for a step that did not happen, answered with an error.
func TestStepsWhileThePlanContinuesAsNew(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for seconds on the real server")
	}
	app := apptest.Start(t)
	ctx := context.Background()
	cs := domain.DefaultCollaborationSettings()
	cs.RunLength = domain.Duration(1500 * time.Millisecond)
	require.NoError(t, app.Store.SetCollaborationSettings(ctx, cs))
	ida := service.Caller{Actor: demo.Actor("tovholder.ida"), Purpose: "test"}
	created, err := app.Service.Enrol(ctx, ida, service.EnrolInput{
		Citizen: service.CitizenIn{CPR: "150590-4321", Name: "Borger"},
		EnrolmentIn: service.EnrolmentIn{CoordinatorID: "tovholder.ida", CoordinatingCaseworkerID: "koordinator.jonas",
			CaseworkerIDs: []string{"sagsbehandler.lise", "sagsbehandler.mads"}},
	})
	require.NoError(t, err)

	var accepted, refused, aborted, failed atomic.Int64
	until := time.Now().Add(8 * time.Second)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(until); i++ {
				at := time.Now().Add(time.Duration(24*(w*1000+i+1)) * time.Hour).UTC()
				_, err := app.Service.ScheduleMeeting(ctx, ida, created.ID, service.ScheduleInput{At: at})
				switch {
				case err == nil:
					accepted.Add(1)
				case domain.ErrorCode(err) == domain.EUnavailable:
					refused.Add(1) // the run was about to continue as new: send it again
				case strings.Contains(err.Error(), "unexpected workflow task failure"):
					// The server failed the task that continued as new because this step arrived
					// meanwhile; the step was refused in it (nothing written): send it again.
					aborted.Add(1)
				default:
					failed.Add(1)
					t.Logf("step %d/%d: %v", w, i, err)
				}
			}
		}(w)
	}
	wg.Wait()

	var st collab.State
	v, err := app.Temporal.QueryWorkflow(ctx, collab.WorkflowID(created.ID), "", collab.QueryState, collab.StateQuery{})
	require.NoError(t, err)
	require.NoError(t, v.Get(&st))
	require.Greater(t, st.Runs, 2, "it continued as new while the steps came")
	var audited int
	require.NoError(t, app.Store.DB().Get(&audited, `SELECT count(*) FROM audit_log
		WHERE subject_id = $1 AND action IN ('collaboration.meeting_scheduled', 'collaboration.meeting_moved')`, created.ID))
	t.Logf("%d runs; steps accepted %d, refused %d, aborted with the task %d, failed %d; audited %d",
		st.Runs, accepted.Load(), refused.Load(), aborted.Load(), failed.Load(), audited)
	assert.Positive(t, accepted.Load())
	assert.Equal(t, int(accepted.Load()), audited, "one audit row per accepted step, none for another")
	assert.Zero(t, failed.Load(), "a step is accepted or refused")
	rec, err := app.Store.GetPlan(ctx, created.ID)
	require.NoError(t, err)
	assert.Equal(t, st.Meetings[0].ScheduledAt.UTC().Round(time.Microsecond), rec.Meetings[0].ScheduledAt.UTC(), "the read model is the workflow's")
}
