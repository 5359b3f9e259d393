package config_test

import (
	"bytes"
	"flag"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/internal/config"
)

func load(t *testing.T, args ...string) (config.Config, error) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return config.Load(fs, args)
}

func TestDefaultsEnvironmentAndFlags(t *testing.T) {
	c, err := load(t)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8080", c.HTTPAddr)
	assert.Equal(t, "127.0.0.1:7233", c.TemporalAddress)

	t.Setenv("TVP_HTTP_ADDR", "127.0.0.1:9000")
	t.Setenv("TVP_CONNECT_TIMEOUT", "5s")
	c, err = load(t)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:9000", c.HTTPAddr)
	assert.Equal(t, 5*time.Second, c.ConnectTimeout)

	c, err = load(t, "-http-addr", "127.0.0.1:9100")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:9100", c.HTTPAddr, "a flag wins over the environment")
}

func TestInvalid(t *testing.T) {
	for env, val := range map[string]string{
		"TVP_TEMPORAL_ADDRESS": "nohostport",
		"TVP_LOG_LEVEL":        "loud",
		"TVP_CONNECT_TIMEOUT":  "-1s",
		"TVP_DATABASE_URL":     "sqlite://x",
		// The citizens' login: a claim that carries no CPR number, the staff pages' client.
		"TVP_CITIZEN_CPR_CLAIM":      "sub",
		"TVP_CITIZEN_OIDC_CLIENT_ID": "tvp",
		"TVP_CITIZEN_OIDC_ISSUER":    "not a url",
	} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(env, val)
			_, err := load(t)
			assert.Error(t, err)
		})
	}
}

func TestSecretsMaskedInLogs(t *testing.T) {
	t.Setenv("TVP_DATABASE_URL", "postgres://tvp:hunter2@db:5432/tvp")
	t.Setenv("TVP_CPR_PEPPER", "very-secret-pepper")
	t.Setenv("TVP_CITIZEN_OIDC_CLIENT_SECRET", "citizens-secret")
	c, err := load(t)
	require.NoError(t, err)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("starting", "config", c)
	assert.NotContains(t, buf.String(), "hunter2")
	assert.NotContains(t, buf.String(), "very-secret-pepper")
	assert.NotContains(t, buf.String(), "citizens-secret")
	assert.Contains(t, buf.String(), "db:5432")
}

// Citizens log in by default at the staff provider's issuer as the client tvp-borger, their
// CPR number in the claim cpr; an issuer of their own can be named.
func TestCitizenLoginDefaults(t *testing.T) {
	t.Setenv("TVP_OIDC_ISSUER", "https://login.kommune.example")
	c, err := load(t)
	require.NoError(t, err)
	assert.True(t, c.CitizenLoginEnabled)
	assert.Equal(t, "tvp-borger", c.CitizenOIDCClientID)
	assert.Equal(t, "cpr", c.CitizenCPRClaim)
	assert.Equal(t, "https://login.kommune.example", c.CitizenIssuer())

	t.Setenv("TVP_CITIZEN_OIDC_ISSUER", "https://mitid-broker.example/")
	t.Setenv("TVP_CITIZEN_CPR_CLAIM", "https://data.gov.dk/model/core/eid/cprNumber")
	c, err = load(t)
	require.NoError(t, err)
	assert.Equal(t, "https://mitid-broker.example", c.CitizenIssuer())
	assert.Equal(t, "https://data.gov.dk/model/core/eid/cprNumber", c.CitizenCPRClaim)
}
