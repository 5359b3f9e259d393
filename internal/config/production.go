package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"tvp/internal/codec"
)

// Uses are the settings a command uses: production mode checks only those (tvp migrate needs
// no pepper, the worker no identity provider).
type Uses struct {
	// DevelopmentOnly: the command exists for a developer (tvp dev, tvp token) and refuses to
	// run in production at all.
	DevelopmentOnly bool
	// Auth: the identity provider (the API).
	Auth bool
	// Pepper: the CPR pepper (the API; tvp citizens rehash).
	Pepper bool
	// Temporal: the connection to Temporal and the payload keys (the API, the worker).
	Temporal bool
	// Database: the connection to PostgreSQL (every command that reads or writes it).
	Database bool
}

// MinPepperLength is the shortest CPR pepper production accepts: a CPR number has few
// possible values, so the pepper is all that keeps its hash from being reversed by trying
// them all.
const MinPepperLength = 32

// CheckProduction returns, in production mode, the first setting the command uses that is
// safe only on a developer's machine, as an error that begins with the setting's name; nil in
// development. It reads the key files it names (never creating one), so that a missing or
// broken file stops the start.
func (c Config) CheckProduction(u Uses) error {
	if !c.Production() {
		return nil
	}
	if u.DevelopmentOnly {
		return errors.New("TVP_ENV=production: this command is for development only")
	}
	var checks []func() error
	if u.Auth {
		checks = append(checks, c.productionAuth, c.productionCitizenAuth)
	}
	if u.Pepper {
		checks = append(checks, c.productionPepper)
	}
	if u.Temporal {
		checks = append(checks, c.productionPayloadKeys, c.productionTemporalTLS)
	}
	if u.Database {
		checks = append(checks, c.productionDatabase)
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c Config) productionAuth() error {
	if c.DevAuth {
		return errors.New("TVP_DEV_AUTH: the development issuer is refused in production")
	}
	if c.OIDCIssuer == "" {
		return errors.New("TVP_OIDC_ISSUER: production needs the municipality's identity provider")
	}
	iss, err := url.Parse(c.OIDCIssuer)
	if err != nil || iss.Scheme != "https" || iss.Host == "" {
		return fmt.Errorf("TVP_OIDC_ISSUER: production needs an https:// issuer, got %q", c.OIDCIssuer)
	}
	if pub, err := url.Parse(c.PublicURL); err == nil && strings.EqualFold(pub.Host, iss.Host) {
		return fmt.Errorf("TVP_OIDC_ISSUER: %s is TVP itself; its development provider is refused in production", c.OIDCIssuer)
	}
	return nil
}

// productionDatabase refuses a connection to PostgreSQL across a network that does not verify
// the server: the citizens' data would cross it readable, or to whoever answers in the
// database's name. lib/pq's default (sslmode=require) encrypts but trusts any certificate, so
// production needs verify-full, or verify-ca; a Unix socket or the loopback crosses no network.
func (c Config) productionDatabase() error {
	for _, db := range []struct{ name, url string }{
		{"TVP_DATABASE_URL", c.DatabaseURL},
		{"TVP_MIGRATE_DATABASE_URL", c.MigrateDatabaseURL},
	} {
		if db.url == "" {
			continue
		}
		u, err := url.Parse(db.url)
		if err != nil {
			return fmt.Errorf("%s: not a URL", db.name)
		}
		q := u.Query()
		host := u.Hostname()
		if h := q.Get("host"); h != "" {
			host = h
		}
		if host == "" || strings.HasPrefix(host, "/") || loopback(host) {
			continue
		}
		if mode := q.Get("sslmode"); mode != "verify-full" && mode != "verify-ca" {
			if mode == "" {
				mode = "require (the default)"
			}
			return fmt.Errorf("%s: production connects to %s with sslmode=verify-full (and sslrootcert), got sslmode=%s", db.name, host, mode)
		}
	}
	return nil
}

func (c Config) productionPepper() error {
	if c.CPRPepper == DevPepper {
		return errors.New("TVP_CPR_PEPPER: the development pepper is refused in production (openssl rand -hex 32)")
	}
	if len(c.CPRPepper) < MinPepperLength {
		return fmt.Errorf("TVP_CPR_PEPPER: production needs a random secret of at least %d characters (openssl rand -hex 32)", MinPepperLength)
	}
	return nil
}

func (c Config) productionPayloadKeys() error {
	name, keys := "TVP_PAYLOAD_KEYS", c.PayloadKeys
	if keys == "" {
		name = "TVP_PAYLOAD_KEY_FILE"
		if !filepath.IsAbs(c.PayloadKeyFile) {
			return fmt.Errorf("%s: production needs TVP_PAYLOAD_KEYS, or a key file at an absolute path, got %q", name, c.PayloadKeyFile)
		}
		if err := keyFile(name, c.PayloadKeyFile); err != nil {
			return err
		}
		k, err := codec.LoadKeyFile(c.PayloadKeyFile)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return noDevKey(name, k.KeyIDs())
	}
	k, err := codec.ParseKeys(keys)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return noDevKey(name, k.KeyIDs())
}

func noDevKey(name string, ids []string) error {
	for _, id := range ids {
		if id == codec.DevKeyID {
			return fmt.Errorf("%s: key %q is the development key tvp dev makes; production refuses it", name, id)
		}
	}
	return nil
}

func (c Config) productionTemporalTLS() error {
	if c.TemporalTLSCert == "" {
		return errors.New("TVP_TEMPORAL_TLS_CERT: production talks to Temporal over mutual TLS: set a client certificate and key (and TVP_TEMPORAL_TLS_CA)")
	}
	for _, f := range []struct{ name, path string }{
		{"TVP_TEMPORAL_TLS_CERT", c.TemporalTLSCert},
		{"TVP_TEMPORAL_TLS_KEY", c.TemporalTLSKey},
		{"TVP_TEMPORAL_TLS_CA", c.TemporalTLSCA},
	} {
		if f.path == "" {
			continue // no CA: the system's roots
		}
		if err := keyFile(f.name, f.path); err != nil {
			return err
		}
	}
	return nil
}

// keyFile checks that a key file's path is absolute (a relative one depends on the directory
// the process starts in) and that the file is there: production never creates a key.
func keyFile(name, path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("%s: production needs an absolute path, got %q", name, path)
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: %s does not exist (production never creates a key)", name, path)
	case err != nil:
		return fmt.Errorf("%s: %w", name, err)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s: %s is not a file", name, path)
	}
	return nil
}
