package main

import (
	"tvp/api"
	"tvp/internal/config"
	"tvp/internal/temporalx"
)

// uses says which settings each command uses, for production mode (config.CheckProduction).
// A command not listed uses none of those it checks (certs).
var uses = map[string]config.Uses{
	"api":     {Auth: true, Pepper: true, Temporal: true, Database: true},
	"worker":  {Temporal: true, Database: true},
	"migrate": {Database: true},
	"dev":     {DevelopmentOnly: true},
	"demo":    {DevelopmentOnly: true},
	"token":   {DevelopmentOnly: true},
	// It writes hashes under TVP_CPR_PEPPER (TVP_CPR_PEPPER_PREVIOUS may be anything).
	"citizens rehash": {Pepper: true, Database: true},
	"audit verify":    {Database: true},
}

// temporalTLS is the TLS to Temporal that the configuration asks for.
func temporalTLS(cfg config.Config) temporalx.TLS {
	return temporalx.TLS{
		CertFile: cfg.TemporalTLSCert, KeyFile: cfg.TemporalTLSKey,
		CAFile: cfg.TemporalTLSCA, ServerName: cfg.TemporalTLSServerName,
	}
}

// rateLimits are the API's and the login's limits that the configuration sets.
func rateLimits(cfg config.Config) api.RateLimits {
	rate := func(r config.Rate) api.Rate {
		if r.Off() {
			return api.Rate{}
		}
		return api.Rate{PerSecond: r.PerSecond(), Burst: r.Burst}
	}
	return api.RateLimits{
		APIPerUser: rate(cfg.RateAPIUser), APIPerAddress: rate(cfg.RateAPIAddress),
		LoginPerUser: rate(cfg.RateLoginUser), LoginPerAddress: rate(cfg.RateLoginAddress),
		TrustedProxies: cfg.TrustedProxies,
	}
}
