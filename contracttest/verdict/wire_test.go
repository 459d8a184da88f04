package verdict_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
)

const billAnswer = `{"siteId":"s-01","billId":"b1","amount":{"value":"1.00","currency":"RUB"},"status":{"value":"WAITING","changedDateTime":"2018-03-05T11:27:41+03:00"},"comment":"c","creationDateTime":"2018-03-05T11:27:41+03:00","expirationDateTime":"2018-04-04T11:27:41+03:00","payUrl":"https://oplata.qiwi.com/form/?invoice_uid=u"}`

func jsonAnswer(status int, body string) *fixture.Response {
	return &fixture.Response{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
}

// warnsOnly asserts that r passes, strictly too, and that its findings are warnings.
func warnsOnly(t *testing.T, r verdict.Result, name string) {
	t.Helper()
	assert.True(t, r.Passed(true), "%s:\n%s", name, messages(r))
	for _, f := range r.Findings {
		assert.Equal(t, verdict.Warn, f.Severity, "%s: %s", name, f)
	}
}

// The official SDKs' bodiless requests pass both verdicts with at most a warning
// (docs/briefs evidence-20 §1):
//   - Node sends the JSON body null with Content-Type application/json;charset=UTF-8 on GET
//     and POST .../reject (QIWI-API/bill-payments-node-js-sdk lib/QiwiBillPaymentsAPI.js
//     @8c549e72 _requestBuilder({url, method, body = null}) with body: body, json: true;
//     request's Request.prototype.json stringifies any body !== undefined);
//   - Java sends no entity with Content-Type application/json; charset=UTF-8
//     (bill-payments-java-sdk client/BillPaymentClient.java @1b593923 prepareHeaders,
//     web/ApacheWebClient.java @1b593923);
//   - .NET sends an empty body with Content-Type application/json
//     (bill-payments-dotnet-sdk Web/NetClient.cs @9796a134 StringContent(entityOpt ?? ""));
//   - PHP sends neither body nor Content-Type (bill-payments-php-sdk src/BillPayments.php @631db8e1).
func TestOfficialSDKBodilessRequestsPass(t *testing.T) {
	j := judge(t)
	refundAnswer := `{"refundId":"r1","amount":{"value":"1.00","currency":"RUB"},"dateTime":"2018-07-12T10:34:02.191+03:00","status":"PARTIAL"}`
	calls := []struct {
		method, path, answer string
	}{
		{http.MethodGet, "/partner/bill/v1/bills/b1", billAnswer},
		{http.MethodPost, "/partner/bill/v1/bills/b1/reject", strings.Replace(billAnswer, "WAITING", "REJECTED", 1)},
		{http.MethodGet, "/partner/bill/v1/bills/b1/refunds/r1", refundAnswer},
	}
	sdks := []struct {
		name, contentType, body string
	}{
		{"node", "application/json;charset=UTF-8", "null"},
		{"java", "application/json; charset=UTF-8", ""},
		{"dotnet", "application/json", ""},
		{"php", "", ""},
	}
	for _, c := range calls {
		for _, sdk := range sdks {
			h := http.Header{"Authorization": {"Bearer " + fixture.Redacted}, "Accept": {"application/json"}}
			if sdk.contentType != "" {
				h.Set("Content-Type", sdk.contentType)
			}
			in := fixture.Interaction{Name: sdk.name, Kind: fixture.API,
				Request:  fixture.Request{Method: c.method, URL: c.path, Header: h, Body: sdk.body},
				Response: jsonAnswer(200, c.answer)}
			r := j.Judge(context.Background(), in)
			warnsOnly(t, r, sdk.name+" "+c.method+" "+c.path)
			assert.NotContains(t, messages(r), "EOF", "no misleading decode error")
		}
	}
	// Any other body on an operation that takes none is wrong, and the message quotes it.
	in := fixture.Interaction{Name: "object", Kind: fixture.API,
		Request:  fixture.Request{Method: http.MethodPost, URL: "/partner/bill/v1/bills/b1/reject", Header: auth(), Body: `{"reason":"x"}`},
		Response: jsonAnswer(200, billAnswer)}
	r := j.Judge(context.Background(), in)
	assert.False(t, r.Passed(false), messages(r))
	assert.Contains(t, messages(r), `body "{\"reason\":\"x\"}" on an operation that takes none`)
}

// A body the judge cannot read is named in the message: quoted, cut, and scrubbed of
// secrets by the fixture scrubber.
func TestUnreadableBodiesAreQuoted(t *testing.T) {
	j := judge(t)
	r := j.Judge(context.Background(), refund("/partner/payin/v1/sites/test-01/payments/p1/refunds/r1", `{"amount":{"value":5.00,"currency":"RUB"}`))
	assert.False(t, r.Passed(false))
	assert.Contains(t, messages(r), `fail spec: request: body "{\"amount\":{\"value\":5.00,\"currency\":\"RUB\"}" is not JSON: unexpected EOF`)

	card := "pan=4256000000000003&cvv=123 " + strings.Repeat("x", 300)
	in := refund("/partner/payin/v1/sites/test-01/payments/p1/refunds/r1", `{"amount":{"value":5.00,"currency":"RUB"}}`)
	in.Response = jsonAnswer(200, card)
	r = j.Judge(context.Background(), in)
	msg := messages(r)
	assert.False(t, r.Passed(false))
	assert.Contains(t, msg, `response 200: body "pan=REDACTED&cvv=REDACTED xxx`)
	assert.Contains(t, msg, "… (329 bytes)")
	assert.NotContains(t, msg, "4256000000000003")
}

// A null for an optional request member is a warning naming the member; a null for a
// required one fails. Evidence (docs/briefs evidence-20 §2): the .NET SDK writes every unset
// member as null (QIWI-API/bill-payments-dotnet-sdk Qiwi.BillPayments/Model/In/CustomFields.cs
// @696b82f6 themeCode, Model/In/CreateBillRequest.cs @21fa5a70 comment, customer,
// Model/In/Customer.cs @696b82f6; Client/BillPaymentsClient.cs @ed6809b6 CreateBill always
// builds customFields), the Java SDK "customer": null and "CHECKOUT_REFERER": null
// (bill-payments-java-sdk json/ObjectMapperFactory.java @9daeb534, default inclusion;
// src/test/.../BillPaymentsSdkTest.java @4b32cc36 newBillInfo passes a null customer).
func TestNullOptionalRequestMembersWarn(t *testing.T) {
	j := judge(t)
	create := func(body string) fixture.Interaction {
		return fixture.Interaction{Name: "create", Kind: fixture.API,
			Request:  fixture.Request{Method: http.MethodPut, URL: "/partner/bill/v1/bills/b1", Header: auth(), Body: body},
			Response: jsonAnswer(200, billAnswer)}
	}
	dotnet := `{"amount":{"value":"1.00","currency":"RUB"},"comment":null,"expirationDateTime":"2018-03-02T08:44:07.000+03:00",` +
		`"customer":{"email":null,"account":null,"phone":null},"customFields":{"themeCode":null,"apiClient":"dotnet_sdk","apiClientVersion":"0.1"}}`
	java := `{"amount":{"value":"1.00","currency":"RUB"},"comment":null,"expirationDateTime":"2018-03-02T08:44:07+03:00",` +
		`"customer":null,"customFields":{"apiClient":"java_sdk","apiClientVersion":"1.0","CHECKOUT_REFERER":null,"themeCode":null}}`
	for name, c := range map[string]struct {
		body     string
		pointers []string
	}{
		"dotnet": {dotnet, []string{"/comment", "/customer/email", "/customer/account", "/customer/phone", "/customFields/themeCode"}},
		"java":   {java, []string{"/comment", "/customer", "/customFields/CHECKOUT_REFERER", "/customFields/themeCode"}},
	} {
		r := j.Judge(context.Background(), create(c.body))
		warnsOnly(t, r, name)
		warned := map[string]bool{}
		for _, f := range r.Findings {
			if f.Verdict == "spec" {
				warned[f.Pointer] = true
			}
		}
		for _, p := range c.pointers {
			assert.True(t, warned[p], "%s: a warning names %s:\n%s", name, p, messages(r))
		}
	}
	// Required members stay required: the Java SDK's negative test sends "amount": null and
	// expects QIWI's 422 (BillPaymentsSdkNegativeScenariosTest.java @1b593923 testCreateIncorrectBill).
	r := j.Judge(context.Background(), create(`{"amount":null,"expirationDateTime":"2018-03-02T08:44:07+03:00"}`))
	assert.False(t, r.Passed(false), messages(r))
	assert.Contains(t, messages(r), "fail spec: /amount: request:")
}

// The Bill Payments refund answer is read with either spelling of its timestamp and
// re-encoded as received (docs/briefs evidence-20 §3): the pages write "datetime"
// (bill-payments/bill-payments_en.html.md lines 873, 987), every official SDK reads "dateTime"
// (bill-payments-java-sdk src/main/java/com/qiwi/billpayments/sdk/model/out/RefundResponse.java
// @9daeb534; bill-payments-dotnet-sdk Qiwi.BillPayments/Model/Out/RefundResponse.cs @9796a134).
func TestBillRefundTimestampEitherSpelling(t *testing.T) {
	j := judge(t)
	for _, member := range []string{"dateTime", "datetime"} {
		answer := `{"refundId":"r1","amount":{"value":"1.00","currency":"RUB"},"` + member + `":"2018-03-01T16:06:57+03","status":"FULL"}`
		for _, method := range []string{http.MethodPut, http.MethodGet} {
			in := fixture.Interaction{Name: member, Kind: fixture.API,
				Request:  fixture.Request{Method: method, URL: "/partner/bill/v1/bills/b1/refunds/r1", Header: auth()},
				Response: jsonAnswer(200, answer)}
			if method == http.MethodPut {
				in.Request.Body = `{"amount":{"value":"1.00","currency":"RUB"}}`
			}
			r := j.Judge(context.Background(), in)
			assert.Empty(t, r.Findings, "%s %s:\n%s", method, member, messages(r))
		}
	}
}

// An error answer that is no error object (a 401 without a body or Content-Type, a gateway's
// page on a 5xx) passes with a warning; the client matches it by its status. Evidence
// (docs/briefs evidence-20 §4): QIWI-API/bill-payments-java-sdk
// src/test/java/com/qiwi/billpayments/sdk/BillPaymentsSdkNegativeScenariosTest.java @1b593923
// testClientWithIncorrectSecretKey (a 401 whose body is no readable error object) and
// testCreateIncorrectBill (the same for a 422); the spec's ClientError ("A 401 may come with
// an empty body").
func TestErrorAnswersWithoutAnErrorObject(t *testing.T) {
	j := judge(t)
	for _, path := range []string{"/partner/bill/v1/bills/b1", "/partner/payin/v1/sites/test-01/payments/p1"} {
		for _, resp := range []fixture.Response{
			{Status: 401, Header: http.Header{}},
			{Status: 401, Header: http.Header{"Content-Type": {"text/html"}}, Body: "<html><body>401 Authorization Required</body></html>"},
			{Status: 401, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"message":"Unauthorized"}`},
			{Status: 422, Header: http.Header{}},
			{Status: 500, Header: http.Header{}},
			{Status: 502, Header: http.Header{"Content-Type": {"text/html"}}, Body: "<html>Bad Gateway</html>"},
		} {
			in := fixture.Interaction{Name: "error", Kind: fixture.API,
				Request: fixture.Request{Method: http.MethodGet, URL: path, Header: auth()}, Response: &resp}
			r := j.Judge(context.Background(), in)
			name := path + " " + http.StatusText(resp.Status) + " " + resp.Body
			warnsOnly(t, r, name)
			require.NotEmpty(t, r.Findings, name)
			assert.Contains(t, messages(r), "the body is not QIWI's error object", name)
		}
	}
	// QIWI's error object at 401 has no warning; a 400 page is still wrong.
	in := fixture.Interaction{Name: "error", Kind: fixture.API,
		Request:  fixture.Request{Method: http.MethodGet, URL: "/partner/bill/v1/bills/b1", Header: auth()},
		Response: jsonAnswer(401, `{"serviceName":"invoicing","errorCode":"auth.unauthorized","description":"","userMessage":"","datetime":"2018-04-09T18:31:42+03:00","traceId":""}`)}
	r := j.Judge(context.Background(), in)
	assert.Empty(t, r.Findings, messages(r))
	in.Response = &fixture.Response{Status: 400, Header: http.Header{"Content-Type": {"text/html"}}, Body: "<html>Bad Request</html>"}
	assert.False(t, j.Judge(context.Background(), in).Passed(false))
}
