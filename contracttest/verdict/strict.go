package verdict

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
)

// The strict spec differs from the published one only by the objects closeObjects closed
// (additionalProperties: false). Where no closed object can meet a member it does not list,
// kin-openapi finds the same errors in both, and the strict run's findings are those of the
// published run's errors that are about undocumented members: the strict validation is not
// run again. Where one may (a member a closed schema does not list, a parameter or header
// whose schema holds a closed object, a body that is not JSON, an OpenAPI 3.1 spec whose
// schemas have keywords this check does not follow), it is run.

// validation is what a run on the published spec found, for the strict run to reuse.
type validation struct {
	request  error // ValidateRequest's error
	response error // ValidateResponse's error
	answered bool  // whether the response was validated
}

// strictFindings are the strict run's findings, from the published run's errors: the
// undocumented members among them and the open enumerations of the answer.
func (v validation) strictFindings(route *routers.Route, in fixture.Interaction, response *recorded) []Finding {
	var out []Finding
	if v.request != nil {
		out = append(out, specFindings("request", v.request, true)...)
	}
	if v.answered {
		where := "response " + strconv.Itoa(in.Response.Status)
		if v.response != nil {
			out = append(out, specFindings(where, v.response, true)...)
		}
		out = append(out, responseEnumFindings(route, in.Response.Status, response, where)...)
	}
	return out
}

// closedUnseen reports whether no closed object of the strict operation (route) can meet a
// member it does not list when req (built from in) and in's answer (their bodies b) are
// validated.
func (j *Judge) closedUnseen(route *routers.Route, req *http.Request, in fixture.Interaction, b bodies) bool {
	if j.strictDoc.IsOpenAPI31OrLater() || !j.openParameters[route.Operation] {
		return false
	}
	if rb := route.Operation.RequestBody; rb != nil && rb.Value != nil && strings.TrimSpace(in.Request.Body) != "" {
		if mt := rb.Value.Content.Get(req.Header.Get("Content-Type")); mt != nil && mt.Schema != nil {
			if !jsonMeets(mt.Schema, req.Header.Get("Content-Type"), b.request) {
				return false
			}
		}
	}
	if in.Response == nil || req.Method == http.MethodHead {
		return true
	}
	responses := route.Operation.Responses
	if responses == nil {
		return true
	}
	resp := responses.Status(in.Response.Status)
	if resp == nil {
		resp = responses.Default()
	}
	if resp == nil || resp.Value == nil {
		return true
	}
	header := responseHeader(in.Response)
	if mt := resp.Value.Content.Get(header.Get("Content-Type")); mt != nil && mt.Schema != nil {
		return jsonMeets(mt.Schema, header.Get("Content-Type"), b.response)
	}
	return true
}

// jsonMeets reports whether body, sent as contentType, is JSON that no closed object of
// schema meets with a member it does not list. A body kin-openapi would not read as JSON
// (another media type) is not judged: false.
func jsonMeets(schema *openapi3.SchemaRef, contentType string, body *recorded) bool {
	mediaType, _, _ := strings.Cut(contentType, ";")
	mediaType = strings.ToLower(strings.TrimSpace(mediaType))
	if mediaType != "application/json" && !strings.HasSuffix(mediaType, "+json") {
		return false
	}
	// kin-openapi reads the first value; one it cannot read is validated by no schema.
	if body.err != nil {
		return true
	}
	budget := 100_000
	return !meetsClosed(schema, body.value, &budget)
}

// meetsClosed reports whether a closed object among the schemas kin-openapi may apply to
// value (schema, its properties', items', additional properties', allOf, oneOf, anyOf and
// not branches, at each depth) meets a member it does not list; true as well when the walk
// runs out of budget (a schema that applies itself without consuming the value).
func meetsClosed(s *openapi3.SchemaRef, value any, budget *int) bool {
	if s == nil || s.Value == nil {
		return false
	}
	if *budget--; *budget < 0 {
		return true
	}
	x := s.Value
	switch v := value.(type) {
	case map[string]any:
		closed := x.AdditionalProperties.Has != nil && !*x.AdditionalProperties.Has
		for k, child := range v {
			p, listed := x.Properties[k]
			switch {
			case listed:
				if meetsClosed(p, child, budget) {
					return true
				}
			case closed:
				return true
			default:
				if meetsClosed(x.AdditionalProperties.Schema, child, budget) {
					return true
				}
			}
		}
	case []any:
		for _, child := range v {
			if meetsClosed(x.Items, child, budget) {
				return true
			}
		}
	}
	for _, l := range [][]*openapi3.SchemaRef{x.AllOf, x.OneOf, x.AnyOf} {
		for _, c := range l {
			if meetsClosed(c, value, budget) {
				return true
			}
		}
	}
	return meetsClosed(x.Not, value, budget)
}

// openParameters maps each operation of the strict spec to whether its parameters and its
// answers' headers are free of closed objects (and of content-typed values): only then can
// its strict run be skipped.
func openParameters(doc *openapi3.T) map[*openapi3.Operation]bool {
	out := map[*openapi3.Operation]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			open := true
			for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
				if p == nil || p.Value == nil || p.Value.Content != nil || holdsClosed(p.Value.Schema, map[*openapi3.Schema]bool{}) {
					open = false
				}
			}
			if op.Responses != nil {
				for _, r := range op.Responses.Map() {
					if r == nil || r.Value == nil {
						continue
					}
					for _, h := range r.Value.Headers {
						if h == nil || h.Value == nil || h.Value.Content != nil || holdsClosed(h.Value.Schema, map[*openapi3.Schema]bool{}) {
							open = false
						}
					}
				}
			}
			out[op] = open
		}
	}
	return out
}

// holdsClosed reports whether a closed object is among s and the schemas below it.
func holdsClosed(s *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) bool {
	if s == nil || s.Value == nil || seen[s.Value] {
		return false
	}
	x := s.Value
	seen[x] = true
	if x.AdditionalProperties.Has != nil && !*x.AdditionalProperties.Has {
		return true
	}
	for _, p := range x.Properties {
		if holdsClosed(p, seen) {
			return true
		}
	}
	for _, l := range [][]*openapi3.SchemaRef{x.AllOf, x.OneOf, x.AnyOf, {x.Items, x.AdditionalProperties.Schema, x.Not}} {
		for _, c := range l {
			if holdsClosed(c, seen) {
				return true
			}
		}
	}
	return false
}
