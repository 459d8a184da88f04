package sandbox

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
	"github.com/qiwigen/qiwigen/spec/ext"
)

// router finds the operation a request calls, by the spec's paths under pathPrefix: the
// request's escaped path (%2F may be part of an ID) is matched segment by segment, a
// literal by itself and a parameter ({paymentId}) by any non-empty segment, in kin-openapi's
// matching order (literal segments before parameters); the first path that matches decides.
// A path that matches without an operation for the method is ErrMethodNotAllowed.
type router struct {
	paths []*routedPath
}

// pathPrefix is where the sandbox serves the spec's paths.
const pathPrefix = "/partner"

// routedPath is a spec path split into its segments, with its operations by method.
type routedPath struct {
	// segments are the path's segments after pathPrefix; a parameter's is its name in
	// braces.
	segments []string
	ops      map[string]*specOp
}

// specOp is what serving an operation needs, read from the spec once.
type specOp struct {
	route *routers.Route
	// amountForm is how the operation's API wants request amounts written.
	amountForm wiretype.AmountForm
}

// newRouter reads the routes of doc. money is its Money schema, whose x-qiwi-request-amount
// says how each API wants request amounts written (read through ext.RequestAmountForm,
// checked by wiretype.AmountForm.Check: the rule the judge and the client apply too).
func newRouter(doc *openapi3.T, money *openapi3.Schema) (*router, error) {
	r := &router{}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		p := &routedPath{segments: strings.Split(strings.TrimPrefix(path, "/"), "/"), ops: map[string]*specOp{}}
		for _, s := range p.segments {
			if _, ok := param(s); !ok && strings.ContainsAny(s, "{}") {
				return nil, fmt.Errorf("/paths/%s: the segment %q is neither a literal nor a whole {parameter}", strings.ReplaceAll(strings.ReplaceAll(path, "~", "~0"), "/", "~1"), s)
			}
		}
		form, err := ext.RequestAmountForm(money, path)
		if err != nil {
			return nil, fmt.Errorf("/components/schemas/Money/%s: %w", ext.RequestAmount, err)
		}
		for method, op := range item.Operations() {
			// The key is checked by Sandbox.authorize, not by the validation: the route's
			// operation is a copy declaring no security requirement.
			unsecured := *op
			unsecured.Security = &openapi3.SecurityRequirements{}
			p.ops[method] = &specOp{route: &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: &unsecured}, amountForm: form}
		}
		r.paths = append(r.paths, p)
	}
	return r, nil
}

// find returns the operation req calls and its path parameters, still escaped as sent;
// routers.ErrPathNotFound or routers.ErrMethodNotAllowed if there is none.
func (r *router) find(req *http.Request) (*specOp, map[string]string, error) {
	rest, ok := strings.CutPrefix(req.URL.EscapedPath(), pathPrefix+"/")
	if !ok {
		return nil, nil, routers.ErrPathNotFound
	}
	n := strings.Count(rest, "/") + 1
	for _, p := range r.paths {
		if len(p.segments) != n || !p.match(rest) {
			continue
		}
		op := p.ops[req.Method]
		if op == nil {
			return nil, nil, routers.ErrMethodNotAllowed
		}
		params := make(map[string]string, len(op.route.Operation.Parameters))
		for _, s := range p.segments {
			var seg string
			seg, rest, _ = strings.Cut(rest, "/")
			if name, ok := param(s); ok {
				params[name] = seg
			}
		}
		return op, params, nil
	}
	return nil, nil, routers.ErrPathNotFound
}

// match reports whether path's segments (as many as p's) match p's.
func (p *routedPath) match(path string) bool {
	for _, s := range p.segments {
		var seg string
		seg, path, _ = strings.Cut(path, "/")
		if _, ok := param(s); ok {
			if seg == "" {
				return false
			}
		} else if seg != s {
			return false
		}
	}
	return true
}

// param returns the name of a parameter segment ({name}).
func param(segment string) (string, bool) {
	if len(segment) > 2 && segment[0] == '{' && segment[len(segment)-1] == '}' {
		return segment[1 : len(segment)-1], true
	}
	return "", false
}
