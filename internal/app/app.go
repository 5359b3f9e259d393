// Package app assembles TVP: the service over the store and Temporal, and its HTTP transports
// on one server (the API and the pages, both over the same service layer).
package app

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"tvp/api"
	"tvp/internal/auth"
	"tvp/internal/codec"
	"tvp/internal/metrics"
	"tvp/service"
	"tvp/store"
	"tvp/web"
)

// Deps are the API's dependencies, with what the pages need besides.
type Deps struct {
	api.Deps
	// Login is the OpenID provider the pages log in with (its Verifier checks the API's
	// bearer tokens, unless Deps.Verifier is set).
	Login *auth.Provider
	// CitizenLogin is the citizens' provider (MitID; nil: citizens cannot log in). It is
	// never the API's: citizens have no API.
	CitizenLogin *auth.Provider
	// PublicURL is where people reach TVP.
	PublicURL string
}

// Handler returns the API with the pages mounted beside it. The pages' sessions are the
// API's second way in, for the pages' own scripts.
func Handler(d Deps) (http.Handler, error) {
	pages, err := web.New(web.Deps{
		Service: d.Service, StatusOf: api.StatusOf, Login: d.Login, CitizenLogin: d.CitizenLogin, PublicURL: d.PublicURL, Log: d.Log,
	})
	if err != nil {
		return nil, fmt.Errorf("pages: %w", err)
	}
	ad := d.Deps
	if ad.Verifier == nil && d.Login != nil {
		ad.Verifier = d.Login.Verifier()
	}
	ad.Sessions = pages.SessionStaff
	srv := api.New(ad)
	srv.Mount(pages.Routes)
	return srv.Handler(), nil
}

// Parts are what the application runs on: the store (opened as the application's role), a
// client of Temporal (encrypting payloads with Keys), the keys (nil: no codec server for the
// Web UI), the metrics and the log.
type Parts struct {
	Store    *store.Store
	Temporal client.Client
	Keys     *codec.Keyring
	Metrics  *metrics.Metrics
	Log      *slog.Logger
}

// Settings are how the application runs: the service's settings, the logins (Login: the
// municipality's provider for the pages and, unless Verifier is set, the API's bearer tokens;
// CitizenLogin: MitID; either may be nil), and the API's own settings.
type Settings struct {
	Service        service.Config
	Login          *auth.Provider
	CitizenLogin   *auth.Provider
	Verifier       *auth.Verifier
	PublicURL      string
	TemporalUIURL  string
	IdempotencyTTL time.Duration
	RateLimits     api.RateLimits
}

// App is the application as a process serves it: its use cases and its HTTP handler (the API
// and the pages).
type App struct {
	Service *service.Service
	Handler http.Handler
}

// New assembles the application: the one place that wires the service to the store and
// Temporal and the transports to the service (tvp api, tvp dev, the tests' application, the
// fault tests and the benchmark all start it here).
func New(p Parts, s Settings) (*App, error) {
	svc := NewService(p, s.Service)
	d := Deps{Deps: api.Deps{Service: svc, Metrics: p.Metrics, Log: p.Log, Verifier: s.Verifier,
		TemporalUIURL: s.TemporalUIURL, IdempotencyTTL: s.IdempotencyTTL, RateLimits: s.RateLimits},
		Login: s.Login, CitizenLogin: s.CitizenLogin, PublicURL: s.PublicURL}
	if p.Keys != nil {
		d.Codec = p.Keys.Codec()
	}
	h, err := Handler(d)
	if err != nil {
		return nil, err
	}
	return &App{Service: svc, Handler: h}, nil
}

// NewService is the service over the parts' store and Temporal client: what New serves, and
// what a command that only runs use cases (tvp demo) calls.
func NewService(p Parts, c service.Config) *service.Service {
	return service.New(p.Store, p.Temporal, c, p.Log)
}
