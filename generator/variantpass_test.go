package generator

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Variants marked x-qiwi-variants stay in the resolved spec for the validators and leave
// the Go model as it was: without the pass, oapi-codegen turns the oneOf into a union (a
// struct holding json.RawMessage with As/From accessors) and the wrapped request body into
// an inline type (CreateOrderJSONRequestBody) instead of CreateOrderRequest.
func TestVariantsAreValidationOnly(t *testing.T) {
	tiny, err := os.ReadFile("testdata/tiny/spec.yaml")
	require.NoError(t, err)
	src := strings.Replace(string(tiny), `            schema: {$ref: '#/components/schemas/CreateOrderRequest'}`,
		`            schema:
              description: The PUT also needs the card number.
              x-qiwi-variants: a test of the pass
              allOf: [{$ref: '#/components/schemas/CreateOrderRequest'}]
              required: [cardNumber]`, 1)
	src = strings.Replace(src, `      required: [total]
      properties:
        total: {type: string, description: Total.}`, `      required: [total]
      x-qiwi-variants: a test of the pass
      oneOf:
      - {description: With a callback., required: [callbackUrl]}
      - {description: Without one., not: {required: [callbackUrl]}}
      properties:
        total: {type: string, description: Total.}`, 1)
	require.Contains(t, src, "x-qiwi-variants: a test of the pass\n      oneOf")
	require.Contains(t, src, "allOf: [{$ref: '#/components/schemas/CreateOrderRequest'}]")

	out, err := Run(context.Background(), Config{Spec: Source{Name: "variants.yaml", Data: []byte(src)}, OutputDir: t.TempDir(), PackageName: "tiny"})
	require.NoError(t, err)
	assert.Contains(t, string(out.Resolved), "oneOf", "the resolved spec keeps the variants")
	all := ""
	for _, data := range out.Files {
		all += string(data)
	}
	assert.False(t, strings.Contains(all, "union json.RawMessage"), "no union type")
	assert.True(t, strings.Contains(all, "type CreateOrderJSONRequestBody = CreateOrderRequest\n"), "the body is the model")
	assert.True(t, strings.Contains(all, "body CreateOrderRequest, opts ...transport.CallOption)"), "the method takes the model")

	// The same spec with the marks taken away: the pass is what keeps the model.
	unmarked := regexp.MustCompile(`(?m)^ *x-qiwi-variants: a test of the pass\n`).ReplaceAllString(src, "")
	out, err = Run(context.Background(), Config{Spec: Source{Name: "unmarked.yaml", Data: []byte(unmarked)}, OutputDir: t.TempDir(), PackageName: "tiny"})
	require.NoError(t, err)
	all = ""
	for _, data := range out.Files {
		all += string(data)
	}
	assert.True(t, strings.Contains(all, "union json.RawMessage"), "oapi-codegen makes a union of the variants")
	assert.False(t, strings.Contains(all, "type CreateOrderJSONRequestBody = CreateOrderRequest\n"), "and an inline type of the wrapped body")
}
