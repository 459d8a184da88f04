package qiwi_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/generator/runtime/webhook"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/gen/qiwi"
)

const forgerySecret = "merchant-secret"

// genuinePayment is a real-shaped 1.00 RUB PAYMENT notification; genuineBill a Bill
// Payments one.
const (
	genuinePayment = `{"payment":{"paymentId":"pay-1","billId":"order-1","createdDateTime":"2024-03-01T17:10:31+03:00","amount":{"value":1.00,"currency":"RUB"},"status":{"value":"SUCCESS","changedDateTime":"2024-03-01T17:10:32+03:00"}},"type":"PAYMENT","version":"1"}`
	genuineBill    = `{"bill":{"siteId":"test","billId":"order-1","amount":{"value":"1.00","currency":"RUB"},"status":{"value":"PAID","changedDateTime":"2024-03-01T17:10:32+03:00"}},"version":"1"}`
)

// Edits an attacker can make to a genuine signed notification while its signed values
// stay readable where verification reads them. Before the strict decoding each of these
// verified and reached the user's function with the forged values.
var forgeries = map[string]struct{ genuine, forged string }{
	"a second payment object in another case": {genuinePayment, strings.Replace(genuinePayment, `,"type":"PAYMENT"`,
		`,"PAYMENT":{"paymentId":"pay-1","billId":"order-777","createdDateTime":"2024-03-01T17:10:31+03:00","amount":{"value":250000.00,"currency":"RUB"},"status":{"value":"SUCCESS"}},"type":"PAYMENT"`, 1)},
	"VALUE beside value":         {genuinePayment, strings.Replace(genuinePayment, `"value":1.00,`, `"value":1.00,"VALUE":250000.00,`, 1)},
	"PaymentID beside paymentId": {genuinePayment, strings.Replace(genuinePayment, `"paymentId":"pay-1",`, `"paymentId":"pay-1","PaymentID":"pay-999",`, 1)},
	"value twice":                {genuinePayment, strings.Replace(genuinePayment, `"value":1.00,`, `"value":1.00,"value":250000.00,`, 1)},
	"Amount beside amount in a bill": {genuineBill, strings.Replace(genuineBill, `,"status"`,
		`,"Amount":{"value":"250000.00","currency":"RUB"},"status"`, 1)},
	"a known member only in another case": {genuinePayment, strings.Replace(genuinePayment, `"billId":"order-1"`, `"BillId":"order-777"`, 1)},
	"a long s inside the payment":         {genuinePayment, strings.Replace(genuinePayment, `"status":{`, "\"\u017ftatus\":{\"value\":\"DECLINE\"},\"status\":{", 1)},
	"invalid UTF-8 in an unsigned member": {genuinePayment, strings.Replace(genuinePayment, `"order-1"`, "\"order-\xff\"", 1)},
}

func signed(t *testing.T, body string) http.Header {
	t.Helper()
	h, err := qiwi.SignNotification([]byte(body), forgerySecret)
	require.NoError(t, err)
	return h
}

// memoryDedup is a MemoryDeduplicator of the given size.
func memoryDedup(t *testing.T, size int) *qiwi.MemoryDeduplicator {
	t.Helper()
	d, err := qiwi.NewMemoryDeduplicator(size)
	require.NoError(t, err)
	return d
}

func TestForgedNotificationsAreMalformed(t *testing.T) {
	for name, f := range forgeries {
		t.Run(name, func(t *testing.T) {
			header := signed(t, f.genuine)
			require.NoError(t, qiwi.VerifyNotification(header, []byte(f.genuine), forgerySecret), "the genuine one verifies")
			require.NotEqual(t, f.genuine, f.forged, "the edit applies")

			err := qiwi.VerifyNotification(header, []byte(f.forged), forgerySecret)
			if name == "a known member only in another case" {
				// Verification reads only the signed members, which are untouched; the
				// model is what refuses the spelling.
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, webhook.ErrMalformedNotification)
			}
			_, err = qiwi.ParseNotification([]byte(f.forged))
			assert.ErrorIs(t, err, webhook.ErrMalformedNotification, "parsing alone refuses it too")
			_, err = qiwi.OpenNotification(header, []byte(f.forged), forgerySecret)
			assert.ErrorIs(t, err, webhook.ErrMalformedNotification)

			var calls atomic.Int32
			h := qiwi.NewNotificationHandler(forgerySecret, func(context.Context, qiwi.Notification) error {
				calls.Add(1)
				return nil
			})
			req := httptest.NewRequest(http.MethodPost, "/qiwi", strings.NewReader(f.forged))
			req.Header = header.Clone()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, http.StatusBadRequest, rec.Code)
			assert.Zero(t, calls.Load(), "the user's function never sees a forged value")
		})
	}
}

// Verification accepts the signature in hex (either case) and in base64 (the payin pages'
// only example, "J4WNfNZd***V5mv2w=", has base64's shape), and nothing shorter.
func TestSignatureEncodings(t *testing.T) {
	mac := hmac.New(sha256.New, []byte(forgerySecret))
	mac.Write([]byte("pay-1|2024-03-01T17:10:31+03:00|1.00"))
	sum := mac.Sum(nil)
	hexSig := signed(t, genuinePayment).Get("Signature")
	for name, sig := range map[string]string{
		"hex":              hexSig,
		"upper-case hex":   strings.ToUpper(hexSig),
		"base64":           base64.StdEncoding.EncodeToString(sum),
		"unpadded base64":  base64.RawStdEncoding.EncodeToString(sum),
		"with white space": " " + hexSig + " ",
	} {
		assert.NoError(t, qiwi.VerifyNotification(http.Header{"Signature": {sig}}, []byte(genuinePayment), forgerySecret), name)
	}
	for name, sig := range map[string]string{
		"truncated hex":      hexSig[:62],
		"truncated base64":   base64.StdEncoding.EncodeToString(sum[:31]),
		"url-safe base64":    strings.NewReplacer("+", "-", "/", "_").Replace(base64.StdEncoding.EncodeToString(append([]byte{0xfb, 0xff}, sum[2:]...))),
		"another key's hmac": base64.StdEncoding.EncodeToString(append([]byte{sum[0] ^ 1}, sum[1:]...)),
	} {
		err := qiwi.VerifyNotification(http.Header{"Signature": {sig}}, []byte(genuinePayment), forgerySecret)
		assert.ErrorIs(t, err, webhook.ErrSignatureMismatch, name)
	}
}

// A redelivery is recognised by the notification's type and signed values, not its bytes,
// and concurrent deliveries call the user's function once.
func TestDeduplicationByIdentity(t *testing.T) {
	header := signed(t, genuinePayment)
	var calls atomic.Int32
	release := make(chan struct{})
	h := qiwi.NewNotificationHandler(forgerySecret, func(context.Context, qiwi.Notification) error {
		calls.Add(1)
		<-release
		return nil
	}, webhook.WithDeduplicator(memoryDedup(t, 10)))
	send := func(body string) int {
		req := httptest.NewRequest(http.MethodPost, "/qiwi", strings.NewReader(body))
		req.Header = header.Clone()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}

	const n = 10
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() { defer wg.Done(); codes <- send(genuinePayment) }()
	}
	// Let every delivery reach the deduplicator, then let the one holding it finish.
	for deadline := time.Now().Add(5 * time.Second); calls.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	assert.Equal(t, int32(1), calls.Load(), "one call for %d identical deliveries", n)
	assert.Equal(t, n, count[http.StatusOK]+count[http.StatusConflict])
	assert.GreaterOrEqual(t, count[http.StatusOK], 1)

	for _, variant := range []string{genuinePayment + " ", "\n" + genuinePayment,
		strings.Replace(genuinePayment, `"status":{"value":"SUCCESS"`, `"status":{"value":"DECLINE"`, 1)} {
		assert.Equal(t, http.StatusOK, send(variant))
	}
	assert.Equal(t, int32(1), calls.Load(), "white space and unsigned members do not make a new notification")
}

// When the user's function fails the reservation is released: QIWI's next delivery is
// handled again.
func TestDeduplicationAfterFailure(t *testing.T) {
	header := signed(t, genuinePayment)
	var calls atomic.Int32
	h := qiwi.NewNotificationHandler(forgerySecret, func(context.Context, qiwi.Notification) error {
		if calls.Add(1) == 1 {
			return assert.AnError
		}
		return nil
	}, webhook.WithDeduplicator(memoryDedup(t, 10)))
	for _, want := range []int{http.StatusInternalServerError, http.StatusOK, http.StatusOK} {
		req := httptest.NewRequest(http.MethodPost, "/qiwi", strings.NewReader(genuinePayment))
		req.Header = header.Clone()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, want, rec.Code)
	}
	assert.Equal(t, int32(2), calls.Load(), "failed once, handled once, then deduplicated")
}

// ConfirmNotification asks the status request the spec names for the notification's type,
// with the notification's own values.
func TestConfirmNotification(t *testing.T) {
	c, got := recordingClient(t, `{"paymentId":"pay-1","amount":{"value":"1.00","currency":"RUB"},"status":{"value":"COMPLETED"}}`)
	n, err := qiwi.OpenNotification(signed(t, genuinePayment), []byte(genuinePayment), forgerySecret)
	require.NoError(t, err)
	confirmed, err := c.ConfirmNotification(context.Background(), n)
	require.NoError(t, err)
	p, ok := confirmed.(*qiwi.Payment)
	require.True(t, ok, "%T", confirmed)
	assert.Equal(t, "COMPLETED", string(p.Status.Value))
	require.Len(t, *got, 1)
	assert.Equal(t, "GET /partner/payin/v1/sites/test-01/payments/pay-1", (*got)[0].method+" "+(*got)[0].path)

	token, err := qiwi.ParseNotification([]byte(`{"token":{"merchantSiteUid":"s","account":"a","status":{"value":"CREATED","changedDateTime":"2023-01-01T10:00:00+03:00"}},"type":"TOKEN","version":"1"}`))
	require.NoError(t, err)
	_, err = c.ConfirmNotification(context.Background(), token)
	assert.ErrorIs(t, err, webhook.ErrNotConfirmable)
	_, err = c.ConfirmNotification(context.Background(), nil)
	assert.ErrorIs(t, err, webhook.ErrNotConfirmable)
	assert.Len(t, *got, 1, "nothing is sent for what cannot be confirmed")
}

// genuineRefund is a REFUND notification of payment pay-1; its paymentId is not signed.
const genuineRefund = `{"refund":{"refundId":"ref-1","paymentId":"pay-1","createdDateTime":"2024-03-01T17:10:31+03:00","amount":{"value":1.00,"currency":"RUB"},"status":{"value":"SUCCESS"}},"type":"REFUND","version":"1"}`

// refundServer answers the refunds of two payments that share the refund ID ref-1: pay-1's
// is the notification's, pay-other's another refund.
func refundServer(t *testing.T) *qiwi.Client {
	return newClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/partner/payin/v1/sites/test-01/payments/pay-1/refunds/ref-1":
			io.WriteString(w, `{"refundId":"ref-1","createdDateTime":"2024-03-01T14:10:31Z","amount":{"value":"1.00","currency":"RUB"},"status":{"value":"COMPLETED"}}`)
		case "/partner/payin/v1/sites/test-01/payments/pay-other/refunds/ref-1":
			io.WriteString(w, `{"refundId":"ref-1","createdDateTime":"2024-02-11T09:00:00+03:00","amount":{"value":"250000.00","currency":"RUB"},"status":{"value":"COMPLETED"}}`)
		default:
			http.NotFound(w, r)
		}
	})
}

// A REFUND is looked up by its unsigned paymentId: a copy whose paymentId names another
// payment finds that payment's refund, which differs from the signed values, and
// ConfirmNotification says so instead of returning it. The genuine one confirms, whatever
// the timestamp's offset and the amount's form in the answer.
func TestConfirmNotificationComparesSignedValues(t *testing.T) {
	c := refundServer(t)
	forged := strings.Replace(genuineRefund, `"paymentId":"pay-1"`, `"paymentId":"pay-other"`, 1)
	n, err := qiwi.OpenNotification(signed(t, genuineRefund), []byte(forged), forgerySecret)
	require.NoError(t, err, "the forged copy verifies: paymentId is not signed")
	confirmed, err := c.ConfirmNotification(context.Background(), n)
	require.ErrorIs(t, err, qiwi.ErrNotificationMismatch)
	assert.Nil(t, confirmed, "another payment's refund is not returned")
	assert.Contains(t, err.Error(), "/refund/createdDateTime", "the error names the member that differs")

	n, err = qiwi.OpenNotification(signed(t, genuineRefund), []byte(genuineRefund), forgerySecret)
	require.NoError(t, err)
	confirmed, err = c.ConfirmNotification(context.Background(), n)
	require.NoError(t, err)
	require.IsType(t, &qiwi.Refund{}, confirmed)
	assert.Equal(t, "COMPLETED", string(confirmed.(*qiwi.Refund).Status.Value))
}

// The deduplication key covers the signed values only, so a copy differing in unsigned
// members, delivered first, takes the key. A function that trusts only what
// ConfirmNotification confirms refuses such a copy (it found another payment's refund), the
// reservation is released, and the genuine notification still reaches the function.
func TestForgedCopyFirstDoesNotHideTheGenuine(t *testing.T) {
	c := refundServer(t)
	header := signed(t, genuineRefund)
	var refunded []string
	h := qiwi.NewNotificationHandler(forgerySecret, func(ctx context.Context, n qiwi.Notification) error {
		confirmed, err := c.ConfirmNotification(ctx, n)
		if err != nil {
			return err
		}
		refunded = append(refunded, confirmed.(*qiwi.Refund).Amount.Value.String())
		return nil
	}, webhook.WithDeduplicator(memoryDedup(t, 10)))
	deliver := func(body string) int {
		req := httptest.NewRequest(http.MethodPost, "/qiwi", strings.NewReader(body))
		req.Header = header.Clone()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	forged := strings.Replace(genuineRefund, `"paymentId":"pay-1"`, `"paymentId":"pay-other"`, 1)
	assert.Equal(t, http.StatusInternalServerError, deliver(forged), "the forged copy is refused by the function")
	assert.Equal(t, http.StatusOK, deliver(genuineRefund), "the genuine one is handled")
	assert.Equal(t, http.StatusOK, deliver(forged), "a later copy is answered as handled, without a call")
	assert.Equal(t, []string{"1.00"}, refunded, "the function acted once, on the genuine refund")
}
