package sandbox_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/internal/syncbuf"
	"github.com/qiwigen/qiwigen/contracttest/sandbox"
	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// logBuffer is a log destination safe for the server's and the notifier's goroutines, read
// by its lines.
type logBuffer struct{ syncbuf.Buffer }

// lines are the log's lines with msg=<msg>.
func (b *logBuffer) lines(msg string) []string {
	var out []string
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.Contains(l, "msg="+msg+" ") || strings.Contains(l, `msg="`+msg+`" `) {
			out = append(out, l)
		}
	}
	return out
}

// waitFor polls cond for up to ten seconds: deliveries run in their own goroutines.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// One log line per request: method, path, operationId, status, latency and QIWI's error
// code; never the key, the card number, the CVV, a token or a payout signature, not even
// when a validation error is about one of them.
func TestRequestLogIsScrubbed(t *testing.T) {
	const pan, cvv = qiwi.TestCardVisa, "917"
	var log logBuffer
	signer, err := rsa.GenerateKey(rand.Reader, qiwi.MinPayoutKeyBits)
	require.NoError(t, err)
	sb, err := sandbox.New(sandbox.Options{Keys: map[string]string{siteID: apiKey}, Logger: slog.New(slog.NewTextHandler(&log, nil)),
		PayoutKeys: map[string]*rsa.PublicKey{siteID: &signer.PublicKey}})
	require.NoError(t, err)
	defer sb.Close()
	srv := httptest.NewServer(sb)
	defer srv.Close()
	var signatures []string
	sniff := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if sig := r.Header.Get("X-Digital-Sign"); sig != "" {
			signatures = append(signatures, sig)
		}
		return srv.Client().Transport.RoundTrip(r)
	})
	client, err := qiwi.New(apiKey, qiwi.WithSiteID(siteID), qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(&http.Client{Transport: sniff}), qiwi.WithPayoutSigner(signer))
	require.NoError(t, err)
	ctx := context.Background()

	method := qiwi.PaymentMethod{Type: qiwi.PaymentMethodTypeCard, Pan: qiwi.Ptr(pan), ExpiryDate: qiwi.Ptr("05/30"), Cvv2: qiwi.Ptr(cvv), HolderName: qiwi.Ptr("H")}
	pay, err := client.CreatePayment(ctx, "pay-1", qiwi.CreatePaymentRequest{Amount: amount(t, "5.00"), PaymentMethod: method,
		Customer: &qiwi.Customer{Account: qiwi.Ptr("cust-1")}, Flags: &qiwi.Flags{"SALE", "BIND_PAYMENT_TOKEN"}})
	require.NoError(t, err)
	require.NotNil(t, pay.CreatedToken)
	token := *pay.CreatedToken.Token
	_, err = client.CreatePayment(ctx, "pay-2", qiwi.CreatePaymentRequest{Amount: amount(t, "1.00"), Customer: &qiwi.Customer{Account: qiwi.Ptr("cust-1")},
		PaymentMethod: qiwi.PaymentMethod{Type: qiwi.PaymentMethodTypeToken, PaymentToken: qiwi.Ptr(token)}})
	require.NoError(t, err)
	var receiver qiwi.PayoutReceiverDataRequest
	require.NoError(t, receiver.FromPayoutReceiverDataCardRequest(qiwi.PayoutReceiverDataCardRequest{Pan: qiwi.TestCardMir, ReceiverFirstName: qiwi.Ptr("Ivan")}))
	_, err = client.CreatePayout(ctx, "pay-1", "po-1", qiwi.CreatePayoutRequest{Amount: amount(t, qiwi.TestPayoutAmountSuccess), ReceiverData: receiver})
	require.NoError(t, err)
	require.NotEmpty(t, signatures)
	require.NoError(t, client.DeleteToken(ctx, qiwi.DeleteTokenRequest{Token: token, CustomerAccountID: "cust-1"}))
	_, err = client.GetPayment(ctx, "none")
	require.Error(t, err)
	// A card number the spec refuses (a number, not a string): the log names the field only.
	req, err := http.NewRequest(http.MethodPut, srv.URL+"/partner/payin/v1/sites/"+siteID+"/payments/pay-3?trace=on",
		strings.NewReader(`{"amount": {"value": "1.00", "currency": "RUB"}, "paymentMethod": {"type": "CARD", "pan": 4256000000000003, "expiryDate": "05/30", "cvv2": "`+cvv+`"}}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	out := log.String()
	for _, secret := range append([]string{apiKey, "Bearer", pan, "4256000000000003", qiwi.TestCardMir, cvv, token, "cust-1"}, signatures...) {
		assert.NotContains(t, out, secret)
	}
	lines := log.lines("request")
	require.Len(t, lines, 6, out)
	assert.Contains(t, lines[0], "method=PUT path=/partner/payin/v1/sites/test-01/payments/pay-1 op=createPayment status=200 latency=")
	assert.Contains(t, lines[3], "op=deleteToken status=204")
	assert.Contains(t, lines[4], "method=GET path=/partner/payin/v1/sites/test-01/payments/none op=getPayment status=404")
	assert.Contains(t, lines[4], "error=payin.resource.not.found")
	assert.Contains(t, lines[5], "path=/partner/payin/v1/sites/test-01/payments/pay-3 op=createPayment status=400")
	assert.Contains(t, lines[5], "error=validation.error field=")
	assert.NotContains(t, out, "trace=on", "no query")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// notifyNet answers the notifications: refused.invalid refuses every connection,
// flaky.invalid answers 503 once and then 200.
func notifyNet() *http.Client {
	var mu sync.Mutex
	flaky := 0
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Hostname() == "refused.invalid" {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
		}
		mu.Lock()
		flaky++
		status := http.StatusOK
		if flaky == 1 {
			status = http.StatusServiceUnavailable
		}
		mu.Unlock()
		return &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader("")), Header: http.Header{}, Request: r}, nil
	})}
}

// Each delivery attempt is logged: the type, the URL without its query, the attempt, the
// answer's status or the error (a refused connection too), and when the retry comes; a
// delivery whose retries are over says so.
func TestNotificationDeliveryLog(t *testing.T) {
	var log logBuffer
	sb, err := sandbox.New(sandbox.Options{NotifySecret: "s", NotifyClient: notifyNet(), TimeScale: 1e4, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	require.NoError(t, err)
	defer sb.Close()
	srv := httptest.NewServer(sb)
	defer srv.Close()
	client, err := qiwi.New("any-key", qiwi.WithSiteID(siteID), qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	ctx := context.Background()
	pay := func(id, callback string) {
		_, err := client.CreatePayment(ctx, id, qiwi.CreatePaymentRequest{Amount: amount(t, "1.00"), PaymentMethod: card("05/30", "123", "H"),
			Flags: &qiwi.Flags{"SALE"}, CallbackURL: qiwi.Ptr(callback)})
		require.NoError(t, err)
	}
	pay("p-refused", "http://refused.invalid/cb?secret=hush")
	waitFor(t, "the refused delivery to give up", func() bool { return strings.Contains(log.String(), "the retries are over") })
	pay("p-flaky", "https://flaky.invalid/cb")
	waitFor(t, "the flaky delivery to succeed", func() bool { return len(log.lines("notification delivered")) == 1 })

	out := log.String()
	assert.NotContains(t, out, "hush", "no query in the log")
	failed := log.lines("notification not delivered")
	require.Len(t, failed, 7, out) // six attempts to refused.invalid, one 503 from flaky.invalid
	assert.Contains(t, failed[0], "type=PAYMENT url=http://refused.invalid/cb attempt=1 error=")
	assert.Contains(t, failed[0], "connection refused")
	assert.Contains(t, failed[0], "retry_in=500µs retry_at=")
	assert.Contains(t, failed[1], "attempt=2")
	assert.Contains(t, failed[1], "retry_in=6ms")
	assert.Contains(t, failed[5], `attempt=6 error="dial tcp: connection refused" next="none: the retries are over"`)
	assert.Contains(t, failed[6], "type=PAYMENT url=https://flaky.invalid/cb attempt=1 status=503 retry_in=500µs")
	assert.Contains(t, log.lines("notification delivered")[0], "type=PAYMENT url=https://flaky.invalid/cb attempt=2 status=200")
}

// The status page counts the requests by operation and status class, the objects kept by
// kind, the notifications still to deliver and the uptime; as text, and as JSON when asked.
func TestStatusPage(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	// Every delivery is refused and the first retry waits 5 s: the deliveries stay pending
	// until Close ends them.
	refusing := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	})}
	sb, err := sandbox.New(sandbox.Options{Keys: map[string]string{siteID: apiKey}, Now: clock.Now, NotifySecret: "s",
		NotifyURL: "http://refused.invalid/", NotifyClient: refusing})
	require.NoError(t, err)
	defer sb.Close()
	srv := httptest.NewServer(sb)
	defer srv.Close()
	client, err := qiwi.New(apiKey, qiwi.WithSiteID(siteID), qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = client.CreatePayment(ctx, "p-1", qiwi.CreatePaymentRequest{Amount: amount(t, "2.00"), PaymentMethod: card("05/30", qiwi.TestCVV3DS, "H")})
	require.NoError(t, err)
	_, err = client.CreatePayment(ctx, "p-2", qiwi.CreatePaymentRequest{Amount: amount(t, "2.00"), PaymentMethod: card("05/30", "123", "H"), Flags: &qiwi.Flags{"SALE"}})
	require.NoError(t, err)
	_, err = client.CreateRefund(ctx, "p-2", "r-1", qiwi.CreateRefundRequest{Amount: amount(t, "1.00")})
	require.NoError(t, err)
	_, err = client.GetPayment(ctx, "none")
	require.Error(t, err)
	five := amount(t, "5.00")
	_, err = client.CreateInvoice(ctx, "inv-1", qiwi.CreateInvoiceRequest{Amount: &five, ExpirationDateTime: qiwi.NewTimestamp(clock.Now().Add(time.Hour))})
	require.NoError(t, err)
	clock.Advance(90 * time.Second)

	get := func(url, accept string) *http.Response {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		require.NoError(t, err)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		return resp
	}
	var st sandbox.Status
	waitFor(t, "a delivery awaiting its retry", func() bool {
		resp := get(srv.URL+"/?format=json", "")
		defer resp.Body.Close()
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
		return st.Notifications.NextAttempt != ""
	})
	assert.Equal(t, 90.0, st.UptimeSeconds)
	assert.Equal(t, "2026-12-01T12:00:00.000+03:00", st.Started)
	require.Contains(t, st.ByOperation, "createPayment")
	assert.Equal(t, 2, st.ByOperation["createPayment"].Total)
	assert.Equal(t, map[string]int{"2xx": 2}, st.ByOperation["createPayment"].Classes)
	assert.Equal(t, map[string]int{"4xx": 1}, st.ByOperation["getPayment"].Classes)
	assert.Equal(t, 1, st.ByOperation["createRefund"].Total)
	assert.Equal(t, 1, st.ByStatus["4xx"])
	assert.GreaterOrEqual(t, st.ByStatus["2xx"], 4, "four operations, and the status pages answered before")
	assert.Equal(t, st.Requests, st.ByStatus["2xx"]+st.ByStatus["4xx"])
	assert.Equal(t, 2, st.Objects["payments"])
	assert.Equal(t, 1, st.Objects["refunds"])
	assert.Equal(t, 1, st.Objects["invoices"])
	assert.Equal(t, 0, st.Objects["bills"])
	assert.Equal(t, 1, st.Objects["sites"])
	assert.GreaterOrEqual(t, st.Notifications.Pending, 1)

	resp := get(srv.URL+"/", "application/json")
	var again sandbox.Status
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&again))
	resp.Body.Close()
	assert.Equal(t, 2, again.Objects["payments"], "Accept: application/json answers JSON")

	resp = get(srv.URL+"/", "text/html")
	text, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	for _, want := range []string{"up 1m30s", "createPayment", "2xx 2", "getPayment", "4xx 1", "payments", "invoices", "notifications pending: ", "next attempt"} {
		assert.Contains(t, string(text), want)
	}
}

// A fault naming no operationId of the spec is refused at start, naming the fault and the
// operation and suggesting the closest operationId.
func TestFaultOnUnknownOperationIsRefused(t *testing.T) {
	for _, tc := range []struct{ op, want string }{
		{"getPaymnet", `fault 1: bad sandbox faults: operation "getPaymnet" is no operationId of the spec; did you mean "getPayment"?`},
		{"createrefund", `did you mean "createRefund"?`},
		{"GetBill", `did you mean "getBill"?`},
	} {
		_, err := sandbox.New(sandbox.Options{Faults: []sandbox.Fault{
			{Operation: "getPayment", Nth: 1, Status: http.StatusServiceUnavailable},
			{Operation: tc.op, Nth: 1, Status: http.StatusServiceUnavailable},
		}})
		require.Error(t, err, tc.op)
		assert.ErrorIs(t, err, sandbox.ErrFaults)
		assert.Contains(t, err.Error(), tc.want)
	}
}

// NotifyURL must be an absolute http or https URL with a host; the error names the option.
func TestNotifyURLIsChecked(t *testing.T) {
	for _, bad := range []string{"not-a-url", "/notify", "ftp://merchant.example/notify", "http:///notify", "http://%zz", "mailto:a@b"} {
		_, err := sandbox.New(sandbox.Options{NotifyURL: bad})
		require.Error(t, err, bad)
		assert.True(t, errors.Is(err, sandbox.ErrNotifyURL), bad)
		assert.Contains(t, err.Error(), "NotifyURL", bad)
	}
	err := sandbox.CheckNotifyURL("https://user:pw@merchant.example/notify?key=hush")
	require.NoError(t, err)
	err = sandbox.CheckNotifyURL("ftp://user:pw@merchant.example/notify?key=hush")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hush", "the query is not echoed")
	assert.NotContains(t, err.Error(), "pw", "the user info is not echoed")
	sb, err := sandbox.New(sandbox.Options{NotifyURL: "HTTP://127.0.0.1:9/notify"})
	require.NoError(t, err)
	require.NoError(t, sb.Close())
}
