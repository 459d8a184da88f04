package load_test

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/spec"
	"github.com/qiwigen/qiwigen/spec/load"
)

// Document reads YAML and JSON, resolves references, keeps a date a string, and refuses
// what is no OpenAPI document with kin-openapi's error.
func TestDocument(t *testing.T) {
	doc, err := load.Document(spec.Resolved)
	require.NoError(t, err)
	require.NotNil(t, doc.Components)
	require.NotEmpty(t, doc.Components.Schemas)
	for name, s := range doc.Components.Schemas {
		require.NotNil(t, s.Value, "schema %s resolved", name)
	}
	doc, err = load.Document([]byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok"}}}}},"x-root":{"k":[1,2]}}`))
	require.NoError(t, err)
	assert.NotNil(t, doc.Paths.Find("/a"))
	assert.Contains(t, doc.Extensions, "x-root")
	doc, err = load.Document([]byte("openapi: 3.0.3\ninfo: {title: t, version: 2024-03-01}\npaths: {}\n"))
	require.NoError(t, err)
	assert.Equal(t, "2024-03-01", doc.Info.Version)
	doc, err = load.Document([]byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {type: string}\n"))
	require.NoError(t, err)
	assert.Equal(t, "#/components/schemas/B", doc.Components.Schemas["A"].Ref)
	assert.Equal(t, &openapi3.Types{"string"}, doc.Components.Schemas["A"].Value.Type)
	for name, data := range map[string]string{
		"an unresolvable reference":  "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/Missing'}\n",
		"not a mapping":              "- a\n- b\n",
		"not YAML":                   "openapi: [unclosed\n",
		"a member of the wrong type": "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: [1]\n",
	} {
		_, err := load.Document([]byte(data))
		_, want := openapi3.NewLoader().LoadFromData([]byte(data))
		require.Error(t, err, name)
		assert.Equal(t, want.Error(), err.Error(), name)
	}
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
