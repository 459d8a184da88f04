package sandbox_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/sandbox"
	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// A path parameter over its limit (billId is String(200): bill-payments/bill-payments_en.html.md
// line 223; the spec gives the IDs the pages limit maxLength 200) is refused with a cause naming the
// parameter, not the body.
func TestTooLongIDNamesThePathParameter(t *testing.T) {
	srv, rec := serve(t, sandbox.Options{})
	long := strings.Repeat("b", 201)
	// The refused requests are off the spec: they go around the recorder, whose exchanges the
	// harness judges.
	status, body := rawCall(t, srv, rec, http.MethodPut, "/partner/bill/v1/bills/b-1", `{"amount": {"value": "1.00", "currency": "RUB"}, "expirationDateTime": "2030-01-01T00:00:00+03:00"}`)
	require.Equal(t, http.StatusOK, status, body)
	for _, c := range []struct{ method, path, body, param string }{
		{http.MethodPut, "/partner/bill/v1/bills/" + long, `{"amount": {"value": "1.00", "currency": "RUB"}, "expirationDateTime": "2030-01-01T00:00:00+03:00"}`, "billId"},
		{http.MethodGet, "/partner/bill/v1/bills/" + long, ``, "billId"},
		{http.MethodGet, "/partner/payin/v1/sites/" + siteID + "/payments/" + long, ``, "paymentId"},
		{http.MethodPut, "/partner/payin/v1/sites/" + siteID + "/payments/p-1/refunds/" + long, `{"amount": {"value": "1.00", "currency": "RUB"}}`, "refundId"},
	} {
		status, body := rawCall(t, srv, nil, c.method, c.path, c.body)
		assert.Equal(t, http.StatusBadRequest, status, "%s %.60s", c.method, c.path)
		assert.Equal(t, "validation.error", body["errorCode"], "%s %.60s", c.method, c.path)
		assert.Equal(t, []string{c.param}, causeFields(body), "%s %.60s: %v", c.method, c.path, body["cause"])
	}
}

// A callbackUrl must be an absolute http or https URL with a host: another is refused with
// QIWI's error shape, its cause naming callbackUrl, on every operation that takes one, and
// nothing is kept.
func TestCallbackURLMustBeHTTP(t *testing.T) {
	srv, rec := serve(t, sandbox.Options{})
	site := "/partner/payin/v1/sites/" + siteID
	card := `"paymentMethod": {"type": "CARD", "pan": "4256000000000003", "expiryDate": "05/30", "cvv2": "123"}`
	status, body := rawCall(t, srv, rec, http.MethodPut, site+"/payments/p-ok", `{"amount": {"value": "5.00", "currency": "RUB"}, `+card+`, "callbackUrl": "https://shop.example/cb?x=1"}`)
	require.Equal(t, http.StatusOK, status, body)
	for _, callback := range []string{"ftp://shop.example/cb", "javascript:alert(1)", "file:///etc/passwd", "/relative/cb", "http:///no-host", "https://", "shop.example/cb", ""} {
		for _, c := range []struct{ path, body string }{
			{site + "/payments/p-bad", `{"amount": {"value": "1.00", "currency": "RUB"}, ` + card + `, "callbackUrl": "` + callback + `"}`},
			{site + "/payments/p-ok/captures/c-bad", `{"callbackUrl": "` + callback + `"}`},
			{site + "/payments/p-ok/refunds/r-bad", `{"amount": {"value": "1.00", "currency": "RUB"}, "callbackUrl": "` + callback + `"}`},
			{site + "/validation/card/requests/v-bad", `{"cardData": {"pan": "4256000000000003", "expiryDate": "05/30", "cvv2": "123"}, "callbackUrl": "` + callback + `"}`},
		} {
			status, body := rawCall(t, srv, nil, http.MethodPut, c.path, c.body) // off the spec: not judged
			assert.Equal(t, http.StatusBadRequest, status, "%q %s", callback, c.path)
			assert.Equal(t, "validation.error", body["errorCode"], "%q %s", callback, c.path)
			assert.Equal(t, []string{"callbackUrl"}, causeFields(body), "%q %s", callback, c.path)
			status, _ = rawCall(t, srv, rec, http.MethodGet, c.path, "")
			assert.Equal(t, http.StatusNotFound, status, "%q %s: nothing kept", callback, c.path)
		}
	}
}

// IDs are answered as sent: the path segment unescaped ("order 1", not "order%201"), and
// their length counted unescaped.
func TestIDsAreAnsweredUnescaped(t *testing.T) {
	srv, rec := serve(t, sandbox.Options{})
	client, err := qiwi.New(apiKey, qiwi.WithSiteID(siteID), qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(&http.Client{Transport: rec}))
	require.NoError(t, err)
	ctx := context.Background()
	for _, id := range []string{"order 1", "заказ/1?#%"} {
		p, err := client.CreatePayment(ctx, id, qiwi.CreatePaymentRequest{Amount: amount(t, "2.00"), PaymentMethod: card("05/30", "123", "H"), Flags: &qiwi.Flags{"SALE"}})
		require.NoError(t, err, "%q", id)
		require.NotNil(t, p.PaymentID)
		assert.Equal(t, id, *p.PaymentID)
		got, err := client.GetPayment(ctx, id)
		require.NoError(t, err, "%q", id)
		require.NotNil(t, got.PaymentID)
		assert.Equal(t, id, *got.PaymentID)
		r, err := client.CreateRefund(ctx, id, "refund 1", qiwi.CreateRefundRequest{Amount: amount(t, "1.00")})
		require.NoError(t, err, "%q", id)
		assert.Equal(t, "refund 1", r.RefundID)
	}
	bill, err := client.CreateBill(ctx, "bill 1", qiwi.CreateBillRequest{Amount: amount(t, "1.00"), ExpirationDateTime: qiwi.NewTimestamp(time.Now().Add(time.Hour))})
	require.NoError(t, err)
	assert.Equal(t, "bill 1", bill.BillID)
	invAmount := amount(t, "1.00")
	inv, err := client.CreateInvoice(ctx, "inv 1", qiwi.CreateInvoiceRequest{Amount: &invAmount, ExpirationDateTime: qiwi.NewTimestamp(time.Now().Add(time.Hour))})
	require.NoError(t, err)
	assert.Equal(t, "inv 1", inv.BillID)

	// The same ID escaped in another way is the same object.
	status, body := rawCall(t, srv, rec, http.MethodGet, "/partner/bill/v1/bills/bill%201", "")
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "bill 1", body["billId"])
	status, body = rawCall(t, srv, rec, http.MethodGet, "/partner/payin/v1/sites/"+siteID+"/payments/order+1", "")
	assert.Equal(t, http.StatusNotFound, status, "+ is no space in a path: %v", body)

	// 200 characters are the limit however they are escaped: this ID is 332 characters
	// escaped. (Not through the recorder: the harness's verdict counts the escaped form.)
	long := strings.Repeat("a b", 66) + "ab"
	status, body = rawCall(t, srv, nil, http.MethodPut, "/partner/bill/v1/bills/"+url.PathEscape(long),
		`{"amount": {"value": "1.00", "currency": "RUB"}, "expirationDateTime": "2030-01-01T00:00:00+03:00"}`)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, long, body["billId"])
}

// The members a handler reads are the body the spec's validation decoded: an operation the
// spec gives no body ignores one sent anyway, even one that is no JSON, while an operation
// with a body refuses it.
func TestBodyIsReadAsValidated(t *testing.T) {
	srv, rec := serve(t, sandbox.Options{})
	status, body := rawCall(t, srv, rec, http.MethodPut, "/partner/bill/v1/bills/b-1", `{"amount": {"value": "1.00", "currency": "RUB"}, "expirationDateTime": "2030-01-01T00:00:00+03:00"}`)
	require.Equal(t, http.StatusOK, status, body)
	status, body = rawCall(t, srv, nil, http.MethodPost, "/partner/bill/v1/bills/b-1/reject", `not json`)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "REJECTED", body["status"].(map[string]any)["value"])
	status, body = rawCall(t, srv, nil, http.MethodPut, "/partner/bill/v1/bills/b-2", `not json`)
	assert.Equal(t, http.StatusBadRequest, status, body)
	assert.Equal(t, "validation.error", body["errorCode"])
}
