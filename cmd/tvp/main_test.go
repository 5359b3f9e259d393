package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"tvp/internal/testenv"
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
