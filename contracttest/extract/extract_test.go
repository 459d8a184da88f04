package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/spec"
	"github.com/qiwigen/qiwigen/spec/spectest"
)

const declaredSection = "## Refund status {#refund_status}\n\n" +
	"<script>\n window.requestUI(\n data,\n \"api\",\n \"payin/v1/sites/{siteId}/payments/{paymentId}/refunds/{refundId}\",\n \"get\",\n [])\n</script>\n\n" +
	"<!-- Request body -->\n~~~http\nGET /partner/payin/v1/sites/test-01/payments/1811/refunds/r1 HTTP/1.1\nAuthorization: Bearer x\nHost: b2b-api.qiwi.com\n\n{\"oops\": 1}\n~~~\n\n" +
	"<!-- 200 -->\n~~~json\nSuccessful response\n{\"refundId\": \"r1\", \"refundId\": \"r2\"}\n~~~\n\n" +
	"<!-- 4xx -->\n~~~json\n{\"errorCode\": \"payin.resource.not.found\"}\n~~~\n\n" +
	"<!-- 5xx -->\n~~~json\n{\"errorCode\": \"internal.error\"}\n\nSecond example\n{}\n~~~\n"

func TestDeclaredSection(t *testing.T) {
	ins := Page(docs.Parse("ref.md", []byte(declaredSection)), "ref.md", nil, nil)
	require.Len(t, ins, 3)
	ok, notFound, server := ins[0], ins[1], ins[2]

	assert.Equal(t, fixture.API, ok.Kind)
	assert.Equal(t, "GET", ok.Request.Method)
	assert.Equal(t, "/partner/payin/v1/sites/test-01/payments/1811/refunds/r1", ok.Request.URL)
	assert.Equal(t, "Bearer x", ok.Request.Header.Get("Authorization"))
	assert.Equal(t, fixture.Provenance{Source: "docs", File: "ref.md", Line: 22, Anchor: "refund_status"}, ok.Provenance)
	assert.Equal(t, 200, ok.Response.Status)
	assert.Equal(t, `{"refundId": "r1", "refundId": "r2"}`, ok.Response.Body, "captions are not part of the body; nothing is repaired")
	assert.Contains(t, ok.Defects, "a GET request with a body")
	assert.Contains(t, ok.Defects, "duplicate keys: /refundId")

	assert.Equal(t, 404, notFound.Response.Status, "a 4xx example's status comes from its error code")
	assert.Equal(t, []string{"a GET request with a body"}, notFound.Defects, "request defects stay with every answer")
	assert.Contains(t, jsonDefects("{\"a\": 1 // one\n}"), "comments inside JSON")
	assert.Equal(t, 500, server.Response.Status)
	assert.Contains(t, server.Defects, "more than one JSON value (prose or a second example in the block)")
}

func TestExchangeAndProse(t *testing.T) {
	page := "Send a POST request to complete the token issuance to the URL https://api.qiwi.com/partner/payin-tokenization-api/v1/sites/{siteId}/token-requests/complete after...\n" +
		"    PUT /partner/payin-tokenization-api/v1/sites/test-01/token-requests/complete HTTP/1.1\n    Authorization: Bearer k\n    \n    {\n        \"requestId\": \"a\"\n    }\n    \n" +
		"    HTTP/1.1 200 OK\n    Content-Type: application/json\n    \n    {\n        \"requestId\": \"a\",\n        \"status\": {\"value\": \"CREATED\"}\n    }\n"
	ins := Page(docs.Parse("site.txt", []byte(page)), "site.txt", nil, nil)
	require.Len(t, ins, 1)
	in := ins[0]
	assert.Equal(t, "PUT", in.Request.Method)
	assert.JSONEq(t, `{"requestId":"a"}`, in.Request.Body)
	assert.Equal(t, 200, in.Response.Status)
	assert.JSONEq(t, `{"requestId":"a","status":{"value":"CREATED"}}`, in.Response.Body)
	assert.Equal(t, []string{"the example sends PUT; the text at line 1 says POST"}, in.Defects)
}

func TestNotificationsGetTheirVector(t *testing.T) {
	page := "## PAYMENT {#payment-callback}\n\n~~~json\n{\"payment\": {\"paymentId\": \"p1\"}, \"type\": \"PAYMENT\", \"version\": \"1\"}\n~~~\n\n~~~json\n{\"payment\": {\"paymentId\": \"p2\"}, \"type\": \"PAYMENT\", \"version\": \"1\"}\n~~~\n"
	notes, err := Declarations(spec.Resolved)
	require.NoError(t, err)
	ins := Page(docs.Parse("n.md", []byte(page)), "n.md", notes, []Vector{{Type: "PAYMENT", Source: "n.md#payment-callback", Secret: "s", Signature: "abc"}})
	require.Len(t, ins, 2)
	assert.Equal(t, fixture.Notification, ins[0].Kind)
	assert.Equal(t, "s", ins[0].Secret)
	assert.Equal(t, "abc", ins[0].Request.Header.Get("Signature"))
	assert.Empty(t, ins[1].Secret, "a vector describes the section's first example only")
}

// A notification type only the spec names is extracted like the others, a defective example
// of it too, and its vector's signature goes in the header the spec declares for it; the Bill
// Payments notification, which has no type member, is known by its declared members.
func TestAnExtraNotificationTypeIsExtracted(t *testing.T) {
	data, err := spectest.WithSettlement()
	require.NoError(t, err)
	notes, err := Declarations(data)
	require.NoError(t, err)
	page := "## SETTLEMENT {#settlement-callback}\n\n" +
		"~~~json\n{\"settlement\": {\"settlementId\": \"s1\"}, \"type\": \"SETTLEMENT\", \"version\": \"1\"}\n~~~\n\n" +
		"~~~json\n{\"settlement\": {\"settlementId\": \"s2\",}, \"type\": \"SETTLEMENT\", \"version\": \"1\"}\n~~~\n\n" +
		"## Bill {#bill-callback}\n\n~~~json\n{\"bill\": {\"billId\": \"b1\"}, \"version\": \"1\"}\n~~~\n"
	vectors := []Vector{
		{Type: spectest.SettlementType, Source: "n.md#settlement-callback", Secret: "s", Signature: "abc"},
		{Type: "BILL", Source: "n.md#bill-callback", Secret: "b", Signature: "def"},
	}
	ins := Page(docs.Parse("n.md", []byte(page)), "n.md", notes, vectors)
	require.Len(t, ins, 3)
	for _, in := range ins {
		assert.Equal(t, fixture.Notification, in.Kind, in.Name)
	}
	assert.Equal(t, "SETTLEMENT notification (n.md#settlement-callback)", ins[0].Name)
	assert.Equal(t, "abc", ins[0].Request.Header.Get(spectest.SettlementHeader))
	assert.Empty(t, ins[0].Request.Header.Get("Signature"))
	assert.Equal(t, "SETTLEMENT notification (n.md#settlement-callback)", ins[1].Name, "a defective example is known by its type member")
	assert.NotEmpty(t, ins[1].Defects)
	assert.Equal(t, "BILL notification (n.md#bill-callback)", ins[2].Name)
	assert.Equal(t, "def", ins[2].Request.Header.Get("X-Api-Signature-SHA256"))

	// Without the declaration, the defective example is not known as SETTLEMENT.
	ins = Page(docs.Parse("n.md", []byte(page)), "n.md", nil, nil)
	require.Len(t, ins, 1)
	assert.Equal(t, "SETTLEMENT notification (n.md#settlement-callback)", ins[0].Name)
}

func TestReadVectors(t *testing.T) {
	vs, err := ReadVectors("../../gen/qiwi/testdata/signatures.tsv")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(vs), 8)
	_, err = ReadVectors("extract_test.go")
	assert.Error(t, err)

	sig := strings.Repeat("ab", 32)
	for _, tt := range []struct{ name, line, want string }{
		{"too few columns", "PAYMENT\tsrc\tsecret", "v.tsv:2: want 5 tab-separated columns"},
		{"empty source", "PAYMENT\t \tsecret\ttext\t" + sig, "v.tsv:2: column 2 (source) is empty"},
		{"empty secret", "PAYMENT\tsrc\t\ttext\t" + sig, "v.tsv:2: column 3 (secret) is empty"},
		{"upper-case signature", "PAYMENT\tsrc\tsecret\ttext\t" + strings.ToUpper(sig), "v.tsv:2: column 5 (signature)"},
		{"short signature", "PAYMENT\tsrc\tsecret\ttext\tabc", "is not 64 lower-case hex digits"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "v.tsv")
			require.NoError(t, os.WriteFile(path, []byte("# header\n"+tt.line+"\n"), 0o644))
			_, err := ReadVectors(path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// FuzzPage: whatever a page holds, parsing and extraction never panic and every fixture
// they produce is well formed.
func FuzzPage(f *testing.F) {
	f.Add(declaredSection)
	f.Add("curl https://api.qiwi.com/partner/bill/v1/bills/1 -X PUT -d '{\n\"a\":1")
	f.Add("GET /partner/payin/v1/sites/s/payments/p HTTP/1.1\n\n{\nHTTP/1.1 200 OK\n\n[")
	f.Add("| a | b |\n|---|---|\n| 1 |\n")
	f.Add("window.requestUI(\n\"x\"")
	f.Fuzz(func(t *testing.T, page string) {
		p := docs.Parse("f.md", []byte(page))
		for _, in := range Page(p, "f.md", nil, nil) {
			if in.Request.Method == "" || in.Request.URL == "" {
				t.Fatalf("fixture without method or URL: %+v", in)
			}
			if in.Kind == fixture.API && in.Response == nil {
				t.Fatalf("api fixture without response: %+v", in)
			}
		}
	})
}

// A folder without a page, or whose pages hold no example, is an error: writing an empty
// fixture file would let replay refuse it later, far from the cause.
func TestDirWithoutExamples(t *testing.T) {
	empty := t.TempDir()
	_, err := Dir(empty, nil, nil)
	require.ErrorIs(t, err, ErrNoExamples)
	assert.ErrorContains(t, err, empty+": no examples: no documentation page (*.md, *.md.erb, *.txt) under it")

	prose := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(prose, "about.md"), []byte("# About\n\nNo examples here.\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(prose, "notes.html"), []byte("<p>not a page</p>"), 0o644))
	_, err = Dir(prose, nil, nil)
	require.ErrorIs(t, err, ErrNoExamples)
	assert.ErrorContains(t, err, prose+": no examples: 1 pages read, none holds a request, response or notification example")
}
