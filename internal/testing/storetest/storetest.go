// Package storetest opens a real, freshly migrated PostgreSQL database for a test.
package storetest

import (
	"context"
	"testing"
	"time"

	"tvp/internal/testing/testenv"
	"tvp/store"
)

// MustOpen returns a store on a new, migrated database that is dropped when the test ends,
// and the database's URL. The migrations run as the URL's login, the owner; the store takes
// the application's role (store.AppRole) on every connection, as the api and the worker do,
// so a test meets the privileges they have. The URL is the owner's: MustOpenOwner(tb, url)
// reaches past those privileges, for a test that must.
func MustOpen(tb testing.TB) (*store.Store, string) {
	tb.Helper()
	dsn := testenv.NewDatabase(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	owner := MustOpenOwner(tb, dsn)
	if _, err := owner.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	owner.Close()
	s, err := store.Open(ctx, dsn, store.AsRole(store.AppRole))
	if err != nil {
		tb.Fatalf("open store as %s: %v", store.AppRole, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, dsn
}

// MustOpenOwner returns a store on the database at dsn with its login's own privileges
// (a superuser's, in the tests), closed when the test ends.
func MustOpenOwner(tb testing.TB, dsn string) *store.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
