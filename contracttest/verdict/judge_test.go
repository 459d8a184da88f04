package verdict_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/spec"
)

func judge(t *testing.T) *verdict.Judge {
	t.Helper()
	j, err := verdict.New(spec.Resolved)
	require.NoError(t, err)
	return j
}

func auth() http.Header {
	return http.Header{"Authorization": {"Bearer " + fixture.Redacted}, "Content-Type": {"application/json"}}
}

const refundAnswer = `{"refundId":"r1","createdDateTime":"2024-03-20T16:29:58+03:00","amount":{"currency":"RUB","value":"5.00"},"status":{"value":"COMPLETED","changedDateTime":"2024-03-20T16:29:58+03:00"}}`

func refund(path, body string) fixture.Interaction {
	return fixture.Interaction{Name: "refund", Kind: fixture.API,
		Request:  fixture.Request{Method: http.MethodPut, URL: path, Header: auth(), Body: body},
		Response: &fixture.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: refundAnswer}}
}

func messages(r verdict.Result) string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, string(f.Severity)+" "+f.String())
	}
	return strings.Join(out, "\n")
}

// Identifiers holding %, space, +, Cyrillic and other reserved characters reach the
// replayed client decoded, and it escapes them once: the recording replays clean.
func TestReplayEscapesPathParametersOnce(t *testing.T) {
	j := judge(t)
	for _, id := range []string{"a b", "100%", "x+y", "счёт-1", "a?b#c", "a/b", "~._-"} {
		path := "/partner/payin/v1/sites/" + url.PathEscape(id+"-site") + "/payments/" + url.PathEscape(id) + "/refunds/" + url.PathEscape(id+"-r")
		r := j.Judge(context.Background(), refund(path, `{"amount":{"value":5.00,"currency":"RUB"}}`))
		assert.True(t, r.Passed(true), "%q:\n%s", id, messages(r))
		assert.Equal(t, "createRefund", r.Operation, id)
	}
}

// A path identifier's maxLength counts the identifier, not its escaped form in the URL: 200
// characters are within paymentId's 200 however many of them need escaping, 201 are not.
func TestPathMaxLengthCountsTheUnescapedValue(t *testing.T) {
	j := judge(t)
	for _, id := range []string{strings.Repeat("a b/", 50), strings.Repeat("счёт", 50), strings.Repeat("a", 200)} {
		require.Equal(t, 200, len([]rune(id)))
		path := "/partner/payin/v1/sites/test-01/payments/" + url.PathEscape(id) + "/refunds/r1"
		r := j.Judge(context.Background(), refund(path, `{"amount":{"value":5.00,"currency":"RUB"}}`))
		assert.True(t, r.Passed(true), "%q:\n%s", id, messages(r))
	}
	for _, id := range []string{strings.Repeat("a b/", 50) + "c", strings.Repeat("a", 201)} {
		path := "/partner/payin/v1/sites/test-01/payments/" + url.PathEscape(id) + "/refunds/r1"
		r := j.Judge(context.Background(), refund(path, `{"amount":{"value":5.00,"currency":"RUB"}}`))
		assert.False(t, r.Passed(false), "%q: 201 characters", id)
		assert.Contains(t, messages(r), "paymentId", id)
	}
}

// One policy for undocumented members in both verdicts: a warning, a failure with --strict.
func TestUndocumentedRequestMemberWarns(t *testing.T) {
	r := judge(t).Judge(context.Background(), refund("/partner/payin/v1/sites/test-01/payments/p1/refunds/r1",
		`{"amount":{"value":5.00,"currency":"RUB"},"loyaltyPoints":12}`))
	assert.True(t, r.Passed(false), messages(r))
	assert.False(t, r.Passed(true), "strict fails it")
	for _, f := range r.Findings {
		assert.Equal(t, verdict.Warn, f.Severity, f.String())
		assert.True(t, f.Undocumented, f.String())
	}
	assert.NotEmpty(t, r.Findings)
}

// One request amount rule per API, as the spec declares it (Money's x-qiwi-request-amount):
// the payin API refuses an amount without exactly two fraction digits (OnlinetoursGit/qiwi-kassa
// spec/fixtures/qiwi/resources/bills/create_validation_error.json @6679d9f0: "Invalid money
// format. Should have 2 fraction digits" for the 3.0 its spec/qiwi/kassa_api_spec.rb sends); the
// Bill Payments API takes up to two (bill-payments/bill-payments_en.html.md line 798, the refund
// example's "value": 1; its SDKs send "1.00").
func TestRequestAmountsFollowTheirAPIsRule(t *testing.T) {
	j := judge(t)
	for body, ok := range map[string]bool{
		`{"amount":{"value":5.00,"currency":"RUB"}}`:   true,
		`{"amount":{"value":"5.00","currency":"RUB"}}`: true,
		`{"amount":{"value":5,"currency":"RUB"}}`:      false,
		`{"amount":{"value":5.5,"currency":"RUB"}}`:    false,
		`{"amount":{"value":3.0,"currency":"RUB"}}`:    false,
		`{"amount":{"value":"5","currency":"RUB"}}`:    false,
	} {
		r := j.Judge(context.Background(), refund("/partner/payin/v1/sites/test-01/payments/p1/refunds/r1", body))
		assert.Equal(t, ok, r.Passed(false), "%s:\n%s", body, messages(r))
		if !ok {
			assert.Contains(t, messages(r), "fail spec: /amount/value: request: amount")
		}
	}
	billRefund := `{"refundId":"r1","amount":{"value":"1.00","currency":"RUB"},"dateTime":"2018-03-01T16:06:57+03","status":"PARTIAL"}`
	for body, ok := range map[string]bool{
		`{"amount":{"value":1,"currency":"RUB"}}`:       true,
		`{"amount":{"value":"1.00","currency":"RUB"}}`:  true,
		`{"amount":{"value":50.5,"currency":"RUB"}}`:    true,
		`{"amount":{"value":3.0,"currency":"RUB"}}`:     true,
		`{"amount":{"value":1.005,"currency":"RUB"}}`:   false,
		`{"amount":{"value":"1.500","currency":"RUB"}}`: false,
	} {
		in := refund("/partner/bill/v1/bills/b1/refunds/r1", body)
		in.Response.Body = billRefund
		r := j.Judge(context.Background(), in)
		assert.Equal(t, ok, r.Passed(true), "bill %s:\n%s", body, messages(r))
	}
}

// A request timestamp the client writes with another precision or offset, the same
// instant, is the same request.
func TestRequestTimestampsCompareByInstant(t *testing.T) {
	answer := `{"billId":"b1","amount":{"value":"100.00","currency":"RUB"},"status":{"value":"CREATED","changedDateTime":"2024-03-05T11:27:41"}}`
	for _, ts := range []string{"2024-03-13T14:30:00+03:00", "2024-03-13T14:30:00.120+03:00", "2024-03-13T14:30:00", "2024-03-13T11:30:00Z", "2024-03-13T14:30:00+03"} {
		in := fixture.Interaction{Name: "invoice", Kind: fixture.API,
			Request: fixture.Request{Method: http.MethodPut, URL: "/partner/payin/v1/sites/test-01/bills/b1", Header: auth(),
				Body: `{"amount":{"value":100.00,"currency":"RUB"},"expirationDateTime":"` + ts + `"}`},
			Response: &fixture.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: answer}}
		r := judge(t).Judge(context.Background(), in)
		assert.True(t, r.Passed(true), "%s:\n%s", ts, messages(r))
	}
}

// The wire fixes through the verdicts: a payment request's splits are paymentSplits (a
// "splits" member is undocumented there), and an RRN sent as a number is a notification
// the models accept.
func TestWireFixesThroughTheVerdicts(t *testing.T) {
	j := judge(t)
	answer := `{"paymentId":"p1","amount":{"value":"500.00","currency":"RUB"},"status":{"value":"COMPLETED"}}`
	split := `[{"type":"MERCHANT_DETAILS","siteUid":"shop-01","splitAmount":{"value":500.00,"currency":"RUB"}}]`
	for member, strictOK := range map[string]bool{"paymentSplits": true, "splits": false} {
		in := fixture.Interaction{Name: "payment", Kind: fixture.API,
			Request: fixture.Request{Method: http.MethodPut, URL: "/partner/payin/v1/sites/test-01/payments/p1", Header: auth(),
				Body: `{"amount":{"value":500.00,"currency":"RUB"},"paymentMethod":{"type":"TOKEN","paymentToken":"t"},"` + member + `":` + split + `}`},
			Response: &fixture.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: answer}}
		r := j.Judge(context.Background(), in)
		assert.Equal(t, strictOK, r.Passed(true), "%s:\n%s", member, messages(r))
	}
	for _, rrn := range []string{`"001239598011"`, `123`, `null`} {
		body := `{"payment":{"paymentId":"p1","createdDateTime":"2022-08-05T11:34:42+03:00","amount":{"value":5,"currency":"RUB"},"status":{"value":"SUCCESS"},"paymentMethod":{"type":"CARD","rrn":` + rrn + `,"authCode":` + rrn + `}},"type":"PAYMENT","version":"1"}`
		r := j.Judge(context.Background(), fixture.Interaction{Name: "n", Kind: fixture.Notification,
			Request: fixture.Request{Method: http.MethodPost, URL: "/notifications", Body: body}})
		assert.True(t, r.Passed(true), "rrn %s:\n%s", rrn, messages(r))
	}
}
