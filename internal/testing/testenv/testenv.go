// Package testenv gives tests the real services they need: a PostgreSQL server and a Temporal
// server. The test script (scripts/test.sh) starts both and exports their addresses; a test
// that needs one and cannot reach it fails under CI=true and is skipped elsewhere.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq" // PostgreSQL driver

	"tvp/domain"
)

// Env names read here.
const (
	EnvDatabaseURL     = "TVP_TEST_DATABASE_URL"     // an admin connection (may CREATE DATABASE)
	EnvTemporalAddress = "TVP_TEST_TEMPORAL_ADDRESS" // host:port of a Temporal frontend
)

const defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// unavailable fails the test under CI and skips it elsewhere.
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		tb.Fatalf("%s (CI=true: a test that needs a server must not skip; run it through make test)", msg)
	}
	tb.Skipf("%s; run the tests through make test", msg)
}

// AdminDatabaseURL returns a connection URL with the right to create databases.
func AdminDatabaseURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvDatabaseURL)
	if u == "" {
		u = defaultDatabaseURL
	}
	db, err := sql.Open("postgres", u)
	if err != nil {
		unavailable(tb, "PostgreSQL: %v", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		unavailable(tb, "PostgreSQL at %s is not reachable: %v", redact(u), err)
	}
	return u
}

// NewDatabase creates an empty database for this test and drops it when the test ends.
// It returns the new database's URL.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	admin := AdminDatabaseURL(tb)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "tvp_test_" + hex.EncodeToString(b[:])

	db, err := sql.Open("postgres", admin)
	if err != nil {
		tb.Fatalf("open admin connection: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		tb.Fatalf("create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("parse %s: %v", EnvDatabaseURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// TemporalAddress returns the host:port of a reachable Temporal server.
func TemporalAddress(tb testing.TB) string {
	tb.Helper()
	addr := os.Getenv(EnvTemporalAddress)
	if addr == "" {
		unavailable(tb, "no Temporal server: %s is not set", EnvTemporalAddress)
	}
	conn, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		unavailable(tb, "Temporal at %s is not reachable: %v", addr, err)
	}
	conn.Close()
	return addr
}

// Today is the municipality's date now (midnight UTC, as TVP carries dates). A test that runs on
// the wall clock (the real Temporal server's workflows, the application's clock) cannot fix the
// day, so it reads it once, here or as apptest's App.Today, and makes every date it uses from
// it: a course that started a month ago, a meeting in a week. A date written into such a test
// is right only for a while (internal/testing/archtest's TestNoTestMixesADateWithTheClock finds one).
func Today() time.Time { return domain.DateIn(time.Now()) }

// FreeAddr returns a 127.0.0.1 address with a port that is free and reserved for a while:
// the port is left in TIME_WAIT (a connection to it, closed first on the listening side), so
// the kernel hands it to no other bind to port 0 for about a minute (Linux), neither to this
// process nor to a server that picks its own ports (Temporal's dev server picks three more),
// while an explicit bind with SO_REUSEADDR, as Go's listeners, PostgreSQL and Temporal make,
// still gets it. Two calls never return the same port. A server started on it may still find
// it taken (an outgoing connection's ephemeral port): start it again on new ones.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	addr, err := ReservePort()
	if err != nil {
		tb.Fatalf("find a free port: %v", err)
	}
	return addr
}

// ReservePort is FreeAddr without a test: it returns a 127.0.0.1 address whose port is free
// and left in TIME_WAIT.
func ReservePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	addr := l.Addr().String()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("reserve %s: %w", addr, err)
	}
	defer c.Close()
	a, err := l.Accept()
	if err != nil {
		return "", fmt.Errorf("reserve %s: %w", addr, err)
	}
	// Closed first on the listening side: that side's socket (our port) waits in TIME_WAIT.
	a.Close()
	return addr, nil
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(database URL)"
	}
	return u.Redacted()
}

// FreePort is the port of FreeAddr: reserved for a while, for a server that takes a port only.
func FreePort(tb testing.TB) string {
	tb.Helper()
	a := FreeAddr(tb)
	return a[strings.LastIndex(a, ":")+1:]
}

// ModuleRoot is the repository's root: the folder above the test's working directory that
// holds go.mod.
func ModuleRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("no go.mod above the test's working directory")
		}
		dir = parent
	}
}
