package archtest

import (
	"go/token"
	"go/types"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The house's layers, and which each may import (its non-test files; tests may reach further).
// A request walks down and back up once: transports (api, web) → service → engines (workflows
// and their activities, the store, the reports) → domain. Nothing below imports anything
// above it; the transports know neither the store nor a workflow; no workflow knows the store.
var layers = []struct {
	name     string
	packages []string // import paths; a trailing "/..." takes the packages below
	imports  []string // the layers it may import
}{
	{"domain", []string{"tvp/domain"}, nil},
	{"adapters", []string{"tvp/internal/auth", "tvp/internal/codec", "tvp/internal/config", "tvp/internal/ical",
		"tvp/internal/mail", "tvp/internal/metrics", "tvp/internal/temporalx", "tvp/internal/workdays"}, []string{"domain", "adapters"}},
	// The Danish words for the domain's codes: read by everything that speaks to people.
	{"words", []string{"tvp/words"}, []string{"domain"}},
	{"store", []string{"tvp/store"}, []string{"domain"}},
	{"report", []string{"tvp/report"}, []string{"domain", "words"}},
	{"activities", []string{"tvp/activities"}, []string{"domain", "adapters", "words", "store", "report"}},
	{"workflows", []string{"tvp/workflows", "tvp/workflows/..."}, []string{"domain", "adapters", "words", "activities", "workflows"}},
	{"worker", []string{"tvp/worker"}, []string{"domain", "adapters", "activities", "workflows"}},
	{"service", []string{"tvp/service"}, []string{"domain", "adapters", "words", "store", "report", "workflows"}},
	{"transports", []string{"tvp/api", "tvp/web"}, []string{"domain", "adapters", "words", "report", "service", "transports"}},
	// The assembler and the binary wire everything; development tools and test support may
	// reach anything (internal/dev and internal/testing are their homes).
	{"assembly", []string{"tvp/internal/app", "tvp/cmd/..."}, []string{"*"}},
	{"dev", []string{"tvp/internal/dev/..."}, []string{"*"}},
	{"test", []string{"tvp/internal/testing/...", "tvp/bench", "tvp/chaos", "tvp/deploy"}, []string{"*"}},
}

// layerOf returns the layer of a package of the module ("" if none claims it).
func layerOf(pkg string) string {
	best, bestLen := "", -1
	for _, l := range layers {
		for _, p := range l.packages {
			if base, ok := strings.CutSuffix(p, "/..."); ok {
				if strings.HasPrefix(pkg, base+"/") && len(base) > bestLen {
					best, bestLen = l.name, len(base)
				}
			} else if pkg == p && len(p) > bestLen {
				best, bestLen = l.name, len(p)
			}
		}
	}
	return best
}

// edges lists each package of the module with the module's packages its non-test files import.
func edges(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "tvp/...").Output()
	require.NoError(t, err)
	g := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		for _, imp := range f[1:] {
			if imp == "tvp" || strings.HasPrefix(imp, "tvp/") {
				g[f[0]] = append(g[f[0]], imp)
			}
		}
		if _, ok := g[f[0]]; !ok {
			g[f[0]] = nil
		}
	}
	return g
}

func TestImportsGoOneWay(t *testing.T) {
	allowed := map[string]map[string]bool{}
	for _, l := range layers {
		allowed[l.name] = map[string]bool{}
		for _, i := range l.imports {
			allowed[l.name][i] = true
		}
	}
	g := edges(t)
	require.NotEmpty(t, g)
	var wrong, unplaced []string
	for pkg, imps := range g {
		from := layerOf(pkg)
		if from == "" {
			unplaced = append(unplaced, pkg)
			continue
		}
		for _, imp := range imps {
			to := layerOf(imp)
			if !allowed[from]["*"] && !allowed[from][to] {
				wrong = append(wrong, pkg+" ("+from+") imports "+imp+" ("+to+")")
			}
		}
	}
	sort.Strings(wrong)
	sort.Strings(unplaced)
	assert.Empty(t, unplaced, "a package in no layer: place it in layers")
	assert.Empty(t, wrong, "imports against the layers:\n%s", strings.Join(wrong, "\n"))
}

// The layer rules hold on a known bad graph: the web importing the store, a workflow importing
// the store, the domain importing anything, the store importing the service.
func TestTheLayerRulesRefuseTheWrongWay(t *testing.T) {
	allowedTo := func(from, to string) bool {
		for _, l := range layers {
			if l.name == layerOf(from) {
				for _, i := range l.imports {
					if i == "*" || i == layerOf(to) {
						return true
					}
				}
			}
		}
		return false
	}
	for _, bad := range [][2]string{
		{"tvp/web", "tvp/store"}, {"tvp/api", "tvp/workflows/course"}, {"tvp/workflows/teampause", "tvp/store"},
		{"tvp/workflows/schedules", "tvp/report"}, {"tvp/domain", "tvp/internal/workdays"}, {"tvp/store", "tvp/service"},
		{"tvp/report", "tvp/store"}, {"tvp/service", "tvp/api"},
	} {
		assert.False(t, allowedTo(bad[0], bad[1]), "%s must not import %s", bad[0], bad[1])
	}
	for _, good := range [][2]string{
		{"tvp/web", "tvp/service"}, {"tvp/service", "tvp/store"}, {"tvp/service", "tvp/workflows/course"},
		{"tvp/workflows/course", "tvp/activities"}, {"tvp/activities", "tvp/store"}, {"tvp/cmd/tvp", "tvp/store"},
	} {
		assert.True(t, allowedTo(good[0], good[1]), "%s may import %s", good[0], good[1])
	}
}

// No store type crosses the store's edge into what the service answers, what the reports are
// made of, an activity's contract (recorded in every history) or a workflow's: the store
// converts its rows to the domain's types. The service's constructor and the activities'
// dependencies hold the store itself, and nothing else of it.
func TestNoStoreTypeLeavesTheStore(t *testing.T) {
	pkgs := []string{"tvp/service", "tvp/report", "tvp/activities", "tvp/workflows", "tvp/workflows/course",
		"tvp/workflows/collab", "tvp/workflows/teampause", "tvp/workflows/schedules", "tvp/workflows/effects"}
	exports, _ := goList(t, pkgs)
	imp := exportImporter(token.NewFileSet(), exports)
	holdsTheStore := map[string]bool{"tvp/service.New": true, "tvp/activities.Activities": true}
	var found []string
	for _, path := range pkgs {
		pkg, err := imp.Import(path)
		require.NoError(t, err, path)
		scope := pkg.Scope()
		for _, name := range scope.Names() {
			obj := scope.Lookup(name)
			if !obj.Exported() || holdsTheStore[path+"."+name] {
				continue
			}
			check := func(where string, typ types.Type) {
				if leak := storeTypeIn(typ, map[types.Type]bool{}); leak != "" {
					found = append(found, where+": "+leak)
				}
			}
			switch o := obj.(type) {
			case *types.Func:
				check(path+"."+name, o.Type())
			case *types.TypeName:
				check(path+"."+name, o.Type().Underlying())
				if named, ok := o.Type().(*types.Named); ok {
					for i := 0; i < named.NumMethods(); i++ {
						if m := named.Method(i); m.Exported() {
							check(path+"."+name+"."+m.Name(), m.Type())
						}
					}
				}
			case *types.Var:
				check(path+"."+name, o.Type())
			}
		}
	}
	sort.Strings(found)
	assert.Empty(t, found, "store types outside the store:\n%s", strings.Join(found, "\n"))
}

// storeTypeIn names a type of the store that the type is made of (through its fields, elements,
// parameters and results; not through other named types' own fields, which are checked where
// they are declared), or "".
func storeTypeIn(t types.Type, seen map[types.Type]bool) string {
	if seen[t] {
		return ""
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Named:
		if t.Obj().Pkg() != nil && t.Obj().Pkg().Path() == "tvp/store" {
			return "store." + t.Obj().Name()
		}
		if t.Obj().Pkg() != nil && t.Obj().Pkg().Path() == "tvp/domain" {
			return ""
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			if s := storeTypeIn(t.TypeArgs().At(i), seen); s != "" {
				return s
			}
		}
		return ""
	case *types.Alias:
		return storeTypeIn(types.Unalias(t), seen)
	case *types.Pointer:
		return storeTypeIn(t.Elem(), seen)
	case *types.Slice:
		return storeTypeIn(t.Elem(), seen)
	case *types.Array:
		return storeTypeIn(t.Elem(), seen)
	case *types.Map:
		if s := storeTypeIn(t.Key(), seen); s != "" {
			return s
		}
		return storeTypeIn(t.Elem(), seen)
	case *types.Chan:
		return storeTypeIn(t.Elem(), seen)
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			if f := t.Field(i); f.Exported() || f.Embedded() {
				if s := storeTypeIn(f.Type(), seen); s != "" {
					return s
				}
			}
		}
	case *types.Signature:
		for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
			for i := 0; i < tup.Len(); i++ {
				if s := storeTypeIn(tup.At(i).Type(), seen); s != "" {
					return s
				}
			}
		}
	}
	return ""
}
