package service

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/internal/testing/storetest"
)

// clock is a settable clock for the service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func staffMember(t *testing.T, id string) domain.Staff {
	t.Helper()
	for _, m := range demo.Staff {
		if m.ID == id {
			m.Email = m.ID + "@tvp.example"
			return m
		}
	}
	t.Fatalf("no demo staff member %s", id)
	return domain.Staff{}
}

// With the register cache, a role revoked in the register (by whoever loads it, beside this
// process) takes effect within the cache's bound and not later; a staff member added is known at
// once (a refusal is never kept); an absence recorded through the service changes who stands in
// for whom at once. Without the cache, a revoked role takes effect at once.
func TestRegisterCacheStalenessIsBounded(t *testing.T) {
	st, _ := storetest.MustOpen(t)
	ctx := context.Background()
	require.NoError(t, demo.LoadRegister(ctx, st))
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	const ttl = 5 * time.Second
	s := New(st, nil, Config{RegisterCacheTTL: ttl, Now: clk.now}, log)
	off := New(st, nil, Config{Now: clk.now}, log)

	roles := func(svc *Service, id string) []domain.Role {
		t.Helper()
		c, err := svc.Identify(ctx, id, "", "")
		require.NoError(t, err)
		return c.Actor.Roles
	}
	anna := staffMember(t, "konsulent.anna")
	require.Equal(t, []domain.Role{domain.RoleConsultant}, roles(s, anna.ID))

	// The consultant role is revoked beside the service.
	revoked := anna
	revoked.Roles = []domain.Role{}
	require.NoError(t, st.UpsertStaff(ctx, revoked))
	assert.Empty(t, roles(off, anna.ID), "without the cache: at once")
	clk.add(ttl - time.Millisecond)
	assert.Equal(t, []domain.Role{domain.RoleConsultant}, roles(s, anna.ID), "within the bound, the cached roles")
	clk.add(time.Millisecond)
	assert.Empty(t, roles(s, anna.ID), "at the bound, the register's")
	// A caller's roles cannot change the cache's.
	c, err := s.Identify(ctx, anna.ID, "", "")
	require.NoError(t, err)
	c.Actor.Roles = append(c.Actor.Roles, domain.RoleAdmin)
	assert.Empty(t, roles(s, anna.ID))

	// A refusal is not kept: a new member is known at once.
	_, err = s.Identify(ctx, "konsulent.ny", "", "")
	require.Equal(t, domain.EUnauthorized, domain.ErrorCode(err))
	ny := anna
	ny.ID, ny.Email, ny.Roles = "konsulent.ny", "ny@tvp.example", []domain.Role{domain.RoleConsultant}
	require.NoError(t, st.UpsertStaff(ctx, ny))
	assert.Equal(t, []domain.Role{domain.RoleConsultant}, roles(s, ny.ID))

	// An absence recorded through the service: the stand-in stands in at once.
	nina, err := s.Identify(ctx, "tovholder.nina", "", "")
	require.NoError(t, err)
	require.Empty(t, nina.Actor.StandsInFor)
	karen, err := s.Identify(ctx, "leder.karen", "", "")
	require.NoError(t, err)
	today := s.today()
	_, err = s.RecordAbsence(ctx, karen, "tovholder.ida", AbsenceInput{From: today, To: today, StandInID: "tovholder.nina"})
	require.NoError(t, err)
	nina, err = s.Identify(ctx, "tovholder.nina", "", "")
	require.NoError(t, err)
	assert.Equal(t, []string{"tovholder.ida"}, nina.Actor.StandsInFor)
	// And the next day (a new date is never served from the day before's entry) it has ended.
	clk.add(24 * time.Hour)
	nina, err = s.Identify(ctx, "tovholder.nina", "", "")
	require.NoError(t, err)
	assert.Empty(t, nina.Actor.StandsInFor)
}

// A token's identity linked to a staff member is kept within the bound too; an unlinked one is
// not kept.
func TestRegisterCacheKeepsIdentities(t *testing.T) {
	st, _ := storetest.MustOpen(t)
	ctx := context.Background()
	require.NoError(t, demo.LoadRegister(ctx, st))
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s := New(st, nil, Config{RegisterCacheTTL: 5 * time.Second, Now: clk.now}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	id := Identity{Issuer: "https://idp.test", Subject: "sub-anna"}
	links := 0
	link := func(context.Context) (LinkKey, error) {
		links++
		return LinkKey{Claim: "email", Value: "konsulent.anna@tvp.example"}, nil
	}
	got, err := s.StaffOf(ctx, id, link)
	require.NoError(t, err)
	assert.Equal(t, "konsulent.anna", got)
	got, err = s.StaffOf(ctx, id, nil)
	require.NoError(t, err)
	assert.Equal(t, "konsulent.anna", got)
	assert.Equal(t, 1, links)
	_, err = s.StaffOf(ctx, Identity{Issuer: "https://idp.test", Subject: "nobody"}, nil)
	assert.Equal(t, domain.EUnauthorized, domain.ErrorCode(err))
}
