package deploy_test

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"tvp/internal/testing/testenv"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The image: pinned base images, the static tvp binary built from ./cmd/tvp by the pinned Go,
// run as non-root in production mode, and no secret in it.
func TestDockerfile(t *testing.T) {
	stages := readDockerfile(t)
	require.Len(t, stages, 2, "a Go builder and a small runtime image")
	build, final := stages[0], stages[1]

	t.Run("pinned base images", func(t *testing.T) {
		repo, tag := imageRef(t, build.image)
		assert.Equal(t, "docker.io/library/golang", repo)
		goVersion := regexp.MustCompile(`^\d+\.\d+\.\d+`).FindString(tag)
		require.NotEmpty(t, goVersion, "pin the golang image to an exact Go release (like golang:1.26.8-bookworm), not %q", tag)
		assert.True(t, versionAtLeast(goVersion, goModGoVersion(t)), "the builder's Go %s is older than go.mod's", goVersion)
		_, tag = imageRef(t, final.image)
		assert.NotContains(t, []string{"", "latest"}, tag, "pin the runtime image")
	})

	var binary string
	t.Run("the binary is static, built by the pinned Go alone", func(t *testing.T) {
		assert.Contains(t, build.args("ENV"), "GOTOOLCHAIN=local", "never fetch another Go at build time")
		var run string
		for _, r := range build.args("RUN") {
			if strings.Contains(r, "go build") {
				run = r
			}
		}
		require.NotEmpty(t, run, "the builder runs go build")
		for _, want := range []string{"CGO_ENABLED=0 go build", " -trimpath", " " + binaryPackage} {
			assert.Contains(t, run, want)
		}
		m := regexp.MustCompile(`-o (/\S+)`).FindStringSubmatch(run)
		require.NotNil(t, m, "go build -o /absolute/path")
		binary = m[1]
	})

	t.Run("the runtime runs tvp as non-root in production mode", func(t *testing.T) {
		require.NotEmpty(t, binary)
		var installed string
		for _, c := range final.args("COPY") {
			if f := strings.Fields(c); len(f) == 3 && f[0] == "--from="+build.name && f[1] == binary {
				installed = f[2]
			}
		}
		require.NotEmpty(t, installed, "COPY --from=%s %s DEST", build.name, binary)
		assert.Equal(t, []string{`["` + installed + `"]`}, final.args("ENTRYPOINT"), "ENTRYPOINT in exec form runs the binary")
		user := final.args("USER")
		require.NotEmpty(t, user)
		assert.NotContains(t, []string{"root", "0", "0:0", "root:root"}, user[len(user)-1], "a non-root USER")
		assert.Contains(t, final.args("ENV"), "TVP_ENV=production")
		assert.Contains(t, final.args("EXPOSE"), "8080")
	})

	t.Run("no secret in the image", func(t *testing.T) {
		secret := regexp.MustCompile(`(?i)(PEPPER|PAYLOAD_KEYS|SECRET|PASSWORD|TOKEN|PRIVATE)`)
		for _, st := range stages {
			for _, in := range append(st.args("ENV"), st.args("ARG")...) {
				assert.NotRegexp(t, secret, in, "ENV and ARG stay in the image's history")
			}
			for _, c := range st.args("COPY") {
				assert.NotRegexp(t, `\.env\b|\.pem\b|\.key\b`, c)
			}
		}
	})
}

func TestDockerignore(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), ".dockerignore"))
	require.NoError(t, err, ".dockerignore must exist at the repository root")

	var patterns []string
	for line := range strings.Lines(string(src)) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, strings.Trim(path.Clean(line), "/"))
		}
	}
	for _, p := range []string{".git", ".dev", ".tools", ".env", "bin", "screenshots"} {
		assert.Contains(t, patterns, p, ".dockerignore must exclude %s from the build context", p)
	}
	for _, p := range []string{"*", "**", "go.mod", "go.sum", "cmd", "cmd/tvp", "internal"} {
		assert.NotContains(t, patterns, p, ".dockerignore excludes %s, which the image build needs", p)
	}
}

// stage is one FROM of the Dockerfile and its instructions, continuation lines joined and
// comments dropped: enough for the checks above (compose-go does not read Dockerfiles).
type stage struct {
	image, name  string
	instructions [][2]string // instruction (upper case), its arguments
}

func (s stage) args(instruction string) []string {
	var out []string
	for _, in := range s.instructions {
		if in[0] == instruction {
			out = append(out, in[1])
		}
	}
	return out
}

func readDockerfile(t *testing.T) []stage {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "Dockerfile"))
	require.NoError(t, err)
	var stages []stage
	joined := regexp.MustCompile(`\\\n`).ReplaceAllString(string(src), " ")
	for line := range strings.Lines(joined) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmd, args, _ := strings.Cut(line, " ")
		cmd, args = strings.ToUpper(cmd), strings.TrimSpace(args)
		if cmd == "FROM" {
			f := strings.Fields(args)
			st := stage{image: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
			continue
		}
		require.NotEmpty(t, stages, "%s before the first FROM", cmd)
		stages[len(stages)-1].instructions = append(stages[len(stages)-1].instructions, [2]string{cmd, args})
	}
	return stages
}

// goModGoVersion is go.mod's go directive.
func goModGoVersion(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "go.mod"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^go\s+(\S+)\s*$`).FindSubmatch(src)
	require.NotNil(t, m, "go.mod has no go directive")
	return string(m[1])
}

// versionAtLeast compares dotted numeric versions ("1.26.8" >= "1.26.0").
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
