package generator

import (
	"maps"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/spec/ext"
)

// dropVariants removes, from every schema marked x-qiwi-variants, the keywords that only
// say which combinations of a model's own members are valid: oneOf, anyOf and not, and a
// required list beside a single allOf reference. Validators read them from the resolved
// spec; oapi-codegen would turn oneOf and anyOf into a union type with As/From accessors in
// place of the model's struct. A schema left as a single allOf reference becomes that
// reference, so the Go type (a request body's, a member's) stays the model's. The document
// is the one code generation consumes; the resolved spec keeps the variants.
func dropVariants(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if _, marked, _ := ext.VariantsOf(s); marked {
			s.OneOf, s.AnyOf, s.Not = nil, nil, nil
			if len(s.AllOf) == 1 && s.AllOf[0] != nil && s.AllOf[0].Ref != "" && len(s.Properties) == 0 {
				inner := s.AllOf[0]
				*ref = openapi3.SchemaRef{Ref: inner.Ref, Value: inner.Value}
				walk(ref)
				return
			}
		}
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			walk(s.Properties[name])
		}
		walk(s.Items)
		walk(s.AdditionalProperties.Schema)
		for _, list := range [][]*openapi3.SchemaRef{s.AllOf, s.OneOf, s.AnyOf} {
			for _, sub := range list {
				walk(sub)
			}
		}
	}
	content := func(c openapi3.Content) {
		for _, name := range slices.Sorted(maps.Keys(c)) {
			if c[name] != nil {
				walk(c[name].Schema)
			}
		}
	}
	if doc.Components != nil {
		for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
			walk(doc.Components.Schemas[name])
		}
	}
	if doc.Paths == nil {
		return
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				content(op.RequestBody.Value.Content)
			}
			if op.Responses == nil {
				continue
			}
			for _, resp := range op.Responses.Map() {
				if resp != nil && resp.Value != nil {
					content(resp.Value.Content)
				}
			}
		}
	}
}
