// Package archtest checks rules about the code itself that the compiler does not.
package archtest

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The transports never pass a *gin.Context where a context.Context is asked for (a service
// call, a query, a derived context): gin puts a request's Context back in a pool and reuses it
// for the next request once the handler returns, while what was given it may still read it (a
// database/sql rows goroutine reads ctx.Done() when it gets round to it): a data race, and a
// query cancelled by a stranger's request. They pass c.Request.Context().
func TestNoGinContextAsAContext(t *testing.T) {
	pkgs := []string{"tvp/api", "tvp/web", "tvp/internal/app"}
	exports, sources := goList(t, pkgs)
	fset := token.NewFileSet()
	imp := exportImporter(fset, exports)
	var found []string
	for _, pkg := range pkgs {
		var files []*ast.File
		for _, name := range sources[pkg] {
			f, err := parser.ParseFile(fset, name, nil, 0)
			require.NoError(t, err)
			files = append(files, f)
		}
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
		_, err := (&types.Config{Importer: imp}).Check(pkg, fset, files, info)
		require.NoError(t, err, pkg)
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sig, ok := info.TypeOf(call.Fun).(*types.Signature)
				if !ok {
					if tv, ok2 := info.Types[call.Fun]; ok2 && tv.Type != nil {
						sig, _ = tv.Type.Underlying().(*types.Signature)
					}
				}
				if sig == nil {
					return true
				}
				for i, arg := range call.Args {
					if isGinContext(info.TypeOf(arg)) && isContextContext(param(sig, i)) {
						found = append(found, fset.Position(arg.Pos()).String())
					}
				}
				return true
			})
		}
	}
	require.Empty(t, found, "a *gin.Context passed as a context.Context: pass c.Request.Context()")
}

// param is the type of a call's i-th argument's parameter (the element of a variadic one).
func param(sig *types.Signature, i int) types.Type {
	ps := sig.Params()
	if sig.Variadic() && i >= ps.Len()-1 {
		if s, ok := ps.At(ps.Len() - 1).Type().(*types.Slice); ok {
			return s.Elem()
		}
	}
	if i < ps.Len() {
		return ps.At(i).Type()
	}
	return nil
}

func isGinContext(t types.Type) bool {
	p, ok := t.(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := p.Elem().(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "github.com/gin-gonic/gin" && n.Obj().Name() == "Context"
}

func isContextContext(t types.Type) bool {
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

// goList returns the export data file of every dependency of pkgs and the Go files of pkgs,
// from the go command (which builds what it must).
func goList(t *testing.T, pkgs []string) (map[string]string, map[string][]string) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-export", "-deps", "-json=ImportPath,Export,Dir,GoFiles"}, pkgs...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	exports, sources := map[string]string{}, map[string][]string{}
	dec := json.NewDecoder(out)
	for {
		var p struct {
			ImportPath, Export, Dir string
			GoFiles                 []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		exports[p.ImportPath] = p.Export
		for _, f := range p.GoFiles {
			sources[p.ImportPath] = append(sources[p.ImportPath], filepath.Join(p.Dir, f))
		}
	}
	require.NoError(t, cmd.Wait())
	return exports, sources
}

// exportImporter imports packages from the export data go list made (goList).
func exportImporter(fset *token.FileSet, exports map[string]string) types.Importer {
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok {
			return nil, errors.New("no export data for " + path)
		}
		return os.Open(f)
	})
}
