package sandbox_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/sandbox"
	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/spec"
)

// The sandbox signs each notification as QIWI does and posts it to the callbackUrl; the
// generated handler verifies every one. A notification refused once is delivered again.
func TestNotificationsVerifyOnTheGeneratedHandler(t *testing.T) {
	const secret = "notify-secret-1"
	var mu sync.Mutex
	var got []string
	refusedOnce := false
	receiver := httptest.NewServer(qiwi.NewNotificationHandler(secret, func(_ context.Context, n qiwi.Notification) error {
		mu.Lock()
		defer mu.Unlock()
		if p, ok := n.(*qiwi.PaymentNotification); ok && p.Payment.PaymentID == "pay-1" && !refusedOnce {
			refusedOnce = true
			return errors.New("the merchant's database is down")
		}
		typ := n.NotificationType()
		if p, ok := n.(*qiwi.PaymentNotification); ok {
			typ += " " + p.Payment.PaymentID + " " + string(p.Payment.Status.Value) + " " + p.Payment.Amount.Value.String()
		}
		got = append(got, typ)
		return nil
	}))
	defer receiver.Close()

	sb, err := sandbox.New(sandbox.Options{NotifySecret: secret, TimeScale: 3600}) // a minute is 17 ms
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	defer srv.Close()
	defer sb.Close()
	client, err := qiwi.New("any-key", qiwi.WithSiteID("test-01"), qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	ctx := context.Background()
	pay := func(id, cvv string, sale bool) {
		req := qiwi.CreatePaymentRequest{Amount: amount(t, "7.00"), PaymentMethod: card("05/30", cvv, "HOLDER"), CallbackURL: qiwi.Ptr(receiver.URL)}
		if sale {
			req.Flags = &qiwi.Flags{"SALE"}
		}
		_, err := client.CreatePayment(ctx, id, req)
		require.NoError(t, err)
	}
	pay("pay-1", "123", true)
	pay("pay-2", qiwi.TestCVV3DS, false) // no notification until 3-D Secure completes
	var done qiwi.CompletePaymentRequest
	done.ThreeDS.Pares = "pares"
	_, err = client.CompletePayment(ctx, "pay-2", done)
	require.NoError(t, err)
	_, err = client.CreateCapture(ctx, "pay-2", "cap-1", qiwi.CreateCaptureRequest{})
	require.NoError(t, err)
	_, err = client.CreateRefund(ctx, "pay-1", "ref-1", qiwi.CreateRefundRequest{Amount: amount(t, "2.00")})
	require.NoError(t, err)

	want := []string{"CAPTURE", "PAYMENT pay-1 SUCCESS 7.00", "PAYMENT pay-2 SUCCESS 7.00", "REFUND"}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	sort.Strings(got)
	assert.Equal(t, want, got)
	assert.True(t, refusedOnce, "pay-1's notification was refused once, then delivered again")
}

// Without the secret, a forged or unsigned notification is refused by the handler: the
// sandbox's signature is what makes them pass.
func TestNotificationSignedWithAnotherSecretIsRefused(t *testing.T) {
	var mu sync.Mutex
	calls, statuses := 0, []int{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		qiwi.NewNotificationHandler("the-merchant-secret", func(context.Context, qiwi.Notification) error {
			mu.Lock()
			calls++
			mu.Unlock()
			return nil
		}).ServeHTTP(rec, r)
		mu.Lock()
		statuses = append(statuses, rec.Code)
		mu.Unlock()
		w.WriteHeader(http.StatusOK) // stop redelivery: the test looks at the handler's verdict
	}))
	defer receiver.Close()
	sb, err := sandbox.New(sandbox.Options{NotifySecret: "another-secret", NotifyURL: receiver.URL})
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	defer srv.Close()
	client, err := qiwi.New("any-key", qiwi.WithSiteID("test-01"), qiwi.WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = client.CreatePayment(context.Background(), "p", qiwi.CreatePaymentRequest{Amount: amount(t, "1.00"), PaymentMethod: card("05/30", "123", "H"), Flags: &qiwi.Flags{"SALE"}})
	require.NoError(t, err)
	defer sb.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(statuses)
		mu.Unlock()
		if n > 0 {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, calls)
	require.Len(t, statuses, 1)
	assert.GreaterOrEqual(t, statuses[0], 400)
}

// A notification never answered 200 is delivered once and then again after each wait of the
// documented schedule, no more; the waits come in the schedule's order.
func TestRedeliveryFollowsTheDocumentedSchedule(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(spec.Resolved)
	require.NoError(t, err)
	schedule, err := sandbox.Redeliveries(doc)
	require.NoError(t, err)
	require.Equal(t, []time.Duration{5 * time.Second, time.Minute, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute}, schedule,
		"payments-ru/_notifications_ru.html.md#notification-rate")
	var mu sync.Mutex
	var arrivals []time.Time
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer receiver.Close()
	const scale = 600 // 5 s is 8 ms, 5 min half a second
	sb, err := sandbox.New(sandbox.Options{NotifySecret: "s", NotifyURL: receiver.URL, TimeScale: scale})
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	defer srv.Close()
	client, err := qiwi.New("any-key", qiwi.WithSiteID("test-01"), qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	_, err = client.CreatePayment(context.Background(), "p", qiwi.CreatePaymentRequest{Amount: amount(t, "1.00"), PaymentMethod: card("05/30", "123", "H"), Flags: &qiwi.Flags{"SALE"}})
	require.NoError(t, err)
	var total time.Duration
	for _, d := range schedule {
		total += d / scale
	}
	time.Sleep(total + 500*time.Millisecond)
	require.NoError(t, sb.Close())
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, arrivals, 1+len(schedule), "the first delivery and one per wait")
	for i, d := range schedule {
		gap := arrivals[i+1].Sub(arrivals[i])
		assert.GreaterOrEqual(t, gap, d/scale, "wait %d", i)
	}
}

// A declined payout's PAYOUT notification says DECLINED: QIWI's notification statuses keep
// DECLINED for payouts (payments-ru/_statuses_ru.html.md.erb line 108), where payments,
// captures and refunds say DECLINE.
func TestPayoutNotificationSaysDeclined(t *testing.T) {
	const secret = "notify-secret-1"
	got := make(chan string, 4)
	receiver := httptest.NewServer(qiwi.NewNotificationHandler(secret, func(_ context.Context, n qiwi.Notification) error {
		if p, ok := n.(*qiwi.PayoutNotification); ok {
			got <- string(p.Payout.Status.Value)
		}
		return nil
	}))
	defer receiver.Close()
	signer, err := rsa.GenerateKey(rand.Reader, qiwi.MinPayoutKeyBits)
	require.NoError(t, err)
	sb, err := sandbox.New(sandbox.Options{NotifySecret: secret, NotifyURL: receiver.URL, TimeScale: 3600,
		PayoutKeys: map[string]*rsa.PublicKey{"test-01": &signer.PublicKey}})
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	defer srv.Close()
	defer sb.Close()
	client, err := qiwi.New("any-key", qiwi.WithSiteID("test-01"), qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(srv.Client()), qiwi.WithPayoutSigner(signer))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = client.CreatePayment(ctx, "pay-1", qiwi.CreatePaymentRequest{Amount: amount(t, "7.00"), PaymentMethod: card("05/30", "123", "HOLDER"), Flags: &qiwi.Flags{"SALE"}})
	require.NoError(t, err)
	var to qiwi.PayoutReceiverDataRequest
	require.NoError(t, to.FromPayoutReceiverDataCardRequest(qiwi.PayoutReceiverDataCardRequest{Pan: qiwi.TestCardMir}))
	_, err = client.CreatePayout(ctx, "pay-1", "po-1", qiwi.CreatePayoutRequest{Amount: amount(t, qiwi.TestPayoutAmountDeclined), ReceiverData: to})
	require.ErrorContains(t, err, "DECLINED", "the answer")
	select {
	case status := <-got:
		assert.Equal(t, "DECLINED", status, "the notification")
	case <-time.After(10 * time.Second):
		t.Fatal("no PAYOUT notification")
	}
}
