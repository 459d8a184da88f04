package generator

import (
	"bytes"
	"context"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files of the generator's passes")

// The passes on a tiny spec (one PUT with a body, a GET, a list, an enum, a status, extra
// members (additionalProperties) alone and beside a union (oneOf), a secret member, a
// notification with its confirmation): each generated file is compared with its golden
// copy under testdata/tiny/golden. go test ./generator -run Golden -update
// rewrites them after an intended change; review the diff.
func TestPassesGolden(t *testing.T) {
	cfg := Config{Spec: Source{Name: "testdata/tiny/spec.yaml"}, OutputDir: t.TempDir(), PackageName: "tiny"}
	out, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	goldenDir := filepath.Join("testdata", "tiny", "golden")
	if *update {
		require.NoError(t, os.RemoveAll(goldenDir))
		require.NoError(t, os.MkdirAll(goldenDir, 0o755))
		for name, data := range out.Files {
			require.NoError(t, os.WriteFile(filepath.Join(goldenDir, name+".golden"), data, 0o644))
		}
	}
	entries, err := os.ReadDir(goldenDir)
	require.NoError(t, err)
	var goldens []string
	for _, e := range entries {
		goldens = append(goldens, e.Name())
	}
	var produced []string
	for name := range out.Files {
		produced = append(produced, name+".golden")
	}
	slices.Sort(produced)
	assert.Equal(t, goldens, produced, "the passes write exactly the golden files")
	for name, data := range out.Files {
		want, err := os.ReadFile(filepath.Join(goldenDir, name+".golden"))
		require.NoError(t, err)
		assert.Equal(t, string(want), string(data), "%s differs from its golden copy (run with -update after an intended change)", name)
	}
}

// Every method of the generated Client takes call options last (opts ...transport.CallOption)
// and hands them on: to the Caller, or to the method it calls. The golden files show the
// same; this holds it apart from an -update.
func TestClientMethodsTakeCallOptions(t *testing.T) {
	out, err := Run(context.Background(), Config{Spec: Source{Name: "testdata/tiny/spec.yaml"}, OutputDir: t.TempDir(), PackageName: "tiny"})
	require.NoError(t, err)
	methods := 0
	for name, src := range out.Files {
		file, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || types.ExprString(fn.Recv.List[0].Type) != "*Client" ||
				fn.Name.Name == "Caller" || fn.Name.Name == "Invoke" {
				continue
			}
			methods++
			params := fn.Type.Params.List
			last := params[len(params)-1]
			require.Len(t, last.Names, 1, fn.Name.Name)
			assert.Equal(t, "opts", last.Names[0].Name, fn.Name.Name)
			assert.Equal(t, "...transport.CallOption", types.ExprString(last.Type), fn.Name.Name)
			handedOn := false
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				// opts... to a method, or opts to the call helper that takes them as a slice.
				if call, ok := n.(*ast.CallExpr); ok && len(call.Args) > 0 {
					if id, ok := call.Args[len(call.Args)-1].(*ast.Ident); ok && id.Name == "opts" {
						handedOn = true
					}
				}
				return true
			})
			assert.True(t, handedOn, "%s hands its options on", fn.Name.Name)
		}
	}
	assert.Equal(t, 4, methods, "ListOrders, GetOrder, CreateOrder, ConfirmNotification")
}

// Which path parameter the configuration fills is the spec's word (x-qiwi-config-param),
// not the generator's: unmarked, siteId is an argument like any other; marked with a value
// the client's configuration lacks, the spec is refused naming the parameter.
func TestConfigParamComesFromTheSpec(t *testing.T) {
	tiny, err := os.ReadFile("testdata/tiny/spec.yaml")
	require.NoError(t, err)
	const mark = ", x-qiwi-config-param: siteId}"
	require.Equal(t, 2, bytes.Count(tiny, []byte(mark)))

	// The list's path (the second) unmarked.
	i := bytes.LastIndex(tiny, []byte(mark))
	unmarked := append(append(append([]byte{}, tiny[:i]...), '}'), tiny[i+len(mark):]...)
	out, err := Run(context.Background(), Config{Spec: Source{Name: "unmarked.yaml", Data: unmarked}, OutputDir: t.TempDir(), PackageName: "tiny"})
	require.NoError(t, err)
	client := string(out.Files["client.gen.go"])
	assert.Contains(t, client, "func (c *Client) ListOrders(ctx context.Context, siteID string, opts ...transport.CallOption) ([]Order, error) {")
	assert.Contains(t, client, "[]string{siteID}")
	assert.Contains(t, client, "func (c *Client) GetOrder(ctx context.Context, orderID string, opts ...transport.CallOption) (*Order, error) {")

	marked, err := Run(context.Background(), Config{Spec: Source{Name: "testdata/tiny/spec.yaml"}, OutputDir: t.TempDir(), PackageName: "tiny"})
	require.NoError(t, err)
	assert.Contains(t, string(marked.Files["client.gen.go"]), "func (c *Client) GetOrder(ctx context.Context, orderID string, opts ...transport.CallOption) (*Order, error) {")
	assert.Contains(t, string(marked.Files["operations.gen.go"]), `ConfigParams: []transport.ConfigParam{{`)

	unknown := bytes.Replace(tiny, []byte(mark), []byte(", x-qiwi-config-param: shopId}"), 1)
	_, err = Run(context.Background(), Config{Spec: Source{Name: "unknown.yaml", Data: unknown}, OutputDir: t.TempDir(), PackageName: "tiny"})
	require.Error(t, err)
	assert.ErrorContains(t, err, `x-qiwi-config-param "shopId" is no value of the client's configuration`)
}
