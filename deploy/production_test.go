package deploy_test

import (
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/internal/config"
	"tvp/internal/temporalx"
)

// certsVolume is where the certs service writes the stack's TLS files and the others read them.
const certsVolume = "temporal-certs"

// The compose stack is safe without any setting of the caller's: every tvp process runs in
// production mode (so refuses development settings), the image defaults to it, there is no
// development issuer, the secrets and the identity provider must be given, and Temporal
// speaks only mutual TLS, published with its UI on this machine only.
func TestComposeIsSafeByDefault(t *testing.T) {
	c := loadCompose(t)

	t.Run("production mode", func(t *testing.T) {
		for _, name := range appServices {
			env := resolvedEnv(t, requireService(t, c, name))
			if v, ok := env["TVP_ENV"]; ok {
				assert.Equal(t, "production", v, "service %q: TVP_ENV defaults to production", name)
			}
			assert.NotContains(t, []string{"true", "1"}, env["TVP_DEV_AUTH"], "service %q: development auth", name)
			assert.NotContains(t, env, "TVP_DEV_ISSUER_KEY", "service %q: no development issuer", name)
		}
		assert.Equal(t, "production", dockerfileEnv(t)["TVP_ENV"], "Dockerfile: the image runs in production mode (ENV TVP_ENV=production)")
	})

	t.Run("secrets and the identity provider come from the caller", func(t *testing.T) {
		raw := requireService(t, c, "api").Environment
		for _, key := range []string{"TVP_CPR_PEPPER", "TVP_PAYLOAD_KEYS", "TVP_OIDC_ISSUER"} {
			assert.Contains(t, raw[key], "${"+key+":?", "service api: %s has no default; compose refuses to start without it", key)
		}
	})

	t.Run("the Temporal frontend requires client certificates", func(t *testing.T) {
		svc := requireService(t, c, "temporal")
		env := resolvedEnv(t, svc)
		assert.Equal(t, "true", env["TEMPORAL_TLS_REQUIRE_CLIENT_AUTH"])
		certFile(t, svc, env, "TEMPORAL_TLS_FRONTEND_CERT", temporalx.ServerFile)
		certFile(t, svc, env, "TEMPORAL_TLS_FRONTEND_KEY", temporalx.ServerKeyFile)
		certFile(t, svc, env, "TEMPORAL_TLS_CLIENT1_CA_CERT", temporalx.CAFile)
		assert.Equal(t, "temporal", env["TEMPORAL_TLS_FRONTEND_SERVER_NAME"])
		// Its own CLI (namespace registration, healthcheck) is a client like the others.
		certFile(t, svc, env, "TEMPORAL_TLS_CERT", temporalx.ClientFile)
		assert.Contains(t, strings.Join(svc.Healthcheck.Test, " "), "--tls-cert-path")
	})

	t.Run("every client of Temporal presents its certificate", func(t *testing.T) {
		for _, name := range []string{"api", "worker"} {
			svc := requireService(t, c, name)
			env := resolvedEnv(t, svc)
			certFile(t, svc, env, "TVP_TEMPORAL_TLS_CERT", temporalx.ClientFile)
			certFile(t, svc, env, "TVP_TEMPORAL_TLS_KEY", temporalx.ClientKeyFile)
			certFile(t, svc, env, "TVP_TEMPORAL_TLS_CA", temporalx.CAFile)
			assert.Equal(t, "temporal", env["TVP_TEMPORAL_TLS_SERVER_NAME"], "service %q", name)
		}
		ui := requireService(t, c, "temporal-ui")
		env := resolvedEnv(t, ui)
		certFile(t, ui, env, "TEMPORAL_TLS_CERT", temporalx.ClientFile)
		certFile(t, ui, env, "TEMPORAL_TLS_KEY", temporalx.ClientKeyFile)
		certFile(t, ui, env, "TEMPORAL_TLS_CA", temporalx.CAFile)
		assert.Equal(t, "true", env["TEMPORAL_TLS_ENABLE_HOST_VERIFICATION"])
	})

	t.Run("the certs service writes where the others read, for the name they expect", func(t *testing.T) {
		svc := requireService(t, c, "certs")
		require.GreaterOrEqual(t, len(svc.Command), 3, "certs DIR NAME...")
		dir, ok := mountOf(svc, certsVolume)
		require.True(t, ok, "service certs must mount the volume %s", certsVolume)
		assert.Equal(t, dir, svc.Command[1], "certs writes into the volume")
		assert.True(t, nonrootOwns(t, dir), "Dockerfile: the final stage must COPY --chown=65532 a directory at or above %s, "+
			"so that the volume mounted there is nonroot's and tvp certs may write into it", dir)
		assert.Contains(t, svc.Command[2:], "temporal", "the frontend's certificate names the host its clients dial")
		_, declared := c.Volumes[certsVolume]
		assert.True(t, declared, "volume %s is declared", certsVolume)
		for _, name := range []string{"temporal", "api", "worker"} {
			assert.Equal(t, serviceCompleted, requireService(t, c, name).DependsOn["certs"],
				"service %q waits for the certificates", name)
		}
	})

	t.Run("every tvp process reaches PostgreSQL over TLS that verifies it", func(t *testing.T) {
		pg := requireService(t, c, "postgres")
		assert.Contains(t, []string(pg.Command), "ssl=on", "service postgres serves TLS")
		certFileArg(t, pg, "ssl_cert_file=", temporalx.ServerFile)
		assert.Equal(t, serviceCompleted, pg.DependsOn["certs"], "service postgres waits for its certificate")
		assert.Contains(t, requireService(t, c, "certs").Command[2:], "postgres", "the server certificate names the host the processes dial")
		for _, name := range []string{"migrate", "api", "worker"} {
			svc := requireService(t, c, name)
			env := resolvedEnv(t, svc)
			cfg := config.Config{DatabaseURL: env["TVP_DATABASE_URL"], Platform: config.Platform{Env: config.Production}}
			assert.NoError(t, cfg.CheckProduction(config.Uses{Database: true}), "service %q: production mode's check of the database", name)
			u, err := url.Parse(env["TVP_DATABASE_URL"])
			require.NoError(t, err)
			dir, ok := mountOf(svc, certsVolume)
			require.True(t, ok, "service %q mounts the certificates", name)
			assert.Equal(t, path.Join(dir, temporalx.CAFile), u.Query().Get("sslrootcert"), "service %q verifies against the stack's CA", name)
		}
	})

	t.Run("the frontend and the UI are published on this machine only", func(t *testing.T) {
		for _, name := range []string{"temporal", "temporal-ui"} {
			for _, p := range requireService(t, c, name).Ports {
				assert.Contains(t, []string{"127.0.0.1", "::1", "[::1]"}, p.HostIP,
					"service %q publishes %s on every interface", name, p.Target)
			}
		}
	})
}

// certFile checks that the variable names a file of the certs volume as the service mounts it.
func certFile(t *testing.T, svc service, env map[string]string, key, file string) {
	t.Helper()
	dir, ok := mountOf(svc, certsVolume)
	if !assert.True(t, ok, "%s: the service must mount the volume %s", key, certsVolume) {
		return
	}
	assert.Equal(t, path.Join(dir, file), env[key], "%s must name %s in the certs volume", key, file)
}

// certFileArg checks that the service's command sets a setting (prefix) to a file of the certs
// volume as the service mounts it.
func certFileArg(t *testing.T, svc service, prefix, file string) {
	t.Helper()
	dir, ok := mountOf(svc, certsVolume)
	if !assert.True(t, ok, "the service must mount the volume %s", certsVolume) {
		return
	}
	assert.Contains(t, []string(svc.Command), prefix+path.Join(dir, file))
}

// mountOf returns where the service mounts the named volume.
func mountOf(svc service, volume string) (string, bool) {
	for _, v := range svc.Volumes {
		if v.Source == volume {
			return v.Target, true
		}
	}
	return "", false
}

// nonrootOwns reports whether the Dockerfile's final stage copies a directory that holds dir
// (or is it) with --chown to nonroot (65532).
func nonrootOwns(t *testing.T, dir string) bool {
	t.Helper()
	for _, in := range finalStage(t).Instructions {
		if in.Cmd != "COPY" || !strings.Contains(in.Args, "--chown=65532") && !strings.Contains(in.Args, "--chown=nonroot") {
			continue
		}
		cp, err := parseCopy(in.Args)
		require.NoError(t, err)
		if dest := path.Clean(cp.Dest); dir == dest || strings.HasPrefix(dir, dest+"/") {
			return true
		}
	}
	return false
}

func finalStage(t *testing.T) stage {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	require.NoError(t, err)
	stages, err := parseDockerfile(string(src))
	require.NoError(t, err)
	return stages[len(stages)-1]
}

// dockerfileEnv returns the ENV of the Dockerfile's final stage.
func dockerfileEnv(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, in := range finalStage(t).Instructions {
		if in.Cmd != "ENV" {
			continue
		}
		words := shellWords(in.Args)
		if len(words) == 2 && !strings.Contains(words[0], "=") {
			env[words[0]] = words[1] // ENV KEY VALUE
			continue
		}
		for _, w := range words {
			if k, v, ok := strings.Cut(w, "="); ok {
				env[k] = v
			}
		}
	}
	return env
}
