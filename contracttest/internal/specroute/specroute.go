// Package specroute finds the operation of an OpenAPI document a request calls: the one
// router of the sandbox and of replay's verdict. It is kin-openapi's gorilla/mux router
// (routers/gorillamux) without the regular expressions: the same routes, found in the same
// order, with the same parameters and errors, for the paths and servers it accepts.
//
// A route is a spec path under a server: the server's scheme and host (when its URL has
// them) must be the request's, and its path is a prefix of the spec path. The request's
// escaped path (%2F may be part of an ID) is matched segment by segment, a literal by
// itself and a parameter ({paymentId}) by any non-empty segment; paths are tried in
// kin-openapi's matching order (literal segments before parameters), each under its
// servers in order, and the first that matches decides.
package specroute

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// ErrUnsupported is wrapped by New's errors about a path or a server it cannot route
// (gorilla/mux would have, with a regular expression).
var ErrUnsupported = errors.New("not supported by the router")

// Router is a routers.Router over a document's paths and servers. It is safe for concurrent
// use; the routes it returns are shared and must not be modified.
type Router struct {
	paths  []path
	routes []*routers.Route
}

var _ routers.Router = (*Router)(nil)

// path is a spec path split into its segments, with its routes under each server.
type path struct {
	// segments follow the path's leading slash.
	segments []segment
	// params is how many segments are parameters.
	params  int
	servers []server
	// routes holds, for each server (same index), the routes by method.
	routes [][]methodRoute
}

// segment is a path segment: a literal, or a parameter (its name in param).
type segment struct {
	literal, param string
}

type methodRoute struct {
	method string
	route  *routers.Route
}

// server is where a path is served: a request must have its scheme and host (each when
// given) and its escaped path must start with base.
type server struct {
	scheme string // lower case; "" matches any
	host   string // "" matches any
	// anyPort: the host has no port, so the request's port (after the first colon) is
	// ignored.
	anyPort bool
	// base is the server URL's escaped path without a trailing slash.
	base string
	// slashes is how many slashes base has.
	slashes int
	server  *openapi3.Server
}

// New reads the routes of doc, a validated document, served under servers (usually
// doc.Servers; none means any host and no prefix). A path item's own servers replace them
// for its path, as in gorilla/mux. A path whose segment is neither a literal nor a whole
// {parameter}, and a server URL with variables, are refused (ErrUnsupported), naming where.
func New(doc *openapi3.T, servers openapi3.Servers) (*Router, error) {
	if doc.Paths == nil {
		return &Router{}, nil
	}
	defaults, err := makeServers(servers, "/servers")
	if err != nil {
		return nil, err
	}
	r := &Router{}
	for _, p := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(p)
		where := "/paths/" + pointerToken(p)
		rp := path{servers: defaults}
		for _, s := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
			if name, ok := param(s); ok {
				rp.segments = append(rp.segments, segment{param: name})
				rp.params++
			} else if strings.ContainsAny(s, "{}") {
				return nil, fmt.Errorf("%s: the segment %q is neither a literal nor a whole {parameter}: %w", where, s, ErrUnsupported)
			} else {
				rp.segments = append(rp.segments, segment{literal: s})
			}
		}
		if len(item.Servers) > 0 {
			if rp.servers, err = makeServers(item.Servers, where+"/servers"); err != nil {
				return nil, err
			}
		}
		for _, s := range rp.servers {
			var routes []methodRoute
			ops := item.Operations()
			for _, method := range slices.Sorted(maps.Keys(ops)) {
				// The operation gorilla/mux's FindRoute would give for method.
				op := ops[method]
				if item.GetOperation(method) != op {
					continue
				}
				route := &routers.Route{Spec: doc, Server: s.server, Path: p, PathItem: item, Method: method, Operation: op}
				routes = append(routes, methodRoute{method: method, route: route})
				r.routes = append(r.routes, route)
			}
			rp.routes = append(rp.routes, routes)
		}
		r.paths = append(r.paths, rp)
	}
	return r, nil
}

// makeServers reads servers (at where, a JSON pointer): none is one server matching any
// host, with no prefix.
func makeServers(servers openapi3.Servers, where string) ([]server, error) {
	if len(servers) == 0 {
		return []server{{}}, nil
	}
	out := make([]server, 0, len(servers))
	for i, s := range servers {
		at := fmt.Sprintf("%s/%d/url", where, i)
		if strings.ContainsAny(s.URL, "{}") {
			return nil, fmt.Errorf("%s: %q: server variables: %w", at, s.URL, ErrUnsupported)
		}
		var srv server
		if scheme, _, ok := strings.Cut(s.URL, "://"); ok {
			srv.scheme = strings.ToLower(scheme)
		}
		u, err := url.Parse(s.URL)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
		srv.host, srv.anyPort = u.Host, !strings.Contains(u.Host, ":")
		srv.base = strings.TrimSuffix(u.EscapedPath(), "/")
		srv.slashes = strings.Count(srv.base, "/")
		srv.server = s
		out = append(out, srv)
	}
	return out, nil
}

// Routes returns every route FindRoute returns: each path's (in matching order) under each
// of its servers, by method in lexical order.
func (r *Router) Routes() []*routers.Route { return r.routes }

// FindRoute returns the route req calls and its path parameters, still escaped as sent;
// routers.ErrPathNotFound, or routers.ErrMethodNotAllowed when the first path that matches
// has no operation for req's method.
func (r *Router) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	escaped := req.URL.EscapedPath()
	// A path matches only a request path with as many slashes as its server's base and
	// its segments have: the cheap test first.
	slashes := strings.Count(escaped, "/")
	host := req.Host
	if req.URL.IsAbs() {
		host = req.URL.Host
	}
	// The host without its port, for a server host without one.
	hostname := host
	if i := strings.IndexByte(host, ':'); i >= 0 {
		hostname = host[:i]
	}
	scheme := req.URL.Scheme
	if scheme == "" {
		scheme = "http"
		if req.TLS != nil {
			scheme = "https"
		}
	}
	for i := range r.paths {
		p := &r.paths[i]
		for j := range p.servers {
			s := &p.servers[j]
			if s.slashes+len(p.segments) != slashes {
				continue
			}
			rest, ok := strings.CutPrefix(escaped, s.base)
			if !ok || !p.match(rest) || !s.accepts(scheme, host, hostname) {
				continue
			}
			for _, m := range p.routes[j] {
				if m.method == req.Method {
					return m.route, p.values(rest), nil
				}
			}
			return nil, nil, routers.ErrMethodNotAllowed
		}
	}
	return nil, nil, routers.ErrPathNotFound
}

// accepts reports whether a request's scheme and host (hostname without its port) are s's.
func (s *server) accepts(scheme, host, hostname string) bool {
	switch {
	case s.scheme != "" && scheme != s.scheme:
		return false
	case s.host == "":
		return true
	case s.anyPort:
		return hostname == s.host
	default:
		return host == s.host
	}
}

// match reports whether rest, an escaped path after the server's base, matches p's
// segments: a slash, then as many segments as p's, each p's literal or, for a parameter,
// not empty.
func (p *path) match(rest string) bool {
	rest, ok := strings.CutPrefix(rest, "/")
	if !ok {
		return false
	}
	last := len(p.segments) - 1
	for i, s := range p.segments {
		var end int // where the segment ends in rest
		if s.param == "" {
			if !strings.HasPrefix(rest, s.literal) {
				return false
			}
			end = len(s.literal)
		} else if end = strings.IndexByte(rest, '/'); end < 0 {
			end = len(rest)
		}
		if s.param != "" && end == 0 {
			return false
		}
		rest = rest[end:]
		if i == last {
			return rest == ""
		}
		if rest, ok = strings.CutPrefix(rest, "/"); !ok {
			return false
		}
	}
	return true
}

// values returns the parameters of rest, an escaped path p matches.
func (p *path) values(rest string) map[string]string {
	out := make(map[string]string, p.params)
	rest = rest[1:]
	for _, s := range p.segments {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		if s.param != "" {
			out[s.param] = seg
		}
	}
	return out
}

// param returns the name of a parameter segment ({name}); a name with a colon would be a
// gorilla/mux pattern, and is no parameter.
func param(segment string) (string, bool) {
	if len(segment) > 2 && segment[0] == '{' && segment[len(segment)-1] == '}' {
		name := segment[1 : len(segment)-1]
		if !strings.ContainsAny(name, "{}:") {
			return name, true
		}
	}
	return "", false
}

// pointerToken escapes s as a JSON pointer token.
func pointerToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
