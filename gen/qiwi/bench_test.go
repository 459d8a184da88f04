package qiwi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/qiwiruntime"
)

// paymentJSON is the docs' "Payment status" answer (payments/_api-methods_en#payment_status),
// its trailing comma removed.
const paymentJSON = `{"paymentId":"223E","amount":{"currency":"RUB","value":"200.00"},"capturedAmount":{"currency":"RUB","value":"0.00"},"refundedAmount":{"currency":"RUB","value":"0.00"},"paymentMethod":{"type":"CARD","maskedPan":"444444******1049","rrn":"124","authCode":"182817"},"createdDateTime":"2024-03-01T17:10:31.284+03:00","customer":{},"deviceData":{},"requirements":{"threeDS":{"pareq":"eJyrrgUAAXUA+Q==","acsUrl":"https://test.paymentgate.ru/acs/auth/start.do"}},"status":{"value":"WAITING","changedDateTime":"2024-03-01T17:10:32.607+03:00"},"customFields":{},"flags":[]}`

// BenchmarkGetPayment makes the same call through the generated client and with bare
// net/http and encoding/json against the same server, and reports the ratio. Goal: at most 1.10.
func BenchmarkGetPayment(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, paymentJSON)
	}))
	defer srv.Close()
	httpClient := srv.Client()
	client, err := qiwi.New("key", qiwiruntime.WithBaseURL(srv.URL), qiwiruntime.WithSiteID("test-01"), qiwiruntime.WithHTTPClient(httpClient))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	bare := func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/partner/payin/v1/sites/test-01/payments/223E", nil)
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
	generated := func() error {
		_, err := client.GetPayment(ctx, "223E")
		return err
	}
	compareCalls(b, bare, generated)
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
	client, err := qiwi.New("key", qiwiruntime.WithBaseURL(srv.URL), qiwiruntime.WithSiteID("test-01"), qiwiruntime.WithHTTPClient(httpClient))
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

// compareCalls times the two ways of making one call, alternating which goes first so that
// neither pays for the other's garbage, and reports both and their ratio. Goal: at most 1.10.
func compareCalls(b *testing.B, bare, generated func() error) {
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
			b.StopTimer()
			timed(bare, &tBare)
			b.StartTimer()
		} else {
			b.StopTimer()
			timed(bare, &tBare)
			b.StartTimer()
			timed(generated, &tGen)
		}
		n++
	}
	b.ReportMetric(float64(tGen.Nanoseconds())/float64(n), "client-ns/op")
	b.ReportMetric(float64(tBare.Nanoseconds())/float64(n), "bare-ns/op")
	b.ReportMetric(float64(tGen)/float64(tBare), "ratio")
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
