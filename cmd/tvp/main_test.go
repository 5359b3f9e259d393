package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/internal/testing/storetest"
	"tvp/internal/testing/testenv"
	"tvp/store"
)

// runBounded runs the command and fails the test if it does not return: it must never hang.
func runBounded(t *testing.T, env map[string]string, args ...string) (code int, stderr string) {
	t.Helper()
	t.Setenv("TVP_PAYLOAD_KEY_FILE", t.TempDir()+"/payload-keys") // no key file in the source tree
	t.Setenv("TVP_DEV_ISSUER_KEY", t.TempDir()+"/dev-issuer.pem")
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(args, &out, &errOut) }()
	select {
	case code = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("tvp %v hung", args)
	}
	return code, errOut.String()
}

func TestStartFailsClearly(t *testing.T) {
	goodDB := testenv.NewDatabase(t)
	goodTemporal := testenv.TemporalAddress(t)
	cases := []struct {
		name     string
		args     []string
		env      map[string]string
		code     int
		contains string
	}{
		{"api with an unreachable database", []string{"api", "-connect-timeout=2s"},
			map[string]string{"TVP_DATABASE_URL": "postgres://tvp:secret@127.0.0.1:1/tvp?sslmode=disable", "TVP_TEMPORAL_ADDRESS": goodTemporal},
			1, "connect to database postgres://tvp:xxxxx@127.0.0.1:1/tvp"},
		{"worker with an unreachable database", []string{"worker", "-connect-timeout=2s"},
			map[string]string{"TVP_DATABASE_URL": "postgres://tvp@127.0.0.1:1/tvp?sslmode=disable", "TVP_TEMPORAL_ADDRESS": goodTemporal},
			1, "gave up after 2s"},
		{"api with an unreachable Temporal", []string{"api", "-connect-timeout=2s"},
			map[string]string{"TVP_DATABASE_URL": goodDB, "TVP_TEMPORAL_ADDRESS": "127.0.0.1:1"},
			1, "connect to Temporal at 127.0.0.1:1"},
		{"worker with an unreachable Temporal", []string{"worker", "-connect-timeout=2s"},
			map[string]string{"TVP_DATABASE_URL": goodDB, "TVP_TEMPORAL_ADDRESS": "127.0.0.1:1"},
			1, "connect to Temporal at 127.0.0.1:1"},
		{"a database URL that is not one", []string{"migrate"},
			map[string]string{"TVP_DATABASE_URL": "mysql://x"}, 2, "TVP_DATABASE_URL must be a postgres:// URL"},
		{"an unknown command", []string{"frobnicate"}, nil, 2, `unknown command "frobnicate"`},
		{"audit without what to do", []string{"audit"}, nil, 2, `unknown command "audit"`},
		{"an unknown audit command", []string{"audit", "erase"}, nil, 2, `unknown command "audit erase"`},
		{"a database role that is not a name", []string{"api"},
			map[string]string{"TVP_DATABASE_ROLE": "tvp_app -c role=postgres"}, 2, "TVP_DATABASE_ROLE must be a plain role name"},
		{"a bad flag value", []string{"api", "-connect-timeout=soon"}, nil, 2, "invalid value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := runBounded(t, tc.env, tc.args...)
			assert.Equal(t, tc.code, code, "stderr: %s", stderr)
			assert.Contains(t, stderr, tc.contains)
			assert.NotContains(t, stderr, "secret", "the password is masked")
			assert.NotContains(t, stderr, "panic")
			if tc.code == 1 {
				assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line on stderr: %q", stderr)
			}
		})
	}
}

func TestMigrateTwice(t *testing.T) {
	db := testenv.NewDatabase(t)
	for i := 0; i < 2; i++ {
		code, stderr := runBounded(t, map[string]string{"TVP_DATABASE_URL": db}, "migrate")
		assert.Equal(t, 0, code, "run %d: %s", i+1, stderr)
	}
}

// tvp audit verify on a migrated database with entries exits 0, and again after a retention
// run; after a superuser changed one row (turning the triggers off to do it) it names the row
// and exits 1.
func TestAuditVerify(t *testing.T) {
	db := testenv.NewDatabase(t)
	env := map[string]string{"TVP_DATABASE_URL": db}
	code, stderr := runBounded(t, env, "migrate")
	require.Equal(t, 0, code, stderr)

	ctx := context.Background()
	app, err := store.Open(ctx, db, store.AsRole(store.AppRole))
	require.NoError(t, err)
	t.Cleanup(func() { app.Close() })
	citizen := "6f1c1a9e-0d0e-4b52-9a51-000000000001"
	for i, at := range []time.Time{time.Now().AddDate(0, -8, 0), time.Now().AddDate(0, -7, 0), time.Now(), time.Now()} {
		require.NoError(t, app.AppendAudit(ctx, domain.AuditEntry{At: at, ActorID: "konsulent.anna", Action: "course.read",
			SubjectType: "course", SubjectID: fmt.Sprint(i), CitizenID: &citizen, Purpose: "casework"}))
	}
	code, stderr = runBounded(t, env, "audit", "verify")
	assert.Equal(t, 0, code, "a fresh chain: %s", stderr)

	n, err := app.DeleteAuditBefore(ctx, time.Now().AddDate(0, -6, 0))
	require.NoError(t, err)
	require.Equal(t, int64(2), n)
	code, stderr = runBounded(t, env, "audit", "verify")
	assert.Equal(t, 0, code, "after retention: %s", stderr)

	owner := storetest.MustOpenOwner(t, db)
	var target int64
	require.NoError(t, owner.DB().Get(&target, "SELECT min(id) FROM audit_log"))
	const change = "UPDATE audit_log SET purpose = 'nothing to see' WHERE id = $1"
	_, err = owner.DB().Exec(change, target)
	require.ErrorContains(t, err, "append-only", "a superuser too is stopped by the triggers")
	tx, err := owner.DB().Begin()
	require.NoError(t, err)
	_, err = tx.Exec("SET LOCAL session_replication_role = replica") // the triggers off
	require.NoError(t, err)
	_, err = tx.Exec(change, target)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())

	code, stderr = runBounded(t, env, "audit", "verify")
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, fmt.Sprintf("row %d (at ", target))
	assert.Contains(t, stderr, "action course.read")
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line on stderr: %q", stderr)
}
