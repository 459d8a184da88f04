package verdict

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/spec/ext"
)

// walkValue visits a decoded JSON value beside its schema: every node with the schema that
// describes it, through allOf, properties, additional properties, items and the oneOf
// variant the value fits.
func walkValue(schema *openapi3.SchemaRef, value any, visit func(s *openapi3.SchemaRef, v any, ptr string)) {
	var walk func(s *openapi3.SchemaRef, v any, ptr string, depth int)
	walk = func(s *openapi3.SchemaRef, v any, ptr string, depth int) {
		if s == nil || s.Value == nil || v == nil || depth > 32 {
			return
		}
		visit(s, v, ptr)
		sv := s.Value
		for _, sub := range sv.AllOf {
			walk(sub, v, ptr, depth+1)
		}
		for _, sub := range sv.OneOf {
			if sub.Value != nil && sub.Value.VisitJSON(plain(v)) == nil {
				walk(sub, v, ptr, depth+1)
				break
			}
		}
		switch tv := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(tv)) {
				child := sv.Properties[k]
				if child == nil && sv.AdditionalProperties.Schema != nil {
					child = sv.AdditionalProperties.Schema
				}
				walk(child, tv[k], jsonpointer.Append(ptr, k), depth+1)
			}
		case []any:
			for i, e := range tv {
				walk(sv.Items, e, ptr+"/"+strconv.Itoa(i), depth+1)
			}
		}
	}
	walk(schema, value, "", 0)
}

// plain turns json.Number leaves into float64, the form schema validation expects.
func plain(v any) any {
	switch tv := v.(type) {
	case json.Number:
		f, _ := tv.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(tv))
		for k, e := range tv {
			out[k] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(tv))
		for i, e := range tv {
			out[i] = plain(e)
		}
		return out
	}
	return v
}

// enumFindings reports values of open enumerations (x-extensible-enum) that the spec does not
// list: QIWI may add values, so they are drift warnings (failures with --strict).
func enumFindings(schema *openapi3.SchemaRef, value any, where string) []Finding {
	var out []Finding
	walkValue(schema, value, func(s *openapi3.SchemaRef, v any, ptr string) {
		tv, ok := v.(string)
		if !ok {
			return
		}
		if values, ok, err := ext.EnumValues(s.Value); err == nil && ok && !slices.Contains(values, tv) {
			out = append(out, Finding{Severity: Warn, Verdict: "spec", Pointer: ptrOrRoot(ptr), Undocumented: true,
				Message: fmt.Sprintf("%s: value %q is not among the documented values", where, tv)})
		}
	})
	return out
}

// moneyRef is the schema every amount refers to.
const moneyRef = "#/components/schemas/Money"

// requestAmountFindings fails every amount of a request body that is not written in the form
// the API of the operation at path wants: the Money schema's x-qiwi-request-amount rule (read
// by spec/ext), checked by wiretype.AmountForm.Check, the one implementation the sandbox and
// the client's request check share.
func requestAmountFindings(schema *openapi3.SchemaRef, path string, body *recorded) []Finding {
	if body.err != nil {
		return nil // the schema validation reports a body that is not JSON
	}
	var out []Finding
	walkValue(schema, body.value, func(s *openapi3.SchemaRef, v any, ptr string) {
		if s.Ref != moneyRef {
			return
		}
		form, err := ext.RequestAmountForm(s.Value, path)
		if err == nil {
			err = form.Check(fmt.Sprint(v))
		}
		if err != nil {
			out = append(out, Finding{Severity: Fail, Verdict: "spec", Pointer: ptrOrRoot(ptr),
				Message: fmt.Sprintf("request: amount %s: %v", string(mustJSON(v)), err)})
		}
	})
	return out
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(fmt.Sprint(v))
	}
	return b
}
