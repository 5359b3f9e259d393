package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"tvp/api"
	"tvp/internal/auth"
	"tvp/internal/config"
)

// authentication returns how the API verifies tokens: the configured OIDC issuer, or with
// dev auth TVP's own development issuer (which the API then also publishes).
func authentication(ctx context.Context, cfg config.Config, log *slog.Logger) (*auth.Verifier, *auth.DevIssuer, error) {
	if cfg.OIDCIssuer != "" {
		ctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
		defer cancel()
		for {
			v, err := auth.NewOIDCVerifier(ctx, cfg.OIDCIssuer, cfg.OIDCClientID)
			if err == nil {
				return v, nil, nil
			}
			log.Warn("OIDC issuer not reachable yet", "err", err)
			select {
			case <-ctx.Done():
				return nil, nil, fmt.Errorf("gave up after %s: %w", cfg.ConnectTimeout, err)
			case <-time.After(time.Second):
			}
		}
	}
	if !cfg.DevAuth {
		return nil, nil, fmt.Errorf("no identity provider: set TVP_OIDC_ISSUER (or TVP_DEV_AUTH=true for development)")
	}
	dev, err := devIssuer(cfg)
	if err != nil {
		return nil, nil, err
	}
	log.Warn("using the development issuer: not for production", "issuer", dev.URL())
	return dev.Verifier(), dev, nil
}

func devIssuer(cfg config.Config) (*auth.DevIssuer, error) {
	key, err := auth.LoadOrCreateKey(cfg.DevIssuerKey)
	if err != nil {
		return nil, err
	}
	return auth.NewDevIssuer(strings.TrimSuffix(cfg.PublicURL, "/")+api.DevIssuerPath, key), nil
}

// runToken prints a token of the development issuer for a staff member, for curl.
func runToken(cfg config.Config, user string, out io.Writer) error {
	if user == "" {
		return fmt.Errorf("usage: tvp token USER (a staff id, e.g. konsulent.anna)")
	}
	dev, err := devIssuer(cfg)
	if err != nil {
		return err
	}
	tok, err := dev.Token(user, 12*time.Hour)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, tok)
	return err
}
