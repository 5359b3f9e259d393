package main

import (
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/internal/codec"
	"tvp/internal/config"
	"tvp/internal/temporalx"
)

// safeProduction is a production configuration that passes every check: the municipality's
// issuer, a long random pepper, payload keys of its own, mutual TLS to Temporal with absolute
// paths. Its database is unreachable, so a command that passes the checks stops there (exit 1).
func safeProduction(t *testing.T) map[string]string {
	t.Helper()
	pki := filepath.Join(t.TempDir(), "pki")
	_, err := temporalx.WritePKI(pki, []string{"temporal"}, time.Hour)
	require.NoError(t, err)
	key, err := codec.GenerateKey()
	require.NoError(t, err)
	return map[string]string{
		"TVP_ENV":                        "production",
		"TVP_DATABASE_URL":               "postgres://tvp@127.0.0.1:1/tvp?sslmode=disable",
		"TVP_PUBLIC_URL":                 "https://tvp.kommune.example",
		"TVP_OIDC_ISSUER":                "https://login.kommune.example/realms/staff",
		"TVP_CITIZEN_OIDC_CLIENT_SECRET": "citizens-client-secret",
		"TVP_DEV_AUTH":                   "false",
		"TVP_CPR_PEPPER":                 strings.Repeat("5e", 32),
		"TVP_PAYLOAD_KEYS":               "prod1:" + key,
		"TVP_TEMPORAL_TLS_CERT":          filepath.Join(pki, temporalx.ClientFile),
		"TVP_TEMPORAL_TLS_KEY":           filepath.Join(pki, temporalx.ClientKeyFile),
		"TVP_TEMPORAL_TLS_CA":            filepath.Join(pki, temporalx.CAFile),
	}
}

// Production mode refuses to start on each setting that is safe only on a developer's
// machine, with one line that names it (exit 2), and starts on safe ones.
func TestProductionRefusesUnsafeSettings(t *testing.T) {
	devKeyFile := filepath.Join(t.TempDir(), "payload-keys")
	_, err := codec.DevKeyring(devKeyFile)
	require.NoError(t, err)
	devKey, err := codec.GenerateKey()
	require.NoError(t, err)

	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		setting string // what the line names; "" when the start must pass the checks
	}{
		{"safe settings: the api starts (and stops at the database)", []string{"api"}, nil, ""},
		{"safe settings: the worker starts", []string{"worker"}, nil, ""},
		{"migrate needs no pepper, keys or TLS", []string{"migrate"}, map[string]string{
			"TVP_CPR_PEPPER": "", "TVP_PAYLOAD_KEYS": "", "TVP_TEMPORAL_TLS_CERT": "", "TVP_TEMPORAL_TLS_KEY": ""}, ""},

		{"development auth", []string{"api"}, map[string]string{"TVP_DEV_AUTH": "true"}, "TVP_DEV_AUTH"},
		{"development auth by flag", []string{"api", "-dev-auth"}, nil, "TVP_DEV_AUTH"},
		{"no identity provider", []string{"api"}, map[string]string{"TVP_OIDC_ISSUER": ""}, "TVP_OIDC_ISSUER"},
		{"an issuer over http", []string{"api"}, map[string]string{"TVP_OIDC_ISSUER": "http://login.kommune.example"}, "TVP_OIDC_ISSUER"},
		{"the development provider (TVP itself) as issuer", []string{"api"},
			map[string]string{"TVP_OIDC_ISSUER": "https://tvp.kommune.example/dev-issuer"}, "TVP_OIDC_ISSUER"},
		{"the citizens' client without its secret", []string{"api"},
			map[string]string{"TVP_CITIZEN_OIDC_CLIENT_SECRET": ""}, "TVP_CITIZEN_OIDC_CLIENT_SECRET"},
		{"the citizens' provider over http", []string{"api"},
			map[string]string{"TVP_CITIZEN_OIDC_ISSUER": "http://mitid-broker.example"}, "TVP_CITIZEN_OIDC_ISSUER"},
		{"no citizen login: no secret needed", []string{"api"},
			map[string]string{"TVP_CITIZEN_LOGIN": "false", "TVP_CITIZEN_OIDC_CLIENT_SECRET": ""}, ""},
		{"tvp dev", []string{"dev"}, nil, "TVP_ENV=production"},
		{"a development token", []string{"token", "admin"}, nil, "TVP_ENV=production"},

		{"the development pepper (the default)", []string{"api"}, map[string]string{"TVP_CPR_PEPPER": ""}, "TVP_CPR_PEPPER"},
		{"the development pepper, set", []string{"api"}, map[string]string{"TVP_CPR_PEPPER": config.DevPepper}, "TVP_CPR_PEPPER"},
		{"a short pepper", []string{"api"}, map[string]string{"TVP_CPR_PEPPER": "hemmeligt"}, "TVP_CPR_PEPPER"},

		{"payload keys from a relative file", []string{"api"},
			map[string]string{"TVP_PAYLOAD_KEYS": "", "TVP_PAYLOAD_KEY_FILE": ".dev/payload-keys"}, "TVP_PAYLOAD_KEY_FILE"},
		{"payload keys from a missing file", []string{"worker"},
			map[string]string{"TVP_PAYLOAD_KEYS": "", "TVP_PAYLOAD_KEY_FILE": filepath.Join(t.TempDir(), "none")}, "TVP_PAYLOAD_KEY_FILE"},
		{"the development payload key, from its file", []string{"worker"},
			map[string]string{"TVP_PAYLOAD_KEYS": "", "TVP_PAYLOAD_KEY_FILE": devKeyFile}, "TVP_PAYLOAD_KEY_FILE"},
		{"the development payload key, given", []string{"api"},
			map[string]string{"TVP_PAYLOAD_KEYS": codec.DevKeyID + ":" + devKey}, "TVP_PAYLOAD_KEYS"},

		{"plaintext Temporal (api)", []string{"api"},
			map[string]string{"TVP_TEMPORAL_TLS_CERT": "", "TVP_TEMPORAL_TLS_KEY": "", "TVP_TEMPORAL_TLS_CA": ""}, "TVP_TEMPORAL_TLS_CERT"},
		{"plaintext Temporal (worker)", []string{"worker"},
			map[string]string{"TVP_TEMPORAL_TLS_CERT": "", "TVP_TEMPORAL_TLS_KEY": "", "TVP_TEMPORAL_TLS_CA": ""}, "TVP_TEMPORAL_TLS_CERT"},
		{"TLS without a client certificate", []string{"worker"},
			map[string]string{"TVP_TEMPORAL_TLS_CERT": "", "TVP_TEMPORAL_TLS_KEY": ""}, "TVP_TEMPORAL_TLS_CERT"},
		{"a relative client key", []string{"worker"}, map[string]string{"TVP_TEMPORAL_TLS_KEY": "certs/client-key.pem"}, "TVP_TEMPORAL_TLS_KEY"},
		{"a missing CA", []string{"api"}, map[string]string{"TVP_TEMPORAL_TLS_CA": "/nonexistent/ca.pem"}, "TVP_TEMPORAL_TLS_CA"},

		{"a database across the network without TLS", []string{"api"},
			map[string]string{"TVP_DATABASE_URL": "postgres://tvp@db.kommune.example/tvp?sslmode=disable"}, "TVP_DATABASE_URL"},
		{"a database whose certificate is not verified (lib/pq's default)", []string{"worker"},
			map[string]string{"TVP_DATABASE_URL": "postgres://tvp@db.kommune.example/tvp"}, "TVP_DATABASE_URL"},
		{"migrations across the network without verifying", []string{"migrate"},
			map[string]string{"TVP_MIGRATE_DATABASE_URL": "postgres://owner@db.kommune.example/tvp?sslmode=require"}, "TVP_MIGRATE_DATABASE_URL"},
		{"the audit check too", []string{"audit", "verify"},
			map[string]string{"TVP_DATABASE_URL": "postgres://tvp@10.0.0.5/tvp?sslmode=prefer"}, "TVP_DATABASE_URL"},
		{"a verified database: past the checks", []string{"worker"},
			map[string]string{"TVP_DATABASE_URL": "postgres://tvp@db.kommune.example:1/tvp?sslmode=verify-full"}, ""},
		{"a Unix socket needs no TLS", []string{"migrate"},
			map[string]string{"TVP_DATABASE_URL": "postgres://tvp@/tvp?host=/nonexistent/socket&sslmode=disable"}, ""},

		{"an unknown mode", []string{"api"}, map[string]string{"TVP_ENV": "staging"}, "TVP_ENV"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := safeProduction(t)
			maps.Copy(env, tc.env)
			code, stderr := runBounded(t, env, append(tc.args, "-connect-timeout=1s")...)
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line on stderr: %q", stderr)
			assert.NotContains(t, stderr, "panic")
			if tc.setting == "" {
				assert.Equal(t, 1, code, "past the checks, to the database: %s", stderr)
				assert.Contains(t, stderr, "gave up after 1s")
				return
			}
			assert.Equal(t, 2, code, "stderr: %s", stderr)
			cmd := tc.args[0]
			if cmd == "audit" || cmd == "citizens" {
				cmd += " " + tc.args[1]
			}
			assert.Contains(t, stderr, "tvp "+cmd+": "+tc.setting, "the line begins with the setting")
			assert.NotContains(t, stderr, "5e5e5e5e", "no secret in the line")
		})
	}
}

// tvp certs writes the compose stack's CA and certificates once, in production mode too.
func TestCerts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	env := map[string]string{"TVP_ENV": "production"}
	code, stderr := runBounded(t, env, "certs", dir, "temporal")
	require.Equal(t, 0, code, stderr)
	for _, f := range []string{temporalx.CAFile, temporalx.ServerFile, temporalx.ServerKeyFile, temporalx.ClientFile, temporalx.ClientKeyFile} {
		assert.FileExists(t, filepath.Join(dir, f))
	}
	code, stderr = runBounded(t, env, "certs", dir, "temporal")
	assert.Equal(t, 0, code, "a second run keeps them: %s", stderr)
	code, stderr = runBounded(t, env, "certs", dir, "temporal", "postgres")
	assert.Equal(t, 1, code, "a name the kept certificate lacks cannot be added")
	assert.Contains(t, stderr, `does not name "postgres"`)
	code, stderr = runBounded(t, env, "certs", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "usage: tvp certs DIR NAME")
}
