package config_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/internal/config"
)

func TestPlatformDefaults(t *testing.T) {
	c, err := load(t)
	require.NoError(t, err)
	assert.Equal(t, config.Development, c.Env)
	assert.False(t, c.Production())
	assert.Equal(t, config.DevPepper, c.CPRPepper, "the tag's default is the development pepper production refuses")
	assert.False(t, c.TemporalTLS())
	assert.Equal(t, config.Rate{Count: 10, Per: time.Second, Burst: 40}, c.RateAPIUser)
	assert.Equal(t, config.Rate{Count: 30, Per: time.Minute, Burst: 60}, c.RateLoginAddress)
	assert.Empty(t, c.TrustedProxies)

	t.Setenv("TVP_RATE_API_USER", "off")
	t.Setenv("TVP_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7")
	c, err = load(t, "-rate-login-user", "3/h", "-env", "production")
	require.NoError(t, err)
	assert.True(t, c.RateAPIUser.Off())
	assert.Equal(t, config.Rate{Count: 3, Per: time.Hour, Burst: 3}, c.RateLoginUser)
	assert.Equal(t, config.Prefixes{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32")}, c.TrustedProxies)
	assert.True(t, c.Production())
}

func TestRateText(t *testing.T) {
	for in, want := range map[string]config.Rate{
		"10/s burst 40": {Count: 10, Per: time.Second, Burst: 40},
		"5/m":           {Count: 5, Per: time.Minute, Burst: 5},
		" 1/h burst 2 ": {Count: 1, Per: time.Hour, Burst: 2},
		"off":           {},
	} {
		var r config.Rate
		require.NoError(t, r.UnmarshalText([]byte(in)), in)
		assert.Equal(t, want, r, in)
		var again config.Rate
		require.NoError(t, again.UnmarshalText([]byte(r.String())))
		assert.Equal(t, r, again, "String reads back: %s", r)
	}
	assert.InDelta(t, 0.5, config.Rate{Count: 30, Per: time.Minute}.PerSecond(), 1e-9)
	for _, bad := range []string{"10", "10/d", "0/s", "-1/s", "10/s 40", "10/s burst", "10/s burst 0", "ten/s"} {
		var r config.Rate
		assert.Error(t, r.UnmarshalText([]byte(bad)), bad)
	}
}

func TestPlatformInvalid(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"an unknown mode":             {"TVP_ENV": "staging"},
		"a certificate without a key": {"TVP_TEMPORAL_TLS_CERT": "/etc/tvp/client.pem"},
		"a key without a certificate": {"TVP_TEMPORAL_TLS_KEY": "/etc/tvp/client-key.pem"},
		"a server name without TLS":   {"TVP_TEMPORAL_TLS_SERVER_NAME": "temporal"},
		"the previous pepper again":   {"TVP_CPR_PEPPER": "p", "TVP_CPR_PEPPER_PREVIOUS": "p"},
		"a rate that is none":         {"TVP_RATE_API_ADDRESS": "many"},
		"a proxy that is no address":  {"TVP_TRUSTED_PROXIES": "proxy.local"},
	} {
		t.Run(name, func(t *testing.T) {
			for k, v := range env {
				t.Setenv(k, v)
			}
			_, err := load(t)
			assert.Error(t, err)
		})
	}
}
