package transport

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type payment struct {
	PaymentID string `json:"paymentId"`
	Status    struct {
		Value  string `json:"value"`
		Reason string `json:"reason"`
	} `json:"status"`
}

func (p *payment) QIWIStatus() (string, string, string) { return p.Status.Value, p.Status.Reason, "" }

// scripted answers each request with the next (status, headers, body) of the script.
type scripted struct {
	calls  atomic.Int32
	script []func(w http.ResponseWriter, r *http.Request)
	seen   []*http.Request
	bodies []string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.calls.Add(1)) - 1
	body, _ := io.ReadAll(r.Body)
	s.seen = append(s.seen, r.Clone(context.Background()))
	s.bodies = append(s.bodies, string(body))
	if n >= len(s.script) {
		n = len(s.script) - 1
	}
	s.script[n](w, r)
}

func answer(status int, body string, headers ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func newTestCaller(t *testing.T, srv *httptest.Server, opts ...Option) (*Caller, *[]time.Duration) {
	t.Helper()
	var waits []time.Duration
	c, err := NewCaller("test-key-0123456789", append([]Option{WithBaseURL(srv.URL), WithSiteID("site-1"),
		WithRetry(RetryPolicy{MaxAttempts: 3, BaseDelay: 10 * time.Millisecond, MaxDelay: time.Second,
			Jitter: func(d time.Duration) time.Duration { return 0 }})}, opts...)...)
	require.NoError(t, err)
	c.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}
	return c, &waits
}

// testRequest is a request the tests make: its method, its path after the server, and its
// body ("" for none).
type testRequest struct{ method, path, body string }

// get reads a payment.
var get = testRequest{http.MethodGet, "/payin/v1/sites/site-1/payments/p1", ""}

// doCall makes req through Call as the operation op (its ID and flags; req gives the method
// and the path, which has no parameter).
func doCall(ctx context.Context, c *Caller, op OperationInfo, req testRequest, out any, opts ...CallOption) error {
	op.Method, op.Path = req.method, req.path
	var body []byte
	if req.body != "" {
		body = []byte(req.body)
	}
	return c.Call(ctx, &op, nil, body, out, opts...)
}

func TestRetry(t *testing.T) {
	ok := answer(200, `{"paymentId":"p1","status":{"value":"COMPLETED"}}`)
	tests := []struct {
		name      string
		op        OperationInfo
		script    []func(http.ResponseWriter, *http.Request)
		wantCalls int32
		wantErr   error
		wantWaits []time.Duration
	}{
		{"503 then 200 is retried", OperationInfo{ID: "getPayment", Idempotent: true},
			[]func(http.ResponseWriter, *http.Request){answer(503, ""), ok}, 2, nil, []time.Duration{5 * time.Millisecond}},
		{"429 with Retry-After is honoured", OperationInfo{ID: "getPayment", Idempotent: true},
			[]func(http.ResponseWriter, *http.Request){answer(429, "", "Retry-After", "1"), ok}, 2, nil, []time.Duration{time.Second}},
		{"POST is never retried", OperationInfo{ID: "completePayment"},
			[]func(http.ResponseWriter, *http.Request){answer(503, ""), ok}, 1, apierr.ErrServer, nil},
		{"attempts are bounded", OperationInfo{ID: "getPayment", Idempotent: true},
			[]func(http.ResponseWriter, *http.Request){answer(500, "")}, 3, apierr.ErrServer, []time.Duration{5 * time.Millisecond, 10 * time.Millisecond}},
		{"5xx with a body to a GET is retried", OperationInfo{ID: "getPayment", Idempotent: true},
			[]func(http.ResponseWriter, *http.Request){answer(500, `{"errorCode":"internal.error"}`), ok}, 2, nil, []time.Duration{5 * time.Millisecond}},
		{"4xx is not retried", OperationInfo{ID: "getPayment", Idempotent: true},
			[]func(http.ResponseWriter, *http.Request){answer(404, `{"errorCode":"payin.resource.not.found"}`)}, 1, apierr.ErrNotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scripted{script: tt.script}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c, waits := newTestCaller(t, srv)
			var out payment
			err := doCall(context.Background(), c, tt.op, get, &out)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
				assert.Equal(t, "p1", out.PaymentID)
			}
			assert.Equal(t, tt.wantCalls, s.calls.Load())
			assert.Equal(t, tt.wantWaits, *waits)
		})
	}
}

// A 5xx with an error body to a PUT may have been processed: the docs say to ask for the
// status instead of repeating it. An empty 5xx body is safe to repeat.
func TestServerErrorsOfWrites(t *testing.T) {
	put := testRequest{http.MethodPut, "/payin/v1/sites/site-1/payments/p1", `{}`}
	ok := answer(200, `{"paymentId":"p1","status":{"value":"COMPLETED"}}`)
	for _, tt := range []struct {
		name  string
		first func(http.ResponseWriter, *http.Request)
		calls int32
	}{
		{"error body: not repeated", answer(500, `{"errorCode":"internal.error","traceId":"t"}`), 1},
		{"empty body: repeated", answer(500, ""), 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &scripted{script: []func(http.ResponseWriter, *http.Request){tt.first, ok}}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c, _ := newTestCaller(t, srv)
			_ = doCall(context.Background(), c, OperationInfo{ID: "createPayment", Idempotent: true}, put, &payment{})
			assert.Equal(t, tt.calls, s.calls.Load())
		})
	}
}

func TestRetryStopsWhenTheContextEnds(t *testing.T) {
	s := &scripted{script: []func(http.ResponseWriter, *http.Request){answer(503, "")}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, err := NewCaller("k", WithBaseURL(srv.URL), WithRetry(RetryPolicy{MaxAttempts: 10, BaseDelay: time.Hour, MaxDelay: time.Hour}))
	require.NoError(t, err)
	// Waits are recorded, not timed: a loaded CI machine must not decide the verdict.
	var waits []time.Duration
	sleep := c.sleep
	c.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return sleep(ctx, d)
	}

	// A deadline shorter than the backoff: no wait is started.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = doCall(ctx, c, OperationInfo{ID: "getPayment", Idempotent: true}, get, nil)
	assert.ErrorIs(t, err, apierr.ErrServer)
	assert.Empty(t, waits, "no wait starts that the deadline would cut short")
	assert.Equal(t, int32(1), s.calls.Load())
	assert.NoError(t, ctx.Err(), "the call returned long before its deadline")

	// A cancelled context stops at once: nothing is sent.
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	err = doCall(ctx, c, OperationInfo{ID: "getPayment", Idempotent: true}, get, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, int32(1), s.calls.Load(), "a cancelled call sends nothing")
	assert.Empty(t, waits)

	// Cancelled during a wait: the wait ends at once.
	ctx, cancel = context.WithCancel(context.Background())
	c.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		cancel()
		return sleep(ctx, d)
	}
	err = doCall(ctx, c, OperationInfo{ID: "getPayment", Idempotent: true}, get, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Len(t, waits, 1)
}

func TestNetworkErrorsAreRetriedForIdempotentCalls(t *testing.T) {
	s := &scripted{script: []func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, r *http.Request) {
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close() // the connection dies before an answer
	}, answer(200, `{"paymentId":"p1","status":{"value":"COMPLETED"}}`)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, _ := newTestCaller(t, srv)
	var out payment
	require.NoError(t, doCall(context.Background(), c, OperationInfo{ID: "getPayment", Idempotent: true}, get, &out))
	assert.Equal(t, int32(2), s.calls.Load())

	s.calls.Store(0)
	post := testRequest{http.MethodPost, "/payin/v1/sites/site-1/payments/p1/complete", `{}`}
	err := doCall(context.Background(), c, OperationInfo{ID: "completePayment"}, post, &out)
	assert.Error(t, err)
	assert.Equal(t, int32(1), s.calls.Load(), "a POST that may have arrived is not sent again")
}

func TestErrorsAndDeclines(t *testing.T) {
	tests := []struct {
		name   string
		answer func(http.ResponseWriter, *http.Request)
		is     []error
		check  func(t *testing.T, e *apierr.APIError)
	}{
		{"empty 401", answer(401, ""), []error{apierr.ErrUnauthorized}, func(t *testing.T, e *apierr.APIError) {
			assert.Equal(t, 401, e.StatusCode)
			assert.Empty(t, e.ErrorCode)
		}},
		{"validation error with cause", answer(400, `{"serviceName":"payin-core","errorCode":"validation.error","description":"Validation error","userMessage":"Validation error","dateTime":"2022-12-22T10:17:36.887215+03:00","traceId":"4e8fc84f4706e422","cause":{"amount":["Incorrect payout amount"]}}`),
			[]error{apierr.ErrValidation}, func(t *testing.T, e *apierr.APIError) {
				assert.Equal(t, "payin-core", e.ServiceName)
				assert.Equal(t, "Validation error", e.UserMessage)
				assert.Equal(t, "4e8fc84f4706e422", e.TraceID)
				assert.Equal(t, "2022-12-22T10:17:36.887215+03:00", e.DateTime.String())
				assert.Equal(t, map[string][]string{"amount": {"Incorrect payout amount"}}, e.CauseFields())
			}},
		{"repeated capture", answer(400, `{"errorCode":"payin.incorrect-method-invocation","description":"x"}`), []error{apierr.ErrAlreadyDone}, nil},
		{"bill payments error spelling", answer(401, `{"serviceName":"invoicing-api","errorCode":"auth.unauthorized","description":"d","userMessage":"","datetime":"2018-04-09T18:31:42+03:00","traceId":"t"}`),
			[]error{apierr.ErrUnauthorized}, func(t *testing.T, e *apierr.APIError) {
				assert.Equal(t, "2018-04-09T18:31:42+03:00", e.Datetime.String())
			}},
		{"undecodable error body keeps the status", answer(502, `<html>bad gateway</html>`), []error{apierr.ErrServer}, nil},
		{"error body with a malformed date keeps its fields", answer(400, `{"errorCode":"validation.error","dateTime":"yesterday","traceId":"t1"}`), []error{apierr.ErrValidation}, func(t *testing.T, e *apierr.APIError) {
			assert.Equal(t, "t1", e.TraceID)
		}},
		{"decline with HTTP 200 (DECLINED)", answer(200, `{"paymentId":"p1","status":{"value":"DECLINED","reason":"ACQUIRING_INSUFFICIENT_FUNDS"}}`), []error{apierr.ErrDeclined}, func(t *testing.T, e *apierr.APIError) {
			assert.Equal(t, "ACQUIRING_INSUFFICIENT_FUNDS", e.DeclineReason)
		}},
		{"decline with HTTP 200 (DECLINE)", answer(200, `{"paymentId":"p1","status":{"value":"DECLINE"}}`), []error{apierr.ErrDeclined}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(&scripted{script: []func(http.ResponseWriter, *http.Request){tt.answer}})
			defer srv.Close()
			c, _ := newTestCaller(t, srv, WithRetry(RetryPolicy{MaxAttempts: 1}))
			var out payment
			err := doCall(context.Background(), c, OperationInfo{ID: "getPayment", Idempotent: true}, get, &out)
			var apiErr *apierr.APIError
			require.True(t, errors.As(err, &apiErr), "%v", err)
			for _, target := range tt.is {
				assert.ErrorIs(t, err, target)
			}
			for _, other := range []error{apierr.ErrNotFound, apierr.ErrUnauthorized, apierr.ErrValidation, apierr.ErrRateLimited, apierr.ErrAlreadyDone, apierr.ErrDeclined} {
				if !slices.Contains(tt.is, other) {
					assert.NotErrorIs(t, err, other)
				}
			}
			if tt.check != nil {
				tt.check(t, apiErr)
			}
		})
	}
}

func TestRequestHeadersAndServer(t *testing.T) {
	s := &scripted{script: []func(http.ResponseWriter, *http.Request){answer(200, `{}`)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, _ := newTestCaller(t, srv, WithUserAgent("shop/1.0"), WithPathPrefix(""))
	assert.Equal(t, srv.URL+"/", c.Server(), "hosts without /partner")
	require.NoError(t, doCall(context.Background(), c, OperationInfo{ID: "getPayment"}, get, nil))
	r := s.seen[0]
	assert.Equal(t, "Bearer test-key-0123456789", r.Header.Get("Authorization"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	assert.Equal(t, "shop/1.0", r.Header.Get("User-Agent"))
	assert.NotContains(t, c.String(), "test-key-0123456789")

	d, err := NewCaller("k")
	require.NoError(t, err)
	assert.Equal(t, "https://api.qiwi.com/partner/", d.Server())
	_, err = NewCaller("")
	assert.ErrorIs(t, err, apierr.ErrConfig)
	_, err = NewCaller("k", WithBaseURL("api.qiwi.com"))
	assert.ErrorIs(t, err, apierr.ErrConfig)
}

// TestPathOptionsRefuseWhatWouldChangeThePath: WithSiteID and WithPathPrefix refuse, at
// construction, values that would send a call elsewhere, as the other options do.
func TestPathOptionsRefuseWhatWouldChangeThePath(t *testing.T) {
	for name, opt := range map[string]Option{
		"empty siteId":           WithSiteID(""),
		"dot siteId":             WithSiteID("."),
		"dot-dot siteId":         WithSiteID(".."),
		"prefix without slash":   WithPathPrefix("partner"),
		"prefix with a query":    WithPathPrefix("/partner?x=1"),
		"prefix with a fragment": WithPathPrefix("/partner#top"),
		"prefix with a space":    WithPathPrefix("/part ner"),
		"prefix with dot-dot":    WithPathPrefix("/partner/../admin"),
		"prefix with a dot":      WithPathPrefix("/./partner"),
		"prefix with a control":  WithPathPrefix("/partner\n"),
	} {
		_, err := NewCaller("k", opt)
		assert.ErrorIs(t, err, apierr.ErrConfig, name)
	}
	for prefix, server := range map[string]string{
		"":               "https://api.qiwi.com/",
		"/":              "https://api.qiwi.com/",
		"/partner/":      "https://api.qiwi.com/partner/",
		"/api/partner":   "https://api.qiwi.com/api/partner/",
		"/api/partner//": "https://api.qiwi.com/api/partner/",
	} {
		c, err := NewCaller("k", WithPathPrefix(prefix), WithSiteID("site-1"))
		require.NoError(t, err, prefix)
		assert.Equal(t, server, c.Server(), prefix)
	}
}

func TestPayoutSignature(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	s := &scripted{script: []func(http.ResponseWriter, *http.Request){answer(200, `{}`)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	body := `{"amount":{"value":"40.00","currency":"RUB"},"receiverData":{"type":"CARD","pan":"86003300000000000"}}`
	put := testRequest{http.MethodPut, "/payin/v1/sites/s/payments/p/payouts/x", body}

	unsigned, _ := newTestCaller(t, srv)
	err = doCall(context.Background(), unsigned, OperationInfo{ID: "createPayout", Idempotent: true, Signed: true}, put, nil)
	assert.ErrorIs(t, err, apierr.ErrConfig)
	assert.Equal(t, int32(0), s.calls.Load(), "an unsigned payout is never sent")

	c, _ := newTestCaller(t, srv, WithPayoutSigner(key))
	require.NoError(t, doCall(context.Background(), c, OperationInfo{ID: "createPayout", Idempotent: true, Signed: true}, put, nil))
	assert.Equal(t, body, s.bodies[0], "the body arrives unchanged")
	sig, err := base64.StdEncoding.DecodeString(s.seen[0].Header.Get("X-Digital-Sign"))
	require.NoError(t, err)
	digest := sha256.Sum256([]byte(body))
	assert.NoError(t, rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig), "SHA256withRSA over the body")
}

func TestLogsNeverCarrySecrets(t *testing.T) {
	var logs bytes.Buffer
	// Clock readings are dropped: a three-digit CVV can occur in any
	// timestamp or duration, and the test must not fail by chance.
	clock := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == "duration" {
			return slog.Attr{}
		}
		return a
	}
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: clock}))
	s := &scripted{script: []func(http.ResponseWriter, *http.Request){answer(503, ""), answer(200, `{}`)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, _ := newTestCaller(t, srv, WithLogger(logger))
	post := testRequest{http.MethodPut, "/payin/v1/sites/s/payments/p", `{"paymentMethod":{"type":"CARD","pan":"4256000000000003","cvv2":"849"},"token":"tok-secret"}`}
	require.NoError(t, doCall(context.Background(), c, OperationInfo{ID: "createPayment", Idempotent: true}, post, nil))
	out := logs.String()
	assert.Contains(t, out, "createPayment", "the calls are logged")
	for _, secret := range []string{"test-key-0123456789", "4256000000000003", "849", "tok-secret", "Bearer"} {
		assert.NotContains(t, out, secret)
	}
}

func TestDriftReporter(t *testing.T) {
	s := &scripted{script: []func(http.ResponseWriter, *http.Request){
		answer(200, `{"paymentId":"p1","status":{"value":"COMPLETED","brandNew":1},"loyalty":{"points":5},"gone":null}`)}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	var got []string
	var gotOp string
	c, _ := newTestCaller(t, srv, WithDriftReporter(func(_ context.Context, op string, ptrs []string) { gotOp, got = op, ptrs }))
	var out payment
	require.NoError(t, doCall(context.Background(), c, OperationInfo{ID: "getPayment"}, get, &out))
	assert.Equal(t, "getPayment", gotOp)
	assert.Equal(t, []string{"/loyalty", "/status/brandNew"}, got)
}

// A refused value in an answer names its member.
func TestDecodeErrorsNameTheMember(t *testing.T) {
	type payment struct {
		Created wiretype.Timestamp `json:"createdDateTime"`
	}
	var p payment
	err := decodeSuccess(&OperationInfo{ID: "getPayment"}, []byte(`{"createdDateTime":"soon"}`), &p)
	require.Error(t, err)
	assert.ErrorIs(t, err, wiretype.ErrInvalidTimestamp)
	assert.Equal(t, `qiwi: getPayment: decode answer: /createdDateTime: qiwi: invalid timestamp: "soon" is no date`, err.Error())
}

// TestAttemptTimeouts: the Caller bounds each attempt by DefaultTimeout with its own client,
// leaves a given client's timeouts to it, and applies WithTimeout to either.
func TestAttemptTimeouts(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // a server that does not answer until the test ends or the request is gone
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	own, err := NewCaller("k", WithBaseURL(srv.URL))
	require.NoError(t, err)
	assert.Equal(t, DefaultTimeout, own.timeout, "a Caller with its own client bounds every attempt")

	given, err := NewCaller("k", WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	assert.Zero(t, given.timeout, "a given client keeps its own timeouts")

	noRetry := WithRetry(RetryPolicy{MaxAttempts: 1})
	for name, opts := range map[string][]Option{
		"WithTimeout over a given client": {WithHTTPClient(srv.Client()), WithTimeout(50 * time.Millisecond)},
		"the given client's own Timeout":  {WithHTTPClient(&http.Client{Timeout: 50 * time.Millisecond})},
		"WithTimeout over its own client": {WithTimeout(50 * time.Millisecond)},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := NewCaller("k", append([]Option{WithBaseURL(srv.URL), noRetry}, opts...)...)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = doCall(ctx, c, OperationInfo{ID: "getPayment", Idempotent: true}, get, nil)
			require.Error(t, err)
			assert.NoError(t, ctx.Err(), "the attempt's own bound ended it, not the call's context")
		})
	}
}
