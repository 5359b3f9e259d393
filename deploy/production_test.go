package deploy_test

import (
	"maps"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/internal/config"
	"tvp/internal/temporalx"
)

// certsVolume is where the certs service writes the stack's TLS files and the others read them.
const certsVolume = "temporal-certs"

// The compose stack is safe without any setting of the caller's: every tvp process runs in
// production mode (so refuses development settings), the image defaults to it, there is no
// development issuer, the secrets and the identity provider must be given, Temporal speaks
// only mutual TLS, published with its UI on this machine only, and everything reaches
// PostgreSQL over TLS that verifies it.
func TestComposeIsSafeByDefault(t *testing.T) {
	p := loadCompose(t)

	t.Run("production mode", func(t *testing.T) {
		for _, name := range appServices {
			env := environment(service(t, p, name))
			if v, ok := env["TVP_ENV"]; ok {
				assert.Equal(t, "production", v, "service %q: TVP_ENV defaults to production", name)
			}
			assert.NotContains(t, []string{"true", "1"}, env["TVP_DEV_AUTH"], "service %q: development auth", name)
			assert.NotContains(t, env, "TVP_DEV_ISSUER_KEY", "service %q: no development issuer", name)
		}
		assert.Contains(t, readDockerfile(t)[1].args("ENV"), "TVP_ENV=production", "Dockerfile: the image runs in production mode")
	})

	t.Run("secrets and the identity provider come from the caller", func(t *testing.T) {
		for _, key := range []string{"TVP_CPR_PEPPER", "TVP_PAYLOAD_KEYS", "TVP_OIDC_ISSUER"} {
			env := maps.Clone(readmeEnv)
			delete(env, key)
			_, err := loadComposeWith(t, env)
			if assert.Error(t, err, "compose must refuse to start without %s", key) {
				assert.Contains(t, err.Error(), key)
			}
			for _, name := range []string{"api", "worker"} {
				if v, ok := environment(service(t, p, name))[key]; ok {
					assert.Equal(t, readmeEnv[key], v, "service %q: %s is the caller's", name, key)
				}
			}
		}
	})

	t.Run("the Temporal frontend requires client certificates", func(t *testing.T) {
		svc := service(t, p, "temporal")
		env := environment(svc)
		assert.Equal(t, "true", env["TEMPORAL_TLS_REQUIRE_CLIENT_AUTH"])
		certFile(t, svc, env, "TEMPORAL_TLS_FRONTEND_CERT", temporalx.ServerFile)
		certFile(t, svc, env, "TEMPORAL_TLS_FRONTEND_KEY", temporalx.ServerKeyFile)
		certFile(t, svc, env, "TEMPORAL_TLS_CLIENT1_CA_CERT", temporalx.CAFile)
		certFile(t, svc, env, "TEMPORAL_TLS_SERVER_CERT", temporalx.ServerFile)
		certFile(t, svc, env, "TEMPORAL_TLS_SERVER_CA_CERT", temporalx.CAFile)
		assert.Equal(t, "temporal", env["TEMPORAL_TLS_FRONTEND_SERVER_NAME"])
		assert.Equal(t, "false", env["TEMPORAL_TLS_FRONTEND_DISABLE_HOST_VERIFICATION"])
		assert.Equal(t, "false", env["TEMPORAL_TLS_INTERNODE_DISABLE_HOST_VERIFICATION"])
		// Its own CLI (the healthcheck) is a client like the others.
		certFile(t, svc, env, "TEMPORAL_TLS_CERT", temporalx.ClientFile)
		require.NotNil(t, svc.HealthCheck)
		assert.Contains(t, strings.Join(svc.HealthCheck.Test, " "), "--tls-cert-path "+path.Join(certsDir(t, svc), temporalx.ClientFile))
	})

	t.Run("every client of Temporal presents its certificate", func(t *testing.T) {
		for _, name := range []string{"api", "worker"} {
			svc := service(t, p, name)
			env := environment(svc)
			certFile(t, svc, env, "TVP_TEMPORAL_TLS_CERT", temporalx.ClientFile)
			certFile(t, svc, env, "TVP_TEMPORAL_TLS_KEY", temporalx.ClientKeyFile)
			certFile(t, svc, env, "TVP_TEMPORAL_TLS_CA", temporalx.CAFile)
			assert.Equal(t, "temporal", env["TVP_TEMPORAL_TLS_SERVER_NAME"], "service %q", name)
		}
		for _, name := range []string{"temporal-ui", "temporal-namespace"} {
			svc := service(t, p, name)
			env := environment(svc)
			certFile(t, svc, env, "TEMPORAL_TLS_CERT", temporalx.ClientFile)
			certFile(t, svc, env, "TEMPORAL_TLS_KEY", temporalx.ClientKeyFile)
			certFile(t, svc, env, "TEMPORAL_TLS_CA", temporalx.CAFile)
			assert.Equal(t, "temporal", env["TEMPORAL_TLS_SERVER_NAME"], "service %q", name)
		}
		assert.Equal(t, "true", environment(service(t, p, "temporal-ui"))["TEMPORAL_TLS_ENABLE_HOST_VERIFICATION"])
	})

	t.Run("the certs service writes where the others read, for the name they expect", func(t *testing.T) {
		svc := service(t, p, "certs")
		require.GreaterOrEqual(t, len(svc.Command), 3, "certs DIR NAME...")
		dir := certsDir(t, svc)
		assert.Equal(t, dir, svc.Command[1], "certs writes into the volume")
		assert.True(t, nonrootOwns(t, dir), "Dockerfile: the final stage must COPY --chown=65532 a directory at or above %s, "+
			"so that the volume mounted there is nonroot's and tvp certs may write into it", dir)
		assert.Contains(t, svc.Command[2:], "temporal", "the frontend's certificate names the host its clients dial")
		assert.Contains(t, svc.Command[2:], "postgres", "the server certificate names the host the database's clients dial")
		assert.Contains(t, p.VolumeNames(), certsVolume)
		for _, name := range []string{"postgres", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui", "api", "worker"} {
			assert.Equal(t, serviceCompleted, dependsOn(t, p, name, "certs"), "service %q waits for the certificates", name)
			certsDir(t, service(t, p, name))
		}
	})

	t.Run("everything reaches PostgreSQL over TLS that verifies it", func(t *testing.T) {
		pg := service(t, p, "postgres")
		assert.Contains(t, []string(pg.Command), "ssl=on", "service postgres serves TLS")
		assert.Contains(t, []string(pg.Command), "ssl_cert_file="+path.Join(certsDir(t, pg), temporalx.ServerFile))
		for _, name := range []string{"migrate", "api", "worker"} {
			svc := service(t, p, name)
			env := environment(svc)
			cfg := config.Config{DatabaseURL: env["TVP_DATABASE_URL"], Platform: config.Platform{Env: config.Production}}
			assert.NoError(t, cfg.CheckProduction(config.Uses{Database: true}), "service %q: production mode's check of the database", name)
			u, err := url.Parse(env["TVP_DATABASE_URL"])
			require.NoError(t, err)
			assert.Equal(t, "verify-full", u.Query().Get("sslmode"), "service %q", name)
			assert.Equal(t, path.Join(certsDir(t, svc), temporalx.CAFile), u.Query().Get("sslrootcert"), "service %q verifies against the stack's CA", name)
		}
		// Temporal's server: tls.enabled with host verification is sslmode=verify-full.
		temporal := service(t, p, "temporal")
		env := environment(temporal)
		assert.Equal(t, "true", env["SQL_TLS_ENABLED"])
		assert.Equal(t, "true", env["SQL_HOST_VERIFICATION"])
		certFile(t, temporal, env, "SQL_CA", temporalx.CAFile)
		// Its schema tool: --tls without --tls-disable-host-verification.
		job := service(t, p, "temporal-schema")
		env = environment(job)
		assert.Equal(t, "true", env["SQL_TLS"])
		assert.NotContains(t, env, "SQL_TLS_DISABLE_HOST_VERIFICATION")
		certFile(t, job, env, "SQL_TLS_CA_FILE", temporalx.CAFile)
	})

	t.Run("the frontend and the UI are published on this machine only", func(t *testing.T) {
		for _, name := range []string{"temporal", "temporal-ui"} {
			for _, port := range service(t, p, name).Ports {
				assert.Contains(t, []string{"127.0.0.1", "::1", "[::1]"}, port.HostIP, "service %q publishes %d on every interface", name, port.Target)
			}
		}
	})
}

// certsDir is where the service mounts the certs volume, read-only unless it is the certs
// service.
func certsDir(t *testing.T, svc types.ServiceConfig) string {
	t.Helper()
	for _, v := range svc.Volumes {
		if v.Type == types.VolumeTypeVolume && v.Source == certsVolume {
			assert.Equal(t, svc.Name != "certs", v.ReadOnly, "service %q: the certificates are read-only but to certs", svc.Name)
			return v.Target
		}
	}
	require.Fail(t, "no certificates", "service %q must mount the volume %s", svc.Name, certsVolume)
	return ""
}

// certFile checks that the variable names a file of the certs volume as the service mounts it.
func certFile(t *testing.T, svc types.ServiceConfig, env map[string]string, key, file string) {
	t.Helper()
	assert.Equal(t, path.Join(certsDir(t, svc), file), env[key], "service %q: %s must name %s in the certs volume", svc.Name, key, file)
}

// nonrootOwns reports whether the Dockerfile's final stage copies a directory that holds dir
// (or is it) with --chown to nonroot (65532).
func nonrootOwns(t *testing.T, dir string) bool {
	t.Helper()
	stages := readDockerfile(t)
	for _, c := range stages[len(stages)-1].args("COPY") {
		f := strings.Fields(c)
		if !strings.Contains(c, "--chown=65532") && !strings.Contains(c, "--chown=nonroot") || len(f) < 2 {
			continue
		}
		if dest := path.Clean(f[len(f)-1]); dir == dest || strings.HasPrefix(dir, dest+"/") {
			return true
		}
	}
	return false
}
