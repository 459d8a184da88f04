package sandbox_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/sandbox"
	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// An invoice past its expirationDateTime is EXPIRED (nothing has to flip it) and a payment
// naming it is refused with QIWI's error shape, its cause naming billId; the invoice keeps
// no payment and stays EXPIRED since its expiration.
func TestExpiredInvoiceIsNotPayable(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	client, _ := startWith(t, sandbox.Options{Now: clock.Now})
	ctx := context.Background()
	five := amount(t, "5.00")
	expires := clock.Now().Add(time.Hour)
	_, err := client.CreateInvoice(ctx, "inv-1", qiwi.CreateInvoiceRequest{Amount: &five, ExpirationDateTime: qiwi.NewTimestamp(expires)})
	require.NoError(t, err)
	clock.Advance(2 * time.Hour)

	_, err = client.CreatePayment(ctx, "pay-1", qiwi.CreatePaymentRequest{BillID: qiwi.Ptr("inv-1"), Amount: five, PaymentMethod: card("05/30", "123", "H"), Flags: &qiwi.Flags{"SALE"}})
	var apiErr *qiwi.APIError
	require.ErrorAs(t, err, &apiErr, "an expired invoice is not payable")
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	assert.Equal(t, "validation.error", apiErr.ErrorCode)
	assert.Contains(t, string(apiErr.Cause), "billId")
	assert.Contains(t, string(apiErr.Cause), "EXPIRED")

	inv, err := client.GetInvoice(ctx, "inv-1")
	require.NoError(t, err)
	assert.Equal(t, "EXPIRED", string(inv.Status.Value))
	require.NotNil(t, inv.Status.ChangedDateTime)
	assert.True(t, expires.Equal(inv.Status.ChangedDateTime.Time()), "changed at the expiration: %s", inv.Status.ChangedDateTime)
	paying, err := client.ListInvoicePayments(ctx, "inv-1")
	require.NoError(t, err)
	assert.Empty(t, paying)
	_, err = client.GetPayment(ctx, "pay-1")
	require.ErrorAs(t, err, &apiErr, "the refused payment was not kept")
	assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
}

// status.changedDateTime is when the status was set, for every object that has one:
// payments (3-D Secure completed later), captures, refunds (declined later), invoices (paid
// later, or expired), bills (rejected, paid, or expired) and payouts (settled later).
func TestStatusChangedDateTime(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := &testClock{now: t0}
	srv, rec := serve(t, sandbox.Options{Now: clock.Now})
	signer, err := rsa.GenerateKey(rand.Reader, qiwi.MinPayoutKeyBits) // the sandbox has no key to check it with
	require.NoError(t, err)
	client, err := qiwi.New(apiKey, qiwi.WithSiteID(siteID), qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(&http.Client{Transport: rec}), qiwi.WithPayoutSigner(signer))
	require.NoError(t, err)
	ctx := context.Background()
	at := func(ts *qiwi.Timestamp) time.Time {
		t.Helper()
		require.NotNil(t, ts)
		return ts.Time().UTC()
	}
	minute := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }

	// A payment awaiting 3-D Secure, completed a minute later.
	p, err := client.CreatePayment(ctx, "pay-1", qiwi.CreatePaymentRequest{Amount: amount(t, "5.00"), PaymentMethod: card("05/30", qiwi.TestCVV3DS, "H")})
	require.NoError(t, err)
	assert.Equal(t, minute(0), at(p.Status.ChangedDateTime))
	clock.Advance(time.Minute)
	var pares qiwi.CompletePaymentRequest
	pares.ThreeDS.Pares = "pares"
	p, err = client.CompletePayment(ctx, "pay-1", pares)
	require.NoError(t, err)
	assert.Equal(t, minute(0), p.CreatedDateTime.Time().UTC())
	assert.Equal(t, minute(1), at(p.Status.ChangedDateTime), "completed after 3-D Secure")
	p, err = client.GetPayment(ctx, "pay-1")
	require.NoError(t, err)
	assert.Equal(t, minute(1), at(p.Status.ChangedDateTime))

	// A capture, a refund declined a minute after it was made.
	clock.Advance(time.Minute)
	cp, err := client.CreateCapture(ctx, "pay-1", "cap-1", qiwi.CreateCaptureRequest{})
	require.NoError(t, err)
	assert.Equal(t, minute(2), at(cp.Status.ChangedDateTime))
	rf, err := client.CreateRefund(ctx, "pay-1", "ref-1", qiwi.CreateRefundRequest{Amount: amount(t, "1.00")})
	require.NoError(t, err)
	assert.Equal(t, minute(2), at(rf.Status.ChangedDateTime))
	clock.Advance(time.Minute)
	rf, err = client.DeclineRefund(ctx, "pay-1", "ref-1")
	require.ErrorIs(t, err, qiwi.ErrDeclined)
	assert.Equal(t, minute(3), at(rf.Status.ChangedDateTime), "declined")
	rf, err = client.GetRefund(ctx, "pay-1", "ref-1")
	require.ErrorIs(t, err, qiwi.ErrDeclined)
	assert.Equal(t, minute(2), rf.CreatedDateTime.Time().UTC())
	assert.Equal(t, minute(3), at(rf.Status.ChangedDateTime))

	// An invoice paid a minute after it was made.
	five := amount(t, "5.00")
	_, err = client.CreateInvoice(ctx, "inv-1", qiwi.CreateInvoiceRequest{Amount: &five, ExpirationDateTime: qiwi.NewTimestamp(minute(60))})
	require.NoError(t, err)
	clock.Advance(time.Minute)
	_, err = client.CreatePayment(ctx, "pay-2", qiwi.CreatePaymentRequest{BillID: qiwi.Ptr("inv-1"), Amount: five, PaymentMethod: card("05/30", "123", "H"), Flags: &qiwi.Flags{"SALE"}})
	require.NoError(t, err)
	inv, err := client.GetInvoice(ctx, "inv-1")
	require.NoError(t, err)
	assert.Equal(t, "PAID", string(inv.Status.Value))
	assert.Equal(t, minute(4), at(inv.Status.ChangedDateTime), "paid")

	// A payout settled a minute after it was made.
	var receiver qiwi.PayoutReceiverDataRequest
	require.NoError(t, receiver.FromPayoutReceiverDataCardRequest(qiwi.PayoutReceiverDataCardRequest{Pan: qiwi.TestCardMir}))
	po, err := client.CreatePayout(ctx, "pay-2", "po-1", qiwi.CreatePayoutRequest{Amount: amount(t, qiwi.TestPayoutAmountSuccess), ReceiverData: receiver})
	require.NoError(t, err)
	assert.Equal(t, minute(4), at(po.Status.ChangedDateTime))
	clock.Advance(time.Minute)
	po, err = client.GetPayout(ctx, "pay-2", "po-1")
	require.NoError(t, err)
	assert.Equal(t, minute(5), at(po.Status.ChangedDateTime), "settled")

	// Bills: one rejected, one paid on the pay form, one expired.
	bills, err := qiwi.New(apiKey, qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(&http.Client{Transport: rec}))
	require.NoError(t, err)
	for _, id := range []string{"bill-1", "bill-2", "bill-3"} {
		b, err := bills.CreateBill(ctx, id, qiwi.CreateBillRequest{Amount: amount(t, "1.00"), ExpirationDateTime: qiwi.NewTimestamp(minute(30))})
		require.NoError(t, err)
		assert.Equal(t, minute(5), at(b.Status.ChangedDateTime))
	}
	clock.Advance(time.Minute)
	b, err := bills.RejectBill(ctx, "bill-1")
	require.NoError(t, err)
	assert.Equal(t, minute(6), at(b.Status.ChangedDateTime), "rejected")
	b, err = bills.GetBill(ctx, "bill-2")
	require.NoError(t, err)
	resp, err := http.Post(*b.PayURL, "application/x-www-form-urlencoded", strings.NewReader(""))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err = bills.GetBill(ctx, "bill-2")
	require.NoError(t, err)
	assert.Equal(t, "PAID", b.Status.Value)
	assert.Equal(t, minute(6), at(b.Status.ChangedDateTime), "paid")
	clock.Advance(time.Hour)
	b, err = bills.GetBill(ctx, "bill-3")
	require.NoError(t, err)
	assert.Equal(t, "EXPIRED", b.Status.Value)
	assert.Equal(t, minute(30), at(b.Status.ChangedDateTime), "expired at its expiration")
}

// serve is startWith's server, for tests that make their own clients: each exchange recorded
// is judged by both verdicts when the test ends.
func serve(t *testing.T, opts sandbox.Options) (*httptest.Server, *fixture.Recorder) {
	t.Helper()
	opts.Keys = map[string]string{siteID: apiKey}
	sb, err := sandbox.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, sb.Close()) })
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	rec := &fixture.Recorder{Source: "sandbox", Next: srv.Client().Transport}
	t.Cleanup(func() { replayed(t, rec) })
	return srv, rec
}
