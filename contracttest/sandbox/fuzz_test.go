package sandbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/qiwigen/qiwigen/contracttest/sandbox"
)

// FuzzRequest sends fuzzed bodies to every emulated operation: the sandbox never panics, and
// answers 2xx or QIWI's error shape.
func FuzzRequest(f *testing.F) {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(0), []byte(`{"amount": {"value": "1.00", "currency": "RUB"}, "paymentMethod": {"type": "CARD", "pan": "4256000000000003", "expiryDate": "03/30", "cvv2": "849"}}`))
	f.Add(uint8(2), []byte(`{"threeDS": {"pares": "x"}}`))
	f.Add(uint8(3), []byte(`{}`))
	f.Add(uint8(5), []byte(`{"amount": {"value": 1, "currency": "RUB"}}`))
	f.Add(uint8(7), []byte(`{"amount": {"value": "1.00", "currency": "RUB"}, "expirationDateTime": "2030-01-01T00:00:00+03:00"}`))
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
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		for _, step := range []int{0, int(which) % len(paths)} { // a payment first, then the fuzzed call
			p := paths[step]
			req := httptest.NewRequest(p.method, "/partner/payin/v1/sites/s"+p.path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
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
