package webhook

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type testNote struct {
	Payment struct {
		PaymentID       string `json:"paymentId"`
		CreatedDateTime string `json:"createdDateTime"`
		Amount          struct {
			Value wiretype.Money `json:"value"`
		} `json:"amount"`
	} `json:"payment"`
	Type    string `json:"type"`
	Version string `json:"version"`
}

var testSpecs = []SignatureSpec{{Type: "PAYMENT", Header: "Signature",
	Fields:       []string{"/payment/paymentId", "/payment/createdDateTime", "/payment/amount/value"},
	AmountFields: []string{"/payment/amount/value"}}}

// A body of exactly the limit is read; one byte less than the body is refused with 413.
func TestHandlerBodyLimits(t *testing.T) {
	body := `{"payment":{"paymentId":"p","createdDateTime":"2024-01-01T00:00:00+03:00","amount":{"value":1}},"type":"PAYMENT","version":"1"}`
	header, err := SignNotification(testSpecs, []byte(body), "s")
	require.NoError(t, err)
	for limit, want := range map[int64]int{int64(len(body)): http.StatusOK, int64(len(body)) - 1: http.StatusRequestEntityTooLarge, 10: http.StatusRequestEntityTooLarge} {
		var calls int
		h := NewNotificationHandler(testSpecs, "s", func(string) *testNote { return new(testNote) },
			func(context.Context, *testNote) error { calls++; return nil }, WithMaxBodyBytes(limit))
		require.NoError(t, h.Err())
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header = header
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, want, rec.Code, "limit %d", limit)
		assert.Equal(t, want == http.StatusOK, calls == 1, "limit %d", limit)
	}
}

// A sender that stops sending is cut off by the handler's read deadline.
func TestHandlerReadDeadline(t *testing.T) {
	h := NewNotificationHandler(testSpecs, "s", func(string) *testNote { return new(testNote) },
		func(context.Context, *testNote) error { return nil }, WithReadTimeout(100*time.Millisecond))
	srv := httptest.NewServer(h)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"pay")
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	reply, err := io.ReadAll(conn)
	require.NoError(t, err, "the server closed the connection before the test's own deadline")
	assert.Contains(t, string(reply), "400 Bad Request", "the body could not be read in time")
}

// A panic in the user's function is answered 500 and logged with its stack, and releases the
// notification's reservation: the next delivery calls the function again, instead of every
// redelivery being answered 409 for good.
func TestHandlerPanicReleasesTheReservation(t *testing.T) {
	body := `{"payment":{"paymentId":"p","createdDateTime":"2024-01-01T00:00:00+03:00","amount":{"value":1}},"type":"PAYMENT","version":"1"}`
	header, err := SignNotification(testSpecs, []byte(body), "s")
	require.NoError(t, err)
	var calls atomic.Int32
	var logged strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logged}, nil))
	h := NewNotificationHandler(testSpecs, "s", func(string) *testNote { return new(testNote) },
		func(context.Context, *testNote) error {
			if calls.Add(1) == 1 {
				panic("database gone")
			}
			return nil
		}, WithDeduplicator(memoryDedup(t, 10)), WithHandlerLogger(logger))
	srv := httptest.NewServer(h)
	defer srv.Close()
	deliver := func() int {
		req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		require.NoError(t, err)
		req.Header = header.Clone()
		resp, err := srv.Client().Do(req)
		if err != nil {
			return 0 // net/http dropped the connection of a handler that panicked
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusInternalServerError, deliver(), "the panic is answered 500")
	assert.Equal(t, http.StatusOK, deliver(), "the redelivery calls the function again")
	assert.Equal(t, int32(2), calls.Load())
	assert.Equal(t, http.StatusOK, deliver(), "a handled notification is still acknowledged")
	assert.Equal(t, int32(2), calls.Load())
	mu.Lock()
	defer mu.Unlock()
	assert.Contains(t, logged.String(), "database gone")
	assert.Contains(t, logged.String(), "stack=")
}

// A function that panics with http.ErrAbortHandler still aborts the answer, as net/http
// documents, after its reservation is released.
func TestHandlerAbortPanicPropagates(t *testing.T) {
	body := `{"payment":{"paymentId":"p","createdDateTime":"2024-01-01T00:00:00+03:00","amount":{"value":1}},"type":"PAYMENT","version":"1"}`
	header, err := SignNotification(testSpecs, []byte(body), "s")
	require.NoError(t, err)
	dedup := memoryDedup(t, 10)
	h := NewNotificationHandler(testSpecs, "s", func(string) *testNote { return new(testNote) },
		func(context.Context, *testNote) error { panic(http.ErrAbortHandler) }, WithDeduplicator(dedup))
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header = header
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() { h.ServeHTTP(httptest.NewRecorder(), req) })
	found, err := dedup.Reserve(context.Background(), "any")
	require.NoError(t, err)
	assert.Equal(t, Reserved, found)
	dedup.mu.Lock()
	defer dedup.mu.Unlock()
	assert.Len(t, dedup.inFlight, 1, "only the test's own key is in flight: the notification's was released")
}

// lockedWriter serialises writes of concurrent log records.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// memoryDedup is a MemoryDeduplicator of the given size.
func memoryDedup(t *testing.T, size int) *MemoryDeduplicator {
	t.Helper()
	d, err := NewMemoryDeduplicator(size)
	require.NoError(t, err)
	return d
}
