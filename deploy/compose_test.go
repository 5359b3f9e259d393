package deploy_test

import (
	"context"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"tvp/internal/testing/testenv"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/distribution/reference"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// binaryPackage is the main package the Dockerfile builds; its subcommands
// are the commands of the app services in docker-compose.yml.
const binaryPackage = "./cmd/tvp"

// Container ports of the API and of the Temporal frontend.
const (
	apiPort      = 8080
	temporalPort = 7233
)

// temporalRelease is the Temporal server release compose runs (temporalio/server and the
// schema tool of temporalio/admin-tools), the one make stack builds from the Go module proxy.
const temporalRelease = "1.29.1"

// services are exactly the services of docker-compose.yml.
var services = []string{
	"certs", "postgres", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui",
	"migrate", "api", "worker",
}

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
	serviceStarted   = types.ServiceConditionStarted
	serviceHealthy   = types.ServiceConditionHealthy
	serviceCompleted = types.ServiceConditionCompletedSuccessfully
)

// readmeEnv is the environment the README starts the stack with: the three values compose
// refuses to start without, and nothing else.
var readmeEnv = map[string]string{
	"TVP_CPR_PEPPER":   strings.Repeat("ab", 32),
	"TVP_PAYLOAD_KEYS": "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	"TVP_OIDC_ISSUER":  "https://login.example.dk/realms/tvp",
}

func TestComposeDefinesServices(t *testing.T) {
	p := loadCompose(t)

	assert.Equal(t, "tvp", p.Name)
	assert.ElementsMatch(t, services, p.ServiceNames(), "docker-compose.yml: the services (add one here on purpose)")
	for _, name := range p.ServiceNames() {
		svc := p.Services[name]
		assert.True(t, svc.Image != "" || svc.Build != nil, "service %q has neither image: nor build:", name)
	}
}

func TestComposeImagesArePinned(t *testing.T) {
	p := loadCompose(t)

	for _, name := range p.ServiceNames() {
		if p.Services[name].Build != nil {
			continue // built from this repository
		}
		t.Run(name, func(t *testing.T) {
			repo, tag := imageRef(t, p.Services[name].Image)
			assert.Regexp(t, `^v?\d+\.\d+`, tag, "service %q: image %s must carry a version tag (like 1.2.3), not %q", name, repo, tag)
		})
	}
}

// Temporal is the supported shape: the server image and the schema tool of the admin-tools
// image, of one release; never the deprecated auto-setup image.
func TestComposeTemporalImages(t *testing.T) {
	p := loadCompose(t)

	repo, tag := imageRef(t, service(t, p, "temporal").Image)
	assert.Equal(t, "docker.io/temporalio/server", repo)
	assert.Equal(t, temporalRelease, tag)
	for _, name := range []string{"temporal-schema", "temporal-namespace"} {
		repo, tag := imageRef(t, service(t, p, name).Image)
		assert.Equal(t, "docker.io/temporalio/admin-tools", repo, "service %q", name)
		// admin-tools tags are SERVER-tctl-X-cli-Y.
		server, _, _ := strings.Cut(tag, "-")
		assert.Equal(t, temporalRelease, server, "service %q: admin-tools of the server's release (tag %s)", name, tag)
	}
	repo, _ = imageRef(t, service(t, p, "temporal-ui").Image)
	assert.Equal(t, "docker.io/temporalio/ui", repo)
	for _, name := range p.ServiceNames() {
		assert.NotContains(t, p.Services[name].Image, "auto-setup", "service %q: auto-setup is deprecated", name)
	}
}

// The schema job creates Temporal's two databases where the server looks for them, sets up
// their schemas and updates them from the schema directories of its image, before the server
// starts.
func TestComposeTemporalSchema(t *testing.T) {
	p := loadCompose(t)
	job := service(t, p, "temporal-schema")
	env := environment(job)
	server := environment(service(t, p, "temporal"))
	pg := environment(service(t, p, "postgres"))

	assert.Equal(t, server["DB"], env["SQL_PLUGIN"], "the schema tool's plugin is the server's")
	assert.Equal(t, server["POSTGRES_SEEDS"], env["SQL_HOST"])
	assert.Equal(t, server["DB_PORT"], env["SQL_PORT"])
	assert.Equal(t, pg["POSTGRES_USER"], env["SQL_USER"])
	assert.Equal(t, pg["POSTGRES_PASSWORD"], env["SQL_PASSWORD"])

	steps := sqlToolSteps(t, job)
	for db, dir := range map[string]string{
		valueOr(server, "DBNAME", "temporal"):                       "/etc/temporal/schema/postgresql/v12/temporal/versioned",
		valueOr(server, "VISIBILITY_DBNAME", "temporal_visibility"): "/etc/temporal/schema/postgresql/v12/visibility/versioned",
	} {
		assert.Equal(t, []string{"create-database", "setup-schema -v 0.0", "update-schema -d " + dir}, steps[db],
			"temporal-sql-tool's steps for the database %s, in order", db)
	}
	assert.Contains(t, []string{"", "no"}, job.Restart, "a one-shot job")
	assert.Equal(t, serviceCompleted, dependsOn(t, p, "temporal", "temporal-schema"), "the server starts on a finished schema")
	assert.Equal(t, serviceHealthy, dependsOn(t, p, "temporal-schema", "postgres"))
}

// sqlToolSteps reads the job's script: per database (--db), its temporal-sql-tool commands.
func sqlToolSteps(t *testing.T, job types.ServiceConfig) map[string][]string {
	t.Helper()
	require.Equal(t, types.ShellCommand{"sh", "-euc"}, job.Entrypoint, "the job runs its command as a script that stops at the first failure")
	require.Len(t, job.Command, 1, "the script")
	steps := map[string][]string{}
	line := regexp.MustCompile(`^temporal-sql-tool --db (\S+) (.+)$`)
	for l := range strings.Lines(job.Command[0]) {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		m := line.FindStringSubmatch(l)
		require.NotNil(t, m, "the script runs temporal-sql-tool --db DB COMMAND only, not %q", l)
		steps[m[1]] = append(steps[m[1]], m[2])
	}
	return steps
}

// The server runs on PostgreSQL, on the dynamic configuration of this repository.
func TestComposeTemporalServer(t *testing.T) {
	p := loadCompose(t)
	temporal := service(t, p, "temporal")
	env := environment(temporal)
	pg := environment(service(t, p, "postgres"))

	assert.Equal(t, "postgres12", env["DB"])
	assert.Equal(t, "postgres", env["POSTGRES_SEEDS"], "temporal must store its data on the postgres service")
	assert.Equal(t, pg["POSTGRES_USER"], env["POSTGRES_USER"], "temporal must use the postgres service's user")
	assert.Equal(t, pg["POSTGRES_PASSWORD"], env["POSTGRES_PWD"], "temporal must use the postgres service's password")
	shards, err := strconv.Atoi(env["NUM_HISTORY_SHARDS"])
	if assert.NoError(t, err, "NUM_HISTORY_SHARDS is fixed at the cluster's first start: set it") {
		assert.GreaterOrEqual(t, shards, 4)
	}
	ui := environment(service(t, p, "temporal-ui"))
	assert.Equal(t, "temporal:"+strconv.Itoa(temporalPort), ui["TEMPORAL_ADDRESS"], "temporal-ui must talk to the temporal service")

	t.Run("dynamic config", func(t *testing.T) {
		path := env["DYNAMIC_CONFIG_FILE_PATH"]
		require.NotEmpty(t, path)
		var mount *types.ServiceVolumeConfig
		for i, v := range temporal.Volumes {
			if v.Target == path {
				mount = &temporal.Volumes[i]
			}
		}
		require.NotNil(t, mount, "DYNAMIC_CONFIG_FILE_PATH %s must be mounted", path)
		assert.Equal(t, types.VolumeTypeBind, mount.Type)
		assert.True(t, mount.ReadOnly)
		assert.Equal(t, filepath.Join(testenv.ModuleRoot(t), "deploy", "temporal", "dynamicconfig.yaml"), mount.Source)

		// The shape Temporal's file-based dynamic config reads: key -> [{value, constraints}].
		src, err := os.ReadFile(mount.Source)
		require.NoError(t, err)
		var settings map[string][]struct {
			Value       any            `yaml:"value"`
			Constraints map[string]any `yaml:"constraints"`
		}
		dec := yaml.NewDecoder(strings.NewReader(string(src)))
		dec.KnownFields(true)
		assert.NoError(t, dec.Decode(&settings), "deploy/temporal/dynamicconfig.yaml")
	})
}

// The namespace the app uses is registered before api and worker start.
func TestComposeNamespace(t *testing.T) {
	p := loadCompose(t)
	job := service(t, p, "temporal-namespace")

	require.Equal(t, types.ShellCommand{"sh", "-euc"}, job.Entrypoint)
	require.Len(t, job.Command, 1)
	script := job.Command[0]
	for _, name := range []string{"api", "worker"} {
		namespace := environment(service(t, p, name))["TVP_TEMPORAL_NAMESPACE"]
		assert.Regexp(t, `temporal operator namespace create( --\S+( "[^"]*"| \S+)?)* `+regexp.QuoteMeta(namespace)+`\n`, script,
			"service %q: its namespace %q is created", name, namespace)
		assert.Regexp(t, `(?m)^temporal operator namespace describe `+regexp.QuoteMeta(namespace)+`$`, script,
			"the job ends when the frontend describes %q", namespace)
		assert.Equal(t, serviceCompleted, dependsOn(t, p, name, "temporal-namespace"), "service %q waits for the namespace", name)
	}
	assert.Equal(t, serviceHealthy, dependsOn(t, p, "temporal-namespace", "temporal"))
	assert.Contains(t, []string{"", "no"}, job.Restart, "a one-shot job")
	assert.Equal(t, "temporal:"+strconv.Itoa(temporalPort), environment(job)["TEMPORAL_ADDRESS"])
}

func TestComposeAppServicesRunTvp(t *testing.T) {
	p := loadCompose(t)

	for _, name := range appServices {
		t.Run(name, func(t *testing.T) {
			svc := service(t, p, name)
			require.NotNil(t, svc.Build, "service %q must be built from the repository", name)
			assert.Equal(t, testenv.ModuleRoot(t), svc.Build.Context, "service %q: build context must be the repository root", name)
			assert.Equal(t, "Dockerfile", svc.Build.Dockerfile, "service %q: must build the repository's Dockerfile", name)
			assert.Empty(t, svc.Build.Target, "service %q: must build the Dockerfile's final stage, the one that runs tvp", name)
			require.NotEmpty(t, svc.Command, "service %q: command must name the tvp subcommand %q", name, name)
			assert.Equal(t, name, svc.Command[0], "service %q: command must start with the tvp subcommand %q", name, name)
			assert.Empty(t, svc.Entrypoint, "service %q: runs the image's ENTRYPOINT, tvp", name)
		})
	}
}

// TestComposeCommandsAreTvpSubcommands ties the compose commands to the
// binary the Dockerfile builds: each must be a subcommand name in cmd/tvp.
func TestComposeCommandsAreTvpSubcommands(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testenv.ModuleRoot(t), filepath.FromSlash(binaryPackage), "*.go"))
	require.NoError(t, err)
	var src strings.Builder
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			src.Write(b)
		}
	}
	require.NotZero(t, src.Len(), "%s has no Go source files", binaryPackage)

	p := loadCompose(t)
	for _, name := range appServices {
		cmd := service(t, p, name).Command
		require.NotEmpty(t, cmd, "service %q has no command", name)
		assert.Contains(t, src.String(), strconv.Quote(cmd[0]),
			"service %q runs `tvp %s`, but %s never mentions the subcommand %q", name, cmd[0], binaryPackage, cmd[0])
	}
}

func TestComposeAppEnvironment(t *testing.T) {
	p := loadCompose(t)

	for _, name := range slices.Sorted(maps.Keys(requiredEnv)) {
		t.Run(name, func(t *testing.T) {
			env := environment(service(t, p, name))
			for _, key := range requiredEnv[name] {
				assert.NotEmpty(t, env[key], "service %q: environment variable %s is missing or empty", name, key)
			}
			checkDatabaseURL(t, p, name, env["TVP_DATABASE_URL"])
			if slices.Contains(requiredEnv[name], "TVP_TEMPORAL_ADDRESS") {
				assert.Equal(t, "temporal:"+strconv.Itoa(temporalPort), env["TVP_TEMPORAL_ADDRESS"],
					"service %q: TVP_TEMPORAL_ADDRESS must be the temporal service's frontend", name)
			}
		})
	}

	t.Run("api listens on its published port", func(t *testing.T) {
		addr := environment(service(t, p, "api"))["TVP_HTTP_ADDR"]
		_, port, err := net.SplitHostPort(addr)
		require.NoError(t, err, "service api: TVP_HTTP_ADDR %q is not host:port", addr)
		assert.Equal(t, strconv.Itoa(apiPort), port, "service api: TVP_HTTP_ADDR must listen on the container port compose publishes")
	})

	t.Run("api and worker agree", func(t *testing.T) {
		api := environment(service(t, p, "api"))
		worker := environment(service(t, p, "worker"))
		migrate := environment(service(t, p, "migrate"))
		for _, key := range []string{"TVP_TEMPORAL_ADDRESS", "TVP_TEMPORAL_NAMESPACE", "TVP_TASK_QUEUE", "TVP_CPR_PEPPER",
			"TVP_CPR_PEPPER_PREVIOUS", "TVP_PAYLOAD_KEYS", "TVP_TEMPORAL_TLS_CA", "TVP_TEMPORAL_TLS_SERVER_NAME", "TVP_ENV"} {
			assert.Equal(t, api[key], worker[key], "api and worker must use the same %s", key)
		}
		assert.Equal(t, migrate["TVP_DATABASE_URL"], api["TVP_DATABASE_URL"], "migrate must migrate the database api uses")
		assert.Equal(t, migrate["TVP_DATABASE_URL"], worker["TVP_DATABASE_URL"], "migrate must migrate the database worker uses")
	})
}

// checkDatabaseURL checks that the URL points at the postgres service's database with its
// credentials.
func checkDatabaseURL(t *testing.T, p *types.Project, name, rawURL string) {
	t.Helper()
	pg := environment(service(t, p, "postgres"))
	u, err := url.Parse(rawURL)
	if !assert.NoError(t, err, "service %q: TVP_DATABASE_URL is not a URL", name) {
		return
	}
	assert.Contains(t, []string{"postgres", "postgresql"}, u.Scheme, "service %q: TVP_DATABASE_URL must be a postgres:// URL", name)
	assert.Equal(t, "postgres", u.Hostname(), "service %q: TVP_DATABASE_URL must point at the postgres service", name)
	assert.Contains(t, []string{"", "5432"}, u.Port(), "service %q: TVP_DATABASE_URL must use PostgreSQL's port", name)
	assert.Equal(t, pg["POSTGRES_USER"], u.User.Username(), "service %q: the postgres service's POSTGRES_USER", name)
	password, _ := u.User.Password()
	assert.Equal(t, pg["POSTGRES_PASSWORD"], password, "service %q: the postgres service's POSTGRES_PASSWORD", name)
	assert.Equal(t, "/"+pg["POSTGRES_DB"], u.Path, "service %q: TVP_DATABASE_URL must name the app database (POSTGRES_DB)", name)
}

// Ports are published only where intended: the API on every interface (behind a proxy), the
// Temporal frontend and UI on this machine only, nothing else.
func TestComposePorts(t *testing.T) {
	p := loadCompose(t)

	type published struct {
		HostIP, Published string
		Target            uint32
	}
	want := map[string][]published{
		"api":         {{"", "8080", apiPort}},
		"temporal":    {{"127.0.0.1", "7233", temporalPort}},
		"temporal-ui": {{"127.0.0.1", "8233", 8080}},
	}
	for _, name := range p.ServiceNames() {
		var got []published
		for _, port := range p.Services[name].Ports {
			got = append(got, published{port.HostIP, port.Published, port.Target})
		}
		assert.Equal(t, want[name], got, "service %q publishes", name)
	}
}

// Every service is on the project's one network; none shares the host's.
func TestComposeNetworks(t *testing.T) {
	p := loadCompose(t)

	for _, name := range p.ServiceNames() {
		svc := p.Services[name]
		assert.Empty(t, svc.NetworkMode, "service %q: network_mode", name)
		assert.Equal(t, []string{"default"}, slices.Sorted(maps.Keys(svc.Networks)), "service %q: networks", name)
		assert.False(t, svc.Privileged, "service %q: privileged", name)
	}
}

func TestComposeDependsOn(t *testing.T) {
	p := loadCompose(t)

	tests := []struct {
		service, dependency string
		conditions          []string // accepted conditions
	}{
		{"postgres", "certs", []string{serviceCompleted}},
		{"temporal-schema", "postgres", []string{serviceHealthy}},
		{"temporal", "postgres", []string{serviceHealthy}},
		{"temporal", "certs", []string{serviceCompleted}},
		{"temporal", "temporal-schema", []string{serviceCompleted}},
		{"temporal-namespace", "temporal", []string{serviceHealthy}},
		{"temporal-ui", "temporal", []string{serviceStarted, serviceHealthy}},
		{"migrate", "postgres", []string{serviceHealthy}},
		{"api", "migrate", []string{serviceCompleted}},
		{"api", "temporal", []string{serviceStarted, serviceHealthy}},
		{"api", "temporal-namespace", []string{serviceCompleted}},
		{"worker", "migrate", []string{serviceCompleted}},
		{"worker", "temporal", []string{serviceStarted, serviceHealthy}},
		{"worker", "temporal-namespace", []string{serviceCompleted}},
	}
	for _, tt := range tests {
		assert.Contains(t, tt.conditions, dependsOn(t, p, tt.service, tt.dependency),
			"service %q: depends_on %q", tt.service, tt.dependency)
	}

	// The loader refuses unknown services and cycles; what it lets through:
	for _, name := range p.ServiceNames() {
		for dep, d := range p.Services[name].DependsOn {
			target := p.Services[dep]
			switch d.Condition {
			case serviceHealthy:
				hc := target.HealthCheck
				assert.True(t, hc != nil && !hc.Disable && len(hc.Test) > 0 && hc.Test[0] != "NONE",
					"service %q waits for %q to be healthy, but %q has no healthcheck", name, dep, dep)
			case serviceCompleted:
				assert.Contains(t, []string{"", "no", "on-failure"}, target.Restart,
					"service %q waits for %q to complete, but %q restarts with policy %q", name, dep, dep, target.Restart)
			}
		}
	}
}

func TestComposePostgresUsesNamedVolume(t *testing.T) {
	p := loadCompose(t)

	var data *types.ServiceVolumeConfig
	for _, v := range service(t, p, "postgres").Volumes {
		if v.Target == "/var/lib/postgresql/data" {
			data = &v
		}
	}
	require.NotNil(t, data, "service postgres must keep its data in a volume")
	assert.Equal(t, types.VolumeTypeVolume, data.Type, "a named volume, not a bind mount")
	assert.Contains(t, p.VolumeNames(), data.Source)
}

// ---------------------------------------------------------------------------
// Loading docker-compose.yml with compose-spec/compose-go, the loader of docker compose.

// loadCompose loads docker-compose.yml with the README's environment.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	p, err := loadComposeWith(t, readmeEnv)
	require.NoError(t, err, "docker-compose.yml does not load")
	return p
}

// loadComposeWith loads docker-compose.yml as docker compose would in env, and only env (not
// the test's environment, nor a .env file).
func loadComposeWith(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	root := testenv.ModuleRoot(t)
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithEnv(list))
	require.NoError(t, err)
	return opts.LoadProject(context.Background())
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	svc, err := p.GetService(name)
	require.NoError(t, err, "docker-compose.yml")
	return svc
}

// environment is the service's environment, interpolated.
func environment(svc types.ServiceConfig) map[string]string {
	env := map[string]string{}
	for k, v := range svc.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	return env
}

func valueOr(env map[string]string, key, otherwise string) string {
	if v, ok := env[key]; ok {
		return v
	}
	return otherwise
}

// dependsOn is the condition on which service waits for dependency, or fails the test.
func dependsOn(t *testing.T, p *types.Project, name, dependency string) string {
	t.Helper()
	d, ok := service(t, p, name).DependsOn[dependency]
	require.True(t, ok, "service %q must depend on %q", name, dependency)
	return d.Condition
}

// imageRef splits an image reference into its normalised repository and its tag.
func imageRef(t *testing.T, image string) (repo, tag string) {
	t.Helper()
	ref, err := reference.ParseNormalizedNamed(image)
	require.NoError(t, err, "image %q", image)
	if tagged, ok := ref.(reference.Tagged); ok {
		tag = tagged.Tag()
	}
	return ref.Name(), tag
}
