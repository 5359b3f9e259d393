package main

import (
	"tvp/internal/config"
	"tvp/internal/temporalx"
)

// uses says which settings each command uses, for production mode (config.CheckProduction).
// A command not listed uses none of those it checks (migrate, audit verify, certs).
var uses = map[string]config.Uses{
	"api":    {Auth: true, Pepper: true, Temporal: true},
	"worker": {Temporal: true},
	"dev":    {DevelopmentOnly: true},
	"token":  {DevelopmentOnly: true},
}

// temporalTLS is the TLS to Temporal that the configuration asks for.
func temporalTLS(cfg config.Config) temporalx.TLS {
	return temporalx.TLS{
		CertFile: cfg.TemporalTLSCert, KeyFile: cfg.TemporalTLSKey,
		CAFile: cfg.TemporalTLSCA, ServerName: cfg.TemporalTLSServerName,
	}
}
