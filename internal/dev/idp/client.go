package idp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// CLIClientID is the public client `tvp token` and the tests log in as, for API tokens; its
// redirect URI is a loopback one (RFC 8252) that nothing needs to listen on, as the code is
// read from the redirect itself.
const (
	CLIClientID    = "tvp-cli"
	CLIRedirectURI = "http://127.0.0.1/tvp-token"
)

// Token logs a user in to the provider as a public client, by the authorization code grant
// with PKCE, answering the provider's own login form with the user's password as a browser
// would, and returns the tokens (the access token for the client's audience, the ID token in
// Extra("id_token")). It is how `tvp token` and the tests get a token for a user from this
// provider; it works with this provider's form only.
func Token(ctx context.Context, issuer, clientID, redirectURI, username, password string) (*oauth2.Token, error) {
	p, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return nil, fmt.Errorf("provider %s: %w", issuer, err)
	}
	conf := oauth2.Config{ClientID: clientID, Endpoint: p.Endpoint(), RedirectURL: redirectURI,
		Scopes: []string{oidc.ScopeOpenID, "profile", "email"}}
	verifier, state, nonce := oauth2.GenerateVerifier(), rand32(), rand32()
	hc := noRedirects(ctx)
	resp, err := get(ctx, hc, conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)))
	if err != nil {
		return nil, err
	}
	form, err := location(resp)
	if err != nil {
		return nil, fmt.Errorf("authorize: %w", err)
	}
	back, err := SignIn(ctx, hc, form.String(), username, password)
	if err != nil {
		return nil, err
	}
	if back.Query().Get("state") != state {
		return nil, errors.New("the provider answered another state")
	}
	if e := back.Query().Get("error"); e != "" {
		return nil, fmt.Errorf("the provider refused: %s: %s", e, back.Query().Get("error_description"))
	}
	tok, err := conf.Exchange(oidc.ClientContext(ctx, http.DefaultClient), back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("exchange the code: %w", err)
	}
	return tok, nil
}

// SignIn answers the provider's login form at loginURL (where an authorization request sent
// the browser) with a user name and password, and returns where the provider then sends the
// browser: the client's redirect URI with the code (or an error). hc must not follow
// redirects.
func SignIn(ctx context.Context, hc *http.Client, loginURL, username, password string) (*url.URL, error) {
	lu, err := url.Parse(loginURL)
	if err != nil {
		return nil, fmt.Errorf("login form %q: %w", loginURL, err)
	}
	form := url.Values{"authRequestID": {lu.Query().Get("authRequestID")}, "username": {username}, "password": {password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, loginURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("login form: %w", err)
	}
	callback, err := location(resp)
	if err != nil {
		return nil, fmt.Errorf("login as %s: %w", username, err)
	}
	resp, err = get(ctx, hc, callback.String())
	if err != nil {
		return nil, err
	}
	back, err := location(resp)
	if err != nil {
		return nil, fmt.Errorf("authorize callback: %w", err)
	}
	return back, nil
}

// noRedirects is a client that returns a redirect instead of following it.
func noRedirects(ctx context.Context) *http.Client {
	base := http.DefaultClient
	if c, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && c != nil {
		base = c
	}
	return &http.Client{Transport: base.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(ctx context.Context, hc *http.Client, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", req.URL.Path, err)
	}
	return resp, nil
}

// location returns a redirect's target, resolved against the request's URL; anything else is
// an error that quotes the answer.
func location(resp *http.Response) (*url.URL, error) {
	defer resp.Body.Close()
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return nil, fmt.Errorf("%s answered %d: %s", resp.Request.URL.Path, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	u, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, fmt.Errorf("redirect: %w", err)
	}
	return u, nil
}
