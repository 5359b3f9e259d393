// Package storetest opens a real, freshly migrated PostgreSQL database for a test.
package storetest

import (
	"context"
	"testing"
	"time"

	"tvp/internal/testenv"
	"tvp/store"
)

// MustOpen returns a store on a new, migrated database that is dropped when the test ends,
// and the database's URL.
func MustOpen(tb testing.TB) (*store.Store, string) {
	tb.Helper()
	dsn := testenv.NewDatabase(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return s, dsn
}
