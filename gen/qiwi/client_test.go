package qiwi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
	"github.com/qiwigen/qiwigen/generator/runtime/transport"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/gen/qiwi"
)

func newClient(t *testing.T, h http.HandlerFunc) *qiwi.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := qiwi.New("key", transport.WithBaseURL(srv.URL), transport.WithSiteID("test-01"),
		transport.WithRetry(transport.RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	return c
}

const captureJSON = `{"captureId":"bxwd8096","createdDateTime":"2024-03-20T16:29:58.96+03:00","amount":{"currency":"RUB","value":"6.77"},"status":{"value":"COMPLETED","changedDateTime":"2024-03-20T16:29:58.963+03:00"}}`

func TestRepeatedCaptureResolvesToTheExistingCapture(t *testing.T) {
	var methods []string
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		methods = append(methods, r.Method+" "+r.URL.Path)
		if r.Method == http.MethodPut {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"serviceName":"payin-core","errorCode":"payin.incorrect-method-invocation","description":"Incorrect method invocation"}`)
			return
		}
		io.WriteString(w, captureJSON)
	})
	capture, err := c.CreateCapture(context.Background(), "1811", "bxwd8096", qiwi.CreateCaptureRequest{})
	require.NoError(t, err)
	assert.Equal(t, "bxwd8096", capture.CaptureID)
	assert.Equal(t, "6.77", capture.Amount.Value.String())
	assert.Equal(t, []string{
		"PUT /partner/payin/v1/sites/test-01/payments/1811/captures/bxwd8096",
		"GET /partner/payin/v1/sites/test-01/payments/1811/captures/bxwd8096",
	}, methods)
}

func TestDeclineWithHTTP200ReturnsThePaymentAndAnError(t *testing.T) {
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"paymentId":"1811","amount":{"currency":"RUB","value":"200.00"},"status":{"value":"DECLINED","changedDateTime":"2024-03-01T17:10:32.607+03:00","reason":"ACQUIRING_INSUFFICIENT_FUNDS","reasonMessage":"Not enough funds"}}`)
	})
	p, err := c.GetPayment(context.Background(), "1811")
	assert.ErrorIs(t, err, apierr.ErrDeclined)
	require.NotNil(t, p)
	assert.Equal(t, "ACQUIRING_INSUFFICIENT_FUNDS", *p.Status.Reason)
	assert.Contains(t, err.Error(), "Not enough funds")
}

func TestRequestEncoding(t *testing.T) {
	var got string
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		io.WriteString(w, `{"refundId":"r1","status":{"value":"COMPLETED"}}`)
	})
	amount, err := wiretype.ParseMoney("2.3")
	require.NoError(t, err)
	_, err = c.CreateRefund(context.Background(), "1811", "r1", qiwi.CreateRefundRequest{Amount: qiwi.Amount{Value: amount, Currency: qiwi.CurrencyRub}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"amount":{"value":2.30,"currency":"RUB"}}`, got)
	assert.True(t, strings.Contains(got, `2.30`), "exactly two fraction digits on the wire: %s", got)

	// Amounts decoded from QIWI go back in request form: an answer's "6.77" and a
	// notification's 5 are sent as 6.77 and 5.00, and the decoded objects keep their form.
	var payment qiwi.Payment
	require.NoError(t, json.Unmarshal([]byte(`{"paymentId":"1811","amount":{"value":"6.77","currency":"RUB"}}`), &payment))
	n, err := qiwi.ParseNotification([]byte(`{"payment":{"paymentId":"1811","createdDateTime":"2022-08-05T11:34:42+03:00","amount":{"value":5,"currency":"RUB"},"status":{"value":"SUCCESS"}},"type":"PAYMENT","version":"1"}`))
	require.NoError(t, err)
	for amount, wire := range map[qiwi.Amount]string{
		*payment.Amount: `"value":6.77`,
		n.(*qiwi.PaymentNotification).Payment.Amount: `"value":5.00`,
	} {
		_, err = c.CreateRefund(context.Background(), "1811", "r2", qiwi.CreateRefundRequest{Amount: amount})
		require.NoError(t, err)
		assert.Contains(t, got, wire)
	}
	unchanged, err := json.Marshal(payment.Amount)
	require.NoError(t, err)
	assert.JSONEq(t, `{"value":"6.77","currency":"RUB"}`, string(unchanged), "the decoded payment keeps its form")
}

func TestListsAndNoContent(t *testing.T) {
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		default:
			io.WriteString(w, `[{"refundId":"a","status":{"value":"COMPLETED"}},{"refundId":"b","status":{"value":"DECLINE"}}]`)
		}
	})
	refunds, err := c.ListRefunds(context.Background(), "1811")
	require.NoError(t, err, "a declined element of a list is data, not an error")
	require.Len(t, refunds, 2)
	assert.Equal(t, "b", refunds[1].RefundID)
	require.NoError(t, c.DeleteToken(context.Background(), qiwi.DeleteTokenRequest{CustomerAccountID: "c1", Token: "t"}))
}

// An empty identifier or a missing siteId is refused before anything is sent: the request
// would reach another resource ("/bills//details") or none.
func TestEmptyPathParametersAreRefused(t *testing.T) {
	var sent atomic.Int32
	count := func(w http.ResponseWriter, r *http.Request) { sent.Add(1); _, _ = io.WriteString(w, `{}`) }
	c := newClient(t, count)
	ctx := context.Background()

	_, err := c.GetInvoice(ctx, "")
	assert.ErrorIs(t, err, transport.ErrArgument)
	assert.ErrorContains(t, err, "getInvoice: billId is empty")
	refund := qiwi.CreateRefundJSONRequestBody{Amount: qiwi.Amount{Value: wiretype.NewMoneyFromMinor(100), Currency: qiwi.CurrencyRub}}
	_, err = c.CreateRefund(ctx, "pay-1", "", refund)
	assert.ErrorIs(t, err, transport.ErrArgument)
	assert.ErrorContains(t, err, "createRefund: refundId is empty")
	_, err = c.GetBill(ctx, "")
	assert.ErrorIs(t, err, transport.ErrArgument, "the Bill Payments API too")
	// "." and ".." would be resolved away: PUT .../payments/p1/ or GET /partner/bill/v1/.
	for _, id := range []string{".", ".."} {
		_, err = c.CreateRefund(ctx, "p1", id, refund)
		assert.ErrorIs(t, err, transport.ErrArgument, id)
		assert.ErrorContains(t, err, "would change the path")
		_, err = c.GetBill(ctx, id)
		assert.ErrorIs(t, err, transport.ErrArgument, id)
	}
	// A request never carries an amount that is not positive.
	_, err = c.CreateRefund(ctx, "p1", "r1", qiwi.CreateRefundJSONRequestBody{Amount: qiwi.Amount{Value: wiretype.NewMoneyFromMinor(-500), Currency: qiwi.CurrencyRub}})
	assert.ErrorIs(t, err, transport.ErrArgument)
	assert.ErrorContains(t, err, "createRefund: /amount/value: qiwi: invalid argument: amount -5.00 is not positive")

	srv := httptest.NewServer(http.HandlerFunc(count))
	defer srv.Close()
	noSite, err := qiwi.New("key", transport.WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = noSite.GetPayment(ctx, "pay-1")
	assert.ErrorIs(t, err, apierr.ErrConfig)
	assert.ErrorContains(t, err, "getPayment needs a siteId: configure WithSiteID")
	assert.Equal(t, int32(0), sent.Load(), "nothing is sent")

	_, err = noSite.GetBill(ctx, "bill-1")
	require.NoError(t, err, "the Bill Payments API needs no siteId")
	_, err = c.GetInvoice(ctx, "bill-1")
	require.NoError(t, err)
	assert.Equal(t, int32(2), sent.Load())
}

// The operation table and Invoke reach every typed method by its operationId.
func TestOperationTableAndInvoke(t *testing.T) {
	var paths []string
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.EscapedPath())
		io.WriteString(w, `{"refundId":"r1","status":{"value":"COMPLETED"}}`)
	})
	ops := qiwi.Operations()
	ids := map[string]transport.OperationInfo{}
	for _, op := range ops {
		ids[op.ID] = op
	}
	refund, ok := ids["createRefund"]
	require.True(t, ok)
	want := transport.OperationInfo{ID: "createRefund", Method: "PUT", Path: "/payin/v1/sites/{siteId}/payments/{paymentId}/refunds/{refundId}",
		PathParams:   []string{"siteId", "paymentId", "refundId"},
		ConfigParams: []transport.ConfigParam{{Name: "siteId", Value: transport.ConfigSiteID}},
		Request:      "CreateRefundRequest", Result: "Refund", Idempotent: true,
		Notifications: []string{"REFUND"}}
	assert.Equal(t, want, refund)
	assert.True(t, ids["createPayout"].Signed)
	assert.Equal(t, "getCapture", ids["createCapture"].ResolveAlreadyDone)
	assert.Empty(t, ids["getBill"].ConfigParams, "the Bill Payments API takes no siteId")

	// The table handed out is a copy: changing it changes neither the next copy nor the calls.
	for i := range ops {
		ops[i].Path = "/elsewhere"
		for j := range ops[i].PathParams {
			ops[i].PathParams[j] = "x"
		}
		for j := range ops[i].ConfigParams {
			ops[i].ConfigParams[j].Value = "x"
		}
	}
	assert.Equal(t, want, func() transport.OperationInfo {
		for _, op := range qiwi.Operations() {
			if op.ID == "createRefund" {
				return op
			}
		}
		return transport.OperationInfo{}
	}())
	assert.NotContains(t, ids, "listSiteRefunds", "undocumented operations are left out by default")

	got, err := c.Invoke(context.Background(), "createRefund", []string{"p 1", "r/1"}, []byte(`{"amount":{"value":5.00,"currency":"RUB"}}`))
	require.NoError(t, err)
	assert.Equal(t, "r1", got.(*qiwi.Refund).RefundID)
	assert.Equal(t, []string{"PUT /partner/payin/v1/sites/test-01/payments/p%201/refunds/r%2F1"}, paths)

	_, err = c.Invoke(context.Background(), "noSuchOperation", nil, nil)
	assert.ErrorIs(t, err, transport.ErrUnknownOperation)
	_, err = c.Invoke(context.Background(), "createRefund", []string{"p1"}, nil)
	assert.ErrorIs(t, err, transport.ErrArgument)
	_, err = c.Invoke(context.Background(), "createRefund", []string{"p1", "r1"}, []byte(`{"amount":"five"}`))
	assert.ErrorIs(t, err, transport.ErrArgument)
	assert.Len(t, paths, 1, "nothing is sent for refused arguments")

	var api qiwi.API = c // the interface users substitute in their tests
	_, err = api.GetPayment(context.Background(), "")
	assert.ErrorIs(t, err, transport.ErrArgument)
}

// The sentinels match the spec's documented error codes exactly, never by substring.
func TestErrorCodesMatchExactly(t *testing.T) {
	runtimeCodes := []string{apierr.CodeValidation, apierr.CodeNotFound, apierr.CodeUnauthorized,
		apierr.CodeInternal, apierr.CodeRefundAmount, apierr.CodeIncorrectMethod, apierr.CodeInvoiceNotFound}
	var specCodes []string
	for _, c := range qiwi.ErrorCodeValues() {
		specCodes = append(specCodes, string(c))
	}
	assert.Subset(t, specCodes, runtimeCodes, "every code a sentinel matches is one of the spec's ErrorCode values")

	for _, tc := range []struct {
		code     string
		status   int
		sentinel error
		match    bool
	}{
		{"payin.resource.not.found", 400, apierr.ErrNotFound, true},
		{"payin.resource.not.found.soon", 400, apierr.ErrNotFound, false},
		{"validation.error", 400, apierr.ErrValidation, true},
		{"novalidation", 409, apierr.ErrValidation, false},
		{"payin.incorrect-method-invocation", 400, apierr.ErrAlreadyDone, true},
		{"payment.already.paid.maybe", 400, apierr.ErrAlreadyDone, false},
		{"auth.unauthorized", 400, apierr.ErrUnauthorized, true},
		{"authority.error", 400, apierr.ErrUnauthorized, false},
		{"", 404, apierr.ErrNotFound, true},
		// The Bill Payments API's unknown bill; the SDKs' tests do not assert the status
		// (bill-payments-java-sdk BillPaymentsSdkNegativeScenariosTest.java @1b593923
		// testGetNonexistentBillInfo; bill-payments-node-js-sdk test/QiwiBillPaymentsAPI.spec.js @64be8090).
		{"api.invoice.not.found", 400, apierr.ErrNotFound, true},
		{"api.invoice.not.found.later", 400, apierr.ErrNotFound, false},
	} {
		err := apierr.DecodeAPIError(tc.status, []byte(`{"errorCode":"`+tc.code+`"}`))
		assert.Equal(t, tc.match, errors.Is(err, tc.sentinel), "%s (HTTP %d) vs %v", tc.code, tc.status, tc.sentinel)
	}
}

// Identifiers holding a space, /, %, +, ?, # and Cyrillic reach the server escaped exactly
// once, the siteId from the configuration included.
func TestPathParametersAreEscapedOnce(t *testing.T) {
	const odd = "a b/c%d+e?f#g-счёт"
	escaped := url.PathEscape(odd)
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.EscapedPath())
		unescaped, err := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/partner/payin/v1/sites/"))
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(unescaped, odd), "the server reads the siteId back as given: %s", unescaped)
		io.WriteString(w, `{"refundId":"r","billId":"b","status":{"value":"COMPLETED"}}`)
	}))
	defer srv.Close()
	c, err := qiwi.New("key", qiwi.WithBaseURL(srv.URL), qiwi.WithSiteID(odd), qiwi.WithRetry(qiwi.RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = c.GetInvoice(ctx, odd)
	require.NoError(t, err)
	_, err = c.CreateRefund(ctx, odd, odd, qiwi.CreateRefundRequest{Amount: qiwi.Amount{Value: qiwi.NewMoneyFromMinor(100), Currency: qiwi.CurrencyRub}})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"/partner/payin/v1/sites/" + escaped + "/bills/" + escaped + "/details",
		"/partner/payin/v1/sites/" + escaped + "/payments/" + escaped + "/refunds/" + escaped,
	}, got)
	assert.NotContains(t, strings.Join(got, ""), "%25D1", "Cyrillic is not escaped twice")
}
