// Package idp is an OpenID provider for development and tests: zitadel/oidc's op package over
// an in-memory store, with TVP's demo staff as its users (with passwords) and a plain login
// form of its own. `tvp dev` runs it on an address of its own, the tests run it in-process, and
// TVP talks to it as to the municipality's provider: discovery, the authorization code grant
// with PKCE, its published keys, userinfo and RP-initiated logout. Nothing in it is TVP's:
// TVP's code takes the same path with Entra ID, ADFS or a municipal broker.
//
// It is not for production: users, codes, tokens and its own login sessions live in memory
// (a restart logs everyone out of the provider, not out of TVP), and every demo user has the
// same password.
package idp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"tvp/internal/dev/demo"
)

// User is a person the provider knows.
type User struct {
	// Subject is the stable, opaque identifier the provider asserts (sub). It is not the user
	// name: TVP links it to its staff register by a verified claim on first login.
	Subject  string
	Username string
	Password string
	Name     string
	Email    string
	// EmailVerified is asserted as email_verified.
	EmailVerified bool
	// CPR is a citizen's CPR number, asserted in the claim Config.CPRClaim at the userinfo
	// endpoint to the clients that may have it (Client.CPR), as MitID through NemLog-in or a
	// municipal broker asserts it to a public authority's citizens' client; never in the ID
	// token, which the client keeps for its logout. Empty for staff.
	CPR string
}

// Client is an application registered with the provider.
type Client struct {
	ID string
	// Secret authenticates a confidential client at the token endpoint; empty: a public
	// client (a native app or CLI), which proves the code by PKCE alone.
	Secret string
	// RedirectURIs are the exact redirect URIs allowed (a public client's loopback URI may
	// use any port, RFC 8252).
	RedirectURIs []string
	// PostLogoutRedirectURIs are where the end-session endpoint may send the browser back.
	PostLogoutRedirectURIs []string
	// Audience of the tokens issued to the client (the access token's aud); empty: the
	// client itself. The ID token always names the client as well.
	Audience []string
	// CPR: the client is given the users' CPR numbers (in the ID token and at userinfo);
	// TVP's citizens' client is, no other.
	CPR bool
}

// Config is the provider's configuration.
type Config struct {
	// Issuer is the provider's URL as its clients reach it, e.g. http://127.0.0.1:8081.
	Issuer string
	// Key signs the tokens (RS256); its public half is published at /keys.
	Key     *rsa.PrivateKey
	Users   []User
	Clients []Client
	// AccessTokenLifetime and IDTokenLifetime: an hour if zero.
	AccessTokenLifetime time.Duration
	IDTokenLifetime     time.Duration
	// Hint is shown on the login form (which users there are, say).
	Hint string
	// CPRClaim names the claim a user's CPR number is asserted in (DefaultCPRClaim if
	// empty): the one TVP's citizen login reads (TVP_CITIZEN_CPR_CLAIM).
	CPRClaim string
	Log      *slog.Logger
}

// Provider is the running provider: an http.Handler serving the OpenID endpoints and the
// login form at the issuer URL's path.
type Provider struct {
	http.Handler
	issuer    string
	loginPath string
	storage   *storage
}

// Paths of the provider's own pages, below the issuer's path.
const (
	loginPath     = "/login"
	loggedOutPath = "/logged-out"
)

// New builds the provider.
func New(cfg Config) (*Provider, error) {
	if cfg.Key == nil {
		return nil, errors.New("idp: a signing key is required")
	}
	iu, err := url.Parse(cfg.Issuer)
	if err != nil || iu.Host == "" {
		return nil, fmt.Errorf("idp: issuer %q is not a URL", cfg.Issuer)
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.AccessTokenLifetime <= 0 {
		cfg.AccessTokenLifetime = time.Hour
	}
	if cfg.IDTokenLifetime <= 0 {
		cfg.IDTokenLifetime = time.Hour
	}
	if cfg.CPRClaim == "" {
		cfg.CPRClaim = DefaultCPRClaim
	}
	prefix := strings.TrimSuffix(iu.Path, "/")
	st, err := newStorage(cfg, prefix+loginPath)
	if err != nil {
		return nil, err
	}
	var cryptoKey [32]byte
	if _, err := rand.Read(cryptoKey[:]); err != nil {
		return nil, fmt.Errorf("idp: %w", err)
	}
	p, err := op.NewProvider(&op.Config{
		CryptoKey:                cryptoKey,
		DefaultLogoutRedirectURI: prefix + loggedOutPath,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		SupportedUILocales:       []language.Tag{language.Danish, language.English},
	}, st, op.StaticIssuer(strings.TrimSuffix(cfg.Issuer, "/")), op.WithAllowInsecure(), op.WithLogger(cfg.Log.With("component", "idp")))
	if err != nil {
		return nil, fmt.Errorf("idp: %w", err)
	}
	l := &loginForm{storage: st, callback: op.AuthCallbackURL(p), secure: iu.Scheme == "https", cookiePath: prefix + "/", hint: cfg.Hint}
	interceptor := op.NewIssuerInterceptor(p.IssuerFromRequest)
	mux := http.NewServeMux()
	mux.Handle("GET "+prefix+loginPath, interceptor.Handler(http.HandlerFunc(l.show)))
	mux.Handle("POST "+prefix+loginPath, interceptor.Handler(http.HandlerFunc(l.check)))
	mux.HandleFunc("GET "+prefix+loggedOutPath, l.loggedOut)
	if prefix == "" {
		mux.Handle("/", p)
	} else {
		mux.Handle(prefix+"/", http.StripPrefix(prefix, p))
	}
	return &Provider{Handler: mux, issuer: strings.TrimSuffix(cfg.Issuer, "/"), loginPath: prefix + loginPath, storage: st}, nil
}

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.issuer }

// LoginPath is the path of the provider's login form, where a user name and password are
// posted (what a login rate limit counts).
func (p *Provider) LoginPath() string { return p.loginPath }

// DemoPassword is the password of every demo user unless the configuration gives another.
const DemoPassword = "demo"

// DemoUsers are TVP's demo staff (internal/dev/demo) as users of the provider: the user name is
// the staff id, the e-mail the one the demo register gives them (verified), and the subject
// a UUID derived from the name, so that it stays the same across restarts of `tvp dev` and
// TVP's links to the register keep holding.
func DemoUsers(password string) []User {
	users := make([]User, 0, len(demo.Staff))
	for _, m := range demo.Staff {
		users = append(users, User{
			Subject: DemoSubject(m.ID), Username: m.ID, Password: password,
			Name: m.Name, Email: m.ID + "@tvp.example", EmailVerified: true,
		})
	}
	return users
}

// DefaultCPRClaim is the claim the provider asserts a CPR number in unless told another.
const DefaultCPRClaim = "cpr"

// DemoCitizens are TVP's demo citizens (internal/dev/demo) as users of the provider, with their
// made-up CPR numbers, and one made-up person who is in no plan or course (demo.Outsider):
// the user name is demo's, the subject a UUID derived from it.
func DemoCitizens(password string) []User {
	users := make([]User, 0, len(demo.CitizenLogins))
	for _, c := range demo.CitizenLogins {
		users = append(users, User{Subject: DemoSubject(c.Username), Username: c.Username, Password: password, Name: c.Name, CPR: c.CPR})
	}
	return users
}

// DemoSubject is the subject the provider asserts for a demo user.
func DemoSubject(username string) string {
	return uuid.NewSHA1(demoNamespace, []byte(username)).String()
}

var demoNamespace = uuid.MustParse("5b2a6f0e-7d4c-4b8e-9f1a-2c3d4e5f6a7b")

// GenerateKey makes a new RSA signing key.
func GenerateKey() (*rsa.PrivateKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return k, nil
}

// LoadOrCreateKey reads a PEM RSA key from path, creating one there (mode 0600) if there is
// none, so that the development provider's tokens stay valid across restarts of `tvp dev`.
func LoadOrCreateKey(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		block, _ := pem.Decode(b)
		if block == nil {
			return nil, fmt.Errorf("provider key %s: not PEM", path)
		}
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("provider key %s: %w", path, err)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("provider key: %w", err)
	}
	k, err := GenerateKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("provider key: %w", err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		return nil, fmt.Errorf("provider key: %w", err)
	}
	return k, nil
}

// KeyID is the key id (kid) the provider publishes for a key: a digest of its public half.
func KeyID(k *rsa.PrivateKey) string {
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// TVPClients are the clients TVP needs at the provider: its pages (confidential, with the
// secret, authorization code with PKCE, back to publicURL/login/callback and, after logout,
// publicURL/logget-ud), and the public CLI client whose access tokens are for the API's
// audience.
func TVPClients(publicURL, pagesClientID, pagesSecret, apiAudience string) []Client {
	publicURL = strings.TrimSuffix(publicURL, "/")
	return []Client{
		{ID: pagesClientID, Secret: pagesSecret, RedirectURIs: []string{publicURL + "/login/callback"},
			PostLogoutRedirectURIs: []string{publicURL + "/logget-ud"}},
		{ID: CLIClientID, RedirectURIs: []string{CLIRedirectURI}, Audience: []string{apiAudience}},
	}
}

// CitizenClientID is the citizens' client's id unless the configuration names another.
const CitizenClientID = "tvp-borger"

// CitizenClient is TVP's citizens' pages as a client (confidential, with the secret,
// authorization code with PKCE, back to publicURL/borger/login/callback and, after logout,
// publicURL/borger/logget-ud), given the users' CPR numbers.
func CitizenClient(publicURL, clientID, secret string) Client {
	publicURL = strings.TrimSuffix(publicURL, "/")
	return Client{ID: clientID, Secret: secret, RedirectURIs: []string{publicURL + "/borger/login/callback"},
		PostLogoutRedirectURIs: []string{publicURL + "/borger/logget-ud"}, CPR: true}
}
