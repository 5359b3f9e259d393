// Package app assembles TVP's HTTP transports on one server: the API and the pages, both over
// the same service layer.
package app

import (
	"fmt"
	"net/http"

	"tvp/api"
	"tvp/web"
)

// Deps are the API's dependencies; the pages share them.
type Deps = api.Deps

// Handler returns the API with the pages mounted beside it.
func Handler(d Deps) (http.Handler, error) {
	srv := api.New(d)
	pages, err := web.New(web.Deps{
		Service: d.Service, Identify: srv.Identify, StatusOf: api.StatusOf, SessionCookie: api.SessionCookie,
		DevIssuer: d.DevIssuer, Log: d.Log,
	})
	if err != nil {
		return nil, fmt.Errorf("pages: %w", err)
	}
	srv.Mount(pages.Routes)
	return srv.Handler(), nil
}
