package sandbox_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/sandbox"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/spec"
)

const (
	siteID = "test-01"
	apiKey = "sandbox-key-0001"
)

// start runs a sandbox on 127.0.0.1 and returns a client of it that records every exchange.
func start(t *testing.T) (*qiwi.Client, *fixture.Recorder) {
	t.Helper()
	return startWith(t, sandbox.Options{})
}

// startWith is start with options; the site's key is added to them. When the test ends,
// every exchange it recorded is judged by both verdicts of the contract harness.
func startWith(t *testing.T, opts sandbox.Options) (*qiwi.Client, *fixture.Recorder) {
	t.Helper()
	opts.Keys = map[string]string{siteID: apiKey}
	if opts.TimeScale == 0 {
		opts.TimeScale = 1000 // the test mode's 3-second answers take 3 ms
	}
	sb, err := sandbox.New(opts)
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	rec := &fixture.Recorder{Source: "sandbox", Next: srv.Client().Transport}
	t.Cleanup(func() { replayed(t, rec) })
	client, err := qiwi.New(apiKey, qiwi.WithSiteID(siteID), qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(&http.Client{Transport: rec}))
	require.NoError(t, err)
	return client, rec
}

func card(expiry, cvv, holder string) qiwi.PaymentMethod {
	return qiwi.PaymentMethod{Type: qiwi.PaymentMethodTypeCard, Pan: qiwi.Ptr(qiwi.TestCardVisa), ExpiryDate: qiwi.Ptr(expiry), Cvv2: qiwi.Ptr(cvv), HolderName: qiwi.Ptr(holder)}
}

func amount(t *testing.T, v string) qiwi.Amount {
	t.Helper()
	m, err := qiwi.ParseMoney(v)
	require.NoError(t, err)
	return qiwi.Amount{Value: m, Currency: "RUB"}
}

// replayed judges every recorded exchange by both verdicts of the contract harness.
func replayed(t *testing.T, rec *fixture.Recorder) {
	t.Helper()
	judge, err := verdict.New(spec.Resolved)
	require.NoError(t, err)
	ins := rec.Interactions()
	require.NotEmpty(t, ins)
	for _, in := range ins {
		res := judge.Judge(context.Background(), in)
		assert.True(t, res.Passed(true), "%s %s: %v", in.Request.Method, in.Request.URL, res.Findings)
	}
}

// The payin flow a merchant runs: a one-step payment, a 3-D Secure payment and its
// completion, a two-step payment with one capture, partial refunds within what was paid, and
// the statuses; every answer passes both verdicts of the harness.
func TestPaymentFlow(t *testing.T) {
	ctx := context.Background()
	client, rec := start(t)

	sale, err := client.CreatePayment(ctx, "pay-sale", qiwi.CreatePaymentRequest{Amount: amount(t, "10.00"), PaymentMethod: card("03/30", "123", "CARD HOLDER"), Flags: &qiwi.Flags{"SALE"}})
	require.NoError(t, err)
	assert.Equal(t, "COMPLETED", string(sale.Status.Value))
	assert.Equal(t, "10.00", sale.CapturedAmount.Value.String())
	assert.Equal(t, "425600******0003", *sale.PaymentMethod.MaskedPan)

	secure, err := client.CreatePayment(ctx, "pay-3ds", qiwi.CreatePaymentRequest{Amount: amount(t, "5.00"), PaymentMethod: card("03/30", "849", "CARD HOLDER")})
	require.NoError(t, err)
	assert.Equal(t, "WAITING", string(secure.Status.Value))
	require.NotNil(t, secure.Requirements)
	var done qiwi.CompletePaymentRequest
	done.ThreeDS.Pares = "eJzVWFmvo0iWfs9fYd16"
	completed, err := client.CompletePayment(ctx, "pay-3ds", done)
	require.NoError(t, err)
	assert.Equal(t, "COMPLETED", string(completed.Status.Value))

	// Two steps: authorized, refunded in part before capture (a REVERSAL), captured once.
	auth, err := client.CreatePayment(ctx, "pay-auth", qiwi.CreatePaymentRequest{Amount: amount(t, "8.00"), PaymentMethod: card("03/30", "123", "CARD HOLDER")})
	require.NoError(t, err)
	assert.Equal(t, "0.00", auth.CapturedAmount.Value.String())
	reversal, err := client.CreateRefund(ctx, "pay-auth", "ref-1", qiwi.CreateRefundRequest{Amount: amount(t, "3.00")})
	require.NoError(t, err)
	require.NotNil(t, reversal.Flags)
	assert.Equal(t, qiwi.Flags{"REVERSAL"}, *reversal.Flags)
	capture, err := client.CreateCapture(ctx, "pay-auth", "cap-1", qiwi.CreateCaptureRequest{})
	require.NoError(t, err)
	assert.Equal(t, "COMPLETED", string(capture.Status.Value))
	assert.Equal(t, "5.00", capture.Amount.Value.String())
	// A second capture: the sandbox answers payin.incorrect-method-invocation (as recorded);
	// the client, which takes that code as "already done", looks cap-2 up and finds nothing.
	_, err = client.CreateCapture(ctx, "pay-auth", "cap-2", qiwi.CreateCaptureRequest{})
	var apiErr *qiwi.APIError
	require.ErrorAs(t, err, &apiErr, "a second capture")
	second := rec.Interactions()
	found := false
	for _, in := range second {
		if in.Request.Method == http.MethodPut && strings.HasSuffix(in.Request.URL, "/captures/cap-2") {
			found = strings.Contains(in.Response.Body, "payin.incorrect-method-invocation")
		}
	}
	assert.True(t, found, "the second capture is refused with payin.incorrect-method-invocation")

	// Refunds never exceed what was paid; an over-refund is refused with QIWI's code.
	_, err = client.CreateRefund(ctx, "pay-sale", "ref-2", qiwi.CreateRefundRequest{Amount: amount(t, "6.00")})
	require.NoError(t, err)
	_, err = client.CreateRefund(ctx, "pay-sale", "ref-3", qiwi.CreateRefundRequest{Amount: amount(t, "4.01")})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "refund.incorrect.amount", apiErr.ErrorCode)

	status, err := client.GetPayment(ctx, "pay-sale")
	require.NoError(t, err)
	assert.Equal(t, "6.00", status.RefundedAmount.Value.String())
	refund, err := client.GetRefund(ctx, "pay-sale", "ref-2")
	require.NoError(t, err)
	assert.Equal(t, "6.00", refund.Amount.Value.String())
	got, err := client.GetCapture(ctx, "pay-auth", "cap-1")
	require.NoError(t, err)
	assert.Equal(t, "cap-1", got.CaptureID)

	// Expiry month 02 declines: HTTP 200 with DECLINED, which the client reports with the object.
	declined, err := client.CreatePayment(ctx, "pay-declined", qiwi.CreatePaymentRequest{Amount: amount(t, "1.00"), PaymentMethod: card("02/30", "123", "CARD HOLDER")})
	require.ErrorIs(t, err, qiwi.ErrDeclined)
	require.NotNil(t, declined)
	assert.Equal(t, "DECLINED", string(declined.Status.Value))

	// Idempotency: the same ID and body answer the same object; another body is refused.
	again, err := client.CreatePayment(ctx, "pay-sale", qiwi.CreatePaymentRequest{Amount: amount(t, "10.00"), PaymentMethod: card("03/30", "123", "CARD HOLDER"), Flags: &qiwi.Flags{"SALE"}})
	require.NoError(t, err)
	assert.Equal(t, sale.CreatedDateTime, again.CreatedDateTime)
	_, err = client.CreatePayment(ctx, "pay-sale", qiwi.CreatePaymentRequest{Amount: amount(t, "9.00"), PaymentMethod: card("03/30", "123", "CARD HOLDER")})
	require.ErrorAs(t, err, &apiErr)

}

// Requests QIWI refuses get QIWI's error shape and status.
func TestRefusedRequests(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{Keys: map[string]string{siteID: apiKey}})
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	defer srv.Close()
	base := srv.URL + "/partner/payin/v1/sites/" + siteID + "/payments/p-1"
	good := `"paymentMethod": {"type": "CARD", "pan": "4444443616621049", "expiryDate": "03/30", "cvv2": "123"}`
	for _, c := range []struct {
		method, url, key, body string
		status                 int
		code, cause            string
	}{
		{"PUT", base, "wrong", `{}`, 401, "auth.unauthorized", ""},
		{"PUT", base, "", `{}`, 401, "auth.unauthorized", ""},
		{"PUT", base, apiKey, `{"amount": {"value": "1.00"}`, 400, "validation.error", ""},
		{"PUT", base, apiKey, `{"amount": {"value": "1.00", "currency": "RUB"}, "paymentMethod": {"type": 5}}`, 400, "validation.error", "paymentMethod.type"},
		{"PUT", base, apiKey, `{"amount": {"value": "11.00", "currency": "RUB"}, ` + good + `}`, 400, "validation.error", "at most 10.00"},
		{"PUT", base, apiKey, `{"amount": {"value": "1.00", "currency": "USD"}, ` + good + `}`, 400, "validation.error", "RUB only"},
		{"PUT", base, apiKey, `{"amount": {"value": "1.00", "currency": "RUB"}, ` + good + `, "comment": "` + strings.Repeat("x", 2<<20) + `"}`, 413, "validation.error", ""},
		{"GET", base, apiKey, ``, 404, "payin.resource.not.found", ""},
		{"GET", srv.URL + "/partner/payin/v1/nowhere", apiKey, ``, 404, "payin.resource.not.found", ""},
		{"PATCH", base, apiKey, `{}`, 405, "validation.error", ""},
	} {
		req, err := http.NewRequest(c.method, c.url, strings.NewReader(c.body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if c.key != "" {
			req.Header.Set("Authorization", "Bearer "+c.key)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		var body map[string]any
		require.NoError(t, jsonDecode(resp, &body), "%s %s", c.method, c.url)
		assert.Equal(t, c.status, resp.StatusCode, "%s %s %.80s", c.method, c.url, c.body)
		assert.Equal(t, c.code, body["errorCode"], "%.80s", c.body)
		for _, key := range []string{"serviceName", "description", "userMessage", "dateTime", "traceId"} {
			assert.NotEmpty(t, body[key], key)
		}
		if c.cause != "" {
			assert.Contains(t, fmt.Sprint(body["cause"]), c.cause)
		}
	}
	resp, err := srv.Client().Get(srv.URL + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the status page")
}

// Many parallel payments on one site: every one is kept, and the totals add up.
func TestParallelFlows(t *testing.T) {
	client, _ := start(t)
	ctx := context.Background()
	const n = 40
	price, part := amount(t, "2.00"), amount(t, "0.50")
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("par-%d", i)
			if _, err := client.CreatePayment(ctx, id, qiwi.CreatePaymentRequest{Amount: price, PaymentMethod: card("03/30", "123", "H"), Flags: &qiwi.Flags{"SALE"}}); err != nil {
				errs <- err
				return
			}
			if _, err := client.CreateRefund(ctx, id, "r", qiwi.CreateRefundRequest{Amount: part}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	var captured, refunded int64
	for i := range n {
		p, err := client.GetPayment(ctx, fmt.Sprintf("par-%d", i))
		require.NoError(t, err)
		captured += p.CapturedAmount.Value.Minor()
		refunded += p.RefundedAmount.Value.Minor()
	}
	assert.EqualValues(t, n*200, captured)
	assert.EqualValues(t, n*50, refunded)
}

func jsonDecode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// At most 100 operations a day per site, Moscow time; the next day counts afresh.
func TestDailyLimit(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC)} // 23:00 in Moscow
	client, _ := startWith(t, sandbox.Options{Now: clock.Now})
	ctx := context.Background()
	create := func(id string) error {
		_, err := client.CreatePayment(ctx, id, qiwi.CreatePaymentRequest{Amount: amount(t, "1.00"), PaymentMethod: card("05/30", "123", "H"), Flags: &qiwi.Flags{"SALE"}})
		return err
	}
	for i := range 50 {
		require.NoError(t, create(fmt.Sprintf("a-%d", i)))
		_, err := client.CreateRefund(ctx, fmt.Sprintf("a-%d", i), "r", qiwi.CreateRefundRequest{Amount: amount(t, "0.10")})
		require.NoError(t, err)
	}
	err := create("a-100")
	var apiErr *qiwi.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "validation.error", apiErr.ErrorCode)
	assert.Contains(t, string(apiErr.Cause), "100 operations a day")

	clock.Advance(2 * time.Hour) // past midnight in Moscow
	require.NoError(t, create("b-0"))
}

// An invoice is CREATED, PAID by a payment naming its billId, refused to a second payment or
// another amount, and EXPIRED once its time has passed; every answer passes both verdicts.
func TestInvoiceFlow(t *testing.T) {
	ctx := context.Background()
	client, _ := start(t)
	five := amount(t, "5.00")
	inv, err := client.CreateInvoice(ctx, "bill-1", qiwi.CreateInvoiceRequest{Amount: &five, Comment: qiwi.Ptr("Order 1"),
		ExpirationDateTime: qiwi.NewTimestamp(time.Now().Add(time.Hour))})
	require.NoError(t, err)
	assert.Equal(t, "CREATED", string(inv.Status.Value))
	require.NotNil(t, inv.PayURL)
	assert.Contains(t, *inv.PayURL, "invoiceUid=")

	_, err = client.CreatePayment(ctx, "pay-wrong", qiwi.CreatePaymentRequest{BillID: qiwi.Ptr("bill-1"), Amount: amount(t, "4.00"), PaymentMethod: card("05/30", "123", "H")})
	var apiErr *qiwi.APIError
	require.ErrorAs(t, err, &apiErr, "another amount than the invoice's")
	_, err = client.CreatePayment(ctx, "pay-1", qiwi.CreatePaymentRequest{BillID: qiwi.Ptr("bill-1"), Amount: five, PaymentMethod: card("05/30", "123", "H"), Flags: &qiwi.Flags{"SALE"}})
	require.NoError(t, err)
	paid, err := client.GetInvoice(ctx, "bill-1")
	require.NoError(t, err)
	assert.Equal(t, "PAID", string(paid.Status.Value))
	_, err = client.CreatePayment(ctx, "pay-2", qiwi.CreatePaymentRequest{BillID: qiwi.Ptr("bill-1"), Amount: five, PaymentMethod: card("05/30", "123", "H")})
	require.ErrorAs(t, err, &apiErr, "an invoice is paid once")

	_, err = client.CreateInvoice(ctx, "bill-old", qiwi.CreateInvoiceRequest{Amount: &five, ExpirationDateTime: qiwi.NewTimestamp(time.Now().Add(-time.Minute))})
	require.NoError(t, err)
	old, err := client.GetInvoice(ctx, "bill-old")
	require.NoError(t, err)
	assert.Equal(t, "EXPIRED", string(old.Status.Value))

}

// SBP QR codes in test mode: 200.00 creates one, any other amount is DECLINED, and a code past
// its ttl is EXPIRED; every answer passes both verdicts.
func TestSBPQrCodes(t *testing.T) {
	clock := &testClock{now: time.Now()}
	client, _ := startWith(t, sandbox.Options{Now: clock.Now})
	ctx := context.Background()
	issue := func(uid, value string) *qiwi.QrCode {
		amt := amount(t, value)
		q, err := client.CreateQrCodeWithUID(ctx, uid, qiwi.CreateQrCodeRequest{Amount: &amt, QrCode: qiwi.QrCodeParams{Type: qiwi.QrCodeTypeDynamic, TTL: qiwi.Ptr(60)}})
		require.NoError(t, err)
		return q
	}
	ok := issue("qr-1", qiwi.TestSBPAmountSuccess)
	assert.Equal(t, "CREATED", string(*ok.QrCode.Status))
	declined := issue("qr-2", "1.00")
	assert.Equal(t, "DECLINED", string(*declined.QrCode.Status))

	amt := amount(t, qiwi.TestSBPAmountSuccess)
	// The POST names the code in its body (payments/_merchant-form_en.html.md line 421).
	posted, err := client.CreateQrCode(ctx, qiwi.CreateQrCodeRequest{QrCodeUID: qiwi.Ptr("qr-3"), Amount: &amt, QrCode: qiwi.QrCodeParams{Type: qiwi.QrCodeTypeDynamic}})
	require.NoError(t, err)
	require.NotNil(t, posted.QrCodeUID)
	got, err := client.GetQrCode(ctx, *posted.QrCodeUID)
	require.NoError(t, err)
	assert.Equal(t, "CREATED", string(*got.QrCode.Status))

	clock.Advance(61 * time.Minute)
	expired, err := client.GetQrCode(ctx, "qr-1")
	require.NoError(t, err)
	assert.Equal(t, "EXPIRED", string(*expired.QrCode.Status))
}

// Card verification: SUCCESS, WAITING_3DS on CVV 849 until completed, ERROR on expiry month
// 02; every answer passes both verdicts.
func TestCardVerification(t *testing.T) {
	ctx := context.Background()
	client, _ := start(t)
	check := func(uid, expiry, cvv string) *qiwi.CardVerification {
		v, err := client.CreateCardVerification(ctx, uid, qiwi.CreateCardVerificationRequest{CardData: qiwi.CardData{Pan: qiwi.TestCardMir, ExpiryDate: expiry, Cvv2: qiwi.Ptr(cvv)}})
		require.NoError(t, err)
		return v
	}
	assert.Equal(t, "SUCCESS", string(check("chk-1", "05/30", "123").Status))
	assert.Equal(t, "ERROR", string(check("chk-2", qiwi.TestExpiryMonthDeclined+"/30", "123").Status))
	waiting := check("chk-3", "05/30", qiwi.TestCVV3DS)
	assert.Equal(t, "WAITING_3DS", string(waiting.Status))
	require.NotNil(t, waiting.Requirements)
	done, err := client.CompleteCardVerification(ctx, "chk-3", qiwi.CompleteCardVerificationRequest{Pares: "pares"})
	require.NoError(t, err)
	assert.Equal(t, "SUCCESS", string(done.Status))
	got, err := client.GetCardVerification(ctx, "chk-3")
	require.NoError(t, err)
	assert.Equal(t, "SUCCESS", string(got.Status))
}

// testClock is a clock the test moves, safe for the server's goroutines.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// What the test mode does not offer is refused with QIWI's error shape, naming the page;
// a refund declined makes its amount refundable again.
func TestNotInTestModeAndRefundDecline(t *testing.T) {
	ctx := context.Background()
	client, _ := start(t)
	var apiErr *qiwi.APIError
	_, err := client.CreateTokenRequest(ctx, qiwi.CreateTokenRequestRequest{RequestID: "r-1", Phone: "79000000000", AccountID: "a-1"})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "payin.incorrect-method-invocation", apiErr.ErrorCode)
	assert.Contains(t, apiErr.Description, "QIWI Wallet")
	_, err = client.PayQrCodeWithToken(ctx, "qr-1", qiwi.PayQrCodeWithTokenRequest{Token: "t", TokenizationAccount: "a"})
	require.ErrorAs(t, err, &apiErr)
	assert.Contains(t, apiErr.Description, "test mode")

	_, err = client.CreatePayment(ctx, "p-1", qiwi.CreatePaymentRequest{Amount: amount(t, "4.00"), PaymentMethod: card("05/30", "123", "H"), Flags: &qiwi.Flags{"SALE"}})
	require.NoError(t, err)
	_, err = client.CreateRefund(ctx, "p-1", "r-1", qiwi.CreateRefundRequest{Amount: amount(t, "4.00")})
	require.NoError(t, err)
	_, err = client.CreateRefund(ctx, "p-1", "r-2", qiwi.CreateRefundRequest{Amount: amount(t, "1.00")})
	require.ErrorAs(t, err, &apiErr, "nothing is left to refund")
	declined, err := client.DeclineRefund(ctx, "p-1", "r-1")
	require.ErrorIs(t, err, qiwi.ErrDeclined, "the client reports a DECLINED object with ErrDeclined")
	assert.Equal(t, "DECLINED", string(declined.Status.Value))
	p, err := client.GetPayment(ctx, "p-1")
	require.NoError(t, err)
	assert.Equal(t, "0.00", p.RefundedAmount.Value.String())
	_, err = client.CreateRefund(ctx, "p-1", "r-2", qiwi.CreateRefundRequest{Amount: amount(t, "1.00")})
	require.NoError(t, err, "the declined refund's amount is refundable again")
}

// With a state file, every sort of object survives a restart: payments with their refunds
// and payouts, tokens, bills with their refunds.
func TestStateSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/state.db"
	signer, err := rsa.GenerateKey(rand.Reader, qiwi.MinPayoutKeyBits)
	require.NoError(t, err)
	open := func() (*qiwi.Client, func()) {
		sb, err := sandbox.New(sandbox.Options{StatePath: path, Keys: map[string]string{siteID: apiKey}, PayoutKeys: map[string]*rsa.PublicKey{siteID: &signer.PublicKey}})
		require.NoError(t, err)
		srv := httptest.NewServer(sb)
		client, err := qiwi.New(apiKey, qiwi.WithSiteID(siteID), qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(srv.Client()), qiwi.WithPayoutSigner(signer))
		require.NoError(t, err)
		return client, func() { srv.Close(); require.NoError(t, sb.Close()) }
	}
	client, stop := open()
	pay, err := client.CreatePayment(ctx, "p-1", qiwi.CreatePaymentRequest{Amount: amount(t, "4.00"), PaymentMethod: card("05/30", "123", "H"),
		Customer: &qiwi.Customer{Account: qiwi.Ptr("c-1")}, Flags: &qiwi.Flags{"SALE", "BIND_PAYMENT_TOKEN"}})
	require.NoError(t, err)
	require.NotNil(t, pay.CreatedToken)
	_, err = client.CreateRefund(ctx, "p-1", "r-1", qiwi.CreateRefundRequest{Amount: amount(t, "1.00")})
	require.NoError(t, err)
	var receiver qiwi.PayoutReceiverDataRequest
	require.NoError(t, receiver.FromPayoutReceiverDataCardRequest(qiwi.PayoutReceiverDataCardRequest{Pan: qiwi.TestCardMir}))
	po, err := client.CreatePayout(ctx, "p-1", "o-1", qiwi.CreatePayoutRequest{Amount: amount(t, qiwi.TestPayoutAmountDeclinedLater), ReceiverData: receiver})
	require.NoError(t, err)
	assert.Equal(t, "WAITING", string(po.Status.Value))
	bill, err := client.CreateBill(ctx, "b-1", qiwi.CreateBillRequest{Amount: amount(t, "1.00"), ExpirationDateTime: qiwi.NewTimestamp(time.Now().Add(time.Hour))})
	require.NoError(t, err)
	resp, err := http.Post(*bill.PayURL, "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	_, err = client.CreateBillRefund(ctx, "b-1", "br-1", qiwi.CreateBillRefundRequest{Amount: amount(t, "0.25")})
	require.NoError(t, err)
	stop()

	client, stop = open()
	defer stop()
	got, err := client.GetPayment(ctx, "p-1")
	require.NoError(t, err)
	assert.Equal(t, "1.00", got.RefundedAmount.Value.String())
	_, err = client.CreatePayment(ctx, "p-2", qiwi.CreatePaymentRequest{Amount: amount(t, "1.00"),
		PaymentMethod: qiwi.PaymentMethod{Type: qiwi.PaymentMethodTypeToken, PaymentToken: pay.CreatedToken.Token}, Customer: &qiwi.Customer{Account: qiwi.Ptr("c-1")}})
	require.NoError(t, err, "the token survived")
	b, err := client.GetBill(ctx, "b-1")
	require.NoError(t, err)
	assert.Equal(t, "PAID", b.Status.Value)
	po, err = client.GetPayout(ctx, "p-1", "o-1")
	require.ErrorIs(t, err, qiwi.ErrDeclined, "5.10 declines on the status request after the restart")
	assert.Equal(t, "DECLINED", string(po.Status.Value))
	br, err := client.GetBillRefund(ctx, "b-1", "br-1")
	require.NoError(t, err)
	assert.Equal(t, "0.25", br.Amount.Value.String())
}

// Expiry months 03 and 04 answer after the test mode's 3 seconds (shortened by TimeScale):
// 03 completes, 04 declines; other months answer at once.
func TestDelayedExpiryMonths(t *testing.T) {
	const scale = 30 // 3 s is 100 ms
	client, _ := startWith(t, sandbox.Options{TimeScale: scale})
	ctx := context.Background()
	pay := func(id, expiry string) (*qiwi.Payment, time.Duration, error) {
		start := time.Now()
		p, err := client.CreatePayment(ctx, id, qiwi.CreatePaymentRequest{Amount: amount(t, "1.00"), PaymentMethod: card(expiry, "123", "H")})
		return p, time.Since(start), err
	}
	p, took, err := pay("late-ok", qiwi.TestExpiryMonthSucceedsAfterDelay+"/30")
	require.NoError(t, err)
	assert.Equal(t, "COMPLETED", string(p.Status.Value))
	assert.GreaterOrEqual(t, took, 3*time.Second/scale)
	p, took, err = pay("late-declined", qiwi.TestExpiryMonthDeclinedAfterDelay+"/30")
	require.ErrorIs(t, err, qiwi.ErrDeclined)
	assert.Equal(t, "DECLINED", string(p.Status.Value))
	assert.GreaterOrEqual(t, took, 3*time.Second/scale)
	_, took, err = pay("at-once", "05/30")
	require.NoError(t, err)
	assert.Less(t, took, 3*time.Second/scale)
}
