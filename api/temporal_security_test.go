package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"tvp/domain"
	"tvp/internal/testing/apptest"
	"tvp/internal/testing/testenv"
	"tvp/workflows/course"
)

// keylessClient is a client of the same Temporal server without TVP's codec: it sends its
// payloads in plain JSON, as anyone who reaches the frontend without the payload key can.
func keylessClient(t *testing.T) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: testenv.TemporalAddress(t), Namespace: "default"})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// A client without the payload key sends an Update straight to Temporal, naming itself
// "mallory" with the team lead's role, as the issue reproduced: the worker's codec refuses the
// plain payload, the SDK rejects the Update before its validator, and nothing is written (no
// milestone, no audit entry, no event in the history); the course runs on. A plain signal is
// dropped the same way, and a plain start fails before the workflow does anything.
func TestPlaintextToTemporalIsRefused(t *testing.T) {
	app := apptest.Start(t)
	anna := as{t: t, app: app, user: "konsulent.anna"}
	id := referAndWait(t, app, anna.user, validReferral())
	wfID := course.WorkflowID(id)
	mallory := keylessClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	forged := course.MilestoneRequest{
		Actor:   domain.Actor{ID: "mallory", Roles: []domain.Role{domain.RoleTeamLead}, TeamID: "ungeteam"},
		Outcome: domain.OutcomeEducation, Date: app.Today,
	}
	t.Run("an Update", func(t *testing.T) {
		h, err := mallory.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: wfID, UpdateName: course.UpdateRecordMilestone, Args: []any{forged},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		require.Error(t, err, "the plain Update must be rejected")
		assert.Contains(t, err.Error(), "not encrypted")

		var st course.State
		require.Equal(t, http.StatusOK, anna.do("GET", "/api/v1/courses/"+id, nil, &st).StatusCode)
		assert.Empty(t, st.Milestones, "no milestone recorded")
		assert.Equal(t, domain.PhaseActive, st.Phase)
		var byMallory int
		require.NoError(t, app.Store.DB().Get(&byMallory, "SELECT count(*) FROM audit_log WHERE actor_id = 'mallory'"))
		assert.Zero(t, byMallory, "nothing audited as mallory")
		assert.Zero(t, countEvents(t, app, wfID, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED), "a rejected Update leaves no event")
		assertRunning(t, app, wfID)
	})

	t.Run("a signal", func(t *testing.T) {
		require.NoError(t, mallory.SignalWorkflow(ctx, wfID, "", course.SignalPause,
			course.PauseSignal{PauseID: "forged", PausedBy: "mallory", PlannedResume: app.Today.AddDate(0, 1, 0)}))
		// The worker has seen the signal once a workflow task completes after it.
		require.Eventually(t, func() bool { return taskCompletedAfterSignal(t, app, wfID) }, 15*time.Second, 100*time.Millisecond)
		var st course.State
		require.Equal(t, http.StatusOK, anna.do("GET", "/api/v1/courses/"+id, nil, &st).StatusCode)
		assert.Equal(t, domain.PhaseActive, st.Phase, "the plain signal paused nothing")
		assertRunning(t, app, wfID)
	})

	t.Run("a start", func(t *testing.T) {
		forgedID := uuid.NewString()
		run, err := mallory.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: course.WorkflowID(forgedID), TaskQueue: app.TaskQueue},
			course.CourseWorkflow, course.Input{CourseID: forgedID, TeamID: "ungeteam", ConsultantIDs: []string{"konsulent.anna"},
				StartDate: app.Today, ReferredBy: "mallory"})
		require.NoError(t, err)
		err = run.Get(ctx, nil)
		require.Error(t, err, "a workflow started in plain text cannot read its input")
		assert.Contains(t, err.Error(), "not encrypted")
		_, err = app.Store.GetCourse(ctx, forgedID)
		assert.Equal(t, domain.ENotFound, domain.ErrorCode(err), "nothing in the read model")
	})

	// The control: the same Update through a client with the key is accepted, as mallory. The
	// payload key (with access to the frontend, which production gives only to holders of a
	// client certificate) is the boundary; the README says what would move it.
	t.Run("with the key", func(t *testing.T) {
		h, err := app.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: wfID, UpdateName: course.UpdateRecordMilestone, Args: []any{forged},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		require.NoError(t, err)
		require.NoError(t, h.Get(ctx, nil))
	})
}

// The codec endpoint still serves the Temporal Web UI: an administrator decodes a history's
// payloads (the encrypted ones decrypted, the plain ones such as search attributes shown as
// they are); anyone else is refused.
func TestCodecEndpointDecodesAHistory(t *testing.T) {
	app := apptest.Start(t)
	id := referAndWait(t, app, "konsulent.anna", validReferral())
	var payloads []*commonpb.Payload
	iter := keylessClient(t).GetWorkflowHistory(context.Background(), course.WorkflowID(id), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() && len(payloads) == 0 {
		ev, err := iter.Next()
		require.NoError(t, err)
		if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			payloads = a.GetInput().GetPayloads()
		}
	}
	require.NotEmpty(t, payloads)
	require.Equal(t, "binary/encrypted", string(payloads[0].GetMetadata()["encoding"]), "the server holds the input encrypted")
	plain := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`["course-rules-1"]`)}
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: append(payloads, plain)})
	require.NoError(t, err)

	decode := func(user string) (int, []byte) {
		req, err := http.NewRequest("POST", app.URL+"/codec/decode", strings.NewReader(string(body)))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+app.Token(user))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "http://ui.test")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, b
	}
	status, b := decode("admin")
	require.Equal(t, http.StatusOK, status, "%s", b)
	var got commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(b, &got))
	require.Len(t, got.GetPayloads(), len(payloads)+1)
	var in course.Input
	require.NoError(t, json.Unmarshal(got.GetPayloads()[0].GetData(), &in))
	assert.Equal(t, id, in.CourseID)
	assert.Equal(t, "Starte på en uddannelse", in.Goals[0].Text)
	assert.Equal(t, `["course-rules-1"]`, string(got.GetPayloads()[len(payloads)].GetData()), "a plain payload is shown as it is")

	status, b = decode("konsulent.anna")
	assert.Equal(t, http.StatusForbidden, status, "%s", b)
	assert.NotContains(t, string(b), "uddannelse")
}

func countEvents(t *testing.T, app *apptest.App, workflowID string, typ enumspb.EventType) int {
	t.Helper()
	n := 0
	iter := app.Temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		if ev.GetEventType() == typ {
			n++
		}
	}
	return n
}

// taskCompletedAfterSignal reports whether a workflow task completed after the last signal.
func taskCompletedAfterSignal(t *testing.T, app *apptest.App, workflowID string) bool {
	t.Helper()
	signalled, completed := false, false
	iter := app.Temporal.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			signalled, completed = true, false
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			completed = signalled
		}
	}
	return completed
}

func assertRunning(t *testing.T, app *apptest.App, workflowID string) {
	t.Helper()
	d, err := app.Temporal.DescribeWorkflow(context.Background(), workflowID, "")
	require.NoError(t, err)
	assert.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, d.RawResponse.GetWorkflowExecutionInfo().GetStatus(), "the workflow runs on")
}
