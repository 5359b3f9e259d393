package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Login is how staff log in: the OpenID provider's registration of TVP beyond its issuer and
// client id (config.go), the pages' sessions, and the development provider of tvp dev.
type Login struct {
	// OIDCClientSecret authenticates the pages at the provider's token endpoint (a
	// confidential client); empty: a public client, which PKCE alone protects.
	OIDCClientSecret string `env:"TVP_OIDC_CLIENT_SECRET"`
	// OIDCAudience is the API's audience: a bearer token must name it in aud. It must not be
	// a client's id, or an ID token would pass for an access token.
	OIDCAudience string `env:"TVP_OIDC_AUDIENCE" envDefault:"tvp-api"`
	// OIDCAPIClients are the clients whose access tokens the API accepts (azp, client_id or
	// appid), comma-separated.
	OIDCAPIClients []string `env:"TVP_OIDC_API_CLIENTS" envDefault:"tvp-cli" envSeparator:","`
	// OIDCLinkClaim names the verified claim that links a person to the staff register at
	// first login: email (with email_verified), or a claim carrying the staff id (an
	// employee number). Never preferred_username.
	OIDCLinkClaim string `env:"TVP_OIDC_LINK_CLAIM" envDefault:"email"`
	// OIDCScopes are asked for at login, comma-separated (openid always).
	OIDCScopes []string `env:"TVP_OIDC_SCOPES" envDefault:"openid,profile,email" envSeparator:","`
	// SessionIdleTimeout ends a page session after so long without a request;
	// SessionMaxAge ends it so long after login, whatever happens.
	SessionIdleTimeout time.Duration `env:"TVP_SESSION_IDLE_TIMEOUT" envDefault:"30m"`
	SessionMaxAge      time.Duration `env:"TVP_SESSION_MAX_AGE" envDefault:"10h"`
	// DevIdPAddr is where tvp dev (or TVP_DEV_AUTH) runs the development provider, and
	// DevIdPURL its issuer URL (empty: http:// + DevIdPAddr). DevPassword is every demo
	// user's password there, and what tvp token logs in with.
	DevIdPAddr  string `env:"TVP_DEV_IDP_ADDR" envDefault:"127.0.0.1:8081"`
	DevIdPURL   string `env:"TVP_DEV_IDP_URL"`
	DevPassword string `env:"TVP_DEV_PASSWORD" envDefault:"demo"`
}

func (l *Login) flags(fs *flag.FlagSet) {
	fs.StringVar(&l.OIDCAudience, "oidc-audience", l.OIDCAudience, "the API's audience in bearer tokens; not a client's id (TVP_OIDC_AUDIENCE)")
	fs.Func("oidc-api-clients", "clients whose access tokens the API accepts, comma-separated (TVP_OIDC_API_CLIENTS)", func(s string) error {
		l.OIDCAPIClients = splitList(s)
		return nil
	})
	fs.StringVar(&l.OIDCLinkClaim, "oidc-link-claim", l.OIDCLinkClaim, "verified claim that links a person to the staff register at first login: email or an employee number (TVP_OIDC_LINK_CLAIM)")
	fs.Func("oidc-scopes", "scopes asked for at login, comma-separated (TVP_OIDC_SCOPES)", func(s string) error {
		l.OIDCScopes = splitList(s)
		return nil
	})
	fs.DurationVar(&l.SessionIdleTimeout, "session-idle-timeout", l.SessionIdleTimeout, "a page session ends after so long without a request (TVP_SESSION_IDLE_TIMEOUT)")
	fs.DurationVar(&l.SessionMaxAge, "session-max-age", l.SessionMaxAge, "a page session ends so long after login (TVP_SESSION_MAX_AGE)")
	fs.StringVar(&l.DevIdPAddr, "dev-idp-addr", l.DevIdPAddr, "where the development provider listens (TVP_DEV_IDP_ADDR)")
	fs.StringVar(&l.DevIdPURL, "dev-idp-url", l.DevIdPURL, "the development provider's issuer URL; empty: http://TVP_DEV_IDP_ADDR (TVP_DEV_IDP_URL)")
}

// DevIssuerURL is the development provider's issuer URL.
func (l Login) DevIssuerURL() string {
	if l.DevIdPURL != "" {
		return strings.TrimSuffix(l.DevIdPURL, "/")
	}
	return "http://" + l.DevIdPAddr
}

// validate checks the login settings. The pages' cookies are __Host- cookies, which a
// browser keeps only from a secure origin: https, or the loopback (which browsers treat as
// secure), so TVP_PUBLIC_URL must be one.
func (l Login) validate(publicURL string) error {
	pub, err := url.Parse(publicURL)
	if err != nil || pub.Host == "" || (pub.Scheme != "https" && !(pub.Scheme == "http" && loopback(pub.Hostname()))) {
		return fmt.Errorf("TVP_PUBLIC_URL must be https:// (or http:// on 127.0.0.1 or localhost, which browsers treat as secure), got %q", publicURL)
	}
	if l.SessionIdleTimeout <= 0 || l.SessionMaxAge <= 0 || l.SessionIdleTimeout > l.SessionMaxAge {
		return errors.New("TVP_SESSION_IDLE_TIMEOUT and TVP_SESSION_MAX_AGE must be positive, the idle timeout no longer than the maximum age")
	}
	if l.OIDCAudience == "" {
		return errors.New("TVP_OIDC_AUDIENCE must not be empty")
	}
	if len(l.OIDCAPIClients) == 0 || slices.Contains(l.OIDCAPIClients, l.OIDCAudience) {
		return errors.New("TVP_OIDC_API_CLIENTS must name the API's clients, and not its audience")
	}
	switch l.OIDCLinkClaim {
	case "", "sub", "preferred_username", "name", "given_name", "family_name", "nickname", "upn", "unique_name":
		return fmt.Errorf("TVP_OIDC_LINK_CLAIM %q cannot link a person to the staff register: use email or an employee number", l.OIDCLinkClaim)
	}
	return nil
}

func (l Login) logAttrs() []slog.Attr {
	return []slog.Attr{
		slog.String("oidc_client_secret", mask(l.OIDCClientSecret)),
		slog.String("oidc_audience", l.OIDCAudience),
		slog.String("oidc_api_clients", strings.Join(l.OIDCAPIClients, ",")),
		slog.String("oidc_link_claim", l.OIDCLinkClaim),
		slog.Duration("session_idle_timeout", l.SessionIdleTimeout),
		slog.Duration("session_max_age", l.SessionMaxAge),
	}
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
