package webhook

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
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

// Body limits that overflowed (math.MaxInt64) or refused everything (0) now keep working
// bounds.
func TestHandlerBodyLimits(t *testing.T) {
	body := `{"payment":{"paymentId":"p","createdDateTime":"2024-01-01T00:00:00+03:00","amount":{"value":1}},"type":"PAYMENT","version":"1"}`
	header, err := SignNotification(testSpecs, []byte(body), "s")
	require.NoError(t, err)
	for name, limit := range map[string]int64{"zero": 0, "negative": -1, "math.MaxInt64": math.MaxInt64, "exact": int64(len(body))} {
		var calls int
		h := NewNotificationHandler(testSpecs, "s", func(string) *testNote { return new(testNote) },
			func(context.Context, *testNote) error { calls++; return nil }, WithMaxBodyBytes(limit))
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header = header
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusOK, rec.Code, name)
		assert.Equal(t, 1, calls, name)
	}
	small := NewNotificationHandler(testSpecs, "s", func(string) *testNote { return new(testNote) },
		func(context.Context, *testNote) error { return nil }, WithMaxBodyBytes(10))
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header = header
	rec := httptest.NewRecorder()
	small.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
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
