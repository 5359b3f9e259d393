package words

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

func keys[K ~string](m map[K]string) []string {
	var out []string
	for k := range maps.Keys(m) {
		out = append(out, string(k))
	}
	return out
}

// Every code of each vocabulary of the domain has a Danish word, and every word names a code.
// The codes are read from the domain's source, so a code added tomorrow is checked without
// anyone remembering this test.
func TestEveryCodeHasADanishWord(t *testing.T) {
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
		{"ParticipantRole, for the citizen", c.typed["ParticipantRole"], keys(citizenRoles)},
		{"Role", c.typed["Role"], keys(roles)},
		{"Centre", c.typed["Centre"], keys(centres)},
		{"NextCode", c.typed["NextCode"], keys(nextSteps)},
		{"Purpose", c.typed["Purpose"], keys(purposes)},
		{"ChangeKind", c.typed["ChangeKind"], keys(changeKinds)},
		{"TargetKey", c.typed["TargetKey"], keys(targetKeys)},
		{"ReminderKind", c.typed["ReminderKind"], keys(reminderTitles)},
		{"error code", c.untypedMatching(`^E[A-Z]`), keys(errorMessages)},
		{"error code, for the citizen", c.untypedMatching(`^E[A-Z]`), keys(citizenErrors)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NotEmpty(t, tc.codes, "no codes of %s found in the source", tc.name)
			assert.ElementsMatch(t, slices.Compact(slices.Sorted(slices.Values(tc.codes))), tc.labels,
				"the words of %s and its codes differ", tc.name)
		})
	}
	for _, m := range []map[string]string{
		stringKeys(coursePhases), stringKeys(outcomes), stringKeys(planPhases), stringKeys(meetingKinds),
		stringKeys(meetingStatuses), stringKeys(participantRoles), stringKeys(citizenRoles), stringKeys(roles), stringKeys(centres),
		stringKeys(nextSteps), stringKeys(purposes), stringKeys(changeKinds), stringKeys(targetKeys), stringKeys(reminderTitles),
		errorMessages, citizenErrors, stringKeys(bodies), stringKeys(citizenActions),
	} {
		for code, l := range m {
			assert.NotEmpty(t, strings.TrimSpace(l), code)
			assert.NotEqual(t, code, l, "%s is said with itself", code)
		}
	}
	// A body without a word shows its own name: the committees' abbreviations, never a code.
	for _, b := range c.typed["DecisionBody"] {
		if _, ok := bodies[domain.DecisionBody(b)]; !ok {
			assert.NotRegexp(t, `[a-z_]`, b, "body %q needs a Danish word", b)
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

func TestNext(t *testing.T) {
	assert.Equal(t, "", Next(nil))
	assert.Equal(t, "tovholderen sender indkaldelse (borgerens samtykke mangler)",
		Next(&domain.Next{Code: domain.NextSendInvitation, ConsentMissing: true}))
	assert.Equal(t, "course.unknown", Next(&domain.Next{Code: "course.unknown"}), "an unknown code shows as itself")
}

// A purpose a member of staff gave is shown in their words; a code in the citizen's.
func TestPurpose(t *testing.T) {
	assert.Equal(t, "henvisning til et forløb", Purpose(domain.PurposeReferral))
	assert.Equal(t, "forberedelse af mødet", Purpose("forberedelse af mødet"))
}

// The domain's list of the purposes it records is the list of its purpose constants.
func TestThePurposesListed(t *testing.T) {
	c := domainConstants(t)
	assert.ElementsMatch(t, c.typed["Purpose"], keys(stringKeys(map[domain.Purpose]string(purposesOf(domain.Purposes)))))
}

func purposesOf(ps []domain.Purpose) map[domain.Purpose]string {
	out := map[domain.Purpose]string{}
	for _, p := range ps {
		out[p] = string(p)
	}
	return out
}
