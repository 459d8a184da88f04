package sandbox

import (
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/qiwigen/qiwigen/contracttest/internal/specroute"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
	"github.com/qiwigen/qiwigen/spec/ext"
)

// router finds the operation a request calls, by the spec's paths under pathPrefix (on any
// host): specroute's router, the verdict's too, with what serving each route needs beside.
type router struct {
	routes *specroute.Router
	ops    map[*routers.Route]*specOp
}

// pathPrefix is where the sandbox serves the spec's paths.
const pathPrefix = "/partner"

// specOp is what serving an operation needs, read from the spec once.
type specOp struct {
	route *routers.Route
	// amountForm is how the operation's API wants request amounts written.
	amountForm wiretype.AmountForm
	// handler emulates the operation; nil when the sandbox does not (answered 501).
	handler handlerFunc
}

// newRouter reads the routes of doc. money is its Money schema, whose x-qiwi-request-amount
// says how each API wants request amounts written (read through ext.RequestAmountForm,
// checked by wiretype.AmountForm.Check: the rule the judge and the client apply too).
// handlers are the emulated operations by operationId: each route gets its operation's.
func newRouter(doc *openapi3.T, money *openapi3.Schema, handlers map[string]handlerFunc) (*router, error) {
	routes, err := specroute.New(doc, openapi3.Servers{{URL: pathPrefix}})
	if err != nil {
		return nil, err
	}
	r := &router{routes: routes, ops: map[*routers.Route]*specOp{}}
	forms := map[string]wiretype.AmountForm{}
	for _, route := range routes.Routes() {
		form, ok := forms[route.Path]
		if !ok {
			if form, err = ext.RequestAmountForm(money, route.Path); err != nil {
				return nil, fmt.Errorf("/components/schemas/Money/%s: %w", ext.RequestAmount, err)
			}
			forms[route.Path] = form
		}
		// The key is checked by Sandbox.authorize, not by the validation: the route's
		// operation is a copy declaring no security requirement.
		unsecured := *route.Operation
		unsecured.Security = &openapi3.SecurityRequirements{}
		served := *route
		served.Operation = &unsecured
		r.ops[route] = &specOp{route: &served, amountForm: form, handler: handlers[route.Operation.OperationID]}
	}
	return r, nil
}

// find returns the operation req calls and its path parameters, still escaped as sent;
// routers.ErrPathNotFound or routers.ErrMethodNotAllowed if there is none.
func (r *router) find(req *http.Request) (*specOp, map[string]string, error) {
	route, params, err := r.routes.FindRoute(req)
	if err != nil {
		return nil, nil, err
	}
	op, ok := r.ops[route]
	if !ok { // every route of r.routes has its operation: not reached
		return nil, nil, routers.ErrPathNotFound
	}
	return op, params, nil
}
