package deploy_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// binaryPackage is the main package the Dockerfile builds; its subcommands
// are the commands of the app services in docker-compose.yml.
const binaryPackage = "./cmd/tvp"

// Container ports of the API and of the Temporal frontend.
const (
	apiPort      = "8080"
	temporalPort = "7233"
)

// requiredServices must all be defined in docker-compose.yml.
var requiredServices = []string{"postgres", "temporal", "temporal-ui", "certs", "migrate", "api", "worker"}

// appServices are built from this repository and each runs the tvp
// subcommand of the same name.
var appServices = []string{"certs", "migrate", "api", "worker"}

// requiredEnv lists the variables each tvp subcommand needs.
var requiredEnv = map[string][]string{
	"migrate": {"TVP_DATABASE_URL"},
	"api": {
		"TVP_HTTP_ADDR", "TVP_DATABASE_URL", "TVP_TEMPORAL_ADDRESS",
		"TVP_TEMPORAL_NAMESPACE", "TVP_TASK_QUEUE", "TVP_CPR_PEPPER",
		"TVP_PAYLOAD_KEYS", "TVP_OIDC_ISSUER",
		"TVP_TEMPORAL_TLS_CERT", "TVP_TEMPORAL_TLS_KEY", "TVP_TEMPORAL_TLS_CA",
	},
	"worker": {
		"TVP_DATABASE_URL", "TVP_TEMPORAL_ADDRESS",
		"TVP_TEMPORAL_NAMESPACE", "TVP_TASK_QUEUE", "TVP_CPR_PEPPER",
		"TVP_PAYLOAD_KEYS", "TVP_TEMPORAL_TLS_CERT", "TVP_TEMPORAL_TLS_KEY", "TVP_TEMPORAL_TLS_CA",
	},
}

// Compose depends_on conditions.
const (
	serviceStarted   = "service_started"
	serviceHealthy   = "service_healthy"
	serviceCompleted = "service_completed_successfully"
)

// ---------------------------------------------------------------------------
// docker-compose.yml

func TestComposeDefinesServices(t *testing.T) {
	c := loadCompose(t)

	assert.Nil(t, c.Version, "docker-compose.yml: drop the obsolete top-level version: key (compose spec)")
	for _, name := range requiredServices {
		_, ok := c.Services[name]
		assert.True(t, ok, "docker-compose.yml: service %q is missing", name)
	}
	for name, svc := range c.Services {
		assert.True(t, svc.Image != "" || svc.Build != nil,
			"docker-compose.yml: service %q has neither image: nor build:", name)
	}
}

func TestComposeImagesArePinned(t *testing.T) {
	c := loadCompose(t)

	for _, name := range sortedKeys(c.Services) {
		svc := c.Services[name]
		if svc.Image == "" {
			continue // built from this repository
		}
		t.Run(name, func(t *testing.T) {
			ref := parseImageRef(svc.Image)
			assert.True(t, ref.versionPinned(),
				"service %q: image %q must carry an explicit version tag (like 1.2.3) or a digest, not %q",
				name, svc.Image, cmp.Or(ref.Tag, "no tag"))
		})
	}
}

func TestComposeAppServicesRunTvp(t *testing.T) {
	c := loadCompose(t)

	for _, name := range appServices {
		t.Run(name, func(t *testing.T) {
			svc := requireService(t, c, name)

			require.NotNil(t, svc.Build, "service %q must be built from the repository (build: .)", name)
			assert.Equal(t, ".", path.Clean(svc.Build.Context),
				"service %q: build context must be the repository root", name)
			assert.Contains(t, []string{"", "Dockerfile"}, svc.Build.Dockerfile,
				"service %q: must build the repository's Dockerfile", name)
			assert.Empty(t, svc.Build.Target,
				"service %q: must build the Dockerfile's final stage, the one that runs tvp", name)

			require.NotEmpty(t, svc.Command, "service %q: command must name the tvp subcommand %q", name, name)
			assert.Equal(t, name, svc.Command[0],
				"service %q: command must start with the tvp subcommand %q", name, name)
		})
	}
}

func TestComposeAppEnvironment(t *testing.T) {
	c := loadCompose(t)

	for _, name := range sortedKeys(requiredEnv) {
		t.Run(name, func(t *testing.T) {
			svc := requireService(t, c, name)
			env := resolvedEnv(t, svc)

			for _, key := range requiredEnv[name] {
				assert.NotEmpty(t, env[key], "service %q: environment variable %s is missing or empty", name, key)
			}

			checkDatabaseURL(t, c, name, env["TVP_DATABASE_URL"])

			if slices.Contains(requiredEnv[name], "TVP_TEMPORAL_ADDRESS") {
				addr := env["TVP_TEMPORAL_ADDRESS"]
				host, port, err := net.SplitHostPort(addr)
				if assert.NoError(t, err, "service %q: TVP_TEMPORAL_ADDRESS %q is not host:port", name, addr) {
					assert.Equal(t, "temporal", host, "service %q: TVP_TEMPORAL_ADDRESS must point at the temporal service", name)
					assert.Equal(t, temporalPort, port, "service %q: TVP_TEMPORAL_ADDRESS must use the Temporal frontend port", name)
				}
			}

			if slices.Contains(requiredEnv[name], "TVP_CPR_PEPPER") {
				assert.Contains(t, svc.Environment["TVP_CPR_PEPPER"], "${TVP_CPR_PEPPER",
					"service %q: TVP_CPR_PEPPER is a secret; take it from the caller's environment, don't hard-code it", name)
			}
		})
	}

	t.Run("api listens on its published port", func(t *testing.T) {
		env := resolvedEnv(t, requireService(t, c, "api"))
		_, port, err := net.SplitHostPort(env["TVP_HTTP_ADDR"])
		require.NoError(t, err, "service api: TVP_HTTP_ADDR %q is not host:port", env["TVP_HTTP_ADDR"])
		assert.Equal(t, apiPort, port, "service api: TVP_HTTP_ADDR must listen on the container port compose publishes")
	})

	t.Run("api and worker agree", func(t *testing.T) {
		api := resolvedEnv(t, requireService(t, c, "api"))
		worker := resolvedEnv(t, requireService(t, c, "worker"))
		migrate := resolvedEnv(t, requireService(t, c, "migrate"))

		for _, key := range []string{"TVP_TEMPORAL_ADDRESS", "TVP_TEMPORAL_NAMESPACE", "TVP_TASK_QUEUE", "TVP_CPR_PEPPER",
			"TVP_CPR_PEPPER_PREVIOUS", "TVP_PAYLOAD_KEYS", "TVP_TEMPORAL_TLS_CA", "TVP_TEMPORAL_TLS_SERVER_NAME", "TVP_ENV"} {
			assert.Equal(t, api[key], worker[key], "api and worker must use the same %s", key)
		}
		assert.Equal(t, migrate["TVP_DATABASE_URL"], api["TVP_DATABASE_URL"],
			"migrate must migrate the database api uses (TVP_DATABASE_URL differs)")
		assert.Equal(t, migrate["TVP_DATABASE_URL"], worker["TVP_DATABASE_URL"],
			"migrate must migrate the database worker uses (TVP_DATABASE_URL differs)")
	})
}

// checkDatabaseURL checks that url points at the postgres service's database
// with its credentials.
func checkDatabaseURL(t *testing.T, c *composeFile, service, rawURL string) {
	t.Helper()
	pg := resolvedEnv(t, requireService(t, c, "postgres"))

	u, err := url.Parse(rawURL)
	if !assert.NoError(t, err, "service %q: TVP_DATABASE_URL is not a URL", service) {
		return
	}
	assert.Contains(t, []string{"postgres", "postgresql"}, u.Scheme,
		"service %q: TVP_DATABASE_URL must be a postgres:// URL", service)
	assert.Equal(t, "postgres", u.Hostname(), "service %q: TVP_DATABASE_URL must point at the postgres service", service)
	assert.Contains(t, []string{"", "5432"}, u.Port(), "service %q: TVP_DATABASE_URL must use PostgreSQL's port", service)
	assert.Equal(t, pg["POSTGRES_USER"], u.User.Username(),
		"service %q: TVP_DATABASE_URL user must be the postgres service's POSTGRES_USER", service)
	password, _ := u.User.Password()
	assert.Equal(t, pg["POSTGRES_PASSWORD"], password,
		"service %q: TVP_DATABASE_URL password must be the postgres service's POSTGRES_PASSWORD", service)
	assert.Equal(t, "/"+pg["POSTGRES_DB"], u.Path,
		"service %q: TVP_DATABASE_URL must name the app database (POSTGRES_DB)", service)
}

func TestComposePorts(t *testing.T) {
	c := loadCompose(t)

	tests := []struct {
		service       string
		containerPort string
	}{
		{"api", apiPort},
		{"temporal", temporalPort},
		{"temporal-ui", "8080"},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			svc := requireService(t, c, tt.service)
			var targets []string
			for _, p := range svc.Ports {
				targets = append(targets, p.Target)
			}
			assert.Contains(t, targets, tt.containerPort,
				"service %q must publish container port %s", tt.service, tt.containerPort)
		})
	}
}

func TestComposeTemporal(t *testing.T) {
	c := loadCompose(t)
	temporal := resolvedEnv(t, requireService(t, c, "temporal"))
	pg := resolvedEnv(t, requireService(t, c, "postgres"))

	assert.Equal(t, "postgres", temporal["POSTGRES_SEEDS"], "temporal must store its data on the postgres service")
	assert.Equal(t, pg["POSTGRES_USER"], temporal["POSTGRES_USER"], "temporal must use the postgres service's user")
	assert.Equal(t, pg["POSTGRES_PASSWORD"], temporal["POSTGRES_PWD"], "temporal must use the postgres service's password")

	ui := resolvedEnv(t, requireService(t, c, "temporal-ui"))
	assert.Equal(t, "temporal:"+temporalPort, ui["TEMPORAL_ADDRESS"], "temporal-ui must talk to the temporal service")

	// auto-setup registers DEFAULT_NAMESPACE ("default" unless set); the app
	// must use that namespace or its workflows have nowhere to run.
	namespace := cmp.Or(temporal["DEFAULT_NAMESPACE"], "default")
	for _, name := range []string{"api", "worker"} {
		env := resolvedEnv(t, requireService(t, c, name))
		assert.Equal(t, namespace, env["TVP_TEMPORAL_NAMESPACE"],
			"service %q: TVP_TEMPORAL_NAMESPACE must be the namespace temporal registers", name)
	}
}

func TestComposeDependsOn(t *testing.T) {
	c := loadCompose(t)

	tests := []struct {
		service    string
		dependency string
		conditions []string // accepted conditions
	}{
		{"api", "migrate", []string{serviceCompleted}},
		{"api", "temporal", []string{serviceStarted, serviceHealthy}},
		{"worker", "migrate", []string{serviceCompleted}},
		{"worker", "temporal", []string{serviceStarted, serviceHealthy}},
		{"temporal", "certs", []string{serviceCompleted}},
		{"migrate", "postgres", []string{serviceHealthy}},
		{"temporal", "postgres", []string{serviceHealthy}},
		{"temporal-ui", "temporal", []string{serviceStarted, serviceHealthy}},
	}
	for _, tt := range tests {
		t.Run(tt.service+" on "+tt.dependency, func(t *testing.T) {
			svc := requireService(t, c, tt.service)
			cond, ok := svc.DependsOn[tt.dependency]
			require.True(t, ok, "service %q must depend on %q", tt.service, tt.dependency)
			assert.Contains(t, tt.conditions, cond,
				"service %q: depends_on %q has condition %q, want one of %v", tt.service, tt.dependency, cond, tt.conditions)
		})
	}

	t.Run("targets are consistent", func(t *testing.T) {
		for _, name := range sortedKeys(c.Services) {
			for _, dep := range sortedKeys(c.Services[name].DependsOn) {
				cond := c.Services[name].DependsOn[dep]
				target, ok := c.Services[dep]
				if !assert.True(t, ok, "service %q depends on undefined service %q", name, dep) {
					continue
				}
				assert.NotEqual(t, name, dep, "service %q depends on itself", name)
				switch cond {
				case serviceHealthy:
					assert.True(t, target.Healthcheck.enabled(),
						"service %q waits for %q to be healthy, but %q has no healthcheck", name, dep, dep)
				case serviceCompleted:
					assert.Contains(t, []string{"", "no", "on-failure"}, target.Restart,
						"service %q waits for %q to complete, but %q restarts with policy %q", name, dep, dep, target.Restart)
				case serviceStarted:
				default:
					assert.Fail(t, "unknown depends_on condition",
						"service %q: depends_on %q has unknown condition %q", name, dep, cond)
				}
			}
		}
	})
}

func TestComposePostgresUsesNamedVolume(t *testing.T) {
	c := loadCompose(t)
	svc := requireService(t, c, "postgres")

	var named []string
	for _, v := range svc.Volumes {
		if v.Source != "" && !strings.ContainsAny(v.Source[:1], "./~$") {
			named = append(named, v.Source)
		}
	}
	require.NotEmpty(t, named, "service postgres must keep its data in a named volume")
	for _, v := range named {
		_, ok := c.Volumes[v]
		assert.True(t, ok, "service postgres uses volume %q, which is not declared under top-level volumes:", v)
	}
}

// ---------------------------------------------------------------------------
// Dockerfile and .dockerignore

func TestDockerfileBuildsAndRunsTvp(t *testing.T) {
	root := repoRoot(t)
	src, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	require.NoError(t, err, "Dockerfile must exist at the repository root")
	stages, err := parseDockerfile(string(src))
	require.NoError(t, err, "Dockerfile does not parse")
	require.GreaterOrEqual(t, len(stages), 2, "Dockerfile must be multi-stage: a Go builder and a small runtime image")
	final := stages[len(stages)-1]

	// Builder: a pinned golang image that builds ./cmd/tvp.
	var (
		builder *stage
		build   goBuild
		runLine instruction
	)
	for i := range stages[:len(stages)-1] {
		for _, in := range stages[i].Instructions {
			if in.Cmd != "RUN" {
				continue
			}
			if gb, ok := parseGoBuild(in.Args); ok && slices.Contains(gb.Packages, binaryPackage) {
				builder, build, runLine = &stages[i], gb, in
			}
		}
	}
	require.NotNil(t, builder, "Dockerfile: no builder stage runs `go build ... %s`", binaryPackage)

	ref := parseImageRef(builder.Image)
	assert.Equal(t, "golang", ref.name(), "Dockerfile line %d: the builder stage must use the golang image", builder.Line)
	goVersion := goPatchVersion.FindString(ref.Tag)
	assert.NotEmpty(t, goVersion, "Dockerfile line %d: pin the golang image to an exact Go release (like golang:1.26.8-bookworm), not %q",
		builder.Line, builder.Image)
	if goVersion != "" {
		want := goModGoVersion(t, root)
		assert.True(t, versionAtLeast(goVersion, want),
			"Dockerfile line %d: builder has Go %s but go.mod requires go %s", builder.Line, goVersion, want)
	}

	require.NotEmpty(t, build.Output, "Dockerfile line %d: `go build` must write the binary with -o", runLine.Line)
	require.True(t, path.IsAbs(build.Output), "Dockerfile line %d: use an absolute -o path, not %q", runLine.Line, build.Output)
	binary := build.Output
	if strings.HasSuffix(binary, "/") {
		binary += path.Base(binaryPackage)
	}
	assert.True(t, cgoDisabled(*builder, runLine),
		"Dockerfile line %d: build with CGO_ENABLED=0 so the binary runs on the static runtime image", runLine.Line)

	// Runtime: a pinned image that gets the binary and runs it as non-root.
	assert.True(t, parseImageRef(final.Image).pinned(),
		"Dockerfile line %d: pin the runtime image with a tag or digest, not %q", final.Line, final.Image)

	var (
		installed  string
		entrypoint []string
		user       string
		exposed    []string
	)
	workdir := "/"
	for _, in := range final.Instructions {
		switch in.Cmd {
		case "WORKDIR":
			workdir = path.Join(workdir, in.Args)
		case "COPY":
			cp, err := parseCopy(in.Args)
			require.NoError(t, err, "Dockerfile line %d", in.Line)
			if cp.From != builder.Name && cp.From != strconv.Itoa(builder.Index) {
				continue
			}
			if dst, ok := cp.destinationOf(binary, workdir); ok {
				installed = dst
			}
		case "ENTRYPOINT":
			var ok bool
			entrypoint, ok = execForm(in.Args)
			assert.True(t, ok, "Dockerfile line %d: write ENTRYPOINT in exec (JSON) form; the runtime image may have no shell", in.Line)
		case "USER":
			user = in.Args
		case "EXPOSE":
			exposed = append(exposed, strings.Fields(in.Args)...)
		}
	}
	require.NotEmpty(t, installed, "Dockerfile: the final stage must COPY --from=%s the binary %s that `go build` writes",
		cmp.Or(builder.Name, strconv.Itoa(builder.Index)), binary)
	require.NotEmpty(t, entrypoint, "Dockerfile: the final stage needs an ENTRYPOINT that runs %s", installed)
	assert.Equal(t, installed, entrypoint[0], "Dockerfile: ENTRYPOINT must run the copied binary")
	assert.NotContains(t, []string{"", "root", "0", "0:0", "root:root"}, user, "Dockerfile: the final stage must switch to a non-root USER")
	assert.True(t, slices.Contains(exposed, apiPort) || slices.Contains(exposed, apiPort+"/tcp"),
		"Dockerfile: the final stage must EXPOSE the API port %s", apiPort)
}

func TestDockerignore(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(repoRoot(t), ".dockerignore"))
	require.NoError(t, err, ".dockerignore must exist at the repository root")

	var patterns []string
	for line := range strings.Lines(string(src)) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, strings.Trim(path.Clean(line), "/"))
		}
	}
	for _, p := range []string{".git", ".dev", ".tools", "bin", "screenshots"} {
		assert.Contains(t, patterns, p, ".dockerignore must exclude %s from the build context", p)
	}
	for _, p := range []string{"*", "**", "go.mod", "go.sum", "cmd", "cmd/tvp", "internal"} {
		assert.NotContains(t, patterns, p, ".dockerignore excludes %s, which the image build needs", p)
	}
}

// TestComposeCommandsAreTvpSubcommands ties the compose commands to the
// binary the Dockerfile builds: each must be a subcommand name in cmd/tvp.
func TestComposeCommandsAreTvpSubcommands(t *testing.T) {
	root := repoRoot(t)
	dir := filepath.Join(root, filepath.FromSlash(binaryPackage))
	info, err := os.Stat(dir)
	require.NoError(t, err, "the Dockerfile builds %s, but that package is missing", binaryPackage)
	require.True(t, info.IsDir(), "%s must be a directory holding the tvp main package", binaryPackage)

	var src strings.Builder
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".go" || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		src.Write(b)
		return err
	})
	require.NoError(t, err, "reading %s", binaryPackage)
	require.NotZero(t, src.Len(), "%s has no Go source files", binaryPackage)

	c := loadCompose(t)
	for _, name := range appServices {
		svc := requireService(t, c, name)
		require.NotEmpty(t, svc.Command, "service %q has no command", name)
		assert.Contains(t, src.String(), strconv.Quote(svc.Command[0]),
			"service %q runs `tvp %s`, but %s never mentions the subcommand %q",
			name, svc.Command[0], binaryPackage, svc.Command[0])
	}
}

// ---------------------------------------------------------------------------
// Unit tests for the parsing helpers.

func TestParseImageRef(t *testing.T) {
	tests := []struct {
		ref                   string
		name, tag             string
		pinned, versionPinned bool
	}{
		{"postgres:15.10", "postgres", "15.10", true, true},
		{"postgres", "postgres", "", false, false},
		{"postgres:latest", "postgres", "latest", false, false},
		{"postgres:15", "postgres", "15", true, false},
		{"temporalio/ui:v2.34.0", "temporalio/ui", "v2.34.0", true, true},
		{"docker.io/library/golang:1.26.8-bookworm", "golang", "1.26.8-bookworm", true, true},
		{"gcr.io/distroless/static-debian12:nonroot", "gcr.io/distroless/static-debian12", "nonroot", true, false},
		{"localhost:5000/tvp", "localhost:5000/tvp", "", false, false},
		{"redis@sha256:0123abcd", "redis", "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			r := parseImageRef(tt.ref)
			assert.Equal(t, tt.name, r.name())
			assert.Equal(t, tt.tag, r.Tag)
			assert.Equal(t, tt.pinned, r.pinned(), "pinned")
			assert.Equal(t, tt.versionPinned, r.versionPinned(), "versionPinned")
		})
	}
}

func TestInterpolate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a$$b", "a$b"},
		{"${PW:-tvp}", "tvp"},
		{"${PW-tvp}", "tvp"},
		{"u:${PW:-x}@h", "u:x@h"},
		{"${SECRET:?set SECRET}", "REQUIRED_SECRET"},
		{"${UNSET}", ""},
		{"$UNSET/x", "/x"},
		{"${ALT:+y}", ""},
	}
	for _, tt := range tests {
		got, err := interpolate(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
	_, err := interpolate("${OPEN")
	assert.Error(t, err, "unterminated ${ must be an error")
}

func TestParseGoBuild(t *testing.T) {
	gb, ok := parseGoBuild(`CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/tvp ./cmd/tvp && echo done`)
	require.True(t, ok)
	assert.Equal(t, "/out/tvp", gb.Output)
	assert.Equal(t, []string{"./cmd/tvp"}, gb.Packages)

	gb, ok = parseGoBuild(`go build -ldflags "-X main.v=1" -o=/out/ ./cmd/tvp`)
	require.True(t, ok)
	assert.Equal(t, "/out/", gb.Output)
	assert.Equal(t, []string{"./cmd/tvp"}, gb.Packages)

	_, ok = parseGoBuild(`go mod download`)
	assert.False(t, ok)
}

// ---------------------------------------------------------------------------
// Helpers: locating and loading files.

// repoRoot walks up from the working directory to the directory holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.mod found above the test's working directory")
		dir = parent
	}
}

var goModGoLine = regexp.MustCompile(`(?m)^go\s+(\d+(?:\.\d+)*)\s*$`)

// goModGoVersion returns the version in go.mod's go directive.
func goModGoVersion(t *testing.T, root string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	m := goModGoLine.FindSubmatch(src)
	require.NotNil(t, m, "go.mod has no go directive")
	return string(m[1])
}

// versionAtLeast compares dotted numeric versions ("1.26.8" >= "1.26").
func versionAtLeast(have, want string) bool {
	h, w := strings.Split(have, "."), strings.Split(want, ".")
	for i := range max(len(h), len(w)) {
		var hv, wv int
		if i < len(h) {
			hv, _ = strconv.Atoi(h[i])
		}
		if i < len(w) {
			wv, _ = strconv.Atoi(w[i])
		}
		if hv != wv {
			return hv > wv
		}
	}
	return true
}

func loadCompose(t *testing.T) *composeFile {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "docker-compose.yml"))
	require.NoError(t, err, "docker-compose.yml must exist at the repository root")
	var c composeFile
	require.NoError(t, yaml.Unmarshal(src, &c), "docker-compose.yml does not parse")
	require.NotEmpty(t, c.Services, "docker-compose.yml defines no services")
	return &c
}

func requireService(t *testing.T, c *composeFile, name string) service {
	t.Helper()
	svc, ok := c.Services[name]
	require.True(t, ok, "docker-compose.yml: service %q is missing", name)
	return svc
}

// resolvedEnv returns the service's environment with compose interpolation
// applied (see interpolate).
func resolvedEnv(t *testing.T, svc service) map[string]string {
	t.Helper()
	env := make(map[string]string, len(svc.Environment))
	for k, v := range svc.Environment {
		resolved, err := interpolate(v)
		require.NoError(t, err, "environment variable %s", k)
		env[k] = resolved
	}
	return env
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// ---------------------------------------------------------------------------
// Compose model: the subset of the compose spec these tests read.

type composeFile struct {
	Version  *string            `yaml:"version"`
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

type service struct {
	Image       string        `yaml:"image"`
	Build       *buildConfig  `yaml:"build"`
	Command     stringList    `yaml:"command"`
	Environment envMap        `yaml:"environment"`
	DependsOn   dependsOn     `yaml:"depends_on"`
	Ports       []portMapping `yaml:"ports"`
	Volumes     []volumeMount `yaml:"volumes"`
	Healthcheck *healthcheck  `yaml:"healthcheck"`
	Restart     string        `yaml:"restart"`
}

// resolveAlias follows YAML aliases (*anchor) to the node they refer to.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// buildConfig is `build: .` or `build: {context: ., dockerfile: ...}`.
type buildConfig struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
	Target     string `yaml:"target"`
}

func (b *buildConfig) UnmarshalYAML(n *yaml.Node) error {
	if n = resolveAlias(n); n.Kind == yaml.ScalarNode {
		b.Context = n.Value
		return nil
	}
	type plain buildConfig
	return n.Decode((*plain)(b))
}

// stringList is a command given as a list or as a single string.
type stringList []string

func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n = resolveAlias(n); n.Kind == yaml.ScalarNode {
		*l = strings.Fields(n.Value)
		return nil
	}
	var items []string
	if err := n.Decode(&items); err != nil {
		return err
	}
	*l = items
	return nil
}

// envMap is an environment given as a mapping (merge keys allowed) or as a
// list of KEY=VALUE. Values are raw, before interpolation.
type envMap map[string]string

func (e *envMap) UnmarshalYAML(n *yaml.Node) error {
	n = resolveAlias(n)
	if n.Kind != yaml.SequenceNode {
		var m map[string]string
		if err := n.Decode(&m); err != nil {
			return err
		}
		*e = m
		return nil
	}
	var items []string
	if err := n.Decode(&items); err != nil {
		return err
	}
	*e = make(envMap, len(items))
	for _, item := range items {
		k, v, _ := strings.Cut(item, "=")
		(*e)[k] = v
	}
	return nil
}

// dependsOn maps each dependency to its condition; the list form means
// service_started.
type dependsOn map[string]string

func (d *dependsOn) UnmarshalYAML(n *yaml.Node) error {
	n = resolveAlias(n)
	*d = dependsOn{}
	switch n.Kind {
	case yaml.SequenceNode:
		var names []string
		if err := n.Decode(&names); err != nil {
			return err
		}
		for _, name := range names {
			(*d)[name] = serviceStarted
		}
	case yaml.MappingNode:
		var m map[string]struct {
			Condition string `yaml:"condition"`
		}
		if err := n.Decode(&m); err != nil {
			return err
		}
		for name, dep := range m {
			(*d)[name] = cmp.Or(dep.Condition, serviceStarted)
		}
	default:
		return fmt.Errorf("line %d: depends_on must be a list or a mapping", n.Line)
	}
	return nil
}

// portMapping is a short ("[ip:]host:container[/proto]") or long port entry.
type portMapping struct {
	HostIP    string `yaml:"host_ip"`
	Published string `yaml:"published"`
	Target    string `yaml:"target"`
}

func (p *portMapping) UnmarshalYAML(n *yaml.Node) error {
	if n = resolveAlias(n); n.Kind != yaml.ScalarNode {
		type plain portMapping
		return n.Decode((*plain)(p))
	}
	spec, _, _ := strings.Cut(n.Value, "/")
	parts := strings.Split(spec, ":")
	p.Target = parts[len(parts)-1]
	if len(parts) > 1 {
		p.Published = parts[len(parts)-2]
	}
	if len(parts) > 2 {
		p.HostIP = strings.Join(parts[:len(parts)-2], ":")
	}
	return nil
}

// volumeMount is a short ("source:target[:mode]") or long volume entry.
type volumeMount struct {
	Source string `yaml:"source"`
	Target string `yaml:"target"`
}

func (v *volumeMount) UnmarshalYAML(n *yaml.Node) error {
	if n = resolveAlias(n); n.Kind != yaml.ScalarNode {
		type plain volumeMount
		return n.Decode((*plain)(v))
	}
	parts := strings.Split(n.Value, ":")
	if len(parts) == 1 {
		v.Target = parts[0] // anonymous volume
		return nil
	}
	v.Source, v.Target = parts[0], parts[1]
	return nil
}

type healthcheck struct {
	Test    stringList `yaml:"test"`
	Disable bool       `yaml:"disable"`
}

func (h *healthcheck) enabled() bool {
	return h != nil && !h.Disable && len(h.Test) > 0 && h.Test[0] != "NONE"
}

// interpolate applies compose variable interpolation as if no variable were
// set, so results don't depend on the caller's environment: defaults
// (${VAR:-x}, ${VAR-x}) apply, required variables (${VAR:?msg}, ${VAR?msg})
// become the placeholder REQUIRED_VAR, anything else is empty, and $$ is $.
func interpolate(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
			continue
		}
		rest := s[i+1:]
		switch {
		case strings.HasPrefix(rest, "$"):
			b.WriteByte('$')
			i++
		case strings.HasPrefix(rest, "{"):
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return "", fmt.Errorf("unterminated ${ in %q", s)
			}
			b.WriteString(expandUnset(rest[1:end]))
			i += end + 1
		default:
			n := len(rest) - len(strings.TrimLeftFunc(rest, isVarNameRune))
			if n == 0 {
				b.WriteByte('$')
			}
			i += n
		}
	}
	return b.String(), nil
}

// expandUnset expands the inside of ${...} for an unset variable.
func expandUnset(expr string) string {
	i := strings.IndexAny(expr, ":-?+")
	if i < 0 {
		return ""
	}
	name, op := expr[:i], strings.TrimPrefix(expr[i:], ":")
	switch {
	case strings.HasPrefix(op, "-"):
		return op[1:]
	case strings.HasPrefix(op, "?"):
		return "REQUIRED_" + name
	default:
		return ""
	}
}

func isVarNameRune(r rune) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// ---------------------------------------------------------------------------
// Image references.

type imageRef struct {
	Repository, Tag, Digest string
}

func parseImageRef(ref string) imageRef {
	name, digest, _ := strings.Cut(ref, "@")
	r := imageRef{Repository: name, Digest: digest}
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		r.Repository, r.Tag = name[:i], name[i+1:]
	}
	return r
}

// name is the repository without Docker Hub's implicit prefixes.
func (r imageRef) name() string {
	n := strings.TrimPrefix(r.Repository, "docker.io/")
	return strings.TrimPrefix(n, "library/")
}

var floatingTags = []string{"", "latest", "stable", "edge", "nightly", "main", "master"}

// pinned reports whether the reference names a digest or a tag that is not a
// well-known moving alias.
func (r imageRef) pinned() bool {
	return r.Digest != "" || !slices.Contains(floatingTags, r.Tag)
}

var versionTag = regexp.MustCompile(`^v?\d+\.\d+`)

// versionPinned is stricter: a digest, or a tag that starts with at least
// major.minor (so postgres:15 is not enough).
func (r imageRef) versionPinned() bool {
	return r.Digest != "" || versionTag.MatchString(r.Tag)
}

var goPatchVersion = regexp.MustCompile(`^\d+\.\d+\.\d+`)

// ---------------------------------------------------------------------------
// Dockerfile model.

type instruction struct {
	Cmd  string // upper case, e.g. RUN
	Args string
	Line int
}

type stage struct {
	Index        int
	Image        string
	Name         string // from FROM ... AS name
	Line         int
	Instructions []instruction
}

// parseDockerfile splits a Dockerfile into stages of instructions, joining
// continuation lines and dropping comments.
func parseDockerfile(src string) ([]stage, error) {
	var (
		stages  []stage
		pending strings.Builder
		start   int
	)
	add := func(text string, line int) error {
		cmd, args, _ := strings.Cut(strings.TrimSpace(text), " ")
		in := instruction{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args), Line: line}
		if in.Cmd == "FROM" {
			var words []string
			for _, w := range strings.Fields(in.Args) {
				if !strings.HasPrefix(w, "--") { // e.g. --platform=...
					words = append(words, w)
				}
			}
			if len(words) == 0 {
				return fmt.Errorf("line %d: FROM without an image", line)
			}
			st := stage{Index: len(stages), Image: words[0], Line: line}
			if len(words) == 3 && strings.EqualFold(words[1], "AS") {
				st.Name = words[2]
			}
			stages = append(stages, st)
			return nil
		}
		if len(stages) == 0 {
			if in.Cmd == "ARG" {
				return nil
			}
			return fmt.Errorf("line %d: %s before the first FROM", line, in.Cmd)
		}
		last := &stages[len(stages)-1]
		last.Instructions = append(last.Instructions, in)
		return nil
	}

	for i, raw := range strings.Split(src, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if pending.Len() == 0 {
			start = i + 1
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			pending.WriteString(cont + " ")
			continue
		}
		pending.WriteString(line)
		if err := add(pending.String(), start); err != nil {
			return nil, err
		}
		pending.Reset()
	}
	if pending.Len() > 0 {
		if err := add(pending.String(), start); err != nil {
			return nil, err
		}
	}
	return stages, nil
}

// shellWords splits a shell command line into words, honouring quotes and
// backslash escapes. Operators count as words only when space-separated,
// which is enough for Dockerfile RUN lines.
func shellWords(s string) []string {
	var (
		words  []string
		word   strings.Builder
		inWord bool
		quote  rune
	)
	runes := []rune(s)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote == '\'':
			word.WriteRune(r)
		case r == '\\' && i+1 < len(runes):
			i++
			word.WriteRune(runes[i])
			inWord = true
		case quote == '"':
			word.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, word.String())
	}
	return words
}

// goBuild is what a `go build` command line builds and where it writes it.
type goBuild struct {
	Output   string
	Packages []string
}

// goBuildValueFlags are the go build flags that take a separate value.
var goBuildValueFlags = map[string]bool{
	"o": true, "C": true, "p": true, "ldflags": true, "gcflags": true, "asmflags": true,
	"gccgoflags": true, "tags": true, "mod": true, "modfile": true, "buildmode": true,
	"compiler": true, "installsuffix": true, "pkgdir": true, "toolexec": true,
	"overlay": true, "pgo": true, "covermode": true, "coverpkg": true,
}

// parseGoBuild finds the first `go build` in a RUN command line.
func parseGoBuild(run string) (goBuild, bool) {
	words := shellWords(run)
	for i := 0; i+1 < len(words); i++ {
		if words[i] != "go" || words[i+1] != "build" {
			continue
		}
		var gb goBuild
		for j := i + 2; j < len(words); j++ {
			w := words[j]
			if slices.Contains([]string{"&&", "||", ";", "|", "&"}, w) {
				break
			}
			if !strings.HasPrefix(w, "-") {
				gb.Packages = append(gb.Packages, w)
				continue
			}
			flag, value, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
			if goBuildValueFlags[flag] && !hasValue && j+1 < len(words) {
				j++
				value = words[j]
			}
			if flag == "o" {
				gb.Output = value
			}
		}
		return gb, true
	}
	return goBuild{}, false
}

var cgoOff = regexp.MustCompile(`\bCGO_ENABLED[= ]["']?0\b`)

// cgoDisabled reports whether the build RUN line or an ENV in its stage
// sets CGO_ENABLED=0.
func cgoDisabled(st stage, run instruction) bool {
	if cgoOff.MatchString(run.Args) {
		return true
	}
	for _, in := range st.Instructions {
		if in.Cmd == "ENV" && in.Line < run.Line && cgoOff.MatchString(in.Args) {
			return true
		}
	}
	return false
}

type copyInstr struct {
	From    string
	Sources []string
	Dest    string
}

func parseCopy(args string) (copyInstr, error) {
	var c copyInstr
	rest := strings.TrimSpace(args)
	for strings.HasPrefix(rest, "--") {
		flag, after, _ := strings.Cut(rest, " ")
		if k, v, _ := strings.Cut(flag[2:], "="); k == "from" {
			c.From = v
		}
		rest = strings.TrimSpace(after)
	}
	words, ok := execForm(rest)
	if !ok {
		words = shellWords(rest)
	}
	if len(words) < 2 {
		return c, fmt.Errorf("COPY %s: need at least one source and a destination", args)
	}
	c.Sources, c.Dest = words[:len(words)-1], words[len(words)-1]
	return c, nil
}

// destinationOf returns where COPY puts src inside the image.
func (c copyInstr) destinationOf(src, workdir string) (string, bool) {
	for _, s := range c.Sources {
		if path.Clean(s) != path.Clean(src) {
			continue
		}
		dest := c.Dest
		if !path.IsAbs(dest) {
			dest = path.Join(workdir, dest)
		}
		if strings.HasSuffix(c.Dest, "/") || len(c.Sources) > 1 {
			return path.Join(dest, path.Base(src)), true
		}
		return path.Clean(dest), true
	}
	return "", false
}

// execForm parses the JSON array form of RUN/CMD/ENTRYPOINT/COPY arguments.
func execForm(args string) ([]string, bool) {
	if !strings.HasPrefix(strings.TrimSpace(args), "[") {
		return nil, false
	}
	var words []string
	if err := json.Unmarshal([]byte(args), &words); err != nil {
		return nil, false
	}
	return words, true
}
