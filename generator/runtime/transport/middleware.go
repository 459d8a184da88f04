package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
	"github.com/qiwigen/qiwigen/generator/runtime/redact"
)

// Middleware wraps each attempt of each call, as an http.RoundTripper wraps another: it
// gets the next step and returns a step that may act before and after it. It is the hook
// for tracing and metrics: CallInfoFromContext(req.Context()) names the operation and the
// attempt; the request gives the method and URL; the answer gives the status; the
// middleware times the attempt itself. It may add headers to the request.
//
// A middleware never sees the secrets of a call. The request it gets carries neither the
// API key nor a payout's X-Digital-Sign signature: the Caller adds both below the last
// middleware, to a copy, and the answer's Request is the request the middleware passed
// on. Nor can it send the key elsewhere: a request whose method or URL a middleware changed
// is refused (apierr.ErrConfig). Its body is http.NoBody (ContentLength still gives the size): the Caller sends the
// call's own body, which a middleware cannot read or replace, so that a payout's card
// number stays out of traces. A header a middleware sets that the Caller sets too
// (Authorization, Accept, User-Agent, X-Digital-Sign) is overwritten.
//
// The answer's body is the Caller's to read: a middleware must not read or close it. A
// middleware passes on the request's context or one derived from it (the Caller finds
// the call there); one that answers without calling next (a cache, a fake) returns a
// response with a body. RoundTripFunc writes a step in place; any existing RoundTripper
// middleware fits as well:
//
//	WithMiddleware(func(next http.RoundTripper) http.RoundTripper { return otelhttp.NewTransport(next) })
//
// Middlewares are built once, when the Caller is made, and are called concurrently.
type Middleware func(next http.RoundTripper) http.RoundTripper

// RoundTripFunc is an http.RoundTripper written as a function, as http.HandlerFunc is a
// Handler: the step a Middleware returns.
type RoundTripFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls f(req).
func (f RoundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// CallInfo describes the attempt a middleware wraps.
type CallInfo struct {
	// Operation is the spec's operationId (getPayment).
	Operation string
	// Attempt counts the attempts of the call from 1; a retry of an idempotent call has 2.
	Attempt int
}

// CallInfoFromContext returns the CallInfo of the attempt whose request carries ctx (or a
// context derived from it): in a Middleware, and below the middlewares in the HTTP client's
// transport. It reports false elsewhere, and for a Caller without middlewares, which does
// not put it there.
func CallInfoFromContext(ctx context.Context) (CallInfo, bool) {
	if s, ok := ctx.Value(attemptKey{}).(*attemptState); ok {
		return s.info, true
	}
	return CallInfo{}, false
}

// WithMiddleware wraps every attempt of every call in the given middlewares; the first is
// the outermost, the first to see a request and the last to see its answer. Repeated
// WithMiddleware options add to the chain. A nil middleware, or one that returns a nil
// RoundTripper, is an error. A Caller without middlewares spends nothing on them.
func WithMiddleware(mws ...Middleware) Option {
	return func(c *Caller) error {
		for i, mw := range mws {
			if mw == nil {
				return fmt.Errorf("%w: middleware %d of %d is nil", apierr.ErrConfig, i+1, len(mws))
			}
		}
		c.middlewares = append(c.middlewares, mws...)
		return nil
	}
}

// chain builds the middlewares around the Caller's last step, innermost first.
func (c *Caller) chain() (http.RoundTripper, error) {
	var rt http.RoundTripper = sendStep{c}
	for i := len(c.middlewares) - 1; i >= 0; i-- {
		if rt = c.middlewares[i](rt); rt == nil {
			return nil, fmt.Errorf("%w: middleware %d returned a nil RoundTripper", apierr.ErrConfig, i+1)
		}
	}
	return rt, nil
}

// attemptKey keys the attemptState in a request's context.
type attemptKey struct{}

// attemptState is what the Caller's last step needs of an attempt that a middleware must
// not see: the call's body, and whether to sign it.
type attemptState struct {
	info    CallInfo
	sign    bool
	method  string
	url     url.URL // the URL the Caller built, which the key may go to
	body    io.ReadCloser
	getBody func() (io.ReadCloser, error)
}

// errNoCall is returned by the Caller's last step for a request without its attemptState:
// a middleware that passed on a context not derived from the request's.
var errNoCall = errors.New("the request reached the Caller without its call: a middleware replaced its context")

// errRerouted is returned by the Caller's last step for a request whose method or URL a
// middleware changed: the key goes only where the Caller sends it.
var errRerouted = errors.New("a middleware changed the request's method or URL")

// errNoAnswer is the error of an attempt whose middleware returned neither an answer nor an
// error.
var errNoAnswer = errors.New("a middleware returned no answer and no error")

// sendStep is the innermost step of the middleware chain: it sends a copy of the request
// with the call's body, the key and the signature, and answers with the middleware's
// request in place of that copy.
type sendStep struct{ c *Caller }

// Format describes the step without the Caller's secrets, for every fmt verb: a middleware
// printing its next step prints this.
func (s sendStep) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, "qiwi.sendStep{"+s.c.String()+"}")
}

// RoundTrip sends req as the Caller sends a call without middlewares.
func (s sendStep) RoundTrip(req *http.Request) (*http.Response, error) {
	st, ok := req.Context().Value(attemptKey{}).(*attemptState)
	if !ok {
		return nil, fmt.Errorf("%w: %w", apierr.ErrConfig, errNoCall)
	}
	if req.Method != st.method || req.URL == nil || *req.URL != st.url {
		return nil, fmt.Errorf("%w: %w", apierr.ErrConfig, errRerouted)
	}
	out := req.WithContext(req.Context()) // a shallow copy: the middleware's request stays as it was
	out.Header = req.Header.Clone()
	if out.Header == nil {
		out.Header = http.Header{}
	}
	out.Body, out.GetBody = nil, st.getBody
	switch {
	case st.getBody != nil: // a fresh body each time, should a middleware send twice
		body, err := st.getBody()
		if err != nil {
			return nil, err
		}
		out.Body = body
	case st.body != nil:
		out.Body, st.body = st.body, nil
	}
	s.c.authorize(out)
	if st.sign {
		if err := s.c.signRequest(out); err != nil {
			return nil, err
		}
	}
	resp, err := s.c.sendGuarded(out)
	if resp != nil {
		resp.Request = req
	}
	return resp, err
}
