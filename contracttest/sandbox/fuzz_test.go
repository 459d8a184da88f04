package sandbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/qiwigen/qiwigen/contracttest/sandbox"
)

// FuzzRequest sends fuzzed bodies to every emulated operation: the sandbox never panics, and
// answers 2xx or QIWI's error shape.
func FuzzRequest(f *testing.F) {
	sb, err := sandbox.New(sandbox.Options{TimeScale: 1e9}) // no test-mode delay between executions
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(0), []byte(`{"amount": {"value": "1.00", "currency": "RUB"}, "paymentMethod": {"type": "CARD", "pan": "4256000000000003", "expiryDate": "03/30", "cvv2": "849"}}`))
	f.Add(uint8(2), []byte(`{"threeDS": {"pares": "x"}}`))
	f.Add(uint8(3), []byte(`{}`))
	f.Add(uint8(5), []byte(`{"amount": {"value": 1, "currency": "RUB"}}`))
	f.Add(uint8(7), []byte(`{"amount": {"value": "1.00", "currency": "RUB"}, "expirationDateTime": "2030-01-01T00:00:00+03:00"}`))
	f.Add(uint8(9), []byte(`{"amount": {"value": "2.00", "currency": "RUB"}, "receiverData": {"type": "CARD", "pan": "2200000000000004"}}`))
	f.Add(uint8(12), []byte(`{"customerAccountId": "c", "token": "sbx-0"}`))
	f.Add(uint8(14), []byte(`{"amount": {"value": 1, "currency": "RUB"}, "expirationDateTime": "2030-01-01T00:00:00+03:00"}`))
	paths := []struct{ method, path string }{
		{http.MethodPut, "/payments/p"},
		{http.MethodGet, "/payments/p"},
		{http.MethodPost, "/payments/p/complete"},
		{http.MethodPut, "/payments/p/captures/c"},
		{http.MethodGet, "/payments/p/captures/c"},
		{http.MethodPut, "/payments/p/refunds/r"},
		{http.MethodGet, "/payments/p/refunds/r"},
		{http.MethodPut, "/bills/b"},
		{http.MethodGet, "/bills/b/details"},
		{http.MethodPut, "/payments/p/payouts/o"},
		{http.MethodGet, "/payments/p/payouts/o"},
		{http.MethodPost, "/payments/p/refunds/r/decline"},
		{http.MethodDelete, "/tokens"},
		{http.MethodGet, "/bills/b"},
		{"PUT /partner/bill/v1", "/bills/b"},
		{"POST /partner/bill/v1", "/bills/b/reject"},
		{"PUT /partner/bill/v1", "/bills/b/refunds/r"},
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		for _, step := range []int{0, int(which) % len(paths)} { // a payment first, then the fuzzed call
			p := paths[step]
			method, prefix, bills := strings.Cut(p.method, " ")
			if !bills {
				prefix = "/partner/payin/v1/sites/s"
			}
			req := httptest.NewRequest(method, prefix+p.path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Digital-Sign", "c2lnbmF0dXJl")
			req.Header.Set("Authorization", "Bearer k")
			w := httptest.NewRecorder()
			sb.ServeHTTP(w, req)
			if w.Code >= 300 {
				var e map[string]any
				if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e["errorCode"] == nil || e["traceId"] == nil {
					t.Fatalf("%s %s: %d without QIWI's error shape: %s", p.method, p.path, w.Code, w.Body.String())
				}
			}
		}
	})
}
