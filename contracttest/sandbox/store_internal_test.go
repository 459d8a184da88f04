package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"
)

// When the store refuses a call's changes, the call answers 500 and memory goes back to what
// the store holds: a refund that was not stored is not counted, a payment not stored is not
// found, and no notification leaves.
func TestFailedWriteRollsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	sb, err := New(Options{StatePath: path})
	require.NoError(t, err)
	do := func(method, url, body string) (int, map[string]any) {
		req := httptest.NewRequest(method, "/partner/payin/v1/sites/s-1"+url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer k")
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		sb.ServeHTTP(w, req)
		var out map[string]any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out), w.Body.String())
		return w.Code, out
	}
	pay := `{"amount": {"value": "5.00", "currency": "RUB"}, "paymentMethod": {"type": "CARD", "pan": "4256000000000003", "expiryDate": "05/30", "cvv2": "123"}, "flags": ["SALE"]}`
	status, _ := do(http.MethodPut, "/payments/p-1", pay)
	require.Equal(t, http.StatusOK, status)

	// The file becomes read-only: every write from now on fails.
	require.NoError(t, sb.store.db.Close())
	ro, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	require.NoError(t, err)
	sb.store.db = ro
	defer sb.Close()

	status, answer := do(http.MethodPut, "/payments/p-1/refunds/r-1", `{"amount": {"value": "1.00", "currency": "RUB"}}`)
	assert.Equal(t, http.StatusInternalServerError, status)
	assert.Equal(t, "internal.error", answer["errorCode"])
	status, answer = do(http.MethodGet, "/payments/p-1", "")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "0.00", answer["refundedAmount"].(map[string]any)["value"], "the refund that was not stored is gone")
	status, _ = do(http.MethodGet, "/payments/p-1/refunds/r-1", "")
	assert.Equal(t, http.StatusNotFound, status)
	status, _ = do(http.MethodPut, "/payments/p-2", pay)
	assert.Equal(t, http.StatusInternalServerError, status)
	status, _ = do(http.MethodGet, "/payments/p-2", "")
	assert.Equal(t, http.StatusNotFound, status, "the payment that was not stored is gone")
}
