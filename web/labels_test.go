package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
)

// constants are the string constants of a package's source, read from the files themselves so
// that a code added tomorrow is in the list without anyone remembering this test: by type name
// for the typed ones, by constant name for the untyped ones.
type constants struct {
	typed   map[string][]string
	untyped map[string]string
}

func parseDir(t *testing.T, dir string) []*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	fset := token.NewFileSet()
	var files []*ast.File
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, 0)
		require.NoError(t, err)
		files = append(files, f)
	}
	require.NotEmpty(t, files, dir)
	return files
}

func stringLit(t *testing.T, e ast.Expr) string {
	t.Helper()
	lit, ok := e.(*ast.BasicLit)
	require.Truef(t, ok && lit.Kind == token.STRING, "a constant that is not a string literal: %#v", e)
	s, err := strconv.Unquote(lit.Value)
	require.NoError(t, err)
	return s
}

func domainConstants(t *testing.T) constants {
	t.Helper()
	c := constants{typed: map[string][]string{}, untyped: map[string]string{}}
	for _, f := range parseDir(t, "../domain") {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				if len(vs.Values) == 0 {
					continue // iota's repeats: no string codes are made that way
				}
				for i, name := range vs.Names {
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v := stringLit(t, lit)
					if id, ok := vs.Type.(*ast.Ident); ok {
						c.typed[id.Name] = append(c.typed[id.Name], v)
					} else if vs.Type == nil {
						c.untyped[name.Name] = v
					}
				}
			}
		}
	}
	return c
}

// untypedMatching are the values of the untyped constants whose names match the pattern.
func (c constants) untypedMatching(pattern string) []string {
	re := regexp.MustCompile(pattern)
	var out []string
	for name, v := range c.untyped {
		if re.MatchString(name) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// changeKindsRecorded are the kinds of domain.Change that the service and the demo data record,
// read from their source: the kinds are literals there, not constants of domain.
func changeKindsRecorded(t *testing.T) []string {
	t.Helper()
	isChange := func(e ast.Expr) bool {
		sel, ok := e.(*ast.SelectorExpr)
		return ok && sel.Sel.Name == "Change"
	}
	var out []string
	kind := func(cl *ast.CompositeLit) {
		for _, e := range cl.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok && kv.Key.(*ast.Ident).Name == "Kind" {
				out = append(out, stringLit(t, kv.Value))
			}
		}
	}
	for _, dir := range []string{"../service", "../internal/demo"} {
		for _, f := range parseDir(t, dir) {
			ast.Inspect(f, func(n ast.Node) bool {
				cl, ok := n.(*ast.CompositeLit)
				if !ok {
					return true
				}
				if isChange(cl.Type) {
					kind(cl)
				}
				if at, ok := cl.Type.(*ast.ArrayType); ok && isChange(at.Elt) { // []domain.Change{{Kind: …}}
					for _, e := range cl.Elts {
						if el, ok := e.(*ast.CompositeLit); ok && el.Type == nil {
							kind(el)
						}
					}
				}
				return true
			})
		}
	}
	require.NotEmpty(t, out, "no decision changes recorded?")
	return out
}

func keys[K ~string](m map[K]string) []string {
	var out []string
	for k := range maps.Keys(m) {
		out = append(out, string(k))
	}
	return out
}

// Every code of each labelled type has a Danish label, and every label names a code.
func TestEveryCodeHasADanishLabel(t *testing.T) {
	c := domainConstants(t)
	for _, tc := range []struct {
		name   string
		codes  []string
		labels []string
	}{
		{"CoursePhase", c.typed["CoursePhase"], keys(coursePhases)},
		{"Outcome", c.typed["Outcome"], keys(outcomes)},
		{"PlanPhase", c.typed["PlanPhase"], keys(planPhases)},
		{"MeetingKind", c.typed["MeetingKind"], keys(meetingKinds)},
		{"MeetingStatus", c.typed["MeetingStatus"], keys(meetingStatuses)},
		{"ParticipantRole", c.typed["ParticipantRole"], keys(participantRoles)},
		{"Role", c.typed["Role"], keys(roles)},
		{"Centre", c.typed["Centre"], keys(centres)},
		{"NextCode", c.typed["NextCode"], keys(nextSteps)},
		{"error code", c.untypedMatching(`^E[A-Z]`), keys(errorMessages)},
		{"target key", c.untypedMatching(`^Target[A-Z]`), keys(targetKeys)},
		{"decision change", changeKindsRecorded(t), keys(changeKinds)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NotEmpty(t, tc.codes, "no codes of %s found in the source", tc.name)
			assert.ElementsMatch(t, slices.Compact(slices.Sorted(slices.Values(tc.codes))), tc.labels,
				"the labels of %s and its codes differ", tc.name)
		})
	}
	for _, m := range []map[string]string{
		stringKeys(coursePhases), stringKeys(outcomes), stringKeys(planPhases), stringKeys(meetingKinds),
		stringKeys(meetingStatuses), stringKeys(participantRoles), stringKeys(roles), stringKeys(centres),
		stringKeys(nextSteps), errorMessages, targetKeys, changeKinds, bodies,
	} {
		for code, l := range m {
			assert.NotEmpty(t, strings.TrimSpace(l), code)
			assert.NotEqual(t, code, l, "%s is labelled with itself", code)
		}
	}
	// A body without a label shows its own name: the committees' abbreviations, never a code.
	for _, b := range c.untypedMatching(`^Body[A-Z]`) {
		if _, ok := bodies[b]; !ok {
			assert.NotRegexp(t, `[a-z_]`, b, "body %q needs a Danish label", b)
		}
	}
}

func stringKeys[K ~string](m map[K]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}

func TestNextLabel(t *testing.T) {
	assert.Equal(t, "", nextLabel(nil))
	assert.Equal(t, "tovholderen sender indkaldelse (borgerens samtykke mangler)",
		nextLabel(&domain.Next{Code: domain.NextSendInvitation, ConsentMissing: true}))
	assert.Equal(t, "course.unknown", nextLabel(&domain.Next{Code: "course.unknown"}), "an unknown code shows as itself")
}

// A login sends the browser on only to a path of TVP's own.
func TestSafeNext(t *testing.T) {
	for _, tc := range []struct{ next, want string }{
		{"/forloeb/x", "/forloeb/x"},
		{"/forloeb/x?fane=1", "/forloeb/x?fane=1"},
		{"/indbakke", "/indbakke"},
		{"//evil.example", "/indbakke"},
		{"//evil.example/forloeb", "/indbakke"},
		{`/\evil.example`, "/indbakke"},
		{`\\evil.example`, "/indbakke"},
		{`/forloeb\..\\evil.example`, "/indbakke"},
		{"https://evil.example", "/indbakke"},
		{"http://evil.example/forloeb", "/indbakke"},
		{"javascript:alert(1)", "/indbakke"},
		{"evil.example", "/indbakke"},
		{"forloeb/x", "/indbakke"},
		{"", "/indbakke"},
		{"/\t/evil.example", "/indbakke"}, // browsers drop tabs and newlines from a URL: //evil.example
		{"/\n/evil.example", "/indbakke"},
		{"/\r\nSet-Cookie: x=1", "/indbakke"},
	} {
		assert.Equal(t, tc.want, safeNext(tc.next), "safeNext(%q)", tc.next)
	}
}
