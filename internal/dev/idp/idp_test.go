package idp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"tvp/internal/dev/demo"
	"tvp/internal/dev/idp"
)

// start runs a provider with the demo users on an httptest server.
func start(t *testing.T) *idp.Provider {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	key, err := idp.GenerateKey()
	require.NoError(t, err)
	p, err := idp.New(idp.Config{
		Issuer: issuer, Key: key, Users: append(idp.DemoUsers("pw"), idp.DemoCitizens("pw")...),
		Clients: append(idp.TVPClients("http://127.0.0.1:1", "tvp", "secret", "tvp-api"),
			idp.CitizenClient("http://127.0.0.1:1", idp.CitizenClientID, "borger-secret"),
			idp.Client{ID: citizenCLI, RedirectURIs: []string{idp.CLIRedirectURI}, CPR: true}),
		CPRClaim: "dk:test:cpr",
	})
	require.NoError(t, err)
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(srv.Close)
	return p
}

// citizenCLI is a public client given CPR numbers, as the citizens' client is.
const citizenCLI = "borger-cli"

// A demo citizen logs in; the provider vouches for their made-up CPR number at userinfo, in
// the configured claim, to a client given CPR numbers only, and never in the ID token (which
// a client keeps for its logout).
func TestCitizenCPRAtUserinfoOnly(t *testing.T) {
	p := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	prov, err := oidc.NewProvider(ctx, p.Issuer())
	require.NoError(t, err)
	userinfo := func(clientID, user string) (map[string]any, map[string]any) {
		tok, err := idp.Token(ctx, p.Issuer(), clientID, idp.CLIRedirectURI, user, "pw")
		require.NoError(t, err)
		raw, _ := tok.Extra("id_token").(string)
		id, err := prov.Verifier(&oidc.Config{ClientID: clientID}).Verify(ctx, raw)
		require.NoError(t, err)
		idClaims := map[string]any{}
		require.NoError(t, id.Claims(&idClaims))
		ui, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		require.NoError(t, err)
		uiClaims := map[string]any{}
		require.NoError(t, ui.Claims(&uiClaims))
		return idClaims, uiClaims
	}
	mikkel := demo.CitizenLogins[0]
	idClaims, uiClaims := userinfo(citizenCLI, mikkel.Username)
	assert.Equal(t, mikkel.CPR, uiClaims["dk:test:cpr"], "userinfo vouches for the CPR number")
	assert.NotContains(t, idClaims, "dk:test:cpr", "the ID token carries no CPR number")
	assert.Equal(t, idp.DemoSubject(mikkel.Username), uiClaims["sub"])

	_, uiClaims = userinfo(idp.CLIClientID, mikkel.Username)
	assert.NotContains(t, uiClaims, "dk:test:cpr", "a client not given CPR numbers gets none")
	_, uiClaims = userinfo(citizenCLI, "konsulent.anna")
	assert.NotContains(t, uiClaims, "dk:test:cpr", "staff have none")
}

// A user logs in at the provider's own form by the authorization code grant with PKCE; the
// access token is for the client's audience, the ID token names the user by an opaque
// subject with a verified e-mail.
func TestTokenByAuthorizationCodeWithPKCE(t *testing.T) {
	p := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := idp.Token(ctx, p.Issuer(), idp.CLIClientID, idp.CLIRedirectURI, "konsulent.anna", "pw")
	require.NoError(t, err)

	prov, err := oidc.NewProvider(ctx, p.Issuer())
	require.NoError(t, err)
	at, err := prov.Verifier(&oidc.Config{ClientID: "tvp-api"}).Verify(ctx, tok.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, idp.DemoSubject("konsulent.anna"), at.Subject)
	var atClaims map[string]any
	require.NoError(t, at.Claims(&atClaims))
	assert.Equal(t, idp.CLIClientID, atClaims["client_id"])
	assert.NotContains(t, atClaims, "email", "access tokens carry no profile")

	raw, _ := tok.Extra("id_token").(string)
	id, err := prov.Verifier(&oidc.Config{ClientID: idp.CLIClientID}).Verify(ctx, raw)
	require.NoError(t, err)
	var claims struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
	}
	require.NoError(t, id.Claims(&claims))
	assert.Equal(t, "konsulent.anna@tvp.example", claims.Email)
	assert.True(t, claims.EmailVerified)
	assert.NotEqual(t, "konsulent.anna", id.Subject)

	_, err = idp.Token(ctx, p.Issuer(), idp.CLIClientID, idp.CLIRedirectURI, "konsulent.anna", "wrong")
	assert.ErrorContains(t, err, "401")
}

// The provider asks every client for PKCE.
func TestAuthorizationWithoutPKCEIsRefused(t *testing.T) {
	p := start(t)
	q := url.Values{"client_id": {idp.CLIClientID}, "redirect_uri": {idp.CLIRedirectURI}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"s"}}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(p.Issuer() + "/authorize?" + q.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	assert.True(t, strings.HasPrefix(loc, idp.CLIRedirectURI), "an error goes back to the client: %s", loc)
	assert.Contains(t, loc, "error=invalid_request")
}
