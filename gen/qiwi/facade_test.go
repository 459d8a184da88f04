package qiwi_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/runtime/payform"
	"github.com/qiwigen/qiwigen/generator/runtime/transport"
	"github.com/qiwigen/qiwigen/generator/runtime/webhook"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// Nothing the package exports is a variable whose reassignment would change behaviour: the
// re-exported runtime functions are functions (go doc shows their signatures), and the only
// exported variables are error sentinels, which errors.Is needs to be the runtime's values.
func TestNoExportedVariableButErrorSentinels(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	vars, funcs := 0, map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		require.NoError(t, err)
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					funcs[d.Name.Name] = true
				}
			case *ast.GenDecl:
				if d.Tok != token.VAR {
					continue
				}
				for _, s := range d.Specs {
					vs := s.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if !n.IsExported() {
							continue
						}
						vars++
						// An error sentinel is the runtime's own: ErrX = pkg.ErrX.
						sel, ok := valueAt(vs, i).(*ast.SelectorExpr)
						assert.True(t, ok && strings.HasPrefix(n.Name, "Err") && sel.Sel.Name == n.Name,
							"%s: exported variable %s is no re-exported error sentinel", name, n.Name)
					}
				}
			}
		}
	}
	assert.Greater(t, vars, 20, "the sentinels are re-exported")
	for _, fn := range []string{"WithBaseURL", "WithSiteID", "WithRetry", "WithMiddleware", "CallTimeout", "ParseMoney", "WithAllowedNetworks", "AddSuccessURL", "TestCards"} {
		assert.True(t, funcs[fn], "%s is a function", fn)
	}
	// Every error sentinel is the runtime's value.
	assert.Equal(t, transport.ErrArgument, qiwi.ErrArgument)
	assert.Equal(t, wiretype.ErrInvalidMoney, qiwi.ErrInvalidMoney)
}

func valueAt(vs *ast.ValueSpec, i int) ast.Expr {
	if i < len(vs.Values) {
		return vs.Values[i]
	}
	return nil
}

// The wrappers have the runtime functions' own signatures, and do what they do.
func TestWrappersHaveTheRuntimeSignatures(t *testing.T) {
	for _, pair := range [][2]any{
		{qiwi.WithBaseURL, transport.WithBaseURL}, {qiwi.WithMiddleware, transport.WithMiddleware},
		{qiwi.CallHeader, transport.CallHeader}, {qiwi.CallInfoFromContext, transport.CallInfoFromContext},
		{qiwi.ParseMoney, wiretype.ParseMoney}, {qiwi.LocateValue, wiretype.LocateValue},
		{qiwi.WithClientIP, webhook.WithClientIP}, {qiwi.NewMemoryDeduplicator, webhook.NewMemoryDeduplicator},
		{qiwi.AddPayURLOptions, payform.AddPayURLOptions},
	} {
		assert.Equal(t, reflect.TypeOf(pair[1]), reflect.TypeOf(pair[0]))
	}
	m, err := qiwi.ParseMoney("10.5")
	require.NoError(t, err)
	assert.Equal(t, "10.50", m.String())
	_, err = qiwi.New("key", qiwi.WithBaseURL("ftp://x"))
	assert.ErrorIs(t, err, qiwi.ErrConfig)
}

// API holds every method of Client, ConfirmNotification included, so that a test double
// can stand for the whole client.
func TestAPIHoldsEveryMethod(t *testing.T) {
	api := reflect.TypeFor[qiwi.API]()
	client := reflect.TypeFor[*qiwi.Client]()
	for i := range client.NumMethod() {
		m := client.Method(i)
		switch m.Name {
		case "Caller", "Invoke", "String", "GoString", "Format", "LogValue":
			continue // the transport, the tools' entry and printing: not calls of QIWI
		}
		am, ok := api.MethodByName(m.Name)
		if assert.True(t, ok, "API lacks %s", m.Name) {
			assert.Equal(t, m.Type.NumIn()-1, am.Type.NumIn(), m.Name)
		}
	}
	_, ok := api.MethodByName("ConfirmNotification")
	assert.True(t, ok)
}
