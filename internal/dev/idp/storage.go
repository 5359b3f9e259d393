package idp

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// codeLifetime bounds how long an authorization code may wait for its exchange; authTimeout
// how long a login may take at the form.
const (
	codeLifetime = time.Minute
	authTimeout  = 10 * time.Minute
)

// storage is op.Storage in memory.
type storage struct {
	cfg       Config
	loginPath string
	key       signingKey
	users     map[string]*user // by user name
	subjects  map[string]*user // by subject
	clients   map[string]*client

	mu       sync.Mutex
	requests map[string]*authRequest // by id
	codes    map[string]code
	tokens   map[string]*token // by id (the access token's jti)
	sessions map[string]string // the provider's own login sessions: id -> subject
}

type user struct {
	User
	passwordHash [32]byte
}

type code struct {
	requestID string
	expires   time.Time
}

type token struct {
	id, subject, clientID string
	audience, scopes      []string
	expires               time.Time
}

var (
	_ op.Storage                        = (*storage)(nil)
	_ op.CanTerminateSessionFromRequest = (*storage)(nil)
)

func newStorage(cfg Config, loginPath string) (*storage, error) {
	s := &storage{
		cfg: cfg, loginPath: loginPath,
		key:      signingKey{id: KeyID(cfg.Key), key: cfg.Key},
		users:    map[string]*user{},
		subjects: map[string]*user{},
		clients:  map[string]*client{},
		requests: map[string]*authRequest{},
		codes:    map[string]code{},
		tokens:   map[string]*token{},
		sessions: map[string]string{},
	}
	for _, u := range cfg.Users {
		if u.Subject == "" || u.Username == "" || u.Password == "" {
			return nil, fmt.Errorf("idp: user %q needs a subject, a user name and a password", u.Username)
		}
		if s.users[u.Username] != nil || s.subjects[u.Subject] != nil {
			return nil, fmt.Errorf("idp: user %q or subject %q twice", u.Username, u.Subject)
		}
		v := &user{User: u, passwordHash: sha256.Sum256([]byte(u.Password))}
		v.Password = ""
		s.users[u.Username] = v
		s.subjects[u.Subject] = v
	}
	for _, c := range cfg.Clients {
		if c.ID == "" || len(c.RedirectURIs) == 0 {
			return nil, fmt.Errorf("idp: client %q needs an id and a redirect URI", c.ID)
		}
		s.clients[c.ID] = &client{Client: c, loginPath: loginPath, idTokenLifetime: cfg.IDTokenLifetime}
	}
	return s, nil
}

// checkPassword returns the user whose name and password these are. Both comparisons take
// the same time whether or not the user exists.
func (s *storage) checkPassword(username, password string) (*user, bool) {
	got := sha256.Sum256([]byte(password))
	u, ok := s.users[username]
	want := [32]byte{}
	if ok {
		want = u.passwordHash
	}
	match := subtle.ConstantTimeCompare(got[:], want[:]) == 1
	return u, ok && match
}

// completeRequest marks the login request as authenticated by the user.
func (s *storage) completeRequest(id, subject string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok || time.Since(r.created) > authTimeout {
		return errors.New("the login request is unknown or has expired")
	}
	r.subject, r.authTime, r.done = subject, time.Now().UTC(), true
	return nil
}

// request returns a copy of a pending login request.
func (s *storage) request(id string) (authRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok || time.Since(r.created) > authTimeout {
		return authRequest{}, false
	}
	return *r, true
}

func (s *storage) startSession(subject string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := rand32()
	s.sessions[id] = subject
	return id
}

func (s *storage) sessionSubject(id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.sessions[id]
	return sub, ok
}

// CreateAuthRequest stores an authorization request. The provider asks every client for PKCE
// with S256, and has no silent login (prompt=none).
func (s *storage) CreateAuthRequest(_ context.Context, ar *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if ar.CodeChallenge == "" || ar.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE with S256 is required")
	}
	if slices.Contains(ar.Prompt, oidc.PromptNone) {
		return nil, oidc.ErrLoginRequired()
	}
	c, ok := s.clients[ar.ClientID]
	if !ok {
		return nil, oidc.ErrInvalidClient()
	}
	r := &authRequest{
		id: uuid.NewString(), created: time.Now(), clientID: ar.ClientID, redirectURI: ar.RedirectURI,
		state: ar.State, nonce: ar.Nonce, scopes: ar.Scopes, responseType: ar.ResponseType, responseMode: ar.ResponseMode,
		prompt: ar.Prompt, audience: c.audience(),
		challenge: &oidc.CodeChallenge{Challenge: ar.CodeChallenge, Method: ar.CodeChallengeMethod},
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, old := range s.requests {
		if time.Since(old.created) > authTimeout {
			delete(s.requests, id)
		}
	}
	s.requests[r.id] = r
	cp := *r
	return &cp, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	r, ok := s.request(id)
	if !ok {
		return nil, errors.New("the login request is unknown or has expired")
	}
	return &r, nil
}

func (s *storage) AuthRequestByCode(_ context.Context, c string) (op.AuthRequest, error) {
	s.mu.Lock()
	entry, ok := s.codes[c]
	s.mu.Unlock()
	if !ok || time.Now().After(entry.expires) {
		return nil, errors.New("the code is unknown or has expired")
	}
	return s.AuthRequestByID(context.Background(), entry.requestID)
}

func (s *storage) SaveAuthCode(_ context.Context, id, c string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.codes {
		if time.Now().After(v.expires) {
			delete(s.codes, k)
		}
	}
	s.codes[c] = code{requestID: id, expires: time.Now().Add(codeLifetime)}
	return nil
}

// DeleteAuthRequest forgets a request and its code: a code is exchanged once.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for c, v := range s.codes {
		if v.requestID == id {
			delete(s.codes, c)
		}
	}
	return nil
}

func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	var clientID string
	if r, ok := req.(*authRequest); ok {
		clientID = r.clientID
	}
	t := &token{
		id: uuid.NewString(), subject: req.GetSubject(), clientID: clientID,
		audience: req.GetAudience(), scopes: req.GetScopes(), expires: time.Now().Add(s.cfg.AccessTokenLifetime).UTC(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, old := range s.tokens {
		if time.Now().After(old.expires) {
			delete(s.tokens, id)
		}
	}
	s.tokens[t.id] = t
	return t.id, t.expires, nil
}

// CreateAccessAndRefreshTokens: the provider issues no refresh tokens (no client has the
// grant).
func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

// TerminateSessionFromRequest is RP-initiated logout: the user's login sessions at the
// provider end, and the client's tokens are forgotten (userinfo refuses them).
func (s *storage) TerminateSessionFromRequest(ctx context.Context, r *op.EndSessionRequest) (string, error) {
	return r.RedirectURI, s.TerminateSession(ctx, r.UserID, r.ClientID)
}

func (s *storage) TerminateSession(_ context.Context, userID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, sub := range s.sessions {
		if sub == userID {
			delete(s.sessions, id)
		}
	}
	for id, t := range s.tokens {
		if t.subject == userID && t.clientID == clientID {
			delete(s.tokens, id)
		}
	}
	return nil
}

func (s *storage) RevokeToken(_ context.Context, tokenOrID, _, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[tokenOrID]; ok {
		if t.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("the token was not issued to this client")
		}
		delete(s.tokens, tokenOrID)
	}
	return nil
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return &s.key, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{s.key}}, nil
}

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.clients[id]
	if !ok {
		return nil, fmt.Errorf("client %q not found", id)
	}
	return c, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	c, ok := s.clients[id]
	if !ok || c.Secret == "" || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return errors.New("the client's id or secret is wrong")
	}
	return nil
}

// SetUserinfoFromScopes gives the ID token the user's claims for its scopes (every client
// asserts them in the ID token), but never a CPR number: a client keeps the ID token (for
// the logout's id_token_hint), and TVP keeps no CPR number.
func (s *storage) SetUserinfoFromScopes(_ context.Context, info *oidc.UserInfo, subject, clientID string, scopes []string) error {
	return s.setUserinfo(info, subject, clientID, scopes, false)
}

// SetUserinfoFromToken answers the userinfo endpoint for an access token the provider issued
// and has not forgotten.
func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	s.mu.Lock()
	t, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || t.subject != subject || time.Now().After(t.expires) {
		return errors.New("the token is unknown or has expired")
	}
	return s.setUserinfo(info, subject, t.clientID, t.scopes, true)
}

func (s *storage) SetIntrospectionFromToken(_ context.Context, in *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	s.mu.Lock()
	t, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || t.subject != subject || time.Now().After(t.expires) || !slices.Contains(t.audience, clientID) {
		return errors.New("the token is unknown, expired or not for this client")
	}
	info := new(oidc.UserInfo)
	if err := s.setUserinfo(info, subject, t.clientID, t.scopes, false); err != nil {
		return err
	}
	in.SetUserInfo(info)
	in.Scope, in.ClientID, in.Expiration = t.scopes, t.clientID, oidc.FromTime(t.expires)
	return nil
}

// setUserinfo gives the user's claims for the scopes, and with cpr their CPR number (if they
// have one) to a client that may have it, whatever the scopes: such a client is registered
// for it. The CPR number is given at userinfo only.
func (s *storage) setUserinfo(info *oidc.UserInfo, subject, clientID string, scopes []string, cpr bool) error {
	u, ok := s.subjects[subject]
	if !ok {
		return fmt.Errorf("no user %q", subject)
	}
	if c, ok := s.clients[clientID]; cpr && ok && c.CPR && u.CPR != "" {
		info.AppendClaims(s.cfg.CPRClaim, u.CPR)
	}
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeOpenID:
			info.Subject = u.Subject
		case oidc.ScopeProfile:
			info.Name, info.PreferredUsername = u.Name, u.Username
		case oidc.ScopeEmail:
			info.Email, info.EmailVerified = u.Email, oidc.Bool(u.EmailVerified)
		}
	}
	return nil
}

// GetPrivateClaimsFromScopes: access tokens carry no claims beyond the standard ones.
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID: the provider trusts no client keys (no JWT profile grant).
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("no client keys")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnsupportedGrantType()
}

func (s *storage) Health(context.Context) error { return nil }

// authRequest is op.AuthRequest.
type authRequest struct {
	id, clientID, redirectURI, state, nonce string
	created                                 time.Time
	scopes, prompt, audience                []string
	responseType                            oidc.ResponseType
	responseMode                            oidc.ResponseMode
	challenge                               *oidc.CodeChallenge
	subject                                 string
	authTime                                time.Time
	done                                    bool
}

func (r *authRequest) GetID() string                         { return r.id }
func (r *authRequest) GetACR() string                        { return "" }
func (r *authRequest) GetAudience() []string                 { return r.audience }
func (r *authRequest) GetAuthTime() time.Time                { return r.authTime }
func (r *authRequest) GetClientID() string                   { return r.clientID }
func (r *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return r.challenge }
func (r *authRequest) GetNonce() string                      { return r.nonce }
func (r *authRequest) GetRedirectURI() string                { return r.redirectURI }
func (r *authRequest) GetResponseType() oidc.ResponseType    { return r.responseType }
func (r *authRequest) GetResponseMode() oidc.ResponseMode    { return r.responseMode }
func (r *authRequest) GetScopes() []string                   { return r.scopes }
func (r *authRequest) GetState() string                      { return r.state }
func (r *authRequest) GetSubject() string                    { return r.subject }
func (r *authRequest) Done() bool                            { return r.done }

func (r *authRequest) GetAMR() []string {
	if r.done {
		return []string{"pwd"}
	}
	return nil
}

// client is op.Client.
type client struct {
	Client
	loginPath       string
	idTokenLifetime time.Duration
}

func (c *client) audience() []string {
	if len(c.Audience) > 0 {
		return slices.Clone(c.Audience)
	}
	return []string{c.ID}
}

func (c *client) GetID() string                    { return c.ID }
func (c *client) RedirectURIs() []string           { return c.Client.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string { return c.Client.PostLogoutRedirectURIs }
func (c *client) LoginURL(id string) string        { return c.loginPath + "?authRequestID=" + id }
func (c *client) AccessTokenType() op.AccessTokenType {
	return op.AccessTokenTypeJWT
}
func (c *client) IDTokenLifetime() time.Duration { return c.idTokenLifetime }
func (c *client) DevMode() bool                  { return false }
func (c *client) IsScopeAllowed(string) bool     { return false }
func (c *client) ClockSkew() time.Duration       { return 0 }
func (c *client) IDTokenUserinfoClaimsAssertion() bool {
	return true
}
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType { return []oidc.GrantType{oidc.GrantTypeCode} }

func (c *client) ApplicationType() op.ApplicationType {
	if c.Secret == "" {
		return op.ApplicationTypeNative
	}
	return op.ApplicationTypeWeb
}

func (c *client) AuthMethod() oidc.AuthMethod {
	if c.Secret == "" {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// signingKey is op.SigningKey.
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is op.Key.
type publicKey struct{ k signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.key.PublicKey }
