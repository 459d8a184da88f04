package contracttest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
)

// call is a recorded API call with a JSON request and a 200 answer.
func call(method, url, body, answer string) fixture.Interaction {
	return fixture.Interaction{
		Name: method + " " + url, Kind: fixture.API,
		Request:  fixture.Request{Method: method, URL: url, Header: http.Header{"Authorization": {"Bearer k"}, "Content-Type": {"application/json"}}, Body: body},
		Response: &fixture.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: answer},
	}
}

// The request variants the docs state in prose and examples (the payin parameter tables are
// not in the published pages), enforced by the spec verdict.
func TestRequestVariants(t *testing.T) {
	j := theJudge(t)
	const invoiceURL = "/partner/payin/v1/sites/site-01/bills/892323232111"
	const invoiceAnswer = `{"siteId":"site-01","billId":"892323232111","amount":{"value":"0.00","currency":"RUB"},"status":{"value":"CREATED","changedDateTime":"2021-08-13T15:43:41"}}`
	const paymentURL = "/partner/payin/v1/sites/site-01/payments/p1"
	const cardCheckAnswer = `{"requestUid":"r1","status":"SUCCESS"}`
	const qrAnswer = `{"qrCodeUid":"Test12","qrCode":{"type":"DYNAMIC","ttl":60,"status":"CREATED"}}`
	const billAnswer = `{"billId":"b1","status":{"value":"WAITING"}}`
	const paymentAnswer = `{"paymentId":"p1","amount":{"value":"2.00","currency":"RUB"},"status":{"value":"WAITING"}}`
	for _, tc := range []struct {
		name   string
		in     fixture.Interaction
		passes bool
	}{
		// payments/_card-check_en.html.md lines 19-33, 90: a CHECK_CARD invoice carries no amount.
		{"card verification invoice without amount", call("PUT", invoiceURL,
			`{"expirationDateTime":"2023-09-14T14:30:00+03:00","customer":{"account":"test-123"},"flags":["CHECK_CARD","BIND_PAYMENT_TOKEN"]}`, invoiceAnswer), true},
		{"card verification invoice with an amount", call("PUT", invoiceURL,
			`{"amount":{"value":"1.00","currency":"RUB"},"expirationDateTime":"2023-09-14T14:30:00+03:00","flags":["CHECK_CARD"]}`, invoiceAnswer), false},
		// payments/_qiwi-form_en.html.md lines 252-254, 481: any other invoice needs amount.
		{"normal invoice without amount", call("PUT", invoiceURL,
			`{"expirationDateTime":"2023-09-14T14:30:00+03:00","flags":["SALE"]}`, invoiceAnswer), false},
		{"normal invoice without amount or flags", call("PUT", invoiceURL,
			`{"expirationDateTime":"2023-09-14T14:30:00+03:00"}`, invoiceAnswer), false},
		{"normal invoice", call("PUT", invoiceURL,
			`{"amount":{"value":"1.00","currency":"RUB"},"expirationDateTime":"2023-09-14T14:30:00+03:00","flags":["SALE"]}`, invoiceAnswer), true},
		// payments/_api-methods_en.html.md.erb lines 404-414: CARD sends pan and expiryDate.
		{"card payment without pan", call("PUT", paymentURL,
			`{"amount":{"value":"2.00","currency":"RUB"},"paymentMethod":{"type":"CARD","expiryDate":"12/29","cvv2":"123"}}`, paymentAnswer), false},
		{"card payment", call("PUT", paymentURL,
			`{"amount":{"value":"2.00","currency":"RUB"},"paymentMethod":{"type":"CARD","pan":"4256000000000003","expiryDate":"12/29","cvv2":"123"}}`, paymentAnswer), true},
		// payments/_merchant-form_en.html.md lines 320-323: TOKEN sends paymentToken.
		{"token payment without token", call("PUT", paymentURL,
			`{"amount":{"value":"2.00","currency":"RUB"},"paymentMethod":{"type":"TOKEN"}}`, paymentAnswer), false},
		{"token payment", call("PUT", paymentURL,
			`{"amount":{"value":"2.00","currency":"RUB"},"paymentMethod":{"type":"TOKEN","paymentToken":"t"}}`, paymentAnswer), true},
		{"payment with a type no page documents", call("PUT", paymentURL,
			`{"amount":{"value":"2.00","currency":"RUB"},"paymentMethod":{"type":"QIWI_WALLET"}}`, paymentAnswer), true},
		// payments/_card-check_en.html.md line 211: PAN, expiry date and CVV2 are required
		// (line 213: unless QIWI support reconfigured the site).
		{"card verification without cvv2", call("PUT", "/partner/payin/v1/sites/site-01/validation/card/requests/r1",
			`{"cardData":{"pan":"4256000000000003","expiryDate":"12/29"}}`, cardCheckAnswer), false},
		{"card verification", call("PUT", "/partner/payin/v1/sites/site-01/validation/card/requests/r1",
			`{"cardData":{"pan":"4256000000000003","expiryDate":"12/29","cvv2":"123"}}`, cardCheckAnswer), true},
		// payments/_merchant-form_en.html.md lines 419-426: a DYNAMIC QR code has an amount, and
		// the POST names the code (qrCodeUid); _payment-token_en.html.md lines 108-121: a TOKEN
		// code has tokenizationAccount and no amount.
		{"POST QR code without qrCodeUid", call("POST", "/partner/payin/v1/sites/site-01/sbp/qrCodes",
			`{"amount":{"value":"1.00","currency":"RUB"},"qrCode":{"type":"DYNAMIC","ttl":60}}`, qrAnswer), false},
		{"DYNAMIC QR code without amount", call("POST", "/partner/payin/v1/sites/site-01/sbp/qrCodes",
			`{"qrCodeUid":"Test12","qrCode":{"type":"DYNAMIC","ttl":60}}`, qrAnswer), false},
		{"DYNAMIC QR code", call("POST", "/partner/payin/v1/sites/site-01/sbp/qrCodes",
			`{"qrCodeUid":"Test12","amount":{"value":"1.00","currency":"RUB"},"qrCode":{"type":"DYNAMIC","ttl":60}}`, qrAnswer), true},
		{"PUT DYNAMIC QR code, the path naming it", call("PUT", "/partner/payin/v1/sites/site-01/sbp/qrCodes/Test12",
			`{"amount":{"value":"1.00","currency":"RUB"},"qrCode":{"type":"DYNAMIC","ttl":60}}`, qrAnswer), true},
		{"TOKEN QR code without tokenizationAccount", call("POST", "/partner/payin/v1/sites/site-01/sbp/qrCodes",
			`{"qrCodeUid":"Test123","qrCode":{"type":"TOKEN"},"flags":["CREATE_TOKEN"]}`, qrAnswer), false},
		{"TOKEN QR code", call("POST", "/partner/payin/v1/sites/site-01/sbp/qrCodes",
			`{"qrCodeUid":"Test123","qrCode":{"type":"TOKEN"},"tokenizationAccount":"3e2322","flags":["CREATE_TOKEN"]}`, qrAnswer), true},
		// bill-payments/bill-payments_en.html.md line 230: customFields[] String(255).
		{"bill with a 256-character custom field", call("PUT", "/partner/bill/v1/bills/b1",
			`{"amount":{"value":"1.00","currency":"RUB"},"expirationDateTime":"2018-04-13T14:30:00+03:00","customFields":{"cf1":"`+strings.Repeat("x", 256)+`"}}`, billAnswer), false},
		{"bill with a 256-character theme code", call("PUT", "/partner/bill/v1/bills/b1",
			`{"amount":{"value":"1.00","currency":"RUB"},"expirationDateTime":"2018-04-13T14:30:00+03:00","customFields":{"themeCode":"`+strings.Repeat("x", 256)+`"}}`, billAnswer), false},
		{"bill with a 255-character custom field", call("PUT", "/partner/bill/v1/bills/b1",
			`{"amount":{"value":"1.00","currency":"RUB"},"expirationDateTime":"2018-04-13T14:30:00+03:00","customFields":{"cf1":"`+strings.Repeat("x", 255)+`"}}`, billAnswer), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := j.Judge(context.Background(), tc.in)
			assert.Equal(t, tc.passes, res.Passed(false), "%v", res.Findings)
		})
	}
	// The variants refine the model's own members: an unknown member is still undocumented
	// in strict mode, and the members a variant does not repeat are not.
	res := j.Judge(context.Background(), call("PUT", invoiceURL,
		`{"amount":{"value":"1.00","currency":"RUB"},"expirationDateTime":"2023-09-14T14:30:00+03:00","comment":"c","surprise":1}`, invoiceAnswer))
	assert.True(t, res.Passed(false), "%v", res.Findings)
	var undocumented []string
	for _, f := range res.Findings {
		if f.Undocumented {
			undocumented = append(undocumented, f.Pointer)
		}
	}
	assert.Contains(t, undocumented, "/surprise")
	assert.NotContains(t, undocumented, "/comment")
	assert.NotContains(t, undocumented, "/amount")
}
