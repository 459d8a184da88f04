package transport

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
)

// A redirect is never followed: another host, or another port of the same one, would
// receive the API key (and a payout's signed body).
func TestRedirectsAreRefused(t *testing.T) {
	var reached atomic.Int32
	var gotAuth atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		gotAuth.Store(r.Header.Get("Authorization"))
		io.WriteString(w, `{"paymentId":"p"}`)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	for name, opts := range map[string][]Option{
		"default client": nil,
		"a client of the caller's own, which follows redirects": {WithHTTPClient(&http.Client{})},
	} {
		c, err := NewCaller("secret-api-key", append([]Option{WithBaseURL(srv.URL), WithRetry(RetryPolicy{MaxAttempts: 1})}, opts...)...)
		require.NoError(t, err)
		var out payment
		err = doCall(context.Background(), c, OperationInfo{ID: "getPayment", Idempotent: true}, get, &out)
		assert.ErrorIs(t, err, ErrRedirect, name)
		assert.ErrorContains(t, err, "HTTP 307")
		assert.Zero(t, reached.Load(), "%s: the other server was never asked", name)
	}
	assert.Nil(t, gotAuth.Load())
}

func TestRetryAfterIsClamped(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond}
	for _, v := range []string{"9300000000", "99999999999999999999", "18446744073709551615"} {
		d := p.delay(1, http.Header{"Retry-After": {v}})
		assert.Equal(t, maxRetryAfter, d, "Retry-After %s", v)
	}
	capped := RetryPolicy{MaxAttempts: 3, MaxDelay: 10 * time.Second}
	assert.Equal(t, 10*time.Second, capped.delay(1, http.Header{"Retry-After": {"9300000000"}}))
	assert.Equal(t, maxRetryAfter, p.delay(1, http.Header{"Retry-After": {time.Now().Add(1000 * 24 * time.Hour).UTC().Format(http.TimeFormat)}}))
}

func TestOversizedAnswerIsItsOwnError(t *testing.T) {
	for name, announce := range map[string]bool{"announced": true, "streamed": false} {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			if announce {
				w.Header().Set("Content-Length", fmt.Sprint(maxResponseBytes+10))
			}
			w.Write([]byte(`{"paymentId":"`))
			w.Write([]byte(strings.Repeat("x", maxResponseBytes)))
			w.Write([]byte(`"}`))
		}))
		c, err := NewCaller("k", WithBaseURL(srv.URL))
		require.NoError(t, err)
		var out payment
		err = doCall(context.Background(), c, OperationInfo{ID: "getPayment", Idempotent: true}, get, &out)
		assert.ErrorIs(t, err, ErrAnswerTooLarge, name)
		assert.Equal(t, int32(1), calls.Load(), "%s: not retried", name)
		srv.Close()
	}
}

func TestOptionsAreValidated(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	for name, opt := range map[string]Option{
		"1024-bit payout key":     WithPayoutSigner(small),
		"non-RSA payout key":      WithPayoutSigner(ec),
		"nil payout signer":       WithPayoutSigner(nil),
		"negative timeout":        WithTimeout(-time.Second),
		"no attempts":             WithRetry(RetryPolicy{}),
		"negative delay":          WithRetry(RetryPolicy{MaxAttempts: 2, BaseDelay: -1}),
		"user agent with CRLF":    WithUserAgent("qiwigen\r\nX-Evil: 1"),
		"base URL without scheme": WithBaseURL("api.qiwi.com"),
		"base URL without host":   WithBaseURL("https://"),
		"base URL with a query":   WithBaseURL("https://api.qiwi.com?x=1"),
		"nil logger":              WithLogger(nil),
		"nil option":              nil,
	} {
		var err error
		require.NotPanics(t, func() { _, err = NewCaller("k", opt) }, name)
		assert.ErrorIs(t, err, apierr.ErrConfig, name)
	}
	_, err = NewCaller("k", WithSiteID("s"), nil)
	assert.ErrorContains(t, err, "option 2 of 2 is nil")
}

// Neither %#v nor slog prints the API key.
func TestCallerDoesNotPrintItsKey(t *testing.T) {
	const key = "live-key-5c4b25xx93aa435d9cb8cd17480356f9"
	c, err := NewCaller(key, WithSiteID("test-01"))
	require.NoError(t, err)
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("client", "caller", c)
	for _, out := range []string{fmt.Sprintf("%#v", c), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), logged.String()} {
		assert.NotContains(t, out, key)
		assert.NotContains(t, out, "93aa435d9cb8cd17")
		assert.Contains(t, out, "test-01")
	}
}

// TestReadBody: an answer is read whole, to its end, whatever its announced length says; a
// body shorter than announced is an error, one longer is read on within the bound.
func TestReadBody(t *testing.T) {
	const body = `{"paymentId":"p1"}`
	for name, tt := range map[string]struct {
		announced int64
		sent      string
		want      string
		wantErr   error
	}{
		"announced":                 {announced: int64(len(body)), sent: body, want: body},
		"unannounced":               {announced: -1, sent: body, want: body},
		"empty":                     {announced: 0, sent: "", want: ""},
		"longer than announced":     {announced: 5, sent: body, want: body},
		"shorter than announced":    {announced: 100, sent: body, wantErr: io.ErrUnexpectedEOF},
		"too long, unannounced":     {announced: -1, sent: strings.Repeat("x", maxResponseBytes+1), wantErr: ErrAnswerTooLarge},
		"too long, announced short": {announced: 4, sent: strings.Repeat("x", maxResponseBytes+1), wantErr: ErrAnswerTooLarge},
	} {
		t.Run(name, func(t *testing.T) {
			r := strings.NewReader(tt.sent)
			got, err := readBody(&http.Response{ContentLength: tt.announced, Body: io.NopCloser(r)})
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			assert.Zero(t, r.Len(), "read to the end")
		})
	}
}

// followingDoer is a caller's own Doer that is not an *http.Client and follows redirects,
// as a wrapper around a default *http.Client does.
type followingDoer struct{ c *http.Client }

func (d followingDoer) Do(req *http.Request) (*http.Response, error) { return d.c.Do(req) }

// Whatever the Doer, a redirect is never an answer: a payout redirected by 307 or 308 to
// another port never reaches it (its body holds the card number, its header the signature),
// and an answer a following Doer brings back from another URL is refused, never decoded as
// the payout's result. The error names the status and the host, not the Location's path.
func TestRedirectsOfAnyDoerAreRefused(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	const pan = "4111111111111111"
	body := `{"amount":{"value":"40.00","currency":"RUB"},"receiverData":{"type":"CARD","pan":"` + pan + `"}}`
	put := testRequest{http.MethodPut, "/payin/v1/sites/s/payments/p/payouts/x", body}
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound, http.StatusSeeOther} {
		for name, mw := range map[string][]Option{"": nil, " with a middleware": {WithMiddleware(func(next http.RoundTripper) http.RoundTripper { return next })}} {
			var reached atomic.Int32
			var leaked atomic.Value
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached.Add(1)
				got, _ := io.ReadAll(r.Body)
				if strings.Contains(string(got), pan) {
					leaked.Store("the card number")
				}
				io.WriteString(w, `{}`)
			}))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+"/steal?token=t0k3n", status)
			}))
			opts := append([]Option{WithBaseURL(srv.URL), WithPayoutSigner(key), WithRetry(RetryPolicy{MaxAttempts: 1}),
				WithHTTPClient(followingDoer{&http.Client{}})}, mw...)
			c, err := NewCaller("secret-api-key", opts...)
			require.NoError(t, err)
			var out payment
			err = doCall(context.Background(), c, OperationInfo{ID: "createPayout", Idempotent: true, Signed: true}, put, &out)
			what := fmt.Sprintf("HTTP %d%s", status, name)
			require.ErrorIs(t, err, ErrRedirect, what)
			assert.Contains(t, err.Error(), strings.TrimPrefix(other.URL, "http://"), "%s: the error names the host", what)
			assert.NotContains(t, err.Error(), "t0k3n", what)
			assert.Nil(t, leaked.Load(), "%s: the card number never reaches the other host", what)
			if status == http.StatusTemporaryRedirect || status == http.StatusPermanentRedirect {
				assert.Zero(t, reached.Load(), "%s: a redirect keeping the body is not followed at all", what)
				assert.Contains(t, err.Error(), fmt.Sprintf("HTTP %d", status), what)
			}
			srv.Close()
			other.Close()
		}
	}
}
