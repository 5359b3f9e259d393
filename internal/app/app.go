// Package app assembles TVP's HTTP transports on one server: the API and the pages, both over
// the same service layer.
package app

import (
	"fmt"
	"net/http"

	"tvp/api"
	"tvp/internal/auth"
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
