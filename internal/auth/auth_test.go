package auth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/internal/auth"
	"tvp/internal/dev/idp"
)

type fixture struct {
	provider *auth.Provider
	idp      *idp.Provider
	sign     func(typ string, claims map[string]any) string
	valid    map[string]any
}

// start runs the development provider and discovers it as TVP does.
func start(t *testing.T) fixture {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	key, err := idp.GenerateKey()
	require.NoError(t, err)
	p, err := idp.New(idp.Config{Issuer: "http://" + srv.Listener.Addr().String(), Key: key, Users: idp.DemoUsers("pw"),
		Clients: idp.TVPClients("http://127.0.0.1:1", "tvp", "secret", "tvp-api")})
	require.NoError(t, err)
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ap, err := auth.Discover(ctx, auth.Config{Issuer: p.Issuer(), ClientID: "tvp", ClientSecret: "secret", RedirectURL: "http://127.0.0.1:1/login/callback",
		Audience: "tvp-api", APIClients: []string{idp.CLIClientID}, LinkClaim: "email"})
	require.NoError(t, err)
	now := time.Now()
	return fixture{
		provider: ap, idp: p,
		sign: func(typ string, claims map[string]any) string {
			signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
				(&jose.SignerOptions{}).WithType(jose.ContentType(typ)).WithHeader("kid", idp.KeyID(key)))
			require.NoError(t, err)
			b, _ := json.Marshal(claims)
			jws, err := signer.Sign(b)
			require.NoError(t, err)
			s, _ := jws.CompactSerialize()
			return s
		},
		valid: map[string]any{"iss": p.Issuer(), "sub": idp.DemoSubject("konsulent.anna"), "aud": "tvp-api", "client_id": idp.CLIClientID,
			"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": uuid.NewString()},
	}
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

// Each refusal is for its own reason: the rest of the token is right.
func TestVerifyAccessTokenRefusesForTheReason(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	none := func(claims map[string]any) string {
		h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "at+jwt"})
		c, _ := json.Marshal(claims)
		return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "."
	}
	for _, tc := range []struct {
		name, token, why string
	}{
		{"right (typ JWT)", f.sign("JWT", f.valid), ""},
		{"right (typ at+jwt, RFC 9068)", f.sign("at+jwt", f.valid), ""},
		{"right, with azp (Entra ID)", f.sign("JWT", with(f.valid, map[string]any{"client_id": nil, "azp": idp.CLIClientID})), ""},
		{"right, with appid (Entra ID v1)", f.sign("JWT", with(f.valid, map[string]any{"client_id": nil, "appid": idp.CLIClientID})), ""},
		{"an ID token's nonce", f.sign("JWT", with(f.valid, map[string]any{"nonce": "n"})), "an ID token"},
		{"an ID token's at_hash", f.sign("JWT", with(f.valid, map[string]any{"at_hash": "h"})), "an ID token"},
		{"another audience", f.sign("JWT", with(f.valid, map[string]any{"aud": "other"})), "expected audience"},
		{"another client", f.sign("JWT", with(f.valid, map[string]any{"client_id": "other"})), "not to a client of the API"},
		{"azp and client_id disagree", f.sign("JWT", with(f.valid, map[string]any{"azp": idp.CLIClientID, "client_id": "other"})), "disagree"},
		{"expired", f.sign("JWT", with(f.valid, map[string]any{"exp": time.Now().Add(-time.Minute).Unix()})), "expired"},
		{"not yet valid", f.sign("JWT", with(f.valid, map[string]any{"nbf": time.Now().Add(time.Hour).Unix()})), "nbf"},
		{"another issuer", f.sign("JWT", with(f.valid, map[string]any{"iss": "https://evil.example"})), "different provider"},
		{"another type", f.sign("secevent+jwt", f.valid), "not an access token"},
		{"no subject", f.sign("JWT", with(f.valid, map[string]any{"sub": nil})), "no subject"},
		{"alg none", none(f.valid), "malformed jwt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := f.provider.Verifier().VerifyAccessToken(ctx, tc.token)
			if tc.why == "" {
				require.NoError(t, err)
				assert.Equal(t, f.idp.Issuer(), id.Issuer)
				assert.Equal(t, idp.DemoSubject("konsulent.anna"), id.Subject)
				return
			}
			assert.ErrorContains(t, err, tc.why)
		})
	}
}

// The linking claim: from the token if it carries it verified, else from userinfo (about the
// same subject); an e-mail counts only verified; other claims as they are.
func TestLinkKey(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	v := f.provider.Verifier()
	anna := auth.Identity{Issuer: f.idp.Issuer(), Subject: idp.DemoSubject("konsulent.anna")}

	anna.Claims = map[string]any{"email": "a@x", "email_verified": true}
	claim, value, err := v.LinkKey(ctx, anna, "")
	require.NoError(t, err)
	assert.Equal(t, [2]string{"email", "a@x"}, [2]string{claim, value})

	anna.Claims = map[string]any{"email": "a@x", "email_verified": false, "preferred_username": "admin"}
	_, _, err = v.LinkKey(ctx, anna, "")
	assert.Error(t, err, "unverified, and no access token to ask userinfo with")

	tok, err := idp.Token(ctx, f.idp.Issuer(), idp.CLIClientID, idp.CLIRedirectURI, "konsulent.anna", "pw")
	require.NoError(t, err)
	anna.Claims = map[string]any{}
	claim, value, err = v.LinkKey(ctx, anna, tok.AccessToken)
	require.NoError(t, err, "from userinfo")
	assert.Equal(t, [2]string{"email", "konsulent.anna@tvp.example"}, [2]string{claim, value})

	bo := auth.Identity{Issuer: f.idp.Issuer(), Subject: idp.DemoSubject("styregruppe.bo"), Claims: map[string]any{}}
	_, _, err = v.LinkKey(ctx, bo, tok.AccessToken)
	assert.ErrorContains(t, err, "another subject", "anna's token tells nothing about bo")

	_, _, err = v.LinkKey(ctx, anna, "not-a-token")
	assert.Error(t, err, "userinfo refuses a token it did not issue")
}

// The configuration that would let an ID token or a name through is refused.
func TestConfigValidate(t *testing.T) {
	ok := auth.Config{Issuer: "https://idp", ClientID: "tvp", Audience: "tvp-api", APIClients: []string{"tvp-cli"}, LinkClaim: "email"}
	require.NoError(t, ok.Validate())
	for name, c := range map[string]auth.Config{
		"audience is the pages' client": with2(ok, func(c *auth.Config) { c.Audience = "tvp" }),
		"audience is an API client":     with2(ok, func(c *auth.Config) { c.Audience = "tvp-cli" }),
		"no API client":                 with2(ok, func(c *auth.Config) { c.APIClients = nil }),
		"linked by preferred_username":  with2(ok, func(c *auth.Config) { c.LinkClaim = "preferred_username" }),
		"linked by name":                with2(ok, func(c *auth.Config) { c.LinkClaim = "name" }),
		"no link claim":                 with2(ok, func(c *auth.Config) { c.LinkClaim = "" }),
	} {
		assert.Error(t, c.Validate(), name)
	}
}

func with2(c auth.Config, f func(*auth.Config)) auth.Config {
	f(&c)
	return c
}

// A token that passed is kept until its expiry and not after: shown after it, it is refused as
// expired. A refusal is never kept: the same wrong token is refused each time.
func TestVerifiedTokenIsKeptUntilItsExpiry(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	v := f.provider.Verifier()
	exp := time.Now().Add(1500 * time.Millisecond).Truncate(time.Second).Add(time.Second)
	tok := f.sign("JWT", with(f.valid, map[string]any{"exp": exp.Unix()}))
	for range 2 {
		id, err := v.VerifyAccessToken(ctx, tok)
		require.NoError(t, err)
		assert.Equal(t, idp.DemoSubject("konsulent.anna"), id.Subject)
		assert.Equal(t, idp.CLIClientID, id.Claims["client_id"])
		id.Claims["client_id"] = "changed by a caller"
	}
	time.Sleep(time.Until(exp) + 50*time.Millisecond)
	_, err := v.VerifyAccessToken(ctx, tok)
	assert.ErrorContains(t, err, "expired")
	wrong := f.sign("JWT", with(f.valid, map[string]any{"aud": "other"}))
	for range 2 {
		_, err := v.VerifyAccessToken(ctx, wrong)
		assert.ErrorContains(t, err, "expected audience")
	}
}
