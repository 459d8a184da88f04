package qiwi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/generator/runtime/transport"

	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// paymentJSON is the docs' "Payment status" answer (payments/_api-methods_en#payment_status),
// its trailing comma removed.
const paymentJSON = `{"paymentId":"223E","amount":{"currency":"RUB","value":"200.00"},"capturedAmount":{"currency":"RUB","value":"0.00"},"refundedAmount":{"currency":"RUB","value":"0.00"},"paymentMethod":{"type":"CARD","maskedPan":"444444******1049","rrn":"124","authCode":"182817"},"createdDateTime":"2024-03-01T17:10:31.284+03:00","customer":{},"deviceData":{},"requirements":{"threeDS":{"pareq":"eJyrrgUAAXUA+Q==","acsUrl":"https://test.paymentgate.ru/acs/auth/start.do"}},"status":{"value":"WAITING","changedDateTime":"2024-03-01T17:10:32.607+03:00"},"customFields":{},"flags":[]}`

// cannedTransport answers every request in memory with the same JSON body: no socket, so a
// benchmark over it shows the library's own cost.
type cannedTransport struct{ body string }

func (t cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, ContentLength: int64(len(t.body)),
		Body: io.NopCloser(strings.NewReader(t.body)), Request: req}, nil
}

// getPaymentCalls returns the same GET made bare (net/http, encoding/json into the same
// model, qiwi.Payment) and through the generated client, both over httpClient: what the
// client adds to a call is its own cost, not the model's.
func getPaymentCalls(b *testing.B, base string, httpClient *http.Client) (bare, generated func() error) {
	client, err := qiwi.New("key", transport.WithBaseURL(base), transport.WithSiteID("test-01"), transport.WithHTTPClient(httpClient))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	bare = func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/partner/payin/v1/sites/test-01/payments/223E", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer key")
		req.Header.Set("Accept", "application/json")
		resp, err := httpClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body) // read to EOF, so that the connection is reused
		if err != nil {
			return err
		}
		var p qiwi.Payment
		return json.Unmarshal(data, &p)
	}
	generated = func() error {
		_, err := client.GetPayment(ctx, "223E")
		return err
	}
	return bare, generated
}

// BenchmarkGetPayment makes the same call through the generated client and bare over
// loopback, and reports both, their ratio and their allocations. Goal: at most 1.05. Both go
// through the same *http.Client, the test server's, whose own timeouts (none) bound them: a
// client given with WithHTTPClient adds no bound per attempt unless WithTimeout asks for one.
func BenchmarkGetPayment(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, paymentJSON)
	}))
	defer srv.Close()
	bare, generated := getPaymentCalls(b, srv.URL, srv.Client())
	compareCalls(b, bare, generated)
}

// BenchmarkGetPaymentInMemory is BenchmarkGetPayment over an in-memory RoundTripper, where
// no network hides the library's own cost. Goal: at most 1.3.
func BenchmarkGetPaymentInMemory(b *testing.B) {
	bare, generated := getPaymentCalls(b, "http://qiwi.test", &http.Client{Transport: cannedTransport{paymentJSON}})
	clientAllocs, bareAllocs := compareCalls(b, bare, generated)
	// The allocations the client makes beyond the bare call, both decoding into the same
	// model. Goal: at most 0. It is below: the client reads the body into one buffer of its
	// announced length, where the bare call's io.ReadAll grows its buffer as it reads.
	b.ReportMetric(clientAllocs-bareAllocs, "extra-allocs/op")
}

// BenchmarkGetPaymentMiddleware is what one pass-through middleware costs a call, over the
// in-memory RoundTripper: the same GET with it and without (reported as "bare"). A client
// without middlewares does not pay it.
func BenchmarkGetPaymentMiddleware(b *testing.B) {
	httpClient := &http.Client{Transport: cannedTransport{paymentJSON}}
	opts := []qiwi.Option{qiwi.WithBaseURL("http://qiwi.test"), qiwi.WithSiteID("test-01"), qiwi.WithHTTPClient(httpClient)}
	plain, err := qiwi.New("key", opts...)
	if err != nil {
		b.Fatal(err)
	}
	passThrough := func(next http.RoundTripper) http.RoundTripper { return next }
	wrapped, err := qiwi.New("key", append(opts, qiwi.WithMiddleware(passThrough))...)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	without := func() error { _, err := plain.GetPayment(ctx, "223E"); return err }
	with := func() error { _, err := wrapped.GetPayment(ctx, "223E"); return err }
	compareCalls(b, without, with)
}

// BenchmarkCreateRefund does the same for a PUT with a body: the client copies the body into
// request form (RequestBody) before encoding it; the bare call encodes it as it is.
func BenchmarkCreateRefund(b *testing.B) {
	const answer = `{"refundId":"r1","createdDateTime":"2024-03-20T16:29:58.96+03:00","amount":{"currency":"RUB","value":"6.77"},"status":{"value":"COMPLETED"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answer)
	}))
	defer srv.Close()
	httpClient := srv.Client()
	client, err := qiwi.New("key", transport.WithBaseURL(srv.URL), transport.WithSiteID("test-01"), transport.WithHTTPClient(httpClient))
	if err != nil {
		b.Fatal(err)
	}
	var refund qiwi.Refund
	if err := json.Unmarshal([]byte(answer), &refund); err != nil {
		b.Fatal(err)
	}
	body := qiwi.CreateRefundRequest{Amount: *refund.Amount} // a decoded amount, "6.77"
	ctx := context.Background()
	bare := func() error {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, srv.URL+"/partner/payin/v1/sites/test-01/payments/223E/refunds/r1", bytes.NewReader(data))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer key")
		req.Header.Set("Content-Type", "application/json")
		resp, err := httpClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		var r qiwi.Refund
		return json.Unmarshal(out, &r)
	}
	generated := func() error {
		_, err := client.CreateRefund(ctx, "223E", "r1", body)
		return err
	}
	compareCalls(b, bare, generated)
}

// compareCalls times the two ways of making one call in every iteration, alternating which
// goes first so that neither pays for the other's garbage; both pay the same clock readings
// and nothing else is inside the timed loop. It reports both, their ratio, and the
// allocations of each (counted outside the timed loop), which it returns.
func compareCalls(b *testing.B, bare, generated func() error) (clientAllocs, bareAllocs float64) {
	b.Helper()
	// Warm both paths (connections, pools).
	for range 50 {
		if err := bare(); err != nil {
			b.Fatal(err)
		}
		if err := generated(); err != nil {
			b.Fatal(err)
		}
	}
	var tGen, tBare time.Duration
	n := 0
	timed := func(f func() error, total *time.Duration) {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		*total += time.Since(start)
	}
	for b.Loop() {
		if n%2 == 0 {
			timed(generated, &tGen)
			timed(bare, &tBare)
		} else {
			timed(bare, &tBare)
			timed(generated, &tGen)
		}
		n++
	}
	b.ReportMetric(float64(tGen.Nanoseconds())/float64(n), "client-ns/op")
	b.ReportMetric(float64(tBare.Nanoseconds())/float64(n), "bare-ns/op")
	b.ReportMetric(float64(tGen)/float64(tBare), "ratio")
	allocs := func(f func() error) float64 {
		return testing.AllocsPerRun(100, func() {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		})
	}
	clientAllocs, bareAllocs = allocs(generated), allocs(bare)
	b.ReportMetric(clientAllocs, "client-allocs/op")
	b.ReportMetric(bareAllocs, "bare-allocs/op")
	return clientAllocs, bareAllocs
}

// BenchmarkDecodePayment decodes the docs' payment into the generated model.
func BenchmarkDecodePayment(b *testing.B) {
	data := []byte(paymentJSON)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var p qiwi.Payment
		if err := json.Unmarshal(data, &p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyNotification verifies the docs' Bill Payments notification and, as the baseline
// measured in the same run, decodes it into its model with encoding/json, the least a
// handler does with it anyway. It reports both and their ratio.
func BenchmarkVerifyNotification(b *testing.B) {
	body := []byte(billDocVectorBody)
	const secret = "bench-secret"
	header, err := qiwi.SignNotification(body, secret)
	if err != nil {
		b.Fatal(err)
	}
	var tVerify, tDecode time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		if err := qiwi.VerifyNotification(header, body, secret); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		var n qiwi.BillNotification
		if err := json.Unmarshal(body, &n); err != nil {
			b.Fatal(err)
		}
		tVerify += mid.Sub(start)
		tDecode += time.Since(mid)
	}
	b.ReportMetric(float64(tVerify.Nanoseconds())/float64(b.N), "verify-ns/op")
	b.ReportMetric(float64(tDecode.Nanoseconds())/float64(b.N), "decode-ns/op")
	b.ReportMetric(float64(tVerify)/float64(tDecode), "ratio")
}
