package qiwi_test

import (
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
		// Alternate which goes first, so that neither pays for the other's garbage.
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
