// Package auth is how TVP trusts its OpenID provider (Entra ID, ADFS, a municipal broker, or
// the development provider of internal/dev/idp): the pages' login by the authorization code grant
// with PKCE, state and nonce (golang.org/x/oauth2 with coreos/go-oidc), RP-initiated logout,
// and the API's check of bearer access tokens.
//
// A person is the pair (issuer, subject): the provider's stable identifier, never a name the
// person or an administrator can change (preferred_username is neither unique nor stable).
// The service layer links the pair to the staff register on first login by one verified
// claim that the configuration names (LinkKey); the register says what they may do.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// Config says which provider TVP trusts and how.
type Config struct {
	// Issuer is the provider's issuer URL (its discovery document is Issuer +
	// "/.well-known/openid-configuration").
	Issuer string
	// ClientID and ClientSecret are the pages' registration at the provider (the secret may
	// be empty for a public client: PKCE is used either way).
	ClientID, ClientSecret string
	// RedirectURL is where the provider sends the browser back: TVP's /login/callback.
	RedirectURL string
	// Scopes asked for at login; openid is always asked.
	Scopes []string
	// Audience is the API's: a bearer token must name it in aud. It must not be a client's
	// id, so that no ID token (whose audience is the client) can pass for an access token.
	Audience string
	// APIClients are the clients whose access tokens the API accepts: the token's azp, or
	// else client_id (RFC 9068), or else appid (Entra ID v1), must be one of them.
	APIClients []string
	// LinkClaim names the verified claim that links a person to the staff register at first
	// login: "email" (with email_verified true, matched to the register's e-mail) or a claim
	// that carries the register's staff id, such as an employee number.
	LinkClaim string
}

// Claims that name a person but do not identify one: never a link.
var unstableClaims = []string{"preferred_username", "name", "given_name", "family_name", "nickname", "upn", "unique_name"}

// Validate checks what can be checked without the provider.
func (c Config) Validate() error {
	if c.Issuer == "" {
		return errors.New("no OIDC issuer")
	}
	if c.ClientID == "" {
		return errors.New("TVP_OIDC_CLIENT_ID must not be empty")
	}
	if c.Audience == "" || c.Audience == c.ClientID || slices.Contains(c.APIClients, c.Audience) {
		return fmt.Errorf("TVP_OIDC_AUDIENCE %q must be the API's own audience, not a client's id (an ID token would pass for an access token)", c.Audience)
	}
	if len(c.APIClients) == 0 {
		return errors.New("TVP_OIDC_API_CLIENTS must name at least one client")
	}
	if c.LinkClaim == "" || slices.Contains(unstableClaims, c.LinkClaim) || c.LinkClaim == "sub" {
		return fmt.Errorf("TVP_OIDC_LINK_CLAIM %q cannot link a person to the register: use email or an employee number", c.LinkClaim)
	}
	return nil
}

// Identity is who a verified token says the caller is.
type Identity struct {
	Issuer, Subject string
	// Claims are the token's claims.
	Claims map[string]any
}

// Provider is the discovered provider: the pages' login and the API's verifier.
type Provider struct {
	cfg        Config
	oidc       *oidc.Provider
	idTokens   *oidc.IDTokenVerifier
	oauth      oauth2.Config
	endSession string
	verifier   *Verifier
}

// Discover reads the provider's discovery document. The keys are fetched (and refreshed) by
// go-oidc as tokens need them.
func Discover(ctx context.Context, cfg Config) (*Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OIDC issuer %s: %w", cfg.Issuer, err)
	}
	var meta struct {
		EndSession string   `json:"end_session_endpoint"`
		Algs       []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fmt.Errorf("OIDC issuer %s: %w", cfg.Issuer, err)
	}
	scopes := []string{oidc.ScopeOpenID}
	for _, s := range cfg.Scopes {
		if s != oidc.ScopeOpenID {
			scopes = append(scopes, s)
		}
	}
	out := &Provider{
		cfg: cfg, oidc: p, endSession: meta.EndSession,
		idTokens: p.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: p.Endpoint(),
			RedirectURL: cfg.RedirectURL, Scopes: scopes},
	}
	out.verifier = &Verifier{
		tokens: p.Verifier(&oidc.Config{ClientID: cfg.Audience}), algs: signingAlgs(meta.Algs),
		clients: cfg.APIClients, linkClaim: cfg.LinkClaim, userinfo: out.userinfo,
		verified: &verifiedTokens{m: map[[sha256.Size]byte]verifiedToken{}},
	}
	return out, nil
}

// Verifier is the API's check of bearer tokens.
func (p *Provider) Verifier() *Verifier { return p.verifier }

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// LoginState is what a login carries from its start to its callback: kept by TVP, never by
// the browser (which holds only the state, to bind the callback to itself).
type LoginState struct {
	// State binds the callback to the browser that began the login (a cookie holds it).
	State string
	// Nonce binds the ID token to this login.
	Nonce string
	// CodeVerifier is PKCE's secret: only its S256 challenge goes to the provider.
	CodeVerifier string
}

// NewLoginState makes a login's random state, nonce and PKCE verifier.
func NewLoginState() LoginState {
	return LoginState{State: Random(), Nonce: Random(), CodeVerifier: oauth2.GenerateVerifier()}
}

// AuthCodeURL is where a login sends the browser: the provider's authorization endpoint
// with the state, the nonce and the PKCE challenge (S256).
func (p *Provider) AuthCodeURL(l LoginState) string {
	return p.oauth.AuthCodeURL(l.State, oidc.Nonce(l.Nonce), oauth2.S256ChallengeOption(l.CodeVerifier))
}

// Login is a login the provider confirmed.
type Login struct {
	Identity
	// IDToken is the raw ID token, kept for the end-session request (id_token_hint); it is
	// never accepted as a credential.
	IDToken     string
	accessToken string
}

// Exchange redeems the code with the PKCE verifier and checks the ID token: signature,
// issuer, audience (this client), expiry, the authorized party and the nonce.
func (p *Provider) Exchange(ctx context.Context, code string, l LoginState) (Login, error) {
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(l.CodeVerifier))
	if err != nil {
		return Login{}, fmt.Errorf("exchange the code: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return Login{}, errors.New("the provider returned no ID token")
	}
	id, err := p.idTokens.Verify(ctx, raw)
	if err != nil {
		return Login{}, fmt.Errorf("ID token: %w", err)
	}
	if id.Nonce == "" || id.Nonce != l.Nonce {
		return Login{}, errors.New("ID token: the nonce is not this login's")
	}
	claims := map[string]any{}
	if err := id.Claims(&claims); err != nil {
		return Login{}, fmt.Errorf("ID token claims: %w", err)
	}
	if azp, ok := claims["azp"].(string); ok && azp != p.cfg.ClientID {
		return Login{}, fmt.Errorf("ID token: issued to %q, not to TVP", azp)
	}
	if id.Subject == "" {
		return Login{}, errors.New("ID token: no subject")
	}
	return Login{Identity: Identity{Issuer: id.Issuer, Subject: id.Subject, Claims: claims}, IDToken: raw, accessToken: tok.AccessToken}, nil
}

// LinkKey returns the login's linking claim: from the ID token, or else from the provider's
// userinfo endpoint.
func (p *Provider) LinkKey(ctx context.Context, l Login) (claim, value string, err error) {
	return p.verifier.LinkKey(ctx, l.Identity, l.accessToken)
}

// EndSessionURL is where logout sends the browser: the provider's end-session endpoint
// (RP-initiated logout) with the ID token as hint and the way back; empty if the provider
// has none.
func (p *Provider) EndSessionURL(idTokenHint, postLogoutRedirect string) string {
	if p.endSession == "" {
		return ""
	}
	u, err := url.Parse(p.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", p.cfg.ClientID)
	q.Set("post_logout_redirect_uri", postLogoutRedirect)
	if idTokenHint != "" {
		q.Set("id_token_hint", idTokenHint)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (p *Provider) userinfo(ctx context.Context, accessToken string) (map[string]any, string, error) {
	if accessToken == "" {
		return nil, "", errors.New("no access token for userinfo")
	}
	ui, err := p.oidc.UserInfo(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: accessToken, TokenType: "Bearer"}))
	if err != nil {
		return nil, "", fmt.Errorf("userinfo: %w", err)
	}
	claims := map[string]any{}
	if err := ui.Claims(&claims); err != nil {
		return nil, "", fmt.Errorf("userinfo: %w", err)
	}
	return claims, ui.Subject, nil
}

// Verifier checks the API's bearer tokens: access tokens of the trusted issuer, for the
// API's audience, issued to one of its clients.
type Verifier struct {
	tokens    *oidc.IDTokenVerifier
	algs      []jose.SignatureAlgorithm
	clients   []string
	linkClaim string
	// userinfo, if set, asks the provider about an access token's user.
	userinfo func(ctx context.Context, accessToken string) (claims map[string]any, subject string, err error)
	// verified keeps the tokens that passed every check, by their SHA-256, until they expire:
	// a token is the same token until then, and every request of a caller carries it again.
	verified *verifiedTokens
}

// verifiedTokens are access tokens that VerifyAccessToken accepted, until their expiry.
type verifiedTokens struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]verifiedToken
}

type verifiedToken struct {
	id  Identity
	exp time.Time
}

// maxVerifiedTokens bounds the tokens kept; a full cache is emptied rather than grown.
const maxVerifiedTokens = 10000

func (c *verifiedTokens) get(key [sha256.Size]byte, now time.Time) (Identity, bool) {
	if c == nil {
		return Identity{}, false
	}
	c.mu.Lock()
	e, ok := c.m[key]
	if ok && !now.Before(e.exp) {
		delete(c.m, key)
		ok = false
	}
	c.mu.Unlock()
	if !ok {
		return Identity{}, false
	}
	id := e.id
	id.Claims = maps.Clone(id.Claims)
	return id, true
}

func (c *verifiedTokens) put(key [sha256.Size]byte, id Identity, exp time.Time) {
	if c == nil || exp.IsZero() {
		return
	}
	id.Claims = maps.Clone(id.Claims)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxVerifiedTokens {
		clear(c.m)
	}
	c.m[key] = verifiedToken{id: id, exp: exp}
}

// WithoutCache returns the verifier that checks every token in full each time it is shown
// (the benchmark's comparison).
func (v *Verifier) WithoutCache() *Verifier {
	out := *v
	out.verified = nil
	return &out
}

// Claims only an ID token carries (OpenID Connect Core 1.0, 2 and 3.3.2.11).
var idTokenClaims = []string{"nonce", "at_hash", "c_hash", "s_hash"}

// VerifyAccessToken checks a bearer token and returns whom it names. It must be signed by the
// issuer's published keys with an algorithm the issuer announces (never "none", never HMAC),
// be issued by the issuer, unexpired and not before its time, name the API's audience, be
// issued to one of the API's clients, and be an access token: its type "at+jwt" (RFC 9068)
// or "JWT", and none of the claims of an ID token. A token that passed is kept, by its
// SHA-256, until its expiry: shown again, it is not checked again (a refusal is never kept).
func (v *Verifier) VerifyAccessToken(ctx context.Context, raw string) (Identity, error) {
	key := sha256.Sum256([]byte(raw))
	if id, ok := v.verified.get(key, time.Now()); ok {
		return id, nil
	}
	id, exp, err := v.verifyAccessToken(ctx, raw)
	if err != nil {
		return Identity{}, err
	}
	v.verified.put(key, id, exp)
	return id, nil
}

// verifyAccessToken checks the token in full; it returns whom it names and its expiry.
func (v *Verifier) verifyAccessToken(ctx context.Context, raw string) (Identity, time.Time, error) {
	id, tok, err := v.verifyToken(ctx, raw)
	if err != nil {
		return Identity{}, time.Time{}, err
	}
	return id, tok.Expiry, nil
}

func (v *Verifier) verifyToken(ctx context.Context, raw string) (Identity, *oidc.IDToken, error) {
	fail := func(err error) (Identity, *oidc.IDToken, error) { return Identity{}, nil, err }
	tok, err := v.tokens.Verify(ctx, raw)
	if err != nil {
		return fail(fmt.Errorf("verify token: %w", err))
	}
	jws, err := jose.ParseSignedCompact(raw, v.algs)
	if err != nil || len(jws.Signatures) != 1 {
		return fail(errors.New("verify token: not one signature"))
	}
	if typ, ok := jws.Signatures[0].Protected.ExtraHeaders[jose.HeaderType]; ok {
		t, _ := typ.(string)
		t = strings.ToLower(strings.TrimPrefix(strings.ToLower(t), "application/"))
		if t != "at+jwt" && t != "jwt" {
			return fail(fmt.Errorf("verify token: type %q is not an access token", typ))
		}
	}
	claims := map[string]any{}
	if err := tok.Claims(&claims); err != nil {
		return fail(fmt.Errorf("token claims: %w", err))
	}
	for _, c := range idTokenClaims {
		if _, ok := claims[c]; ok {
			return fail(fmt.Errorf("verify token: an ID token (it has %s), not an access token", c))
		}
	}
	client := ""
	for _, c := range []string{"azp", "client_id", "appid"} {
		if s, ok := claims[c].(string); ok && s != "" {
			client = s
			break
		}
	}
	if !slices.Contains(v.clients, client) {
		return fail(fmt.Errorf("verify token: issued to %q, not to a client of the API", client))
	}
	if azp, ok := claims["azp"].(string); ok {
		if cid, ok := claims["client_id"].(string); ok && cid != azp {
			return fail(errors.New("verify token: azp and client_id disagree"))
		}
	}
	if tok.Subject == "" {
		return fail(errors.New("verify token: no subject"))
	}
	return Identity{Issuer: tok.Issuer, Subject: tok.Subject, Claims: claims}, tok, nil
}

// ErrNoLinkClaim: neither the token nor the provider's userinfo carries the verified claim
// that links a person to the register.
var ErrNoLinkClaim = errors.New("no verified linking claim")

// LinkKey returns the configured linking claim and its value for a person: from the token's
// claims, or else from the provider's userinfo endpoint, asked with the access token (whose
// answer must be about the same subject). An e-mail counts only with email_verified true.
func (v *Verifier) LinkKey(ctx context.Context, id Identity, accessToken string) (claim, value string, err error) {
	if val, ok := linkValue(id.Claims, v.linkClaim); ok {
		return v.linkClaim, val, nil
	}
	if v.userinfo == nil {
		return "", "", fmt.Errorf("%w: %s", ErrNoLinkClaim, v.linkClaim)
	}
	claims, sub, err := v.userinfo(ctx, accessToken)
	if err != nil {
		return "", "", err
	}
	if sub != id.Subject {
		return "", "", errors.New("userinfo is about another subject")
	}
	if val, ok := linkValue(claims, v.linkClaim); ok {
		return v.linkClaim, val, nil
	}
	return "", "", fmt.Errorf("%w: %s", ErrNoLinkClaim, v.linkClaim)
}

func linkValue(claims map[string]any, claim string) (string, bool) {
	var s string
	switch v := claims[claim].(type) {
	case string:
		s = strings.TrimSpace(v)
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	}
	if s == "" {
		return "", false
	}
	if claim == "email" {
		switch ev := claims["email_verified"].(type) {
		case bool:
			return s, ev
		case string:
			return s, ev == "true"
		default:
			return "", false
		}
	}
	return s, true
}

func signingAlgs(announced []string) []jose.SignatureAlgorithm {
	var out []jose.SignatureAlgorithm
	for _, a := range announced {
		switch a {
		case oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512, oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA:
			out = append(out, jose.SignatureAlgorithm(a))
		}
	}
	if len(out) == 0 {
		out = []jose.SignatureAlgorithm{jose.RS256}
	}
	return out
}

// Random is 32 random bytes, base64url: a state, a nonce, a session's id or a CSRF token.
func Random() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
