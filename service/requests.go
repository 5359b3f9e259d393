package service

import (
	"context"
	"time"

	"go.temporal.io/sdk/client"

	"tvp/domain"
	"tvp/store"
)

// Answer is the first answer to an idempotent request, and what the request was about.
type Answer struct {
	Status      int
	Body        []byte
	ContentType string
	About       *Replay
}

// ClaimRequest claims the caller's idempotency key for a request (method, path and a hash of
// its body). It returns nil for the first request with the key within ttl, which goes on and
// is then saved (SaveAnswer) or forgotten (ForgetRequest); or the first answer, to be given
// again once the access rule for what it was about has been asked again (AuthorizeReplay,
// here): a repeat is audited, and refused if the caller may no longer take the step.
func (s *Service) ClaimRequest(ctx context.Context, by Caller, method, path string, hash []byte, ttl time.Duration) (*Answer, error) {
	if err := domain.CheckLine("path", path); err != nil {
		return nil, err
	}
	first, err := s.store.ClaimIdempotencyKey(ctx, by.Actor.ID, by.Key, method, path, hash, ttl)
	if err != nil || first == nil {
		return nil, err
	}
	a := &Answer{Status: first.Status, Body: first.Body, ContentType: first.ContentType}
	if first.Action != "" {
		a.About = &Replay{Action: domain.Action(first.Action), SubjectType: domain.SubjectType(first.SubjectType), SubjectID: first.SubjectID}
		if err := s.AuthorizeReplay(ctx, by, *a.About); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// SaveAnswer keeps the first answer to the caller's idempotency key.
func (s *Service) SaveAnswer(ctx context.Context, by Caller, a Answer) error {
	r := store.StoredResponse{Status: a.Status, Body: a.Body, ContentType: a.ContentType}
	if a.About != nil {
		r.Action, r.SubjectType, r.SubjectID = string(a.About.Action), string(a.About.SubjectType), a.About.SubjectID
	}
	return s.store.SaveIdempotentResponse(ctx, by.Actor.ID, by.Key, r)
}

// ForgetRequest releases a claim whose request failed on the server's side, so that a retry
// of the same request runs again (another request with the key is still refused).
func (s *Service) ForgetRequest(ctx context.Context, by Caller) error {
	return s.store.ReleaseIdempotencyKey(ctx, by.Actor.ID, by.Key)
}

// Readiness is what TVP depends on, each reachable or not.
type Readiness struct {
	Postgres, Migrations, Temporal error
}

// Ready checks PostgreSQL (with current migrations) and Temporal.
func (s *Service) Ready(ctx context.Context) Readiness {
	var r Readiness
	if r.Postgres = s.store.Ping(ctx); r.Postgres == nil {
		current, err := s.store.MigrationsCurrent(ctx)
		if err == nil && !current {
			err = domain.Errorf(domain.EUnavailable, "not current: run tvp migrate")
		}
		r.Migrations = err
	}
	if _, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		r.Temporal = err
	}
	return r
}
