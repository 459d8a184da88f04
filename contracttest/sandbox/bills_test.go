package sandbox_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/sandbox"
	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// billClient is a Bill Payments client of a sandbox started by serve: no siteId, the key
// names the site.
func billClient(t *testing.T, srv *httptest.Server, rt http.RoundTripper) *qiwi.Client {
	t.Helper()
	client, err := qiwi.New(apiKey, qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(&http.Client{Transport: rt}))
	require.NoError(t, err)
	return client
}

// rawCall sends a request with the site's key through rt (a recorder, or nil for the
// server's client) and decodes the JSON answer.
func rawCall(t *testing.T, srv *httptest.Server, rt http.RoundTripper, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+apiKey)
	client := srv.Client()
	if rt != nil {
		client = &http.Client{Transport: rt}
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, jsonDecode(resp, &out), "%s %s", method, path)
	return resp.StatusCode, out
}

// causeFields are the fields an error answer's cause names.
func causeFields(body map[string]any) []string {
	cause, _ := body["cause"].(map[string]any)
	var out []string
	for k := range cause {
		out = append(out, k)
	}
	return out
}

// An unknown bill, and a refund of an unknown bill or an unknown refund, are answered with
// the Bill Payments code api.invoice.not.found, "Invoice not found": the official SDKs' tests
// expect it (bill-payments-java-sdk BillPaymentsSdkNegativeScenariosTest.java @1b593923
// testGetNonexistentBillInfo; bill-payments-node-js-sdk test/QiwiBillPaymentsAPI.spec.js
// @64be8090 'gets refund info', 'makes refund'), and the Bill Payments page's error table has it
// (bill-payments/_bill-payments-api_en.html.md line 259, error.code.api.invoice.not.found).
func TestUnknownBillIsInvoiceNotFound(t *testing.T) {
	srv, rec := serve(t, sandbox.Options{})
	bills := billClient(t, srv, rec)
	ctx := context.Background()
	_, err := bills.CreateBill(ctx, "known", qiwi.CreateBillRequest{Amount: amount(t, "1.00"), ExpirationDateTime: qiwi.NewTimestamp(time.Now().Add(time.Hour))})
	require.NoError(t, err)

	check := func(what string, err error, descr string) {
		t.Helper()
		var apiErr *qiwi.APIError
		require.ErrorAs(t, err, &apiErr, what)
		assert.Equal(t, string(qiwi.ErrorCodeApiInvoiceNotFound), apiErr.ErrorCode, what)
		assert.Equal(t, descr, apiErr.Description, what)
		assert.Equal(t, descr, apiErr.UserMessage, what)
		assert.ErrorIs(t, err, qiwi.ErrNotFound, what)
	}
	_, err = bills.GetBill(ctx, "nonexistent")
	check("GetBill", err, "Invoice not found")
	_, err = bills.RejectBill(ctx, "nonexistent")
	check("RejectBill", err, "Invoice not found")
	_, err = bills.CreateBillRefund(ctx, "nonexistent", "r-1", qiwi.CreateBillRefundRequest{Amount: amount(t, "1.00")})
	check("CreateBillRefund", err, "Invoice not found")
	_, err = bills.GetBillRefund(ctx, "nonexistent", "r-1")
	check("GetBillRefund of an unknown bill", err, "Invoice not found")
	_, err = bills.GetBillRefund(ctx, "known", "r-1")
	check("GetBillRefund of an unknown refund", err, "Refund not found")
}

// A Bill Payments expirationDateTime must carry a time zone ("Time should be specified with
// time zone", bill-payments/bill-payments_en.html.md line 231): one without is refused with
// QIWI's error shape, its cause naming expirationDateTime; "Z" and the offsets are accepted.
func TestBillExpirationNeedsTimeZone(t *testing.T) {
	srv, rec := serve(t, sandbox.Options{})
	for _, c := range []struct {
		expiration string
		status     int
	}{
		{"2030-03-02T08:44:07", http.StatusBadRequest}, // the page's own JS example (line 133)
		{"2030-03-02T08:44", http.StatusBadRequest},
		{"2030-03-02T08:44:07.123", http.StatusBadRequest},
		{"2030-03-02T08:44:07+03:00", http.StatusOK},
		{"2030-03-02T08:44:07.123+0300", http.StatusOK},
		{"2030-03-02T05:44:07Z", http.StatusOK},
	} {
		id := "b-" + strings.NewReplacer(":", "", ".", "", "+", "p").Replace(c.expiration)
		status, body := rawCall(t, srv, rec, http.MethodPut, "/partner/bill/v1/bills/"+id, // on the spec: judged
			`{"amount": {"value": "1.00", "currency": "RUB"}, "expirationDateTime": "`+c.expiration+`"}`)
		require.Equal(t, c.status, status, "%s: %v", c.expiration, body)
		if c.status == http.StatusOK {
			assert.Equal(t, c.expiration, body["expirationDateTime"])
			continue
		}
		assert.Equal(t, "validation.error", body["errorCode"], c.expiration)
		assert.Equal(t, "invoicing", body["serviceName"], c.expiration)
		assert.Equal(t, []string{"expirationDateTime"}, causeFields(body), c.expiration)
		assert.Contains(t, fmt.Sprint(body["cause"]), "a time zone", c.expiration)
		status, _ = rawCall(t, srv, rec, http.MethodGet, "/partner/bill/v1/bills/"+id, "")
		assert.Equal(t, http.StatusNotFound, status, "%s: the refused bill was not kept", c.expiration)
	}
}

// BILL notifications carry the documented headers, Accept and Content-type application/json
// (bill-payments/bill-payments_en.html.md lines 310-313 and the header list, lines 342-349),
// and the bill's comment and payUrl when it has them (the notification table, lines 466 and
// 468; the page's example, lines 316-334, shows neither). Payin notifications carry the same
// headers (payments/_notifications_en.html.md.erb lines 5-9 and 65-69). The generated handler
// verifies them.
func TestBillNotificationHeadersAndMembers(t *testing.T) {
	const secret = "bill-secret"
	var mu sync.Mutex
	var headers []http.Header
	var bodies []map[string]any
	var decoded []qiwi.Bill
	handler := qiwi.NewNotificationHandler(secret, func(_ context.Context, n qiwi.Notification) error {
		if b, ok := n.(*qiwi.BillNotification); ok {
			mu.Lock()
			decoded = append(decoded, b.Bill)
			mu.Unlock()
		}
		return nil
	})
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var body map[string]any
		_ = json.Unmarshal(data, &body)
		mu.Lock()
		headers = append(headers, r.Header.Clone())
		bodies = append(bodies, body)
		mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(data)))
		handler.ServeHTTP(w, r)
	}))
	defer receiver.Close()
	srv, rec := serve(t, sandbox.Options{NotifySecret: secret, NotifyURL: receiver.URL})
	bills := billClient(t, srv, rec)
	ctx := context.Background()
	bill, err := bills.CreateBill(ctx, "b-1", qiwi.CreateBillRequest{Amount: amount(t, "1.00"), Comment: qiwi.Ptr("Order 1"),
		ExpirationDateTime: qiwi.NewTimestamp(time.Now().Add(time.Hour))})
	require.NoError(t, err)
	resp, err := srv.Client().Post(*bill.PayURL, "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	_, err = bills.CreateBill(ctx, "b-2", qiwi.CreateBillRequest{Amount: amount(t, "1.00"), ExpirationDateTime: qiwi.NewTimestamp(time.Now().Add(time.Hour))})
	require.NoError(t, err)
	_, err = bills.RejectBill(ctx, "b-2")
	require.NoError(t, err)
	waitFor(t, "both BILL notifications to be verified", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(decoded) == 2
	})

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, headers, 2)
	byID := map[string]map[string]any{}
	for i, h := range headers {
		assert.Equal(t, "application/json", h.Get("Accept"))
		assert.Equal(t, "application/json", h.Get("Content-Type"))
		assert.NotEmpty(t, h.Get("X-Api-Signature-SHA256"))
		b, _ := bodies[i]["bill"].(map[string]any)
		id, _ := b["billId"].(string)
		byID[id] = b
	}
	require.Contains(t, byID, "b-1")
	require.Contains(t, byID, "b-2")
	assert.Equal(t, "Order 1", byID["b-1"]["comment"])
	assert.Equal(t, *bill.PayURL, byID["b-1"]["payUrl"])
	assert.NotContains(t, byID["b-2"], "comment", "b-2 has no comment")
	assert.NotEmpty(t, byID["b-2"]["payUrl"])
	for _, b := range decoded {
		require.NotNil(t, b.PayURL, b.BillID)
		if b.BillID == "b-1" {
			require.NotNil(t, b.Comment)
			assert.Equal(t, "Order 1", *b.Comment)
		}
	}
}

// A payin notification carries Accept and Content-type application/json as well
// (payments/_notifications_en.html.md.erb lines 5-9, 65-69, and each type's header list).
func TestPayinNotificationHeaders(t *testing.T) {
	got := make(chan http.Header, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.Header.Clone():
		default:
		}
	}))
	defer receiver.Close()
	srv, rec := serve(t, sandbox.Options{NotifySecret: "s", NotifyURL: receiver.URL})
	status, body := rawCall(t, srv, rec, http.MethodPut, "/partner/payin/v1/sites/"+siteID+"/payments/p-1",
		`{"amount": {"value": "1.00", "currency": "RUB"}, "paymentMethod": {"type": "CARD", "pan": "4256000000000003", "expiryDate": "05/30", "cvv2": "123"}, "flags": ["SALE"]}`)
	require.Equal(t, http.StatusOK, status, body)
	select {
	case h := <-got:
		assert.Equal(t, "application/json", h.Get("Accept"))
		assert.Equal(t, "application/json", h.Get("Content-Type"))
		assert.NotEmpty(t, h.Get("Signature"), "%v", h)
	case <-time.After(10 * time.Second):
		t.Fatal("no notification")
	}
}

// formUID is the invoice_uid of a pay form link.
func formUID(t *testing.T, payURL string) string {
	t.Helper()
	u, err := url.Parse(payURL)
	require.NoError(t, err)
	uid := u.Query().Get("invoice_uid")
	require.NotEmpty(t, uid, payURL)
	return uid
}

// The pay form's uid is random (128 bits, kept with the bill and in the state file), not
// derived from the site and the billId: nobody without the key can compute another site's
// form. A wrong uid is refused with 404, and the bill stays WAITING.
func TestPayFormUIDIsUnguessable(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/state.db"
	open := func() (*httptest.Server, *qiwi.Client, func()) {
		sb, err := sandbox.New(sandbox.Options{StatePath: path, Keys: map[string]string{siteID: apiKey}})
		require.NoError(t, err)
		srv := httptest.NewServer(sb)
		return srv, billClient(t, srv, srv.Client().Transport), func() { srv.Close(); require.NoError(t, sb.Close()) }
	}
	other, err := sandbox.New(sandbox.Options{Keys: map[string]string{siteID: apiKey}})
	require.NoError(t, err)
	defer other.Close()
	otherSrv := httptest.NewServer(other)
	defer otherSrv.Close()
	expires := qiwi.NewTimestamp(time.Now().Add(time.Hour)) // one body: a repeat is idempotent
	create := func(c *qiwi.Client) string {
		b, err := c.CreateBill(ctx, "b-1", qiwi.CreateBillRequest{Amount: amount(t, "1.00"), ExpirationDateTime: expires})
		require.NoError(t, err)
		require.NotNil(t, b.PayURL)
		return *b.PayURL
	}
	srv, client, stop := open()
	payURL := create(client)
	uid := formUID(t, payURL)
	raw, err := hex.DecodeString(strings.ReplaceAll(uid, "-", ""))
	require.NoError(t, err, uid)
	assert.Len(t, raw, 16, "128 bits")
	otherUID := formUID(t, create(billClient(t, otherSrv, otherSrv.Client().Transport)))
	assert.NotEqual(t, uid, otherUID, "the same site and billId give another uid")
	assert.Equal(t, payURL, create(client), "an idempotent repeat answers the same form")

	form := func(method, uid string) int {
		req, err := http.NewRequest(method, srv.URL+"/sandbox/form?invoice_uid="+url.QueryEscape(uid), nil)
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusNotFound, form(http.MethodPost, otherUID), "another sandbox's uid")
	assert.Equal(t, http.StatusNotFound, form(http.MethodPost, uid[:len(uid)-1]+"x"), "a wrong uid")
	assert.Equal(t, http.StatusNotFound, form(http.MethodGet, ""), "no uid")
	b, err := client.GetBill(ctx, "b-1")
	require.NoError(t, err)
	assert.Equal(t, "WAITING", b.Status.Value)
	stop()

	srv, client, stop = open()
	defer stop()
	assert.Equal(t, payURL, create(client), "the uid is kept in the state file")
	assert.Equal(t, http.StatusOK, form(http.MethodPost, uid), "the form works after a restart")
	b, err = client.GetBill(ctx, "b-1")
	require.NoError(t, err)
	assert.Equal(t, "PAID", b.Status.Value)
}

// One amount rule per API, the spec's (x-qiwi-request-amount, checked by
// wiretype.AmountForm.Check as the judge and the client check it): the payin API refuses an
// amount without two fraction digits ("Invalid money format. Should have 2 fraction digits":
// OnlinetoursGit/qiwi-kassa spec/fixtures/qiwi/resources/bills/create_validation_error.json),
// the Bill Payments API takes 1 (its refund example, bill-payments/bill-payments_en.html.md
// line 846) and "1.00" (the official SDKs), never three fraction digits.
func TestAmountFormPerAPI(t *testing.T) {
	srv, rec := serve(t, sandbox.Options{})
	// The accepted requests go through the recorder, which judges them by both verdicts; the
	// refused ones do not (the judge refuses their requests too).
	via := func(ok bool) http.RoundTripper {
		if ok {
			return rec
		}
		return nil
	}
	payment := func(id, value string, rt http.RoundTripper) (int, map[string]any) {
		return rawCall(t, srv, rt, http.MethodPut, "/partner/payin/v1/sites/"+siteID+"/payments/"+id,
			`{"amount": {"value": `+value+`, "currency": "RUB"}, "paymentMethod": {"type": "CARD", "pan": "4256000000000003", "expiryDate": "05/30", "cvv2": "123"}, "flags": ["SALE"]}`)
	}
	for i, c := range []struct {
		value string
		ok    bool
	}{{`"3.00"`, true}, {`3.00`, true}, {`"3.0"`, false}, {`3`, false}, {`"3"`, false}} {
		status, body := payment(fmt.Sprint("pay-", i), c.value, via(c.ok))
		if c.ok {
			assert.Equal(t, http.StatusOK, status, "payin %s: %v", c.value, body)
			continue
		}
		assert.Equal(t, http.StatusBadRequest, status, "payin %s: %v", c.value, body)
		assert.Equal(t, []string{"amount.value"}, causeFields(body), c.value)
		assert.Contains(t, fmt.Sprint(body["cause"]), "two fraction digits", c.value)
	}
	for i, c := range []struct {
		value string
		ok    bool
	}{{`1`, true}, {`"1.00"`, true}, {`1.0`, true}, {`"1.5"`, true}, {`1.005`, false}} {
		status, body := rawCall(t, srv, via(c.ok), http.MethodPut, fmt.Sprint("/partner/bill/v1/bills/bill-", i),
			`{"amount": {"value": `+c.value+`, "currency": "RUB"}, "expirationDateTime": "2030-03-02T08:44:07+03:00"}`)
		if c.ok {
			assert.Equal(t, http.StatusOK, status, "bill %s: %v", c.value, body)
			continue
		}
		assert.Equal(t, http.StatusBadRequest, status, "bill %s: %v", c.value, body)
	}
}
