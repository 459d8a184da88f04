package specroute

import (
	"crypto/tls"
	"errors"
	"maps"
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
	"github.com/qiwigen/qiwigen/spec/load"
)

// specDoc loads the bundled spec.
func specDoc(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := load.Document(spec.Resolved)
	require.NoError(t, err)
	return doc
}

// kind is what a router's error says: found, 405 or 404.
func kind(err error) string {
	switch {
	case err == nil:
		return "found"
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return "405"
	case errors.Is(err, routers.ErrPathNotFound):
		return "404"
	default:
		return "other: " + err.Error()
	}
}

// concretePaths are requests' paths for every path of doc: under prefix and without it, with
// IDs that are plain, escaped (%2F) and empty, and with a segment too many
// or too few; and a few paths no route has.
func concretePaths(doc *openapi3.T) []string {
	var out []string
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, id := range []string{"p-1", "a%2Fb", ""} {
			concrete := path
			for {
				start := strings.IndexByte(concrete, '{')
				if start < 0 {
					break
				}
				end := strings.IndexByte(concrete, '}')
				concrete = concrete[:start] + id + concrete[end+1:]
			}
			for _, prefix := range []string{"/partner", ""} {
				c := prefix + concrete
				out = append(out, c, c+"/", c+"/extra", c[:strings.LastIndexByte(c, '/')])
			}
		}
	}
	return append(out, "/", "/partner", "/partner/", "/partnerx/payin/v1/sites/s/payments/p",
		"/partner/partner/payin/v1/sites/s/payments/p", "//payin/v1/sites/s/payments/p", "/PARTNER/payin/v1/sites/s/payments/p")
}

// outcome is what FindRoute returned, comparable.
type outcome struct {
	kind, path, method string
	spec               *openapi3.T
	item               *openapi3.PathItem
	op                 *openapi3.Operation
	server             *openapi3.Server
}

func outcomeOf(route *routers.Route, _ map[string]string, err error) outcome {
	o := outcome{kind: kind(err)}
	if route != nil {
		o.path, o.method, o.spec, o.item, o.op, o.server = route.Path, route.Method, route.Spec, route.PathItem, route.Operation, route.Server
	}
	return o
}

// The router finds what kin-openapi's gorilla/mux router finds: the same route (path,
// method, operation, server), the same escaped parameters, 405 for a known path with
// another method, 404 for the rest. Under the sandbox's servers (a /partner prefix, any
// host), the verdict's (the replay host with and without /partner), none, and servers with
// a scheme, a host, a port and a trailing slash, one path having its own.
func TestRouterAgreesWithGorillaMux(t *testing.T) {
	doc := specDoc(t)
	// Each configuration's servers, and the requests its servers tell apart: as a server
	// receives them (a path, and a Host; absolute, and with TLS for https) or as the verdict
	// builds them from recorded URLs (the replay host followed by the URL, which may bring a
	// port, user information, another host or scheme).
	received := func(targets ...string) func(string) []*http.Request {
		return func(path string) []*http.Request {
			var out []*http.Request
			for _, target := range targets {
				out = append(out, httptest.NewRequest(http.MethodGet, target+path, nil))
			}
			// A path only, its host in the Host header, over TLS and not.
			for _, secure := range []bool{true, false} {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Host = "api.qiwi.com:443"
				if secure {
					req.TLS = &tls.ConnectionState{}
				}
				out = append(out, req)
			}
			// A Host header that is not the absolute URL's host (a proxy's request).
			req := httptest.NewRequest(http.MethodGet, "https://api.qiwi.com:443"+path, nil)
			req.Host = "other.example"
			other := httptest.NewRequest(http.MethodGet, "https://other.example"+path, nil)
			other.Host = "api.qiwi.com:443"
			return append(out, req, other)
		}
	}
	recorded := func(path string) []*http.Request {
		var out []*http.Request
		for _, url := range []string{path, path[min(1, len(path)):], ":8080" + path, "@other" + path, "https://api.qiwi.com/partner" + path, "//x" + path} {
			if req, err := http.NewRequest(http.MethodGet, "http://qiwi.replay"+url, nil); err == nil {
				out = append(out, req)
			}
		}
		return out
	}
	configs := map[string]struct {
		servers  openapi3.Servers
		requests func(path string) []*http.Request
	}{
		"sandbox": {openapi3.Servers{{URL: "/partner"}}, received("", "https://api.qiwi.com:443")},
		"verdict": {openapi3.Servers{{URL: "http://qiwi.replay/partner"}, {URL: "http://qiwi.replay"}}, recorded},
		"none":    {nil, received("", "https://api.qiwi.com:443")},
		"host": {openapi3.Servers{{URL: "HTTPS://api.qiwi.com:443/partner/"}, {URL: "//b2b-api.qiwi.com/partner"}},
			received("https://api.qiwi.com:443", "http://api.qiwi.com:443", "https://api.qiwi.com", "http://b2b-api.qiwi.com:80")},
	}
	paths := concretePaths(doc)
	methods := []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete}
	for name, config := range configs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc := specDoc(t)
			switch name {
			case "host":
				doc.Paths.Value("/payin/v1/sites/{siteId}/payments/{paymentId}").Servers = openapi3.Servers{{URL: "https://api.qiwi.com/other"}}
			case "none":
				// An additional operation named like a standard method is not the method's.
				item := doc.Paths.Value("/bill/v1/bills/{billId}")
				item.AdditionalOperations = map[string]*openapi3.Operation{http.MethodDelete: item.Get}
			}
			ours, err := New(doc, config.servers)
			require.NoError(t, err)
			theirsDoc := *doc
			theirsDoc.Servers = config.servers
			theirs, err := gorillamux.NewRouter(&theirsDoc)
			require.NoError(t, err)

			var requests []*http.Request
			for _, path := range paths {
				requests = append(requests, config.requests(path)...)
			}
			found, missing := 0, 0
			for _, req := range requests {
				for _, method := range methods {
					req.Method = method
					route, params, err := ours.FindRoute(req)
					want, wantParams, wantErr := theirs.FindRoute(req)
					got, expected := outcomeOf(route, params, err), outcomeOf(want, wantParams, wantErr)
					if expected.kind != "found" {
						missing++
					} else {
						found++
						expected.spec = doc // gorilla/mux's route names its own copy of doc
					}
					if got != expected || !maps.Equal(params, wantParams) || (params == nil) != (wantParams == nil) {
						require.Equal(t, expected, got, "%s %s (Host %s)", method, req.URL, req.Host)
						require.Equal(t, wantParams, params, "%s %s (Host %s)", method, req.URL, req.Host)
					}
				}
			}
			assert.Greater(t, found, 3*len(doc.Paths.Map()), "most paths are found")
			assert.Greater(t, missing, found, "most requests are not")
		})
	}
}

// Each route FindRoute returns is one of Routes, the same for every request; the
// parameters are the caller's own.
func TestRoutesAreShared(t *testing.T) {
	doc := specDoc(t)
	r, err := New(doc, openapi3.Servers{{URL: "/partner"}})
	require.NoError(t, err)
	routes := map[*routers.Route]bool{}
	for _, route := range r.Routes() {
		routes[route] = true
	}
	assert.Len(t, routes, len(r.Routes()))
	req := httptest.NewRequest(http.MethodGet, "/partner/payin/v1/sites/s/payments/p", nil)
	first, params, err := r.FindRoute(req)
	require.NoError(t, err)
	assert.True(t, routes[first])
	params["siteId"] = "changed"
	second, again, err := r.FindRoute(req)
	require.NoError(t, err)
	assert.Same(t, first, second)
	assert.Equal(t, map[string]string{"siteId": "s", "paymentId": "p"}, again)
}

// A path or a server the router cannot match as gorilla/mux would (a parameter inside a
// segment, a pattern, server variables) is refused, naming where.
func TestNewRefusesWhatItCannotRoute(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		edit       func(doc *openapi3.T) openapi3.Servers
	}{
		{"parameter inside a segment", `/paths/~1bill~1v1~1bills~1{billId}.json: the segment "{billId}.json"`, func(doc *openapi3.T) openapi3.Servers {
			doc.Paths.Set("/bill/v1/bills/{billId}.json", doc.Paths.Value("/bill/v1/bills/{billId}"))
			return nil
		}},
		{"pattern", `/paths/~1bill~1v1~1x~1{billId:.*}: the segment "{billId:.*}"`, func(doc *openapi3.T) openapi3.Servers {
			doc.Paths.Set("/bill/v1/x/{billId:.*}", doc.Paths.Value("/bill/v1/bills/{billId}"))
			return nil
		}},
		{"server variables", `/servers/0/url: "https://{host}/partner": server variables`, func(doc *openapi3.T) openapi3.Servers {
			return doc.Servers
		}},
		{"path server variables", `/paths/~1bill~1v1~1bills~1{billId}/servers/1/url: "{scheme}://x": server variables`, func(doc *openapi3.T) openapi3.Servers {
			doc.Paths.Value("/bill/v1/bills/{billId}").Servers = openapi3.Servers{{URL: "/x"}, {URL: "{scheme}://x"}}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := specDoc(t)
			servers := tc.edit(doc)
			_, err := New(doc, servers)
			require.ErrorIs(t, err, ErrUnsupported)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// BenchmarkFindRoute finds the operation of a request under the verdict's servers, by this
// router and by gorilla/mux.
func BenchmarkFindRoute(b *testing.B) {
	doc := specDoc(b)
	doc.Servers = openapi3.Servers{{URL: "http://qiwi.replay/partner"}, {URL: "http://qiwi.replay"}}
	req, err := http.NewRequest(http.MethodPut, "http://qiwi.replay/partner/payin/v1/sites/s/payments/p/captures/c", nil)
	require.NoError(b, err)
	ours, err := New(doc, doc.Servers)
	require.NoError(b, err)
	theirs, err := gorillamux.NewRouter(doc)
	require.NoError(b, err)
	for name, r := range map[string]routers.Router{"specroute": ours, "gorillamux": theirs} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := r.FindRoute(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
