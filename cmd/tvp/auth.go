package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"tvp/api"
	"tvp/internal/auth"
	"tvp/internal/config"
	"tvp/internal/dev/idp"
	"tvp/web"
)

// login returns the OpenID provider staff log in with and whose access tokens the API
// accepts: the configured one (TVP_OIDC_ISSUER), retried until the connect timeout; or, with
// dev auth, the development provider, which it then runs on TVP_DEV_IDP_ADDR until ctx ends.
// Either way TVP takes the same path: discovery, the authorization code grant with PKCE, the
// provider's keys. It returns the citizens' provider too (TVP_CITIZEN_OIDC_ISSUER, or else
// the staff's; nil with TVP_CITIZEN_LOGIN=false).
func login(ctx context.Context, cfg config.Config, log *slog.Logger) (staff, citizens *auth.Provider, err error) {
	ac, cc := authConfig(cfg), citizenAuthConfig(cfg)
	if cfg.OIDCIssuer == "" {
		if !cfg.DevAuth {
			return nil, nil, errors.New("no identity provider: set TVP_OIDC_ISSUER (or TVP_DEV_AUTH=true for development)")
		}
		issuer, err := runDevProvider(ctx, cfg, &ac, &cc, log)
		if err != nil {
			return nil, nil, err
		}
		ac.Issuer = issuer
		if cc.Issuer == "" {
			cc.Issuer = issuer
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	staff, err = discover(ctx, cfg, log, ac)
	if err != nil || !cfg.CitizenLoginEnabled {
		return staff, nil, err
	}
	citizens, err = discover(ctx, cfg, log, cc)
	if err != nil {
		return nil, nil, fmt.Errorf("the citizens' provider: %w", err)
	}
	return staff, citizens, nil
}

// discover reads a provider's discovery document, retrying until ctx ends.
func discover(ctx context.Context, cfg config.Config, log *slog.Logger, ac auth.Config) (*auth.Provider, error) {
	for {
		p, err := auth.Discover(ctx, ac)
		if err == nil {
			return p, nil
		}
		log.Warn("OIDC issuer not reachable yet", "issuer", ac.Issuer, "err", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("gave up after %s: %w", cfg.ConnectTimeout, err)
		case <-time.After(time.Second):
		}
	}
}

// citizenAuthConfig is the citizens' client at their provider.
func citizenAuthConfig(cfg config.Config) auth.Config {
	return web.CitizenAuthConfig(cfg.CitizenIssuer(), cfg.CitizenOIDCClientID, cfg.CitizenOIDCClientSecret, cfg.PublicURL,
		cfg.CitizenOIDCScopes, cfg.CitizenCPRClaim)
}

func authConfig(cfg config.Config) auth.Config {
	return auth.Config{
		Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
		RedirectURL: strings.TrimSuffix(cfg.PublicURL, "/") + "/login/callback", Scopes: cfg.OIDCScopes,
		Audience: cfg.OIDCAudience, APIClients: cfg.OIDCAPIClients, LinkClaim: cfg.OIDCLinkClaim,
	}
}

// runDevProvider serves the development OpenID provider (internal/dev/idp) until ctx ends: the
// demo staff and the demo citizens (with their made-up CPR numbers) with the password
// TVP_DEV_PASSWORD, TVP's pages and its citizens' pages as confidential clients (with
// secrets made for this run unless configured) and tvp-cli for API tokens. It returns the
// issuer URL.
func runDevProvider(ctx context.Context, cfg config.Config, ac, cc *auth.Config, log *slog.Logger) (string, error) {
	key, err := idp.LoadOrCreateKey(cfg.DevIssuerKey)
	if err != nil {
		return "", err
	}
	if ac.ClientSecret == "" {
		ac.ClientSecret = auth.Random()
	}
	if cc.ClientSecret == "" {
		cc.ClientSecret = auth.Random()
	}
	issuer := cfg.DevIssuerURL()
	hint := "Brugerne er TVP's demopersonale, fx konsulent.anna, leder.ulla eller admin, og demoborgerne borger.mikkel, borger.sara og borger.lene (borger.ulrik har intet forløb)."
	if cfg.DevPassword == idp.DemoPassword {
		hint += " Adgangskoden er " + idp.DemoPassword + "."
	}
	clients := idp.TVPClients(cfg.PublicURL, cfg.OIDCClientID, ac.ClientSecret, cfg.OIDCAudience)
	if cfg.CitizenLoginEnabled && cfg.CitizenOIDCIssuer == "" {
		clients = append(clients, idp.CitizenClient(cfg.PublicURL, cfg.CitizenOIDCClientID, cc.ClientSecret))
	}
	p, err := idp.New(idp.Config{
		Issuer: issuer, Key: key, Users: append(idp.DemoUsers(cfg.DevPassword), idp.DemoCitizens(cfg.DevPassword)...), Hint: hint,
		Clients: clients, CPRClaim: cfg.CitizenCPRClaim, Log: log,
	})
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", cfg.DevIdPAddr)
	if err != nil {
		return "", fmt.Errorf("development provider: listen on %s: %w", cfg.DevIdPAddr, err)
	}
	// Its login form is counted like TVP's login: per address, and per user name posted.
	limits := rateLimits(cfg)
	limits.LoginPaths = []string{p.LoginPath()}
	srv := api.NewHTTPServer(cfg.DevIdPAddr, api.LimitLogin(limits, p))
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("development provider stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Warn("running the development OpenID provider: not for production", "issuer", issuer, "users", "the demo staff and citizens")
	return issuer, nil
}

// runToken prints an access token for a demo staff member, for curl: it logs in to the
// development provider that make dev runs, as its public client tvp-cli, by the authorization
// code grant with PKCE, answering the provider's login form with TVP_DEV_PASSWORD.
func runToken(cfg config.Config, user string, out io.Writer) error {
	if user == "" {
		return fmt.Errorf("usage: tvp token USER (a staff id, e.g. konsulent.anna)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := idp.Token(ctx, cfg.DevIssuerURL(), idp.CLIClientID, idp.CLIRedirectURI, user, cfg.DevPassword)
	if err != nil {
		return fmt.Errorf("%w (is make dev running? the development provider is at %s)", err, cfg.DevIssuerURL())
	}
	_, err = fmt.Fprintln(out, tok.AccessToken)
	return err
}
