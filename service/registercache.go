package service

import (
	"slices"
	"sync"
	"time"

	"tvp/domain"
)

// registerCache keeps what Identify and StaffOf read from the staff register for every request
// (a staff member's roles, team and leads, the absences they hold today, and which staff member
// a provider's identity is) for at most ttl. A change made through this process (an absence
// recorded or cancelled, an identity linked, sessions revoked) empties it at once; a change
// made elsewhere (the register loaded by an administrator, another API replica) takes effect
// within ttl. Refusals (an unknown staff member or identity) are never kept.
type registerCache struct {
	ttl time.Duration
	now func() time.Time

	mu         sync.Mutex
	gen        uint64                // counts forget: a read begun before one is not kept
	staff      map[string]staffEntry // by staff id
	identities map[identityKey]identityEntry
}

type staffEntry struct {
	actor domain.Actor // without StandsInFor
	held  []domain.Absence
	day   string
	until time.Time
}

type identityKey struct{ issuer, subject string }

type identityEntry struct {
	staffID string
	until   time.Time
}

// registerCacheMax bounds the entries kept (a municipality's staff is a few hundred); a full
// cache is emptied rather than grown.
const registerCacheMax = 10000

func newRegisterCache(ttl time.Duration, now func() time.Time) *registerCache {
	if ttl <= 0 {
		return nil
	}
	return &registerCache{ttl: ttl, now: now, staff: map[string]staffEntry{}, identities: map[identityKey]identityEntry{}}
}

// actor returns the staff member's actor and the absences they hold on day, if kept.
func (c *registerCache) actor(staffID, day string) (domain.Actor, []domain.Absence, bool) {
	if c == nil {
		return domain.Actor{}, nil, false
	}
	c.mu.Lock()
	e, ok := c.staff[staffID]
	c.mu.Unlock()
	if !ok || e.day != day || !c.now().Before(e.until) {
		return domain.Actor{}, nil, false
	}
	a := e.actor
	a.Roles, a.Leads = slices.Clone(a.Roles), slices.Clone(a.Leads)
	return a, e.held, true
}

// begin is taken before reading the register for the cache: when and in which generation.
func (c *registerCache) begin() (time.Time, uint64) {
	if c == nil {
		return time.Time{}, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now(), c.gen
}

func (c *registerCache) putActor(a domain.Actor, held []domain.Absence, day string, read time.Time, gen uint64) {
	if c == nil {
		return
	}
	a.Roles, a.Leads, a.StandsInFor = slices.Clone(a.Roles), slices.Clone(a.Leads), nil
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.staff) >= registerCacheMax {
		clear(c.staff)
	}
	c.staff[a.ID] = staffEntry{actor: a, held: slices.Clone(held), day: day, until: read.Add(c.ttl)}
}

func (c *registerCache) staffOf(id Identity) (string, bool) {
	if c == nil {
		return "", false
	}
	c.mu.Lock()
	e, ok := c.identities[identityKey{id.Issuer, id.Subject}]
	c.mu.Unlock()
	if !ok || !c.now().Before(e.until) {
		return "", false
	}
	return e.staffID, true
}

func (c *registerCache) putStaffOf(id Identity, staffID string, read time.Time, gen uint64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.identities) >= registerCacheMax {
		clear(c.identities)
	}
	c.identities[identityKey{id.Issuer, id.Subject}] = identityEntry{staffID: staffID, until: read.Add(c.ttl)}
}

// forget empties the cache: this process has changed the register.
func (c *registerCache) forget() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.staff)
	clear(c.identities)
}
