package transport

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
)

// seenAttempt is what a recording middleware saw of one attempt.
type seenAttempt struct {
	info      CallInfo
	infoOK    bool
	method    string
	path      string
	auth      []string // the Authorization values of the request, before and after next
	authAfter []string
	respAuth  string // the Authorization header of the answer's Request
	sign      string
	body      string
	requestID string
	status    int
	err       error
	duration  time.Duration
}

// recorder is a middleware that notes every attempt and adds a header of its own.
type recorder struct {
	mu   sync.Mutex
	seen []seenAttempt
}

func (r *recorder) middleware(next http.RoundTripper) http.RoundTripper {
	return RoundTripFunc(func(req *http.Request) (*http.Response, error) {
		var s seenAttempt
		s.info, s.infoOK = CallInfoFromContext(req.Context())
		s.method, s.path = req.Method, req.URL.Path
		s.auth = req.Header.Values("Authorization")
		s.sign = req.Header.Get("X-Digital-Sign")
		s.requestID = req.Header.Get("X-Request-Id")
		if req.Body != nil {
			b, _ := io.ReadAll(req.Body)
			s.body = string(b)
		}
		req.Header.Set("X-Trace", "t-1")
		start := time.Now()
		resp, err := next.RoundTrip(req)
		s.duration, s.err = time.Since(start), err
		s.authAfter = req.Header.Values("Authorization")
		if resp != nil {
			s.status = resp.StatusCode
			if resp.Request != nil {
				s.respAuth = resp.Request.Header.Get("Authorization")
			}
		}
		r.mu.Lock()
		r.seen = append(r.seen, s)
		r.mu.Unlock()
		return resp, err
	})
}

// A retried GET shows the middleware its operation, attempts 1 and 2, the statuses, a
// duration, and never the key; the header the middleware adds arrives, as does the key.
func TestMiddlewareSeesEachAttempt(t *testing.T) {
	s := &scripted{script: []func(http.ResponseWriter, *http.Request){
		answer(503, ""), answer(200, `{"paymentId":"p1","status":{"value":"COMPLETED"}}`)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	rec := &recorder{}
	c, _ := newTestCaller(t, srv, WithMiddleware(rec.middleware))
	var out payment
	require.NoError(t, doCall(context.Background(), c, OperationInfo{ID: "getPayment", Idempotent: true}, get, &out))
	assert.Equal(t, "p1", out.PaymentID)

	require.Len(t, rec.seen, 2)
	for i, want := range []int{503, 200} {
		got := rec.seen[i]
		assert.True(t, got.infoOK)
		assert.Equal(t, CallInfo{Operation: "getPayment", Attempt: i + 1}, got.info)
		assert.Equal(t, http.MethodGet, got.method)
		assert.Equal(t, "/partner/payin/v1/sites/site-1/payments/p1", got.path)
		assert.Equal(t, want, got.status)
		assert.NoError(t, got.err)
		assert.Positive(t, got.duration)
		assert.Empty(t, got.auth, "the middleware does not see the key")
		assert.Empty(t, got.authAfter, "nor after the attempt")
		assert.Empty(t, got.respAuth, "nor in the answer's request")
	}
	require.Len(t, s.seen, 2)
	for _, r := range s.seen {
		assert.Equal(t, "t-1", r.Header.Get("X-Trace"), "the middleware's header arrives")
		assert.Equal(t, "Bearer test-key-0123456789", r.Header.Get("Authorization"), "the key arrives")
	}
}

// A payout's middleware sees neither its body (a card number) nor its signature; both arrive.
func TestMiddlewareDoesNotSeeThePayout(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	s := &scripted{script: []func(http.ResponseWriter, *http.Request){answer(200, `{}`)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	rec := &recorder{}
	c, _ := newTestCaller(t, srv, WithPayoutSigner(key), WithMiddleware(rec.middleware))
	body := `{"receiverData":{"type":"CARD","pan":"86003300000000000"}}`
	put := testRequest{http.MethodPut, "/payin/v1/sites/s/payments/p/payouts/x", body}
	require.NoError(t, doCall(context.Background(), c, OperationInfo{ID: "createPayout", Idempotent: true, Signed: true}, put, nil))
	require.Len(t, rec.seen, 1)
	assert.Empty(t, rec.seen[0].body, "the middleware does not read the body")
	assert.Empty(t, rec.seen[0].sign, "nor the signature")
	assert.Empty(t, rec.seen[0].auth)
	require.Len(t, s.bodies, 1)
	assert.Equal(t, body, s.bodies[0], "the body arrives whole")
	assert.NotEmpty(t, s.seen[0].Header.Get("X-Digital-Sign"), "signed")
}

// A middleware that answers itself, one that returns nothing, and one that drops the
// request's context: the Caller reports the last two as configuration errors, never panics.
func TestMiddlewaresThatMisbehave(t *testing.T) {
	s := &scripted{script: []func(http.ResponseWriter, *http.Request){answer(200, `{}`)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	fake := func(http.RoundTripper) http.RoundTripper {
		return RoundTripFunc(func(req *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{"paymentId":"fake"}`)), Request: req}, nil
		})
	}
	c, _ := newTestCaller(t, srv, WithMiddleware(fake))
	var out payment
	require.NoError(t, doCall(context.Background(), c, OperationInfo{ID: "getPayment"}, get, &out))
	assert.Equal(t, "fake", out.PaymentID)

	nothing := func(http.RoundTripper) http.RoundTripper {
		return RoundTripFunc(func(*http.Request) (*http.Response, error) { return nil, nil })
	}
	dropsContext := func(next http.RoundTripper) http.RoundTripper {
		return RoundTripFunc(func(req *http.Request) (*http.Response, error) {
			return next.RoundTrip(req.WithContext(context.Background()))
		})
	}
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	otherURL, err := url.Parse(other.URL)
	require.NoError(t, err)
	reroutes := func(next http.RoundTripper) http.RoundTripper {
		return RoundTripFunc(func(req *http.Request) (*http.Response, error) {
			req = req.Clone(req.Context())
			req.URL.Host = otherURL.Host
			return next.RoundTrip(req)
		})
	}
	changesMethod := func(next http.RoundTripper) http.RoundTripper {
		return RoundTripFunc(func(req *http.Request) (*http.Response, error) {
			req.Method = http.MethodDelete
			return next.RoundTrip(req)
		})
	}
	for name, mw := range map[string]Middleware{"no answer": nothing, "context dropped": dropsContext,
		"another host": reroutes, "another method": changesMethod} {
		c, _ := newTestCaller(t, srv, WithMiddleware(mw))
		err := doCall(context.Background(), c, OperationInfo{ID: "getPayment", Idempotent: true}, get, nil)
		assert.ErrorIs(t, err, apierr.ErrConfig, name)
	}
	assert.Equal(t, int32(0), s.calls.Load(), "nothing reached the server")
	assert.Equal(t, int32(0), elsewhere.Load(), "nor another one")
}

// Middlewares nest in the order given, the first outermost; a Caller without any puts no
// CallInfo in the context.
func TestMiddlewareOrder(t *testing.T) {
	srv := httptest.NewServer(&scripted{script: []func(http.ResponseWriter, *http.Request){answer(200, `{}`)}})
	defer srv.Close()
	var order []string
	named := func(name string) Middleware {
		return func(next http.RoundTripper) http.RoundTripper {
			return RoundTripFunc(func(req *http.Request) (*http.Response, error) {
				order = append(order, name+" in")
				resp, err := next.RoundTrip(req)
				order = append(order, name+" out")
				return resp, err
			})
		}
	}
	c, _ := newTestCaller(t, srv, WithMiddleware(named("a"), named("b")), WithMiddleware(named("c")))
	require.NoError(t, doCall(context.Background(), c, OperationInfo{ID: "getPayment"}, get, nil))
	assert.Equal(t, []string{"a in", "b in", "c in", "c out", "b out", "a out"}, order)

	var infoOK bool
	plain, _ := newTestCaller(t, srv, WithHTTPClient(&http.Client{Transport: RoundTripFunc(func(req *http.Request) (*http.Response, error) {
		_, infoOK = CallInfoFromContext(req.Context())
		return http.DefaultTransport.RoundTrip(req)
	})}))
	require.NoError(t, doCall(context.Background(), plain, OperationInfo{ID: "getPayment"}, get, nil))
	assert.False(t, infoOK)
	assert.Nil(t, plain.send, "no chain without middlewares")
}

func TestMiddlewareOptionsAreValidated(t *testing.T) {
	_, err := NewCaller("k", WithMiddleware(nil))
	assert.ErrorIs(t, err, apierr.ErrConfig)
	_, err = NewCaller("k", WithMiddleware(func(next http.RoundTripper) http.RoundTripper { return next }, nil))
	assert.ErrorIs(t, err, apierr.ErrConfig)
	assert.ErrorContains(t, err, "middleware 2 of 2 is nil")
	_, err = NewCaller("k", WithMiddleware(func(http.RoundTripper) http.RoundTripper { return nil }))
	assert.ErrorIs(t, err, apierr.ErrConfig)
}

// deadlineDoer notes whether each request's context has a deadline, then answers 200.
type deadlineDoer struct{ deadlines []bool }

func (d *deadlineDoer) Do(req *http.Request) (*http.Response, error) {
	_, ok := req.Context().Deadline()
	d.deadlines = append(d.deadlines, ok)
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{}`)), Request: req}, nil
}

// CallTimeout bounds the call it is given to, and not the next one.
func TestCallTimeoutBoundsOneCall(t *testing.T) {
	doer := &deadlineDoer{}
	c, err := NewCaller("k", WithBaseURL("http://qiwi.test"), WithHTTPClient(doer))
	require.NoError(t, err)
	op := OperationInfo{ID: "getPayment", Idempotent: true}
	ctx := context.Background()
	require.NoError(t, doCall(ctx, c, op, get, nil, CallTimeout(time.Minute)))
	require.NoError(t, doCall(ctx, c, op, get, nil))
	require.NoError(t, doCall(ctx, c, op, get, nil, CallTimeout(0)))
	assert.Equal(t, []bool{true, false, false}, doer.deadlines)

	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Hang") != "" {
			select { // does not answer until the test ends or the request is gone
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	defer close(release)
	hanging, _ := newTestCaller(t, srv)
	outer, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err = doCall(outer, hanging, op, get, nil, CallTimeout(50*time.Millisecond), CallHeader("X-Hang", "1"))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NoError(t, outer.Err(), "the call's own bound ended it, not its context")
	assert.NoError(t, doCall(ctx, hanging, op, get, nil), "the next call is not bounded by it")
}

// A call's headers arrive with every attempt; the headers the Caller sets are refused, and
// a refused call sends nothing.
func TestCallHeader(t *testing.T) {
	s := &scripted{script: []func(http.ResponseWriter, *http.Request){answer(503, ""), answer(200, `{}`)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	rec := &recorder{}
	c, _ := newTestCaller(t, srv, WithMiddleware(rec.middleware))
	op := OperationInfo{ID: "getPayment", Idempotent: true}
	require.NoError(t, doCall(context.Background(), c, op, get, nil,
		CallHeader("x-request-id", "first"), CallHeader("X-Request-Id", "req-42")))
	require.Len(t, s.seen, 2)
	for i, r := range s.seen {
		assert.Equal(t, []string{"req-42"}, r.Header.Values("X-Request-Id"), "attempt %d", i+1)
		assert.Equal(t, "req-42", rec.seen[i].requestID, "the middleware sees it")
	}

	for name, opt := range map[string]CallOption{
		"Authorization":        CallHeader("Authorization", "Bearer other-key"),
		"lower-case":           CallHeader("authorization", "Bearer other-key"),
		"signature":            CallHeader("X-Digital-Sign", "forged"),
		"content type":         CallHeader("Content-Type", "text/plain"),
		"name with a space":    CallHeader("X Request", "1"),
		"empty name":           CallHeader("", "1"),
		"value with CRLF":      CallHeader("X-Request-Id", "1\r\nAuthorization: Bearer other"),
		"negative timeout":     CallTimeout(-time.Second),
		"nil option":           nil,
		"refused after a good": CallHeader("Host", "evil.test"),
	} {
		err := doCall(context.Background(), c, op, get, nil, CallHeader("X-Ok", "1"), opt)
		assert.ErrorIs(t, err, ErrArgument, name)
		assert.NotContains(t, err.Error(), "other-key", "the value is never in the error")
	}
	assert.Equal(t, int32(2), s.calls.Load(), "refused calls send nothing")
	err := doCall(context.Background(), c, op, get, nil, CallHeader("Authorization", "Bearer other-key"))
	assert.Equal(t, "qiwi: getPayment: qiwi: invalid argument: CallHeader: the client sets Authorization itself", err.Error())
}

// A middleware printing the step it wraps, with any verb, prints no API key.
func TestMiddlewarePrintsNoKey(t *testing.T) {
	const key = "SECRETKEY-5c4b25xx93aa435d9cb8"
	var printed []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	c, err := NewCaller(key, WithBaseURL(srv.URL), WithMiddleware(func(next http.RoundTripper) http.RoundTripper {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%t"} {
			printed = append(printed, fmt.Sprintf(verb, next), fmt.Sprintf(verb, struct{ n http.RoundTripper }{next}))
		}
		return next
	}))
	require.NoError(t, err)
	require.NoError(t, doCall(context.Background(), c, OperationInfo{ID: "op"}, testRequest{http.MethodGet, "/x", ""}, nil))
	require.NotEmpty(t, printed)
	for _, out := range printed {
		assert.NotContains(t, out, key)
		assert.NotContains(t, out, hex.EncodeToString([]byte(key)))
	}
}
