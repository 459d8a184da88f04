package sandbox

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/spec"
	"github.com/qiwigen/qiwigen/spec/ext"
	"github.com/qiwigen/qiwigen/spec/load"
)

// specDoc loads the bundled spec and its Money schema.
func specDoc(t *testing.T) (*openapi3.T, *openapi3.Schema) {
	t.Helper()
	doc, err := load.Document(spec.Resolved)
	require.NoError(t, err)
	return doc, doc.Components.Schemas["Money"].Value
}

// Every operation of the spec is served under /partner by an unsecured copy of it (the key
// is checked by Sandbox.authorize) with its API's amount form; elsewhere nothing is (the
// router itself is held equal to gorilla/mux's in specroute).
func TestRouterServesEveryOperation(t *testing.T) {
	doc, money := specDoc(t)
	r, err := newRouter(doc, money, handlers)
	require.NoError(t, err)
	served := 0
	for path, item := range doc.Paths.Map() {
		concrete := path
		for strings.Contains(concrete, "{") {
			concrete = concrete[:strings.IndexByte(concrete, '{')] + "id" + concrete[strings.IndexByte(concrete, '}')+1:]
		}
		form, err := ext.RequestAmountForm(money, path)
		require.NoError(t, err)
		for method, want := range item.Operations() {
			op, params, err := r.find(httptest.NewRequest(method, pathPrefix+concrete, nil))
			require.NoError(t, err, "%s %s", method, concrete)
			served++
			assert.Equal(t, want.OperationID, op.route.Operation.OperationID)
			assert.Equal(t, path, op.route.Path)
			assert.Equal(t, &openapi3.SecurityRequirements{}, op.route.Operation.Security, want.OperationID)
			assert.NotSame(t, want, op.route.Operation, "the spec's operation keeps its security")
			assert.Equal(t, form, op.amountForm, want.OperationID)
			assert.Equal(t, handlers[want.OperationID] != nil, op.handler != nil, "%s: the route carries its handler", want.OperationID)
			assert.Len(t, params, strings.Count(path, "{"))
			_, _, err = r.find(httptest.NewRequest(method, concrete, nil))
			assert.ErrorIs(t, err, routers.ErrPathNotFound, "%s %s", method, concrete)
		}
	}
	assert.Len(t, r.ops, served)
}

// A spec path the router cannot match (a parameter inside a segment) and a broken amount
// rule are refused when the sandbox starts, naming where; before, the path was routed by
// regexp and the rule answered every request 500.
func TestRouterRefusesWhatItCannotServe(t *testing.T) {
	doc, money := specDoc(t)
	doc.Paths.Set("/bill/v1/bills/{billId}.json", doc.Paths.Value("/bill/v1/bills/{billId}"))
	_, err := newRouter(doc, money, handlers)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `/paths/~1bill~1v1~1bills~1{billId}.json: the segment "{billId}.json"`)

	doc, money = specDoc(t)
	money.Extensions[ext.RequestAmount] = map[string]any{"/payin/": map[string]any{"form": "three-digits", "source": "x"}}
	_, err = newRouter(doc, money, handlers)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/components/schemas/Money/"+ext.RequestAmount)
	assert.Contains(t, err.Error(), `"three-digits"`)
}

// The handler a request runs is its route's, given when the router is built: an operation
// the router got no handler for answers 501 naming it, whatever the package's table holds
// (before, each request looked its handler up in that table by operationId).
func TestRouteHandlerIsServed(t *testing.T) {
	sb, err := New(Options{Now: func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }})
	require.NoError(t, err)
	defer sb.Close()
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/partner/payin/v1/sites/s/payments/p", nil)
		req.Header.Set("Authorization", "Bearer key")
		w := httptest.NewRecorder()
		sb.ServeHTTP(w, req)
		return w
	}
	w := get()
	assert.Equal(t, http.StatusNotFound, w.Code, w.Body.String())

	doc, money := specDoc(t)
	without := maps.Clone(handlers)
	delete(without, "getPayment")
	sb.router, err = newRouter(doc, money, without)
	require.NoError(t, err)
	w = get()
	assert.Equal(t, http.StatusNotImplemented, w.Code)
	assert.Contains(t, w.Body.String(), `"description":"getPayment is not emulated by the sandbox yet"`)
}

// BenchmarkRouterFind finds the operation of a capture (a path late in matching order).
func BenchmarkRouterFind(b *testing.B) {
	doc, err := load.Document(spec.Resolved)
	require.NoError(b, err)
	r, err := newRouter(doc, doc.Components.Schemas["Money"].Value, handlers)
	require.NoError(b, err)
	req := httptest.NewRequest("PUT", "/partner/payin/v1/sites/s/payments/p/captures/c", nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := r.find(req); err != nil {
			b.Fatal(err)
		}
	}
}
