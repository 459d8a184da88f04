package verdict

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// enumFindings reports values of open enumerations (x-extensible-enum) that the spec does not
// list: QIWI may add values, so they are drift warnings (failures with --strict).
func enumFindings(schema *openapi3.SchemaRef, value any, where string) []Finding {
	var out []Finding
	var walk func(s *openapi3.SchemaRef, v any, ptr string, depth int)
	walk = func(s *openapi3.SchemaRef, v any, ptr string, depth int) {
		if s == nil || s.Value == nil || v == nil || depth > 32 {
			return
		}
		sv := s.Value
		for _, sub := range sv.AllOf {
			walk(sub, v, ptr, depth+1)
		}
		switch tv := v.(type) {
		case string:
			if values, ok := sv.Extensions["x-extensible-enum"].([]any); ok && !listed(values, tv) {
				out = append(out, Finding{Severity: Warn, Verdict: "spec", Pointer: ptrOrRoot(ptr), Undocumented: true,
					Message: fmt.Sprintf("%s: value %q is not among the documented values", where, tv)})
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(tv)) {
				child := sv.Properties[k]
				if child == nil && sv.AdditionalProperties.Schema != nil {
					child = sv.AdditionalProperties.Schema
				}
				walk(child, tv[k], ptr+"/"+escape(k), depth+1)
			}
		case []any:
			for i, e := range tv {
				walk(sv.Items, e, ptr+"/"+strconv.Itoa(i), depth+1)
			}
		}
	}
	walk(schema, value, "", 0)
	return out
}

func listed(values []any, v string) bool {
	for _, x := range values {
		if fmt.Sprint(x) == v {
			return true
		}
	}
	return false
}
