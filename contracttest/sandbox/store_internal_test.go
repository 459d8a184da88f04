package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"

	filestore "github.com/qiwigen/qiwigen/contracttest/store"
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
	ro, err := filestore.Open(path, filestore.Options{ReadOnly: true})
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

// A state file written before values carried checksums is refused, saying how to recover;
// a value changed in the file is an error naming its site and key, not a changed state.
func TestStateFileChecked(t *testing.T) {
	old := filepath.Join(t.TempDir(), "old.db")
	db, err := bbolt.Open(old, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("s-1"))
		if err != nil {
			return err
		}
		return b.Put([]byte("payment\x00p-1"), []byte(`{}`))
	}))
	require.NoError(t, db.Close())
	_, err = New(Options{StatePath: old})
	require.ErrorIs(t, err, filestore.ErrForeign)
	assert.Contains(t, err.Error(), old)
	assert.Contains(t, err.Error(), "delete it to start over: the sandbox's state is test data")

	path := filepath.Join(t.TempDir(), "state.db")
	sb, err := New(Options{StatePath: path})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPut, "/partner/payin/v1/sites/s-1/payments/p-1", strings.NewReader(
		`{"amount": {"value": "5.00", "currency": "RUB"}, "paymentMethod": {"type": "CARD", "pan": "4256000000000003", "expiryDate": "05/30", "cvv2": "123"}, "flags": ["SALE"]}`))
	req.Header.Set("Authorization", "Bearer k")
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	sb.ServeHTTP(w, req)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.NoError(t, sb.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	at := bytes.Index(data, []byte(`"amount":`))
	require.Positive(t, at)
	at += len(`"amount":`)
	if data[at] == '"' {
		at++
	}
	require.True(t, data[at] >= '1' && data[at] <= '8', "a digit of the amount: %q", data[at:at+8])
	data[at]++ // a changed amount must not be served
	require.NoError(t, os.WriteFile(path, data, 0o600))
	_, err = New(Options{StatePath: path})
	require.ErrorIs(t, err, filestore.ErrDamaged)
	assert.Contains(t, err.Error(), `bucket "s-1", key "payment\x00p-1": checksum`)
}

// Concurrent writes of one object reach the state file in the order the calls made them:
// many refunds of one payment at once, and the payment reopened from the file has every one
// of them, as the answers said.
func TestConcurrentWritesOfOneObjectKeepTheirOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	sb, err := New(Options{StatePath: path})
	require.NoError(t, err)
	do := func(sb *Sandbox, method, url, body string) (int, map[string]any) {
		req := httptest.NewRequest(method, "/partner/payin/v1/sites/s-1"+url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer k")
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		sb.ServeHTTP(w, req)
		var out map[string]any
		if w.Body.Len() > 0 {
			assert.NoError(t, json.Unmarshal(w.Body.Bytes(), &out), w.Body.String())
		}
		return w.Code, out
	}
	pay := `{"amount": {"value": "5.00", "currency": "RUB"}, "paymentMethod": {"type": "CARD", "pan": "4256000000000003", "expiryDate": "05/30", "cvv2": "123"}, "flags": ["SALE"]}`
	status, _ := do(sb, http.MethodPut, "/payments/p-1", pay)
	require.Equal(t, http.StatusOK, status)
	const refunds = 60
	var wg sync.WaitGroup
	for i := range refunds {
		wg.Go(func() {
			status, answer := do(sb, http.MethodPut, fmt.Sprintf("/payments/p-1/refunds/r-%d", i), `{"amount": {"value": "0.01", "currency": "RUB"}}`)
			assert.Equal(t, http.StatusOK, status, "%v", answer)
		})
	}
	wg.Wait()
	_, answer := do(sb, http.MethodGet, "/payments/p-1", "")
	require.Equal(t, "0.60", answer["refundedAmount"].(map[string]any)["value"])
	require.NoError(t, sb.Close())

	reopened, err := New(Options{StatePath: path})
	require.NoError(t, err)
	defer reopened.Close()
	_, answer = do(reopened, http.MethodGet, "/payments/p-1", "")
	assert.Equal(t, "0.60", answer["refundedAmount"].(map[string]any)["value"], "every answered refund is in the file")
}

// The state file's commits skip fsync by default (they survive the process being killed)
// and are fsynced with StateFsync (they survive a power loss too).
func TestStateFsync(t *testing.T) {
	for _, fsync := range []bool{false, true} {
		sb, err := New(Options{StatePath: filepath.Join(t.TempDir(), "state.db"), StateFsync: fsync})
		require.NoError(t, err)
		assert.Equal(t, !fsync, sb.store.db.NoSync(), "StateFsync %v", fsync)
		require.NoError(t, sb.Close())
	}
}
