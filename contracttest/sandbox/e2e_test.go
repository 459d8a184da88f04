package sandbox_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/sandbox"
	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// notices collects the notifications the generated handler verified, as "TYPE id status".
type notices struct {
	mu     sync.Mutex
	got    []string
	tokens []string // the tokens PAYMENT notifications carried
}

func (n *notices) handle(_ context.Context, note qiwi.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	line := note.NotificationType()
	switch v := note.(type) {
	case *qiwi.PaymentNotification:
		line += " " + v.Payment.PaymentID + " " + string(v.Payment.Status.Value)
		if v.Payment.TokenData != nil && v.Payment.TokenData.PaymentToken != nil {
			n.tokens = append(n.tokens, *v.Payment.TokenData.PaymentToken)
		}
	case *qiwi.CaptureNotification:
		line += " " + v.Capture.CaptureID + " " + string(v.Capture.Status.Value)
	case *qiwi.RefundNotification:
		line += " " + v.Refund.RefundID + " " + string(v.Refund.Status.Value)
	case *qiwi.PayoutNotification:
		line += " " + v.Payout.PayoutID + " " + string(v.Payout.Status.Value)
	case *qiwi.CheckCardNotification:
		line += " " + v.CheckPaymentMethod.RequestUID + " " + string(v.CheckPaymentMethod.Status)
	case *qiwi.BillNotification:
		line += " " + v.Bill.BillID + " " + string(v.Bill.Status.Value)
	}
	n.got = append(n.got, line)
	return nil
}

// wait returns the sorted notifications once want many arrived, or what came in 10 s.
func (n *notices) wait(want int) []string {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		n.mu.Lock()
		done := len(n.got) >= want
		n.mu.Unlock()
		if done {
			break
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Sorted(slices.Values(n.got))
}

// The whole flow a merchant runs before QIWI moves its site out of test mode, through the
// generated client: a card verification, an invoice paid by a card payment with 3-D Secure that binds a token,
// its capture and a partial refund, a payment by the token, the token deleted, payouts
// signed with the merchant's RSA key (a payout signed with another key refused), a Bill
// Payments bill paid on the pay form, refunded in part, and another rejected. Every
// notification reaches the generated handler, which verifies its signature; every answer
// passes both verdicts of the contract harness.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	const secret = "e2e-notify-secret"
	got := &notices{}
	receiver := httptest.NewServer(qiwi.NewNotificationHandler(secret, got.handle))
	defer receiver.Close()

	merchantKey, err := rsa.GenerateKey(rand.Reader, qiwi.MinPayoutKeyBits)
	require.NoError(t, err)
	sb, err := sandbox.New(sandbox.Options{Keys: map[string]string{siteID: apiKey}, NotifySecret: secret, NotifyURL: receiver.URL,
		TimeScale: 3600, PayoutKeys: map[string]*rsa.PublicKey{siteID: &merchantKey.PublicKey}})
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	defer srv.Close()
	defer sb.Close()
	rec := &fixture.Recorder{Source: "sandbox", Next: srv.Client().Transport}
	client, err := qiwi.New(apiKey, qiwi.WithSiteID(siteID), qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(&http.Client{Transport: rec}),
		qiwi.WithPayoutSigner(merchantKey))
	require.NoError(t, err)

	// The card is verified first.
	check, err := client.CreateCardVerification(ctx, "chk-1", qiwi.CreateCardVerificationRequest{CardData: qiwi.CardData{Pan: qiwi.TestCardMir, ExpiryDate: "05/30", Cvv2: qiwi.Ptr("123")}})
	require.NoError(t, err)
	assert.Equal(t, "SUCCESS", string(check.Status))

	// An invoice, paid by a card payment with 3-D Secure that binds a payment token.
	nine := amount(t, "9.00")
	_, err = client.CreateInvoice(ctx, "inv-1", qiwi.CreateInvoiceRequest{Amount: &nine, ExpirationDateTime: qiwi.NewTimestamp(time.Now().Add(time.Hour))})
	require.NoError(t, err)
	pay, err := client.CreatePayment(ctx, "pay-1", qiwi.CreatePaymentRequest{BillID: qiwi.Ptr("inv-1"), Amount: nine,
		PaymentMethod: card("05/30", qiwi.TestCVV3DS, "HOLDER"), Customer: &qiwi.Customer{Account: qiwi.Ptr("cust-1")},
		Flags: &qiwi.Flags{"BIND_PAYMENT_TOKEN"}})
	require.NoError(t, err)
	assert.Equal(t, "WAITING", string(pay.Status.Value))
	assert.Nil(t, pay.CreatedToken, "no token before the payment completes")
	var pares qiwi.CompletePaymentRequest
	pares.ThreeDS.Pares = "pares"
	pay, err = client.CompletePayment(ctx, "pay-1", pares)
	require.NoError(t, err)
	assert.Equal(t, "COMPLETED", string(pay.Status.Value))
	require.NotNil(t, pay.CreatedToken)
	require.NotNil(t, pay.CreatedToken.Token)
	token := *pay.CreatedToken.Token
	assert.Equal(t, "cust-1", *pay.CreatedToken.Account)
	inv, err := client.GetInvoice(ctx, "inv-1")
	require.NoError(t, err)
	assert.Equal(t, "PAID", string(inv.Status.Value))
	paying, err := client.ListInvoicePayments(ctx, "inv-1")
	require.NoError(t, err)
	require.Len(t, paying, 1)
	assert.Equal(t, "pay-1", *paying[0].PaymentID)

	// Captured once, refunded in part; the totals on the payment.
	_, err = client.CreateCapture(ctx, "pay-1", "cap-1", qiwi.CreateCaptureRequest{})
	require.NoError(t, err)
	_, err = client.CreateRefund(ctx, "pay-1", "ref-1", qiwi.CreateRefundRequest{Amount: amount(t, "2.50")})
	require.NoError(t, err)
	list, err := client.ListRefunds(ctx, "pay-1")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "2.50", list[0].Amount.Value.String())
	status, err := client.GetPayment(ctx, "pay-1")
	require.NoError(t, err)
	assert.Equal(t, "9.00", status.CapturedAmount.Value.String())
	assert.Equal(t, "2.50", status.RefundedAmount.Value.String())

	// A payment by the token, for its customer only; the token deleted stops working.
	byToken := func(id, account string) (*qiwi.Payment, error) {
		return client.CreatePayment(ctx, id, qiwi.CreatePaymentRequest{Amount: amount(t, "3.00"),
			PaymentMethod: qiwi.PaymentMethod{Type: qiwi.PaymentMethodTypeToken, PaymentToken: qiwi.Ptr(token)},
			Customer:      &qiwi.Customer{Account: qiwi.Ptr(account)}, Flags: &qiwi.Flags{"SALE"}})
	}
	tokenPay, err := byToken("pay-2", "cust-1")
	require.NoError(t, err)
	assert.Equal(t, "COMPLETED", string(tokenPay.Status.Value))
	assert.Equal(t, *pay.PaymentMethod.MaskedPan, *tokenPay.PaymentMethod.MaskedPan)
	var apiErr *qiwi.APIError
	_, err = byToken("pay-3", "cust-2")
	require.ErrorAs(t, err, &apiErr, "a token works for its own customer only")
	require.NoError(t, client.DeleteToken(ctx, qiwi.DeleteTokenRequest{CustomerAccountID: "cust-1", Token: token}))
	_, err = byToken("pay-4", "cust-1")
	require.ErrorAs(t, err, &apiErr, "a deleted token")
	assert.Contains(t, string(apiErr.Cause), "paymentToken")

	// Payouts, signed with the merchant's key: the test-mode amounts select the outcome.
	payout := func(c *qiwi.Client, id, value string) (*qiwi.Payout, error) {
		var receiver qiwi.PayoutReceiverDataRequest
		require.NoError(t, receiver.FromPayoutReceiverDataCardRequest(qiwi.PayoutReceiverDataCardRequest{Pan: qiwi.TestCardMir, ReceiverFirstName: qiwi.Ptr("Ivan")}))
		return c.CreatePayout(ctx, "pay-1", id, qiwi.CreatePayoutRequest{Amount: amount(t, value), ReceiverData: receiver})
	}
	po, err := payout(client, "po-1", qiwi.TestPayoutAmountSuccess)
	require.NoError(t, err)
	assert.Equal(t, "WAITING", string(po.Status.Value))
	po, err = client.GetPayout(ctx, "pay-1", "po-1")
	require.NoError(t, err)
	assert.Equal(t, "SUCCESS", string(po.Status.Value))
	card, err := po.ReceiverData.AsPayoutReceiverDataCardResponse()
	require.NoError(t, err)
	assert.Equal(t, "220000******0004", card.MaskedPan)
	po, err = payout(client, "po-2", qiwi.TestPayoutAmountDeclined)
	require.ErrorIs(t, err, qiwi.ErrDeclined)
	assert.Equal(t, "DECLINED", string(po.Status.Value))
	_, err = payout(client, "po-3", "3.00")
	require.ErrorAs(t, err, &apiErr, "an amount the test mode does not know")
	otherKey, err := rsa.GenerateKey(rand.Reader, qiwi.MinPayoutKeyBits)
	require.NoError(t, err)
	forger, err := qiwi.New(apiKey, qiwi.WithSiteID(siteID), qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(&http.Client{Transport: rec}), qiwi.WithPayoutSigner(otherKey))
	require.NoError(t, err)
	_, err = payout(forger, "po-4", qiwi.TestPayoutAmountSuccess)
	require.ErrorAs(t, err, &apiErr, "a payout signed with another key")
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)

	// Bill Payments: no siteId in the paths; the key names the site.
	bills, err := qiwi.New(apiKey, qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(&http.Client{Transport: rec}))
	require.NoError(t, err)
	bill, err := bills.CreateBill(ctx, "bill-1", qiwi.CreateBillRequest{Amount: amount(t, "1.00"), ExpirationDateTime: qiwi.NewTimestamp(time.Now().Add(time.Hour))})
	require.NoError(t, err)
	assert.Equal(t, "WAITING", bill.Status.Value)
	assert.Equal(t, siteID, *bill.SiteID)
	_, err = bills.CreateBillRefund(ctx, "bill-1", "bref-0", qiwi.CreateBillRefundRequest{Amount: amount(t, "0.40")})
	require.ErrorAs(t, err, &apiErr, "an unpaid bill is not refunded")
	resp, err := srv.Client().Post(*bill.PayURL, "application/x-www-form-urlencoded", strings.NewReader(""))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "the customer pays on the pay form")
	bill, err = bills.GetBill(ctx, "bill-1")
	require.NoError(t, err)
	assert.Equal(t, "PAID", bill.Status.Value)
	refund, err := bills.CreateBillRefund(ctx, "bill-1", "bref-1", qiwi.CreateBillRefundRequest{Amount: amount(t, "0.40")})
	require.NoError(t, err)
	assert.Equal(t, "PARTIAL", refund.Status)
	_, err = bills.CreateBillRefund(ctx, "bill-1", "bref-2", qiwi.CreateBillRefundRequest{Amount: amount(t, "0.61")})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "refund.incorrect.amount", apiErr.ErrorCode)
	refund, err = bills.CreateBillRefund(ctx, "bill-1", "bref-3", qiwi.CreateBillRefundRequest{Amount: amount(t, "0.60")})
	require.NoError(t, err)
	assert.Equal(t, "FULL", refund.Status)
	refund, err = bills.GetBillRefund(ctx, "bill-1", "bref-1")
	require.NoError(t, err)
	assert.Equal(t, "0.40", refund.Amount.Value.String())
	_, err = bills.CreateBill(ctx, "bill-2", qiwi.CreateBillRequest{Amount: amount(t, "1.00"), ExpirationDateTime: qiwi.NewTimestamp(time.Now().Add(time.Hour))})
	require.NoError(t, err)
	rejected, err := bills.RejectBill(ctx, "bill-2")
	require.NoError(t, err)
	assert.Equal(t, "REJECTED", rejected.Status.Value)

	want := []string{
		"BILL bill-1 PAID", "BILL bill-2 REJECTED",
		"CAPTURE cap-1 SUCCESS", "CHECK_CARD chk-1 SUCCESS",
		"PAYMENT pay-1 SUCCESS", "PAYMENT pay-2 SUCCESS",
		"PAYOUT po-1 SUCCESS", "PAYOUT po-2 DECLINED", // payouts' notifications keep DECLINED (payments-ru/_statuses_ru.html.md line 74)
		"REFUND ref-1 SUCCESS",
	}
	assert.Equal(t, want, got.wait(len(want)))
	got.mu.Lock()
	assert.Equal(t, []string{token}, got.tokens, "the PAYMENT notification carries the token it issued")
	got.mu.Unlock()
	replayed(t, rec)
}
