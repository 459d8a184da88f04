package sandbox

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
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

// The router finds what kin-openapi's gorilla/mux router finds, under /partner: the same
// operation, the same escaped parameters, 405 for a known path with another method, 404
// for the rest; for every path of the spec, with IDs that are plain, escaped (%2F, %20),
// empty, and with a segment too many or too few.
func TestRouterAgreesWithGorillaMux(t *testing.T) {
	doc, money := specDoc(t)
	ours, err := newRouter(doc, money)
	require.NoError(t, err)
	theirsDoc, _ := specDoc(t)
	theirsDoc.Servers = openapi3.Servers{{URL: pathPrefix}}
	theirs, err := gorillamux.NewRouter(theirsDoc)
	require.NoError(t, err)
	kind := func(err error) string {
		switch {
		case err == nil:
			return "found"
		case errors.Is(err, routers.ErrMethodNotAllowed):
			return "405"
		default:
			return "404"
		}
	}
	var paths []string
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, id := range []string{"p-1", "a%2Fb", "order%201", "", "x.json"} {
			concrete := path
			for {
				start := strings.IndexByte(concrete, '{')
				if start < 0 {
					break
				}
				end := strings.IndexByte(concrete, '}')
				concrete = concrete[:start] + id + concrete[end+1:]
			}
			paths = append(paths, pathPrefix+concrete, pathPrefix+concrete+"/", pathPrefix+concrete+"/extra", pathPrefix+concrete[:strings.LastIndexByte(concrete, '/')])
		}
	}
	paths = append(paths, "/", "/partner", "/partner/", "/payin/v1/sites/s/payments/p", "/partnerx/payin/v1/sites/s/payments/p")
	found := 0
	for _, path := range paths {
		for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodPatch} {
			req := httptest.NewRequest(method, "http://sandbox.test"+path, nil)
			op, params, err := ours.find(req)
			route, wantParams, wantErr := theirs.FindRoute(req)
			require.Equal(t, kind(wantErr), kind(err), "%s %s: %v, gorilla/mux: %v", method, path, err, wantErr)
			if wantErr != nil {
				continue
			}
			found++
			assert.Equal(t, route.Operation.OperationID, op.route.Operation.OperationID, "%s %s", method, path)
			assert.Equal(t, route.Path, op.route.Path, "%s %s", method, path)
			assert.Equal(t, wantParams, params, "%s %s", method, path)
		}
	}
	assert.Greater(t, found, 3*len(doc.Paths.Map()), "most paths are found")
}

// A spec path the router cannot match (a parameter inside a segment) and a broken amount
// rule are refused when the sandbox starts, naming where; before, the path was routed by
// regexp and the rule answered every request 500.
func TestRouterRefusesWhatItCannotServe(t *testing.T) {
	doc, money := specDoc(t)
	doc.Paths.Set("/bill/v1/bills/{billId}.json", doc.Paths.Value("/bill/v1/bills/{billId}"))
	_, err := newRouter(doc, money)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `/paths/~1bill~1v1~1bills~1{billId}.json: the segment "{billId}.json"`)

	doc, money = specDoc(t)
	money.Extensions[ext.RequestAmount] = map[string]any{"/payin/": map[string]any{"form": "three-digits", "source": "x"}}
	_, err = newRouter(doc, money)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/components/schemas/Money/"+ext.RequestAmount)
	assert.Contains(t, err.Error(), `"three-digits"`)
}
