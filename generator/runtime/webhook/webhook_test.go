package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
	"github.com/qiwigen/qiwigen/generator/runtime/webhook"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// A small notification of its own, not the generated client's: a payin PAYMENT signed over
// its ID, time and amount, and a Bill Payments BILL signed in another header.
type payment struct {
	Payment struct {
		PaymentID       string `json:"paymentId"`
		CreatedDateTime string `json:"createdDateTime"`
		Amount          struct {
			Value wiretype.Money `json:"value"`
		} `json:"amount"`
	} `json:"payment"`
	Type string `json:"type"`
}

var specs = []webhook.SignatureSpec{
	{Type: "PAYMENT", Header: "Signature",
		Fields:       []string{"/payment/paymentId", "/payment/createdDateTime", "/payment/amount/value"},
		AmountFields: []string{"/payment/amount/value"}},
}

const (
	secret = "test-secret"
	body   = `{"payment":{"paymentId":"p-1","createdDateTime":"2024-01-01T00:00:00+03:00","amount":{"value":5}},"type":"PAYMENT"}`
	// signedText is what the signature covers: the fields joined with "|", the amount with
	// two fraction digits.
	signedText = "p-1|2024-01-01T00:00:00+03:00|5.00"
)

// mac is the HMAC-SHA256 of the signed text, computed here independently of the package.
func mac(t *testing.T) []byte {
	t.Helper()
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(signedText))
	return m.Sum(nil)
}

func newHandler(t *testing.T, handle func(context.Context, *payment) error, opts ...webhook.HandlerOption) *webhook.NotificationHandler[*payment] {
	t.Helper()
	if handle == nil {
		handle = func(context.Context, *payment) error { return nil }
	}
	return webhook.NewNotificationHandler(specs, secret, func(typ string) *payment {
		if typ != "PAYMENT" {
			return nil
		}
		return new(payment)
	}, handle, opts...)
}

func deliver(h http.Handler, header http.Header, data string) int {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(data))
	req.RemoteAddr = "79.142.16.5:4000"
	req.Header = header.Clone()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

func signed(sig string) http.Header {
	return http.Header{"Content-Type": {"application/json"}, "Signature": {sig}}
}

// The signature verifies in hex of either letter case and in standard base64 with or
// without padding, and is found whatever the case of the header's key.
func TestSignatureEncodingsAndHeaderCase(t *testing.T) {
	sum := mac(t)
	assert.Equal(t, hex.EncodeToString(sum), webhook.Sign(signedText, secret))
	text, err := webhook.SignedString(specs[0], []byte(body))
	require.NoError(t, err)
	assert.Equal(t, signedText, text)
	for name, sig := range map[string]string{
		"hex":               hex.EncodeToString(sum),
		"upper-case hex":    strings.ToUpper(hex.EncodeToString(sum)),
		"base64":            base64.StdEncoding.EncodeToString(sum),
		"unpadded base64":   base64.RawStdEncoding.EncodeToString(sum),
		"surrounding space": " " + hex.EncodeToString(sum) + " ",
	} {
		assert.NoError(t, webhook.VerifyNotification(specs, signed(sig), []byte(body), secret), name)
	}
	for name, header := range map[string]http.Header{
		"lower-case key": {"signature": {hex.EncodeToString(sum)}},
		"upper-case key": {"SIGNATURE": {hex.EncodeToString(sum)}},
	} {
		assert.NoError(t, webhook.VerifyNotification(specs, header, []byte(body), secret), name)
	}
}

// Every wrong signature is refused with ErrSignatureMismatch: the comparison covers the whole
// HMAC (a change in its first or in its last byte), and a prefix, an HMAC of another text,
// base64 URL encoding or a value of another length is no signature. A missing one is
// ErrSignatureMissing; an empty secret, ErrSecretMissing.
func TestSignatureRefusals(t *testing.T) {
	sum := mac(t)
	flip := func(i int) string {
		b := bytes.Clone(sum)
		b[i] ^= 1
		return hex.EncodeToString(b)
	}
	other := hmac.New(sha256.New, []byte(secret))
	other.Write([]byte(signedText + " "))
	for name, sig := range map[string]string{
		"first byte":      flip(0),
		"last byte":       flip(sha256.Size - 1),
		"a prefix":        hex.EncodeToString(sum)[:32],
		"one digit more":  hex.EncodeToString(sum) + "0",
		"another text":    hex.EncodeToString(other.Sum(nil)),
		"not hex":         strings.Repeat("z", 64),
		"base64 with URL": base64.URLEncoding.EncodeToString(sum),
	} {
		if sig == base64.StdEncoding.EncodeToString(sum) {
			continue // the URL alphabet happened to write nothing else
		}
		err := webhook.VerifyNotification(specs, signed(sig), []byte(body), secret)
		require.ErrorIs(t, err, webhook.ErrSignatureMismatch, name)
		assert.ErrorIs(t, err, webhook.ErrNotification, name)
		assert.NotContains(t, err.Error(), sig, "%s: the error does not repeat the signature", name)
		assert.Equal(t, http.StatusUnauthorized, deliver(newHandler(t, nil), signed(sig), body), name)
	}
	err := webhook.VerifyNotification(specs, http.Header{}, []byte(body), secret)
	assert.ErrorIs(t, err, webhook.ErrSignatureMissing)
	assert.Equal(t, http.StatusUnauthorized, deliver(newHandler(t, nil), http.Header{}, body))
	err = webhook.VerifyNotification(specs, signed(hex.EncodeToString(sum)), []byte(body), "")
	assert.ErrorIs(t, err, webhook.ErrSecretMissing)
	err = webhook.VerifyNotification(specs, signed(hex.EncodeToString(sum)), []byte(`{"type":"PAYMENT"`), secret)
	assert.ErrorIs(t, err, webhook.ErrMalformedNotification)
	assert.Equal(t, http.StatusBadRequest, deliver(newHandler(t, nil), signed(hex.EncodeToString(sum)), `{"type":"REFUND"}`))
}

// The handler reads a body up to its limit and refuses a larger one with 413, without
// calling the function.
func TestBodyLimit(t *testing.T) {
	header := signed(hex.EncodeToString(mac(t)))
	padded := strings.Replace(body, `"type"`, `"padding":"`+strings.Repeat("x", 100)+`","type"`, 1)
	for limit, want := range map[int64]int{
		int64(len(body)):       http.StatusOK,
		int64(len(body)) - 1:   http.StatusRequestEntityTooLarge,
		int64(len(padded)) - 1: http.StatusRequestEntityTooLarge,
	} {
		var calls int
		h := newHandler(t, func(context.Context, *payment) error { calls++; return nil }, webhook.WithMaxBodyBytes(limit))
		data := body
		if limit > int64(len(body)) {
			data = padded
		}
		assert.Equal(t, want, deliver(h, header, data), "limit %d", limit)
		assert.Equal(t, want == http.StatusOK, calls == 1, "limit %d", limit)
	}
	// The default limit reads a body of DefaultMaxBodyBytes and refuses one byte more.
	big := strings.Replace(body, `"type"`, `"padding":"`+strings.Repeat("x", webhook.DefaultMaxBodyBytes-len(body)-len(`"padding":"",`))+`","type"`, 1)
	require.Equal(t, webhook.DefaultMaxBodyBytes, len(big))
	assert.Equal(t, http.StatusOK, deliver(newHandler(t, nil), header, big))
	assert.Equal(t, http.StatusRequestEntityTooLarge, deliver(newHandler(t, nil), header, big+" "))
}

// countingDedup is a Deduplicator that records its calls around a MemoryDeduplicator.
type countingDedup struct {
	mu    sync.Mutex
	inner *webhook.MemoryDeduplicator
	calls []string
}

func (d *countingDedup) note(call string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, call)
}

func (d *countingDedup) Reserve(ctx context.Context, key string) (webhook.Reservation, error) {
	d.note("Reserve")
	return d.inner.Reserve(ctx, key)
}

func (d *countingDedup) Done(ctx context.Context, key string) error {
	d.note("Done")
	return d.inner.Done(ctx, key)
}

func (d *countingDedup) Release(ctx context.Context, key string) error {
	d.note("Release")
	return d.inner.Release(ctx, key)
}

// A failed call releases its reservation, so that the redelivery calls the function again;
// a succeeded one is marked done, so that the next redelivery is acknowledged without a call;
// a redelivery that arrives while the first is being handled is answered 409.
func TestDeduplicatorReservation(t *testing.T) {
	header := signed(hex.EncodeToString(mac(t)))
	dedup := &countingDedup{inner: memoryDedup(t, 10)}
	var calls int
	fail := true
	h := newHandler(t, func(context.Context, *payment) error {
		calls++
		if fail {
			return errors.New("database gone")
		}
		return nil
	}, webhook.WithDeduplicator(dedup))
	assert.Equal(t, http.StatusInternalServerError, deliver(h, header, body))
	fail = false
	assert.Equal(t, http.StatusOK, deliver(h, header, body), "the released notification is handled again")
	// Another formatting and an unsigned member more are the same notification.
	again := strings.Replace(body, `"type":"PAYMENT"`, `"type": "PAYMENT", "extra": 1`, 1)
	assert.Equal(t, http.StatusOK, deliver(h, header, again))
	assert.Equal(t, 2, calls, "the handled notification is acknowledged without a call")
	assert.Equal(t, []string{"Reserve", "Release", "Reserve", "Done", "Reserve"}, dedup.calls)

	// While a delivery is being handled, a redelivery is answered 409.
	blocking := memoryDedup(t, 10)
	entered, release := make(chan struct{}), make(chan struct{})
	slow := newHandler(t, func(context.Context, *payment) error {
		close(entered)
		<-release
		return nil
	}, webhook.WithDeduplicator(blocking))
	first := make(chan int)
	go func() { first <- deliver(slow, header, body) }()
	<-entered
	assert.Equal(t, http.StatusConflict, deliver(slow, header, body))
	close(release)
	assert.Equal(t, http.StatusOK, <-first)
	assert.Equal(t, http.StatusOK, deliver(slow, header, body), "handled: acknowledged, the function is not called again")
}

// memoryDedup is a MemoryDeduplicator of the given size.
func memoryDedup(t *testing.T, size int) *webhook.MemoryDeduplicator {
	t.Helper()
	d, err := webhook.NewMemoryDeduplicator(size)
	require.NoError(t, err)
	return d
}

// A MemoryDeduplicator without room is refused as a bad option is (apierr.ErrConfig, the
// client's sentinel too), not made one of size 1; size 1 is the smallest.
func TestMemoryDeduplicatorRefusesNoRoom(t *testing.T) {
	for _, size := range []int{0, -1} {
		d, err := webhook.NewMemoryDeduplicator(size)
		require.ErrorIs(t, err, apierr.ErrConfig, "size %d", size)
		assert.ErrorContains(t, err, fmt.Sprintf("NewMemoryDeduplicator(%d)", size))
		assert.Nil(t, d)
	}
	d, err := webhook.NewMemoryDeduplicator(1)
	require.NoError(t, err)
	assert.NotNil(t, d)
}

// MemoryDeduplicator: exactly one of concurrent reservations of a key wins; it forgets the
// oldest handled key beyond its size.
func TestMemoryDeduplicator(t *testing.T) {
	ctx := context.Background()
	d := memoryDedup(t, 2)
	var wg sync.WaitGroup
	var mu sync.Mutex
	found := map[webhook.Reservation]int{}
	for range 8 {
		wg.Go(func() {
			r, err := d.Reserve(ctx, "k")
			assert.NoError(t, err)
			mu.Lock()
			found[r]++
			mu.Unlock()
		})
	}
	wg.Wait()
	assert.Equal(t, map[webhook.Reservation]int{webhook.Reserved: 1, webhook.InFlight: 7}, found)
	require.NoError(t, d.Done(ctx, "k"))
	r, err := d.Reserve(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, webhook.Handled, r)
	for _, k := range []string{"a", "b"} {
		_, err := d.Reserve(ctx, k)
		require.NoError(t, err)
		require.NoError(t, d.Done(ctx, k))
	}
	r, err = d.Reserve(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, webhook.Reserved, r, "the oldest key was forgotten")
	r, err = d.Reserve(ctx, "b")
	require.NoError(t, err)
	assert.Equal(t, webhook.Handled, r)
}

// A handler option given a bad value is an error wrapping apierr.ErrConfig (as client options do) that Err reports,
// and the handler answers every notification 500 without calling the function, logging why;
// a good value is no error.
func TestHandlerOptionsRefuseBadValues(t *testing.T) {
	var nilLogger *slog.Logger
	bad := map[string]webhook.HandlerOption{
		"a zero body limit":        webhook.WithMaxBodyBytes(0),
		"a negative body limit":    webhook.WithMaxBodyBytes(-1),
		"a body limit too large":   webhook.WithMaxBodyBytes(webhook.MaxMaxBodyBytes + 1),
		"a zero read timeout":      webhook.WithReadTimeout(0),
		"a negative read timeout":  webhook.WithReadTimeout(-time.Second),
		"no network":               webhook.WithAllowedNetworks(),
		"an invalid network":       webhook.WithAllowedNetworks(netip.MustParsePrefix("10.0.0.0/8"), netip.Prefix{}),
		"a nil deduplicator":       webhook.WithDeduplicator(nil),
		"a nil client IP function": webhook.WithClientIP(nil),
		"a nil logger":             webhook.WithHandlerLogger(nilLogger),
		"a nil drift reporter":     webhook.WithNotificationDrift(nil),
		"a nil option":             nil,
	}
	for name, opt := range bad {
		var logged bytes.Buffer
		var calls int
		h := newHandler(t, func(context.Context, *payment) error { calls++; return nil },
			webhook.WithHandlerLogger(slog.New(slog.NewTextHandler(&logged, nil))), opt)
		require.ErrorIs(t, h.Err(), apierr.ErrConfig, name)
		assert.Equal(t, http.StatusInternalServerError, deliver(h, signed(hex.EncodeToString(mac(t))), body), name)
		assert.Zero(t, calls, name)
		assert.Contains(t, logged.String(), "level=ERROR", name)
		assert.Contains(t, logged.String(), h.Err().Error(), name)
	}
	assert.ErrorContains(t, newHandler(t, nil, webhook.WithMaxBodyBytes(0)).Err(), "WithMaxBodyBytes(0)")

	good := []webhook.HandlerOption{
		webhook.WithMaxBodyBytes(1), webhook.WithMaxBodyBytes(webhook.MaxMaxBodyBytes),
		webhook.WithReadTimeout(time.Nanosecond),
		webhook.WithAllowedNetworks(webhook.QIWINetworks()...),
		webhook.WithDeduplicator(memoryDedup(t, 1)),
		webhook.WithClientIP(func(*http.Request) (netip.Addr, bool) { return netip.Addr{}, false }),
		webhook.WithHandlerLogger(slog.New(slog.DiscardHandler)),
		webhook.WithNotificationDrift(func(context.Context, string, []string) {}),
	}
	assert.NoError(t, newHandler(t, nil, good...).Err())

	h := webhook.NewNotificationHandler[*payment](specs, secret, func(string) *payment { return new(payment) }, nil)
	assert.ErrorIs(t, h.Err(), apierr.ErrConfig, "no function to call")
	assert.Equal(t, http.StatusInternalServerError, deliver(h, signed(hex.EncodeToString(mac(t))), body))
}

// The allowed networks and the client-IP function decide who may deliver.
func TestAllowedNetworks(t *testing.T) {
	header := signed(hex.EncodeToString(mac(t)))
	qiwiOnly := newHandler(t, nil, webhook.WithAllowedNetworks(webhook.QIWINetworks()...))
	assert.Equal(t, http.StatusOK, deliver(qiwiOnly, header, body), "79.142.16.5 is QIWI's")
	viaProxy := newHandler(t, nil, webhook.WithAllowedNetworks(webhook.QIWINetworks()...),
		webhook.WithClientIP(func(*http.Request) (netip.Addr, bool) { return netip.MustParseAddr("203.0.113.1"), true }))
	assert.Equal(t, http.StatusForbidden, deliver(viaProxy, header, body))
}
