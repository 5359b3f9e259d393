package cases_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/internal/dev/demo/cases"
	"tvp/internal/testing/apptest"
)

// The demo's courses and plan go through the service, as the staff's would: referred by the
// teams' leads and enrolled by the coordinator, their citizens found by their CPR numbers'
// hashes, their workflows started by the service. Loaded twice, they are there once.
func TestTheDemoGoesThroughTheServiceOnce(t *testing.T) {
	app := apptest.Start(t)
	ctx := context.Background()
	install := "test-" + app.TaskQueue // the test's own: the Temporal server is shared
	for range 2 {
		require.NoError(t, cases.Load(ctx, app.Store, app.Service, apptest.Pepper, install, app.Today))
	}
	count := func(q string, args ...any) int {
		var n int
		require.NoError(t, app.Store.DB().Get(&n, q, args...))
		return n
	}
	assert.Equal(t, len(cases.Courses), count("SELECT count(*) FROM courses"))
	assert.Equal(t, 1, count("SELECT count(*) FROM collaboration_plans"))
	assert.Equal(t, len(demo.Citizens), count("SELECT count(*) FROM citizens"), "the demo citizens, found by their numbers: nobody new")
	require.Eventually(t, func() bool {
		return count("SELECT count(*) FROM courses WHERE revision > 0") == len(cases.Courses) &&
			count("SELECT count(*) FROM collaboration_plans WHERE revision > 0") == 1
	}, 20*time.Second, 100*time.Millisecond, "the workflows the service started ran")
	for _, c := range cases.Courses {
		assert.Equal(t, len(c.Citizens), count("SELECT count(*) FROM audit_log WHERE action = $1 AND actor_id = $2", domain.AuditCourseReferred, c.ReferredBy),
			"%s referred once, by its team's lead (a row per citizen)", c.Key)
	}
	assert.Equal(t, 1, count("SELECT count(*) FROM audit_log WHERE action = $1 AND actor_id = $2", domain.AuditEnrolled, cases.Plan.EnrolledBy))
}
