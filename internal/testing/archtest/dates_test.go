package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"tvp/internal/testing/testenv"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests do not depend on the day they run. A test either fixes every date it uses (a pure date
// function, a time-skipping workflow environment) or makes every date from one today of its
// own (testenv.Today, apptest's App.Today); a date written into a test that also runs on the
// wall clock (time.Now, the real Temporal server's workflows, the application's default
// clock) is right only for a while: the fixture course that started on 2026-01-05 could be
// extended to 2028-01-05 at the latest, and the test that asked for "now plus 13 months" failed
// from 5 December 2026.
//
// The guard flags every date literal (a string holding a date such as "2026-01-05", or
// time.Date with a literal year) that a function reaches, directly or through the helpers of
// its package that it calls, when the same function also reads the wall clock (directly or
// through those helpers). A literal that is meant (an impossible date, a birth date, a date
// long past whose only use is to be in the past) is marked on its line, or the line above, with
//
//	// tvp:fixed-date <why>
//
// and a function whose dates are all meant says so in its doc comment the same way.
func TestNoTestMixesADateWithTheClock(t *testing.T) {
	root := moduleRoot(t)
	var dirs []string
	require.NoError(t, filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			dirs = append(dirs, path)
		}
		return nil
	}))
	var found []string
	for _, dir := range dirs {
		fs, err := checkDates(dir)
		require.NoError(t, err, dir)
		for _, f := range fs {
			rel, _ := filepath.Rel(root, f.Pos.Filename)
			found = append(found, fmt.Sprintf("%s:%d: %s", rel, f.Pos.Line, f.Why))
		}
	}
	assert.Empty(t, found, "a test mixes a fixed date with the wall clock: make the date from the test's today (testenv.Today, App.Today), "+
		"or mark it with // tvp:fixed-date <why>:\n%s", strings.Join(found, "\n"))
}

// The guard finds the bad tests in testdata/dates/bad (each line it must report carries the
// comment "want"), and none in testdata/dates/good.
func TestTheDateGuardFindsTestsThatMixDatesWithTheClock(t *testing.T) {
	bad, err := checkDates(filepath.Join("testdata", "dates", "bad"))
	require.NoError(t, err)
	var got []int
	for _, f := range bad {
		got = append(got, f.Pos.Line)
	}
	want := wantLines(t, filepath.Join("testdata", "dates", "bad", "bad_test.go"))
	require.NotEmpty(t, want)
	assert.Equal(t, want, got, "findings: %v", bad)

	good, err := checkDates(filepath.Join("testdata", "dates", "good"))
	require.NoError(t, err)
	assert.Empty(t, good)
}

func wantLines(t *testing.T, path string) []int {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []int
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "// want") {
			out = append(out, i+1)
		}
	}
	return out
}

func moduleRoot(t *testing.T) string { return testenv.ModuleRoot(t) }

// dateFinding is a date literal reached by a function that also reads the wall clock.
type dateFinding struct {
	Pos token.Position
	Why string
}

func (f dateFinding) String() string { return fmt.Sprintf("%d: %s", f.Pos.Line, f.Why) }

var (
	dateInString = regexp.MustCompile(`\b(19|20)\d\d-[01]\d-[0-3]\d`)
	// Go's reference layout is not a date anybody meant.
	goLayout     = regexp.MustCompile(`2006-01-02`)
	fixedDateTag = "tvp:fixed-date"
)

// Calls that read the wall clock, or run what does: the real Temporal server's workflows and the
// application with its default clock (apptest), the test's today (testenv.Today, App.Today).
var clockCalls = map[string]map[string]bool{
	"time":    {"Now": true, "Since": true, "Until": true},
	"apptest": {"Start": true, "StartWith": true},
	"testenv": {"Today": true, "TemporalAddress": true},
}

// fn is what one function holds: its own date literals and clock reads, and the functions of
// its package it calls (by name; methods by their name).
type fn struct {
	name    string
	dates   []token.Pos
	clock   []token.Pos
	calls   []string
	allowed bool // its doc comment marks every date in it as meant
}

// checkDates checks the Go test files of one directory (and, where the directory holds test
// support rather than tests, its other Go files: a helper's literal is a test's literal).
func checkDates(dir string) ([]dateFinding, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		if !strings.HasSuffix(name, "_test.go") && !testSupport(f) {
			continue
		}
		files = append(files, f)
	}
	// Marked lines: a tvp:fixed-date comment with a reason marks its own line and the next.
	marked := map[string]map[int]bool{}
	var bareMarks []token.Position
	funcs := map[string][]*fn{} // by name: functions and methods of the same name share it
	var all []*fn
	for _, f := range files {
		fname := fset.Position(f.Pos()).Filename
		marked[fname] = map[int]bool{}
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if i := strings.Index(c.Text, fixedDateTag); i >= 0 {
					p := fset.Position(c.Pos())
					if reason(c.Text[i+len(fixedDateTag):]) == "" {
						bareMarks = append(bareMarks, p)
						continue
					}
					marked[fname][p.Line], marked[fname][p.Line+1] = true, true
				}
			}
		}
		imports := map[string]bool{}
		for _, im := range f.Imports {
			path := strings.Trim(im.Path.Value, `"`)
			name := path[strings.LastIndex(path, "/")+1:]
			if im.Name != nil {
				name = im.Name.Name
			}
			imports[name] = true
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			x := &fn{name: fd.Name.Name}
			if fd.Doc != nil {
				for _, c := range fd.Doc.List {
					if i := strings.Index(c.Text, fixedDateTag); i >= 0 && reason(c.Text[i+len(fixedDateTag):]) != "" {
						x.allowed = true
					}
				}
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.BasicLit:
					if n.Kind == token.STRING && dateInString.MatchString(goLayout.ReplaceAllString(n.Value, "")) {
						x.dates = append(x.dates, n.Pos())
					}
				case *ast.CallExpr:
					switch f := n.Fun.(type) {
					case *ast.Ident:
						x.calls = append(x.calls, f.Name)
					case *ast.SelectorExpr:
						if pkg, ok := f.X.(*ast.Ident); ok && imports[pkg.Name] {
							if clockCalls[pkg.Name][f.Sel.Name] {
								x.clock = append(x.clock, n.Pos())
							}
							if pkg.Name == "time" && f.Sel.Name == "Date" && len(n.Args) > 0 {
								if lit, ok := n.Args[0].(*ast.BasicLit); ok && lit.Kind == token.INT {
									x.dates = append(x.dates, n.Pos())
								}
							}
							return true
						}
						x.calls = append(x.calls, f.Sel.Name)
					}
				case *ast.SelectorExpr:
					// The test's today, read off a running application.
					if n.Sel.Name == "Today" {
						if _, isPkg := n.X.(*ast.Ident); !isPkg || !imports[n.X.(*ast.Ident).Name] {
							x.clock = append(x.clock, n.Pos())
						}
					}
				}
				return true
			})
			funcs[x.name] = append(funcs[x.name], x)
			all = append(all, x)
		}
	}
	var out []dateFinding
	for _, p := range bareMarks {
		out = append(out, dateFinding{Pos: p, Why: "tvp:fixed-date without a reason"})
	}
	// What each function reaches through the package's functions it calls.
	reach := func(start *fn, get func(*fn) []token.Pos, skipAllowed bool) []token.Pos {
		seen := map[*fn]bool{}
		var got []token.Pos
		var walk func(*fn)
		walk = func(x *fn) {
			if seen[x] {
				return
			}
			seen[x] = true
			if !(skipAllowed && x.allowed) {
				got = append(got, get(x)...)
			}
			for _, c := range x.calls {
				for _, y := range funcs[c] {
					walk(y)
				}
			}
		}
		walk(start)
		return got
	}
	reported := map[token.Pos]bool{}
	for _, x := range all {
		clock := reach(x, func(y *fn) []token.Pos { return y.clock }, false)
		if len(clock) == 0 {
			continue
		}
		for _, d := range reach(x, func(y *fn) []token.Pos { return y.dates }, true) {
			p := fset.Position(d)
			if reported[d] || marked[p.Filename][p.Line] {
				continue
			}
			reported[d] = true
			c := fset.Position(clock[0])
			out = append(out, dateFinding{Pos: p, Why: fmt.Sprintf("a fixed date, reached by %s, which reads the wall clock (%s:%d)",
				x.name, filepath.Base(c.Filename), c.Line)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pos.Filename != out[j].Pos.Filename {
			return out[i].Pos.Filename < out[j].Pos.Filename
		}
		return out[i].Pos.Line < out[j].Pos.Line
	})
	return out, nil
}

// reason is the text after a tvp:fixed-date tag, without the end of a /* */ comment.
func reason(s string) string {
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "*/"))
}

// testSupport reports whether a non-test file is test support (a package that imports "testing"
// to serve tests: apptest, testenv, storetest, mailtest).
func testSupport(f *ast.File) bool {
	for _, im := range f.Imports {
		if im.Path.Value == `"testing"` {
			return true
		}
	}
	return false
}
