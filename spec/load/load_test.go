package load_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/spec"
	"github.com/qiwigen/qiwigen/spec/load"
)

// sameAsKin checks that Document reads data exactly as kin-openapi's loader does: the same
// document (compared as JSON, which covers every member and extension) or the same error.
func sameAsKin(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := openapi3.NewLoader().LoadFromData(data)
	got, err := load.Document(data)
	// Compared without testify's diff, which is quadratic in a large document.
	if wantErr != nil {
		require.Error(t, err)
		if wantErr.Error() != err.Error() {
			t.Fatalf("kin-openapi says %q, Document %q", wantErr, err)
		}
		return
	}
	require.NoError(t, err)
	wantJSON, err := json.Marshal(want)
	require.NoError(t, err)
	gotJSON, err := json.Marshal(got)
	require.NoError(t, err)
	if !bytes.Equal(wantJSON, gotJSON) {
		t.Fatalf("the documents differ:\nkin-openapi: %.2000s\nDocument:    %.2000s", wantJSON, gotJSON)
	}
	// The references are resolved, as the loader resolves them.
	assert.Equal(t, want.Components != nil, got.Components != nil)
	if want.Components != nil {
		for name, s := range want.Components.Schemas {
			require.NotNil(t, got.Components.Schemas[name].Value, "schema %s resolved", name)
			assert.Equal(t, s.Ref, got.Components.Schemas[name].Ref)
		}
	}
}

func TestDocumentReadsAsKinDoes(t *testing.T) {
	cases := map[string][]byte{
		"the resolved spec":          spec.Resolved,
		"the base spec":              spec.QIWI,
		"JSON":                       []byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok"}}}}},"x-root":{"k":[1,2]}}`),
		"no components, no paths":    []byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"),
		"null members":               []byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: null\ncomponents: null\n"),
		"an unresolvable reference":  []byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/Missing'}\n"),
		"a date stays a string":      []byte("openapi: 3.0.3\ninfo: {title: t, version: 2024-03-01}\npaths: {}\n"),
		"not a mapping":              []byte("- a\n- b\n"),
		"not YAML":                   []byte("openapi: [unclosed\n"),
		"a member of the wrong type": []byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: [1]\n"),
		"empty":                      {},
	}
	tiny, err := os.ReadFile(filepath.Join("..", "..", "generator", "testdata", "tiny", "spec.yaml"))
	require.NoError(t, err)
	cases["the generator's tiny spec"] = tiny
	for name, data := range cases {
		t.Run(name, func(t *testing.T) { sameAsKin(t, data) })
	}
}

func FuzzDocument(f *testing.F) {
	f.Add(spec.QIWI)
	f.Add([]byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents: {schemas: {A: {type: string}}}\n"))
	f.Add([]byte(`{"openapi":"3.0.3","paths":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsKin(t, data)
	})
}

// Spec refuses a document the tools cannot work from: one without components, or with
// components: null (replay and drift crashed on it); Document still reads it as kin-openapi does.
func TestSpecNeedsComponents(t *testing.T) {
	for name, data := range map[string]string{
		"no components":   "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n",
		"null components": "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents: null\n",
	} {
		_, err := load.Spec([]byte(data))
		require.ErrorIs(t, err, load.ErrNoComponents, name)
		assert.Contains(t, err.Error(), "no components", name)
		doc, err := load.Document([]byte(data))
		require.NoError(t, err, name)
		assert.Nil(t, doc.Components, name)
	}
	doc, err := load.Spec(spec.Resolved)
	require.NoError(t, err)
	assert.NotEmpty(t, doc.Components.Schemas)
	_, err = load.Spec([]byte("openapi: [unclosed\n"))
	assert.Error(t, err)
}
