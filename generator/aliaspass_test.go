package generator

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runtimeExports reads the exported names of each runtime package from its sources on disk.
func runtimeExports(t *testing.T) map[string]string {
	t.Helper()
	home := map[string]string{}
	for _, pkg := range runtimePackages {
		files, err := filepath.Glob(filepath.Join("runtime", pkg, "*.go"))
		require.NoError(t, err)
		require.NotEmpty(t, files, pkg)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			names := map[string]bool{}
			require.NoError(t, declaredNames(src, names))
			for n := range names {
				if ast.IsExported(n) {
					home[n] = pkg
				}
			}
		}
	}
	return home
}

// The names the generator qualifies runtime identifiers with are the runtime's own, read
// from the sources built into it: each name in the package that declares it, every
// exported name present. A runtime name added, moved or removed needs no list changed.
func TestRuntimeHomeMatchesTheRuntime(t *testing.T) {
	api, err := readRuntime()
	require.NoError(t, err)
	assert.Equal(t, runtimeExports(t), api.home)
	assert.Greater(t, len(api.home), 80)
	assert.Equal(t, "transport", runtimeHome("ConfigParam"), "a name no list mentions is found")
	assert.Equal(t, token.FUNC, api.kind["WithBaseURL"])
	assert.Equal(t, token.VAR, api.kind["ErrArgument"])
	assert.True(t, api.sentinels["ErrArgument"])
	assert.Equal(t, token.CONST, api.kind["DefaultBaseURL"])
	assert.Equal(t, token.TYPE, api.kind["Option"])
}

// The one hand list names only what the runtime exports, and re-exports no variable but
// error sentinels: a wrong name or a variable whose reassignment would change behaviour
// is a generation error that names it.
func TestReexportedNames(t *testing.T) {
	api, err := readRuntime()
	require.NoError(t, err)
	_, err = aliasPass(api, "p", reexported, map[string]bool{}, map[string]bool{})
	require.NoError(t, err)
	_, err = aliasPass(api, "p", []string{"WithBaseURL", "NoSuchName"}, map[string]bool{}, map[string]bool{})
	assert.ErrorContains(t, err, "the runtime exports no NoSuchName to re-export")

	// A runtime whose package exports a variable that is no error sentinel.
	hooked := &runtimeAPI{home: map[string]string{}, kind: map[string]token.Token{}, funcs: map[string]runtimeFunc{}, sentinels: map[string]bool{}}
	file, err := parser.ParseFile(token.NewFileSet(), "hook.go", `package transport
import "errors"
var ErrHook = errors.New("hook")
var Hook = func() {}
`, 0)
	require.NoError(t, err)
	require.NoError(t, hooked.add("transport", file))
	_, err = aliasPass(hooked, "p", []string{"ErrHook"}, map[string]bool{}, map[string]bool{})
	require.NoError(t, err)
	_, err = aliasPass(hooked, "p", []string{"Hook"}, map[string]bool{}, map[string]bool{})
	assert.ErrorContains(t, err, "runtime variable transport.Hook is no error sentinel")
	assert.ErrorContains(t, hooked.add("webhook", file), "ErrHook is exported by two runtime packages, transport and webhook")
}

// A wrapper repeats the runtime function's signature and doc comment, with the package's
// own aliases in it, and calls the runtime: variadic, function-typed and grouped
// parameters included.
func TestWrappers(t *testing.T) {
	api, err := readRuntime()
	require.NoError(t, err)
	f, err := aliasPass(api, "p", []string{"WithMiddleware", "Middleware", "WithClientIP", "CallHeader", "Option", "ParseMoney"}, map[string]bool{},
		map[string]bool{"Money": true})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, f.Render(&buf))
	src := buf.String()
	for _, want := range []string{
		"// WithMiddleware wraps every attempt of every call in the given middlewares;",
		"// WithMiddleware is transport.WithMiddleware.\nfunc WithMiddleware(mws ...Middleware) Option {\n\treturn transport.WithMiddleware(mws...)\n}",
		"func WithClientIP(fn func(*http.Request) (netip.Addr, bool)) webhook.HandlerOption {",
		"func CallHeader(name, value string) transport.CallOption {\n\treturn transport.CallHeader(name, value)\n}",
		"func ParseMoney(s string) (Money, error) {",
	} {
		assert.Contains(t, src, want)
	}
	assert.NotContains(t, src, "var WithMiddleware")
}
