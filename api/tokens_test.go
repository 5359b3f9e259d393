package api_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/api"
	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/internal/dev/idp"
	"tvp/internal/testing/apptest"
)

// forge signs claims as a JWT with the header's alg, typ and kid.
func forge(t *testing.T, key any, alg jose.SignatureAlgorithm, typ, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ))
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	require.NoError(t, err)
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	jws, err := signer.Sign(payload)
	require.NoError(t, err)
	tok, err := jws.CompactSerialize()
	require.NoError(t, err)
	return tok
}

// unsigned is a JWT with alg "none".
func unsigned(t *testing.T, kid string, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "at+jwt", "kid": kid})
	c, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	return enc(h) + "." + enc(c) + "."
}

func with(base map[string]any, changes map[string]any) map[string]any {
	out := maps.Clone(base)
	for k, v := range changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// The API takes only access tokens of its provider, for its audience, issued to its client,
// unexpired, signed with the provider's keys, and knows a person by (issuer, subject): every
// other token is refused with 401, whatever it names.
func TestTheAPIRefusesEveryOtherToken(t *testing.T) {
	app := apptest.Start(t)
	ctx := context.Background()
	key, kid := app.IdPKey, idp.KeyID(app.IdPKey)
	anna := idp.DemoSubject("konsulent.anna")
	now := time.Now()
	valid := map[string]any{
		"iss": app.IdP.Issuer(), "sub": anna, "aud": []string{apptest.APIAudience}, "client_id": idp.CLIClientID,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "jti": uuid.NewString(),
	}
	good := forge(t, key, jose.RS256, "JWT", kid, valid)

	// Another provider, with the same users and clients: its tokens are its own.
	other := httptest.NewUnstartedServer(nil)
	otherKey, err := idp.GenerateKey()
	require.NoError(t, err)
	op, err := idp.New(idp.Config{Issuer: "http://" + other.Listener.Addr().String(), Key: otherKey,
		Users: idp.DemoUsers(apptest.Password), Clients: idp.TVPClients(app.URL, apptest.PagesClientID, "s", apptest.APIAudience)})
	require.NoError(t, err)
	other.Config.Handler = op
	other.Start()
	t.Cleanup(other.Close)
	otherToken, err := idp.Token(ctx, op.Issuer(), idp.CLIClientID, idp.CLIRedirectURI, "admin", apptest.Password)
	require.NoError(t, err)

	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	publicPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	idToken, _ := app.Tokens("konsulent.anna").Extra("id_token").(string)
	require.NotEmpty(t, idToken)
	tampered := good[:len(good)-4] + map[bool]string{true: "AAAA", false: "BBBB"}[strings.HasSuffix(good, "AAAA")]

	for _, tc := range []struct {
		name  string
		token string
		want  int
	}{
		{"the provider's own access token", app.Token("konsulent.anna"), http.StatusOK},
		{"a token with every claim right, signed with the provider's key", good, http.StatusOK},
		{"an ID token (for the CLI client, naming the API's audience too)", idToken, http.StatusUnauthorized},
		{"an ID token of the pages' client", forge(t, key, jose.RS256, "JWT", kid, with(valid, map[string]any{
			"aud": []string{apptest.PagesClientID}, "azp": apptest.PagesClientID, "client_id": apptest.PagesClientID,
			"nonce": "n", "at_hash": "h", "auth_time": now.Unix()})), http.StatusUnauthorized},
		{"an ID token's claims in a token otherwise right", forge(t, key, jose.RS256, "JWT", kid, with(valid, map[string]any{"nonce": "n"})), http.StatusUnauthorized},
		{"a token for another audience", forge(t, key, jose.RS256, "JWT", kid, with(valid, map[string]any{"aud": []string{"another-api"}})), http.StatusUnauthorized},
		{"a token for the pages' client id as audience", forge(t, key, jose.RS256, "JWT", kid, with(valid, map[string]any{"aud": []string{apptest.PagesClientID}})), http.StatusUnauthorized},
		{"a token issued to another client", forge(t, key, jose.RS256, "JWT", kid, with(valid, map[string]any{"client_id": "another-client"})), http.StatusUnauthorized},
		{"a token naming no client", forge(t, key, jose.RS256, "JWT", kid, with(valid, map[string]any{"client_id": nil})), http.StatusUnauthorized},
		{"an expired token", forge(t, key, jose.RS256, "JWT", kid, with(valid, map[string]any{
			"iat": now.Add(-2 * time.Hour).Unix(), "nbf": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Minute).Unix()})), http.StatusUnauthorized},
		{"a token not valid yet", forge(t, key, jose.RS256, "JWT", kid, with(valid, map[string]any{"nbf": now.Add(time.Hour).Unix()})), http.StatusUnauthorized},
		{"alg none", unsigned(t, kid, valid), http.StatusUnauthorized},
		{"HS256 signed with the provider's public key (PEM)", forge(t, publicPEM, jose.HS256, "JWT", kid, valid), http.StatusUnauthorized},
		{"HS256 signed with the provider's public key (DER)", forge(t, der, jose.HS256, "JWT", kid, valid), http.StatusUnauthorized},
		{"a signature that does not verify", tampered, http.StatusUnauthorized},
		{"another issuer, signed with the provider's key", forge(t, key, jose.RS256, "JWT", kid, with(valid, map[string]any{"iss": "https://evil.example"})), http.StatusUnauthorized},
		{"another issuer's own token (same users, same client ids)", otherToken.AccessToken, http.StatusUnauthorized},
		{"a token of another type", forge(t, key, jose.RS256, "logout+jwt", kid, valid), http.StatusUnauthorized},
		{"preferred_username names an admin, the subject is someone else", forge(t, key, jose.RS256, "JWT", kid, with(valid, map[string]any{
			"sub": uuid.NewString(), "preferred_username": "admin", "name": "Administrator"})), http.StatusUnauthorized},
		{"an admin's e-mail, not verified", forge(t, key, jose.RS256, "JWT", kid, with(valid, map[string]any{
			"sub": uuid.NewString(), "email": "admin@tvp.example", "email_verified": false})), http.StatusUnauthorized},
		{"a page session's id as a bearer token", app.Login("admin").Cookie.Value, http.StatusUnauthorized},
		{"someone the provider knows who is not on the staff", app.Token("nobody"), http.StatusUnauthorized},
		{"a demo member's e-mail, unverified at the provider", app.Token("unverified.anna"), http.StatusUnauthorized},
		{"a second account with a linked member's verified e-mail", app.Token("twin.anna"), http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p api.Problem
			resp := call(t, http.MethodGet, app.URL+"/api/v1/me/inbox", nil, &p, map[string]string{"Authorization": "Bearer " + tc.token})
			assert.Equal(t, tc.want, resp.StatusCode)
			if tc.want == http.StatusUnauthorized {
				assert.Equal(t, domain.EUnauthorized, p.Code)
				assert.Equal(t, `Bearer realm="tvp"`, resp.Header.Get("WWW-Authenticate"))
			}
		})
	}

	// The first call linked anna's subject to her, by her verified e-mail.
	staffID, err := app.Store.StaffOfIdentity(ctx, app.IdP.Issuer(), anna)
	require.NoError(t, err)
	assert.Equal(t, "konsulent.anna", staffID)

	// A name in the token changes nothing: anna's subject calling herself admin is anna.
	asAdmin := forge(t, key, jose.RS256, "JWT", kid, with(valid, map[string]any{"preferred_username": "admin", "email": "admin@tvp.example", "email_verified": true}))
	var p api.Problem
	resp := call(t, http.MethodGet, app.URL+"/api/v1/citizens/"+demo.Citizens[0].ID+"/access-log", nil, &p, map[string]string{"Authorization": "Bearer " + asAdmin})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "anna, not admin")
	resp = call(t, http.MethodGet, app.URL+"/api/v1/citizens/"+demo.Citizens[0].ID+"/access-log", nil, nil, map[string]string{"Authorization": "Bearer " + app.Token("admin")})
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the admin is")
}
