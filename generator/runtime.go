package generator

import (
	"embed"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/dave/jennifer/jen"
)

// runtimeRoot is the import path under which the hand-written runtime's packages live.
const runtimeRoot = "github.com/qiwigen/qiwigen/generator/runtime/"

// runtimePackages are the runtime's packages, each with one job, in the order generated
// files name them.
var runtimePackages = []string{"wiretype", "apierr", "transport", "webhook", "payform", "testmode", "redact", "modeldiff"}

// runtimeSources are the runtime's sources, built into the generator so that it reads the
// runtime it generates for wherever it runs (a consuming module's go run included): the
// names each package exports, their kinds, and the signatures and doc comments the
// generated package's wrappers repeat.
//
//go:embed runtime/*/*.go
var runtimeSources embed.FS

// runtimeAPI is what the runtime's packages export, read from their sources.
type runtimeAPI struct {
	// home names the package of each exported name.
	home map[string]string
	// kind is each exported name's declaration: token.TYPE, VAR, CONST or FUNC.
	kind map[string]token.Token
	// funcs are the exported functions, with the imports of their files.
	funcs map[string]runtimeFunc
	// sentinels are the exported variables that are error sentinels (errors.New,
	// fmt.Errorf).
	sentinels map[string]bool
}

// runtimeFunc is one exported function of the runtime.
type runtimeFunc struct {
	pkg     string
	decl    *ast.FuncDecl
	imports map[string]string // the file's import names and paths
}

// readRuntime parses the runtime's sources once per process; the result is never changed.
var readRuntime = sync.OnceValues(func() (*runtimeAPI, error) {
	return parseRuntime(runtimeSources)
})

// parseRuntime reads the exported names of each runtime package from its sources (tests
// left out). A name exported by two packages is an error: rt could not qualify it.
func parseRuntime(fsys embed.FS) (*runtimeAPI, error) {
	api := &runtimeAPI{home: map[string]string{}, kind: map[string]token.Token{}, funcs: map[string]runtimeFunc{}, sentinels: map[string]bool{}}
	fset := token.NewFileSet()
	for _, pkg := range runtimePackages {
		entries, err := fsys.ReadDir("runtime/" + pkg)
		if err != nil {
			return nil, fmt.Errorf("runtime package %s: %w", pkg, err)
		}
		for _, e := range entries {
			name := e.Name()
			if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			file := path.Join("runtime", pkg, name)
			src, err := fsys.ReadFile(file)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			f, err := parser.ParseFile(fset, file, src, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				return nil, err
			}
			if err := api.add(pkg, f); err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
		}
	}
	return api, nil
}

// add records the exported names a runtime file declares.
func (api *runtimeAPI) add(pkg string, f *ast.File) error {
	imports := map[string]string{}
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			return err
		}
		name := path.Base(p)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		imports[name] = p
	}
	declare := func(name string, kind token.Token) error {
		if !ast.IsExported(name) {
			return nil
		}
		if other, dup := api.home[name]; dup {
			return fmt.Errorf("%s is exported by two runtime packages, %s and %s", name, other, pkg)
		}
		api.home[name], api.kind[name] = pkg, kind
		return nil
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil {
				continue
			}
			if err := declare(d.Name.Name, token.FUNC); err != nil {
				return err
			}
			if ast.IsExported(d.Name.Name) {
				api.funcs[d.Name.Name] = runtimeFunc{pkg: pkg, decl: d, imports: imports}
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if err := declare(s.Name.Name, token.TYPE); err != nil {
						return err
					}
				case *ast.ValueSpec:
					for i, n := range s.Names {
						if err := declare(n.Name, d.Tok); err != nil {
							return err
						}
						if d.Tok == token.VAR && i < len(s.Values) && isErrorConstructor(s.Values[i], imports) {
							api.sentinels[n.Name] = true
						}
					}
				}
			}
		}
	}
	return nil
}

// isErrorConstructor reports whether e is a call of errors.New or fmt.Errorf.
func isErrorConstructor(e ast.Expr, imports map[string]string) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	switch imports[pkg.Name] + "." + sel.Sel.Name {
	case "errors.New", "fmt.Errorf":
		return true
	}
	return false
}

// runtimeHome names the runtime package that declares an exported name, "" for none.
func runtimeHome(name string) string {
	api, err := readRuntime()
	if err != nil {
		return ""
	}
	return api.home[name]
}

// rt is the runtime identifier name, qualified by the package that holds it. A name the
// runtime does not export yields code that does not compile, which the golden and build
// tests catch.
func rt(name string) *jen.Statement {
	return jen.Qual(runtimeRoot+runtimeHome(name), name)
}

// importRuntime names the runtime's packages in a generated file, as jennifer would
// otherwise guess them from their paths.
func importRuntime(f *jen.File) {
	for _, p := range runtimePackages {
		f.ImportName(runtimeRoot+p, p)
	}
}
