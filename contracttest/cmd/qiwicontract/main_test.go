package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/drift"
	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/internal/syncbuf"
	"github.com/qiwigen/qiwigen/contracttest/sandbox"
	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/spec"
)

// A HAR file with one good and one bad interaction: exit 1, "1 passed, 1 failed", and a
// JUnit file that counts one failure.
func TestReplayHAR(t *testing.T) {
	good := fixture.Interaction{
		Name: "capture status", Kind: fixture.API,
		Request: fixture.Request{Method: http.MethodGet, URL: "/partner/payin/v1/sites/test-01/payments/1811/captures/bxwd8096",
			Header: http.Header{"Authorization": {"Bearer REDACTED"}, "Accept": {"application/json"}}},
		Response: &fixture.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: `{"captureId":"bxwd8096","createdDateTime":"2024-03-20T16:29:58.96+03:00","amount":{"currency":"RUB","value":"6.77"},"status":{"value":"COMPLETED","changedDateTime":"2024-03-20T16:29:58.963+03:00"}}`},
	}
	bad := good
	bad.Name = "capture status with an amount that is no number"
	bad.Response = &fixture.Response{Status: 200, Header: good.Response.Header,
		Body: `{"captureId":"bxwd8096","amount":{"currency":"RUB","value":"six"},"status":{"value":"COMPLETED"}}`}
	har, err := fixture.MarshalHAR("https://b2b-api.qiwi.com", []fixture.Interaction{good, bad})
	require.NoError(t, err)
	dir := t.TempDir()
	harPath := filepath.Join(dir, "traffic.har")
	require.NoError(t, os.WriteFile(harPath, har, 0o644))
	junitPath := filepath.Join(dir, "junit.xml")
	mdPath := filepath.Join(dir, "summary.md")

	var stdout, stderr bytes.Buffer
	status := run(context.Background(), []string{"replay", "--junit", junitPath, "--markdown", mdPath, harPath}, &stdout, &stderr)
	assert.Equal(t, 1, status, stderr.String())
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	assert.Equal(t, "1 passed, 1 failed", lines[len(lines)-1])
	assert.Contains(t, stdout.String(), "PASS   GET /partner/payin/v1/sites/test-01/payments/1811/captures/bxwd8096 (capture status)")
	assert.Contains(t, stdout.String(), "FAIL   GET")
	assert.Contains(t, stdout.String(), "/amount/value")

	data, err := os.ReadFile(junitPath)
	require.NoError(t, err)
	var suite struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Cases    []struct {
			Failure *struct{} `xml:"failure"`
		} `xml:"testcase"`
	}
	require.NoError(t, xml.Unmarshal(data, &suite))
	assert.Equal(t, 2, suite.Tests)
	assert.Equal(t, 1, suite.Failures)
	assert.Nil(t, suite.Cases[0].Failure)
	assert.NotNil(t, suite.Cases[1].Failure)

	md, err := os.ReadFile(mdPath)
	require.NoError(t, err)
	assert.Contains(t, string(md), "1 passed, 1 failed")
	assert.Contains(t, string(md), "| getCapture |")

	// Only the good one: exit 0.
	har, err = fixture.MarshalHAR("https://b2b-api.qiwi.com", []fixture.Interaction{good})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(harPath, har, 0o644))
	stdout.Reset()
	assert.Equal(t, 0, run(context.Background(), []string{"replay", harPath}, &stdout, &stderr))
	assert.True(t, strings.HasSuffix(stdout.String(), "1 passed, 0 failed\n"))
}

func TestUndocumentedFieldsWarnUnlessStrict(t *testing.T) {
	in := fixture.Interaction{
		Name: "refund with a field QIWI added", Kind: fixture.API,
		Request: fixture.Request{Method: http.MethodGet, URL: "/partner/payin/v1/sites/test-01/payments/1811/refunds/r1",
			Header: http.Header{"Authorization": {"Bearer REDACTED"}}},
		Response: &fixture.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: `{"refundId":"r1","status":{"value":"FROZEN"},"brandNewField":"x"}`},
	}
	path := filepath.Join(t.TempDir(), "drift.json")
	require.NoError(t, fixture.Write(path, []fixture.Interaction{in}))
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 0, run(context.Background(), []string{"replay", path}, &stdout, &stderr), stdout.String())
	assert.Contains(t, stdout.String(), "WARN")
	assert.Contains(t, stdout.String(), "/brandNewField")
	assert.Contains(t, stdout.String(), `/status/value: response 200: value "FROZEN" is not among the documented values`)
	stdout.Reset()
	assert.Equal(t, 1, run(context.Background(), []string{"replay", "--strict", path}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), "0 passed, 1 failed")
}

func TestUsageAndUnreadableInput(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.json")
	require.NoError(t, os.WriteFile(broken, []byte("{\n  \"interactions\": [\n    {\"name\": \"x\",\n"), 0o644))
	notHAR := filepath.Join(dir, "x.har")
	require.NoError(t, os.WriteFile(notHAR, []byte(`{"nolog": true}`), 0o644))
	tests := []struct {
		args   []string
		status int
		stderr string
	}{
		{[]string{}, 2, "usage: qiwicontract COMMAND"},
		{[]string{"-h"}, 0, ""},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"replay"}, 2, "no PATH"},
		{[]string{"replay", filepath.Join(dir, "absent.json")}, 2, "absent.json"},
		{[]string{"replay", broken}, 2, "qiwicontract: " + broken + ":3: unreadable fixture: the document ends early"},
		{[]string{"replay", notHAR}, 2, "qiwicontract: " + notHAR + ": unreadable fixture: not a HAR file: it has no log"},
		{[]string{"replay", "--spec", filepath.Join(dir, "nope.yaml"), broken}, 2, "qiwicontract: open " + filepath.Join(dir, "nope.yaml")},
		{[]string{"extract"}, 2, "qiwicontract extract: --docs DIR is required"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, tt.status, run(context.Background(), tt.args, &stdout, &stderr), "%v: %s", tt.args, stderr.String())
		assert.Contains(t, stderr.String(), tt.stderr, "%v", tt.args)
	}
}

// Extracted fixtures are written scrubbed and replay clean; --no-scrub keeps signatures.
func TestExtractThenReplay(t *testing.T) {
	docsDir, err := docs.Locate()
	require.NoError(t, err)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"extract", "--docs", docsDir, "--out", filepath.Join(dir, "docs.json")},
		{"extract", "--docs", docsDir, "--vectors", "../../../gen/qiwi/testdata/signatures.tsv", "--no-scrub", "--out", filepath.Join(dir, "raw.json")},
	} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, 0, run(context.Background(), args, &stdout, &stderr), stderr.String())
	}
	scrubbed, err := os.ReadFile(filepath.Join(dir, "docs.json"))
	require.NoError(t, err)
	for _, sample := range []string{"5c4b25xx93aa435d9cb8cd17480356f9", "4444443616621049"} {
		assert.NotContains(t, string(scrubbed), sample)
	}
	for _, name := range []string{"docs.json", "raw.json"} {
		var stdout, stderr bytes.Buffer
		status := run(context.Background(), []string{"replay", filepath.Join(dir, name)}, &stdout, &stderr)
		assert.Equal(t, 0, status, "%s: %s", name, stdout.String())
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		assert.Regexp(t, `^\d+ passed, 0 failed, \d+ skipped$`, lines[len(lines)-1])
	}
}

// A HAR recording whose identifiers hold %, a space and Cyrillic replays clean; one with an
// undocumented request member warns without --strict and fails with it.
func TestReplayEscapingAndUndocumentedMembers(t *testing.T) {
	answer := `{"refundId":"r","createdDateTime":"2024-03-20T16:29:58+03:00","amount":{"currency":"RUB","value":"5.00"},"status":{"value":"COMPLETED"}}`
	refund := func(name, path, body string) fixture.Interaction {
		return fixture.Interaction{Name: name, Kind: fixture.API,
			Request: fixture.Request{Method: http.MethodPut, URL: path, Body: body,
				Header: http.Header{"Authorization": {"Bearer REDACTED"}, "Content-Type": {"application/json"}}},
			Response: &fixture.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: answer}}
	}
	escaped := refund("escaped identifiers", "/partner/payin/v1/sites/test-01/payments/100%25%20%D1%81%D1%87%D1%91%D1%82/refunds/%D0%B2%D0%BE%D0%B7%D0%B2%D1%80%D0%B0%D1%82%201",
		`{"amount":{"value":5.00,"currency":"RUB"}}`)
	extra := refund("undocumented member", "/partner/payin/v1/sites/test-01/payments/p1/refunds/r1",
		`{"amount":{"value":5.00,"currency":"RUB"},"loyaltyPoints":12}`)
	dir := t.TempDir()
	for name, ins := range map[string][]fixture.Interaction{"escaped.har": {escaped}, "extra.har": {extra}} {
		har, err := fixture.MarshalHAR("https://b2b-api.qiwi.com", ins)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), har, 0o644))
	}
	for _, tc := range []struct {
		file   string
		strict bool
		status int
		last   string
	}{
		{"escaped.har", true, 0, "1 passed, 0 failed"},
		{"extra.har", false, 0, "1 passed, 0 failed"},
		{"extra.har", true, 1, "0 passed, 1 failed"},
	} {
		args := []string{"replay"}
		if tc.strict {
			args = append(args, "--strict")
		}
		var stdout, stderr bytes.Buffer
		status := run(context.Background(), append(args, filepath.Join(dir, tc.file)), &stdout, &stderr)
		assert.Equal(t, tc.status, status, "%s strict=%v\n%s%s", tc.file, tc.strict, stdout.String(), stderr.String())
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		assert.Equal(t, tc.last, lines[len(lines)-1], "%s strict=%v\n%s", tc.file, tc.strict, stdout.String())
		if tc.file == "extra.har" {
			assert.Contains(t, stdout.String(), "/loyaltyPoints", "the member is named")
		}
	}
}

// Judging nothing is an error, not a green run.
func TestReplayWithoutInteractions(t *testing.T) {
	empty := t.TempDir()
	var stdout, stderr bytes.Buffer
	status := run(context.Background(), []string{"replay", empty}, &stdout, &stderr)
	assert.Equal(t, 2, status)
	assert.Contains(t, stderr.String(), "no interactions found in "+empty)
	assert.NotContains(t, stdout.String(), "0 passed, 0 failed")
}

// No output format carries a credential: a planted API key, card number, CVV, token and
// cookie appear in none of text, JSON, JUnit and Markdown.
func TestReplayOutputsCarryNoCredential(t *testing.T) {
	const apiKey, pan, cvv, token, cookie = "live-5c4b25xx93aa435d9cb8cd17480356f9", "4111111111111111", "849", "tok-0a1b2c3d4e5f6a7b8c9d", "session=5ecret5e55ion"
	in := fixture.Interaction{Name: "payment with card data", Kind: fixture.API,
		Request: fixture.Request{Method: http.MethodPut, URL: "/partner/payin/v1/sites/test-01/payments/p1",
			Header: http.Header{"Authorization": {"Bearer " + apiKey}, "Cookie": {cookie}, "Content-Type": {"application/json"}},
			Body:   `{"amount":{"value":5.00,"currency":"RUB"},"paymentMethod":{"type":"CARD","pan":"` + pan + `","expiryDate":"12/30","cvv2":"` + cvv + `","paymentToken":"` + token + `"}}`},
		Response: &fixture.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}, "Set-Cookie": {cookie}},
			Body: `{"paymentId":"p1","amount":{"value":"5.00","currency":"RUB"},"status":{"value":"COMPLETED"}}`}}
	dir := t.TempDir()
	path := filepath.Join(dir, "traffic.json")
	data, err := fixture.Marshal([]fixture.Interaction{in})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	junit, md := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "summary.md")
	outputs := map[string]string{}
	for _, args := range [][]string{{"replay", "--junit", junit, "--markdown", md, path}, {"replay", "--json", path}} {
		var stdout, stderr bytes.Buffer
		run(context.Background(), args, &stdout, &stderr)
		outputs[strings.Join(args[:2], " ")] = stdout.String() + stderr.String()
	}
	for _, f := range []string{junit, md} {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		outputs[f] = string(data)
	}
	require.Contains(t, outputs["replay --json"], `"interaction"`, "the JSON output holds the interactions")
	for name, out := range outputs {
		for _, secret := range []string{apiKey, pan, `"` + cvv + `"`, token, "5ecret5e55ion"} {
			assert.NotContains(t, out, secret, "%s carries a credential", name)
		}
	}
}

// JUnit case names are unique even where interactions share a name.
func TestJUnitNamesAreUnique(t *testing.T) {
	in := fixture.Interaction{Name: "capture status", Kind: fixture.API,
		Request: fixture.Request{Method: http.MethodGet, URL: "/partner/payin/v1/sites/test-01/payments/1811/captures/bxwd8096",
			Header: http.Header{"Authorization": {"Bearer REDACTED"}}},
		Response: &fixture.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: `{"captureId":"bxwd8096","status":{"value":"COMPLETED"}}`}}
	har, err := fixture.MarshalHAR("https://b2b-api.qiwi.com", []fixture.Interaction{in, in, in})
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "t.har")
	require.NoError(t, os.WriteFile(path, har, 0o644))
	junit := filepath.Join(dir, "junit.xml")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"replay", "--junit", junit, path}, &stdout, &stderr), stderr.String())
	data, err := os.ReadFile(junit)
	require.NoError(t, err)
	var suite struct {
		Cases []struct {
			Name string `xml:"name,attr"`
		} `xml:"testcase"`
	}
	require.NoError(t, xml.Unmarshal(data, &suite))
	require.Len(t, suite.Cases, 3)
	seen := map[string]bool{}
	for _, c := range suite.Cases {
		assert.False(t, seen[c.Name], "duplicate case name %q", c.Name)
		seen[c.Name] = true
	}
}

// diff exits 1 on breaking changes, 0 without, 2 for bad usage or unreadable input.
func TestDiffExitStatus(t *testing.T) {
	docsDir, err := docs.Locate()
	require.NoError(t, err)
	crawl := filepath.Join(docsDir, "..", "..", "upstream", "crawled-openapi.yaml")
	for _, tc := range []struct {
		args   []string
		status int
		out    string
	}{
		{[]string{"diff", crawl, "../../../spec/qiwi.yaml"}, 1, "BREAKING wire operation moved: POST /partner/payout/v1/sites/{siteId}/payouts/{payoutId}/complete: completePayout is PUT /partner/payin/v1/sites/{siteId}/payments/{paymentId}/payouts/{payoutId}/complete"},
		{[]string{"diff", "../../../spec/qiwi.resolved.yaml", "../../../spec/qiwi.resolved.yaml"}, 0, "0 changes, 0 breaking"},
		{[]string{"diff", "../../../spec/qiwi.resolved.yaml"}, 2, ""},
		{[]string{"diff", "absent.yaml", "../../../spec/qiwi.yaml"}, 2, ""},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, tc.status, run(context.Background(), tc.args, &stdout, &stderr), "%v\n%s", tc.args, stderr.String())
		assert.Contains(t, stdout.String(), tc.out)
	}
}

func TestDriftExitStatus(t *testing.T) {
	docsDir, err := docs.Locate()
	require.NoError(t, err)
	dir := t.TempDir()
	unclosed := filepath.Join(dir, "unclosed")
	require.NoError(t, os.MkdirAll(unclosed, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(unclosed, "p.md"), []byte("# T\n\n~~~json\n{}\n"), 0o644))
	badSpec := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(badSpec, []byte("openapi: [3"), 0o644))
	badBaseline := filepath.Join(dir, "baseline.json")
	require.NoError(t, os.WriteFile(badBaseline, []byte("{\"findings\": [\n  {\"id\": \"QD1\"}]}"), 0o644))
	for _, tc := range []struct {
		args   []string
		status int
		out    string // in stdout, or in stderr for status 2
	}{
		// The whole docs folder with the committed baseline: every finding accepted.
		{[]string{"drift", "--docs", docsDir}, 0, ", 0 new\n"},
		{[]string{"drift", "--docs", docsDir}, 0, "doc-method-conflict: 3 (3 accepted)"},
		// Without it, the docs' own conflicts fail the run.
		{[]string{"drift", "--docs", docsDir, "--no-baseline"}, 1, "the section names /bill/v1/bills/{billId}/refunds/{refundId}"},
		{[]string{"drift", "--docs", docsDir, "--format", "markdown"}, 0, "## Documentation drift"},
		{[]string{"drift", "--docs", docsDir, "--format", "sarif"}, 0, `"version": "2.1.0"`},
		{[]string{"drift", "--docs", docsDir, "--format", "json"}, 0, `"kind": "doc-path-conflict"`},
		{[]string{"drift", "--docs", docsDir, "--format", "json"}, 0, `"overlay": "overlays/50-notifications.yaml:`},
		// An older edition: read without error, its differences reported.
		{[]string{"drift", "--docs", "testdata/older-docs"}, 1, "PAYMENT: the page names the header X-Api-Signature-SHA256, the spec Signature"},
		{[]string{"drift", "--docs", "testdata/older-docs"}, 1, "read 1 pages: payments/_notifications_en.html.md"},
		// Bad input names the file.
		{[]string{"drift", "--docs", filepath.Join(dir, "absent")}, 2, filepath.Join(dir, "absent")},
		{[]string{"drift", "--docs", unclosed}, 2, filepath.Join(unclosed, "p.md") + ":3"},
		{[]string{"drift", "--docs", docsDir, "--spec", badSpec}, 2, badSpec},
		{[]string{"drift", "--docs", docsDir, "--baseline", badBaseline}, 2, badBaseline + ": /findings/0/reason"},
		{[]string{"drift", "--docs", docsDir, "--format", "xml"}, 2, "--format"},
		{[]string{"drift"}, 2, "--docs"},
	} {
		expectRun(t, tc.args, tc.status, tc.out)
	}
}

// drift has no --cache: a run costs about 40 ms, and the bbolt file that skipped it could
// crash the command when damaged.
func TestDriftHasNoCache(t *testing.T) {
	expectRun(t, []string{"drift", "--docs", "testdata/older-docs", "--cache", filepath.Join(t.TempDir(), "c.db")}, 2, "-cache")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"help", "drift"}, &stdout, &stderr))
	assert.NotContains(t, stdout.String()+stderr.String(), "--cache")
}

// A docs folder holding a FIFO named like a page is unreadable input, exit 2 naming it: the
// run does not wait for a writer.
func TestDriftRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "p.md")
	if err := mkfifo(fifo); err != nil {
		t.Skip("no FIFO here:", err)
	}
	expectRun(t, []string{"drift", "--docs", dir}, 2, fifo+": unreadable documentation page: not a regular file (a FIFO)")
}

// The committed baseline accepts exactly what drift finds on the docs folder, each entry with
// a reviewed reason: a stale or unreviewed entry fails.
func TestCommittedDriftBaseline(t *testing.T) {
	docsDir, err := docs.Locate()
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "baseline.json")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"drift", "--docs", docsDir, "--format", "json", "--write-baseline", out}, &stdout, &stderr), stderr.String())
	var report drift.Report
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &report))
	assert.Empty(t, report.Stale, "baseline entries that match no finding any more")
	committed, err := os.ReadFile("../../../" + spec.DriftBaselineName)
	require.NoError(t, err)
	rewritten, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, string(committed), string(rewritten), "the committed baseline is what --write-baseline writes")
	assert.NotContains(t, string(committed), drift.Unreviewed)
}

func TestReconcileExitStatus(t *testing.T) {
	dir := t.TempDir()
	file := func(name, text string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		return path
	}
	const header = "BANK_VALUE_DOC;TRANS_DATE;TRANSACTION_ID;SUM;COMMISSION;USER_INFO;ID;PURPOSE;CLIENT_CUR_CODE\n"
	good := file("good.csv", header+"27.08.2020;26.08.2020 9:59;659720;2165,46;25;533669******4030;68860745;payment;643\n")
	bad := file("bad.csv", header+"27.08.2020;26.08.2020 9:59;659720;21x5,46;25;533669******4030;68860745;payment;643\n")
	noColumn := file("nocol.csv", "TRANS_DATE;TRANSACTION_ID;ID;PURPOSE\n26.08.2020;1;2;payment\n")
	ledger := file("ledger.csv", "paymentId,billId,amount,currency,status,dateTime,kind,parentPaymentId\n68860745,,2165.46,RUB,COMPLETED,2020-08-26T09:59:00+03:00,payment,\n")
	empty := file("empty.csv", "paymentId,amount\n")
	for _, tc := range []struct {
		args   []string
		status int
		out    string // in stdout, or stderr for status 2
	}{
		{[]string{"reconcile", "--report", good, "--ledger", ledger}, 0, "1 report operations, 0 differences"},
		{[]string{"reconcile", "--report", good, "--ledger", empty}, 1, "missing-in-ledger   " + good + ":2: payment 68860745 of 2165.46"},
		{[]string{"reconcile", "--report", good, "--ledger", empty, "--format", "json"}, 1, `{"kind":"summary","rows":1,"differences":1`},
		{[]string{"reconcile", "--report", good, "--ledger", empty, "--format", "csv"}, 1, "missing-in-ledger,68860745,659720,,"},
		{[]string{"reconcile", "--report", bad, "--ledger", ledger}, 1, "bad-row             " + bad + ":2: column SUM:"},
		{[]string{"reconcile", "--report", bad, "--ledger", ledger, "--strict"}, 2, bad + ":2: column SUM:"},
		{[]string{"reconcile", "--report", noColumn, "--ledger", ledger}, 2, noColumn + ":1: bad report: no column SUM"},
		{[]string{"reconcile", "--report", good, "--ledger", ledger, "--encoding", "koi8-r"}, 2, "unknown encoding"},
		{[]string{"reconcile", "--report", filepath.Join(dir, "absent.csv"), "--ledger", ledger}, 2, "absent.csv"},
		{[]string{"reconcile", "--report", good}, 2, "--ledger"},
		{[]string{"reconcile", "--report", good, "--ledger", ledger, "--format", "xml"}, 2, "--format"},
	} {
		stdout := expectRun(t, tc.args, tc.status, tc.out)
		assert.NotContains(t, stdout, "533669", "no card number in the output")
	}
}

// Without a terminal, reconcile shows no progress bar.
func TestNoProgressBarWithoutTerminal(t *testing.T) {
	var buf bytes.Buffer
	watch, done := progressBars(&buf)
	assert.Nil(t, watch)
	done()
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	require.NoError(t, err)
	defer f.Close()
	watch, done = progressBars(f)
	assert.Nil(t, watch, "a file is no terminal")
	done()
	assert.Empty(t, buf.String())
}

// expectRun runs the command and checks its status, and that out is in its standard output,
// or in its standard error for status 2; it returns the standard output.
func expectRun(t *testing.T, args []string, status int, out string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	got := run(context.Background(), args, &stdout, &stderr)
	require.Equal(t, status, got, "%v\n%s\n%s", args, stderr.String(), stdout.String())
	if status == 2 {
		assert.Contains(t, stderr.String(), out, args)
	} else {
		assert.Contains(t, stdout.String(), out, args)
	}
	return stdout.String()
}

// --api checks each settled row against QIWI's state through the generated client, here a
// local server answering as QIWI does; with --api-cache a rerun fetches only what can still
// change.
func TestReconcileAgainstTheAPI(t *testing.T) {
	const key = "test-api-key-5c4b25xx93aa435d"
	t.Setenv("QIWI_API_KEY", key)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+key {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		if !strings.HasPrefix(r.URL.Path, "/partner/payin/v1/sites/hthi-26/payments/") {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		known := map[string][2]string{"68860745": {"COMPLETED", "2165.46"}, "68860893": {"DECLINED", "1530.00"}, "68860900": {"COMPLETED", "99.00"}}
		status, value := known[id][0], known[id][1]
		if status == "" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"serviceName":"payin-core","errorCode":"payin.resource.not.found","description":"Resource not found","userMessage":"Resource not found","dateTime":"2020-08-26T10:00:00+03:00","traceId":"f2a3"}`))
			return
		}
		_, _ = w.Write([]byte(`{"paymentId":"` + id + `","amount":{"value":"` + value + `","currency":"RUB"},"status":{"value":"` + status + `","changedDateTime":"2020-08-26T10:00:00+03:00"}}`))
	}))
	defer srv.Close()

	dir := t.TempDir()
	report := filepath.Join(dir, "report.csv")
	require.NoError(t, os.WriteFile(report, []byte("TRANS_DATE;TRANSACTION_ID;SUM;ID;MERCH_SITE;PURPOSE;CLIENT_CUR_CODE\n"+
		"26.08.2020 9:59;1;2165,46;68860745;hthi-26;payment;643\n"+
		"26.08.2020 10:01;2;1530;68860893;hthi-26;payment;643\n"+
		"26.08.2020 10:02;3;100;68860900;hthi-26;payment;643\n"+
		"26.08.2020 10:03;4;5;68860999;hthi-26;payment;643\n"), 0o644))
	ledger := filepath.Join(dir, "ledger.csv")
	require.NoError(t, os.WriteFile(ledger, []byte("paymentId,amount,currency,status\n68860745,2165.46,RUB,COMPLETED\n68860893,1530,RUB,COMPLETED\n68860900,100,RUB,COMPLETED\n68860999,5,RUB,COMPLETED\n"), 0o644))
	cache := filepath.Join(dir, "api.db")
	args := []string{"reconcile", "--report", report, "--ledger", ledger, "--api", "--api-url", srv.URL, "--api-rate", "1000", "--api-cache", cache, "--format", "json"}

	var stdout, stderr bytes.Buffer
	require.Equal(t, 1, run(context.Background(), args, &stdout, &stderr), stderr.String())
	out := stdout.String()
	assert.Contains(t, out, `"kind":"status-mismatch","paymentId":"68860893","transactionId":"2"`)
	assert.Contains(t, out, "settled in the report, DECLINED in the API")
	assert.Contains(t, out, `"kind":"amount-mismatch","paymentId":"68860900"`)
	assert.Contains(t, out, "the report says 100.00, the API 99.00")
	assert.Contains(t, out, "settled in the report, unknown to the API")
	assert.Contains(t, out, `"differences":3`)
	assert.EqualValues(t, 4, hits.Load())
	assert.NotContains(t, out+stderr.String(), key)

	// The rerun: the three final states come from the cache; the unknown one is asked again.
	hits.Store(0)
	stdout.Reset()
	require.Equal(t, 1, run(context.Background(), args, &stdout, &stderr), stderr.String())
	assert.EqualValues(t, 1, hits.Load())
	assert.Contains(t, stdout.String(), `"differences":3`)

	t.Setenv("QIWI_API_KEY", "")
	expectRun(t, args, 2, "QIWI_API_KEY")
}

// The sandbox starts with one command on 127.0.0.1, answers its status page and QIWI's
// paths, logs each request on stderr (never the key), and stops when its context ends (as on
// SIGTERM), exiting 0. --quiet logs nothing; a misspelt fault, a bad --notify-url and
// --state-fsync without --state are refused at start.
func TestSandboxCommand(t *testing.T) {
	base, stop := serveSandbox(t, "--key", "test-01=secret-key-1")
	resp, err := http.Get(base + "/")
	require.NoError(t, err)
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(page), "objects kept")
	req, err := http.NewRequest(http.MethodGet, base+"/partner/payin/v1/sites/test-01/payments/none", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer secret-key-1")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	stdout, stderr := stop()
	assert.Contains(t, stdout, "stopped")
	assert.NotContains(t, stdout+stderr, "secret-key-1")
	assert.Contains(t, stderr, "msg=request method=GET path=/partner/payin/v1/sites/test-01/payments/none op=getPayment status=404")

	base, stop = serveSandbox(t, "--quiet")
	resp, err = http.Get(base + "/")
	require.NoError(t, err)
	resp.Body.Close()
	_, stderr = stop()
	assert.Empty(t, stderr, "--quiet")

	expectRun(t, []string{"sandbox", "--key", "secret-key-2"}, 2, "--key: want SITE=KEY")
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	require.NoError(t, os.WriteFile(garbage, []byte("not a key"), 0o600))
	expectRun(t, []string{"sandbox", "--payout-key", "test-01=" + garbage}, 2, "bad payout public key")
	expectRun(t, []string{"sandbox", "--payout-key", "test-01=" + garbage + ".missing"}, 2, "--payout-key")
	expectRun(t, []string{"sandbox", "--payout-key", "just-a-file.pem"}, 2, "--payout-key: want SITE=FILE")
	expectRun(t, []string{"sandbox", "--notify-url", "not-a-url"}, 2, "--notify-url: bad notification URL")
	expectRun(t, []string{"sandbox", "--state-fsync"}, 2, "--state-fsync needs --state FILE")
	faults := filepath.Join(t.TempDir(), "faults.json")
	require.NoError(t, os.WriteFile(faults, []byte(`[{"operation": "getPaymnet", "every": 2, "status": 503}]`), 0o600))
	expectRun(t, []string{"sandbox", "--faults", faults}, 2, `--faults `+faults+`: sandbox: fault 0: bad sandbox faults: operation "getPaymnet" is no operationId of the spec; did you mean "getPayment"?`)
}

// waitListening returns the address a serving command (sandbox, proxy) says it listens on,
// or "" when the command ends first (its status is put back on done) or two minutes pass:
// loading the spec takes seconds on a loaded machine under -race.
func waitListening(stdout *syncbuf.Buffer, done chan int) string {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Minute)
	for {
		if _, after, ok := strings.Cut(stdout.String(), "listening on "); ok {
			base, _, _ := strings.Cut(after, "\n")
			return base
		}
		select {
		case status := <-done:
			done <- status
			return ""
		case <-deadline:
			return ""
		case <-tick.C:
		}
	}
}

// serveCommand runs a serving command (sandbox, proxy) in-process on 127.0.0.1 (addrFlag
// names its listen flag) and returns its address and a stop that ends it (as SIGTERM does)
// and returns its exit status and what it wrote.
func serveCommand(t *testing.T, name, addrFlag string, args ...string) (string, func() (status int, stdout, stderr string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var stdout, stderr syncbuf.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{name, addrFlag, "127.0.0.1:0"}, args...), &stdout, &stderr)
	}()
	base := waitListening(&stdout, done)
	require.NotEmpty(t, base, "the %s did not start: %s", name, stderr.String())
	return base, func() (int, string, string) {
		t.Helper()
		cancel()
		select {
		case got := <-done:
			return got, stdout.String(), stderr.String()
		case <-time.After(30 * time.Second):
			t.Fatalf("the %s did not stop", name)
		}
		return 0, "", ""
	}
}

// serveSandbox runs the sandbox command as serveCommand does; its stop checks it exits 0.
func serveSandbox(t *testing.T, args ...string) (string, func() (stdout, stderr string)) {
	t.Helper()
	base, stop := serveCommand(t, "sandbox", "--addr", args...)
	return base, func() (string, string) {
		t.Helper()
		status, stdout, stderr := stop()
		assert.Equal(t, 0, status, stderr)
		return stdout, stderr
	}
}

// --api against the sandbox: payments made through the client are checked as QIWI would
// answer for them, refunds under the payment the ledger names.
func TestReconcileAgainstTheSandbox(t *testing.T) {
	const key = "sandbox-key-7"
	sb, err := sandbox.New(sandbox.Options{Keys: map[string]string{"test-01": key}})
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	defer srv.Close()
	client, err := qiwi.New(key, qiwi.WithSiteID("test-01"), qiwi.WithBaseURL(srv.URL))
	require.NoError(t, err)
	ctx := context.Background()
	pay := func(id, expiry, value string) {
		m, err := qiwi.ParseMoney(value)
		require.NoError(t, err)
		_, err = client.CreatePayment(ctx, id, qiwi.CreatePaymentRequest{Amount: qiwi.Amount{Value: m, Currency: "RUB"}, Flags: &qiwi.Flags{"SALE"},
			PaymentMethod: qiwi.PaymentMethod{Type: qiwi.PaymentMethodTypeCard, Pan: qiwi.Ptr(qiwi.TestCardVisa), ExpiryDate: qiwi.Ptr(expiry), Cvv2: qiwi.Ptr("123")}})
		if expiry[:2] == qiwi.TestExpiryMonthDeclined {
			require.ErrorIs(t, err, qiwi.ErrDeclined)
			return
		}
		require.NoError(t, err)
	}
	pay("order-1", "05/30", "10.00")
	pay("order-2", "02/30", "3.00")
	m, err := qiwi.ParseMoney("4.00")
	require.NoError(t, err)
	_, err = client.CreateRefund(ctx, "order-1", "refund-1", qiwi.CreateRefundRequest{Amount: qiwi.Amount{Value: m, Currency: "RUB"}})
	require.NoError(t, err)

	dir := t.TempDir()
	report := filepath.Join(dir, "report.csv")
	require.NoError(t, os.WriteFile(report, []byte("TRANS_DATE;TRANSACTION_ID;SUM;ID;MERCH_SITE;PURPOSE;CLIENT_CUR_CODE;PARENT_TRANSACTION_ID\n"+
		"26.08.2020 9:59;1;10,00;order-1;test-01;payment;643;\n"+
		"26.08.2020 10:01;2;3,00;order-2;test-01;payment;643;\n"+
		"26.08.2020 10:05;3;4,00;refund-1;test-01;refund;643;1\n"+
		"26.08.2020 10:09;4;1,00;order-9;test-01;payment;643;\n"), 0o644))
	ledger := filepath.Join(dir, "ledger.csv")
	require.NoError(t, os.WriteFile(ledger, []byte("paymentId,amount,currency,status,kind,parentPaymentId\n"+
		"order-1,10.00,RUB,COMPLETED,payment,\norder-2,3.00,RUB,COMPLETED,payment,\nrefund-1,4.00,RUB,COMPLETED,refund,order-1\norder-9,1.00,RUB,COMPLETED,payment,\n"), 0o644))
	t.Setenv("QIWI_API_KEY", key)
	var stdout, stderr bytes.Buffer
	require.Equal(t, 1, run(ctx, []string{"reconcile", "--report", report, "--ledger", ledger, "--api", "--api-url", srv.URL, "--api-rate", "1000"}, &stdout, &stderr), stderr.String())
	out := stdout.String()
	assert.Contains(t, out, ":3, ledger line 3: settled in the report, DECLINED in the API")
	assert.Contains(t, out, ":5, ledger line 5: settled in the report, unknown to the API")
	assert.Contains(t, out, "2 differences")
}

// TestMain runs the command itself when a test starts this binary as a child process.
func TestMain(m *testing.M) {
	if os.Getenv("QIWICONTRACT_RUN_COMMAND") == "1" {
		os.Exit(runProfiled(os.Getenv("QIWICONTRACT_CPUPROFILE"), os.Args[1:]))
	}
	os.Exit(m.Run())
}

// runProfiled runs the command, writing its CPU profile to path when path is not "".
func runProfiled(path string, args []string) int {
	if path == "" {
		return run(context.Background(), args, os.Stdout, os.Stderr)
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpu profile:", err)
		return 2
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "cpu profile:", err)
		return 2
	}
	defer pprof.StopCPUProfile()
	return run(context.Background(), args, os.Stdout, os.Stderr)
}

// startCommand starts the command as a child process (args: a serving subcommand and its
// flags, listening on 127.0.0.1:0) and returns it, its address (its first line says
// "listening on ADDR") and the rest of its standard output.
func startCommand(t *testing.T, args ...string) (*exec.Cmd, string, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "QIWICONTRACT_RUN_COMMAND=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }) // already ended: nothing to do
	lines := bufio.NewReader(out)
	line, err := lines.ReadString('\n')
	require.NoError(t, err)
	_, addr, ok := strings.Cut(strings.TrimSpace(line), "listening on ")
	require.True(t, ok, line)
	return cmd, addr, lines
}

// startSandbox starts the sandbox command as a child process and returns it with its address.
func startSandbox(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd, addr, _ := startCommand(t, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...)...)
	return cmd, addr
}

// terminate sends SIGTERM to a child process of startCommand and, once it has ended, returns
// its exit status and the rest of its standard output.
func terminate(t *testing.T, cmd *exec.Cmd, rest io.Reader) (status int, stdout string) {
	t.Helper()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan string, 1)
	go func() {
		out, _ := io.ReadAll(rest) // all of it before Wait, which closes the pipe
		_ = cmd.Wait()
		done <- string(out)
	}()
	select {
	case out := <-done:
		return cmd.ProcessState.ExitCode(), out
	case <-time.After(30 * time.Second):
		t.Fatalf("the %s did not stop on SIGTERM", cmd.Args[1])
	}
	return 0, ""
}

// Durability: the sandbox is killed (SIGKILL) during a stream of writes and restarted on the
// same --state; every payment it acknowledged is there, with its refund. By default (writes
// handed to the kernel, no fsync) and with --state-fsync.
func TestSandboxSurvivesSIGKILL(t *testing.T) {
	for _, mode := range [][]string{nil, {"--state-fsync"}} {
		t.Run(strings.Join(append([]string{"state"}, mode...), " "), func(t *testing.T) { sandboxSurvivesSIGKILL(t, mode...) })
	}
}

func sandboxSurvivesSIGKILL(t *testing.T, mode ...string) {
	state := filepath.Join(t.TempDir(), "sandbox.db")
	cmd, base := startSandbox(t, append([]string{"--state", state}, mode...)...)
	// Ten payments a site: the test mode's 100 operations a day never stop the stream.
	var site int
	client := func(base string) *qiwi.Client {
		c, err := qiwi.New("any-key", qiwi.WithSiteID(fmt.Sprintf("site-%d", site)), qiwi.WithBaseURL(base), qiwi.WithRetry(qiwi.RetryPolicy{MaxAttempts: 1}))
		require.NoError(t, err)
		return c
	}
	ctx := context.Background()
	price, err := qiwi.ParseMoney("3.00")
	require.NoError(t, err)
	part, err := qiwi.ParseMoney("1.00")
	require.NoError(t, err)
	// The kill comes from another goroutine once 30 writes are acknowledged, while the
	// stream goes on: it lands in the middle of a write or between two.
	var acked []string
	var ackedCount atomic.Int32
	var killed atomic.Bool
	go func() {
		for ackedCount.Load() < 30 {
			time.Sleep(time.Millisecond)
		}
		killed.Store(true)
		_ = cmd.Process.Signal(syscall.SIGKILL) // the test below fails if the process lives on
	}()
	for i := 0; i < 100000; i++ {
		id := fmt.Sprintf("pay-%d", i)
		site = i / 10
		_, err := client(base).CreatePayment(ctx, id, qiwi.CreatePaymentRequest{Amount: qiwi.Amount{Value: price, Currency: "RUB"}, Flags: &qiwi.Flags{"SALE"},
			PaymentMethod: qiwi.PaymentMethod{Type: qiwi.PaymentMethodTypeCard, Pan: qiwi.Ptr(qiwi.TestCardVisa), ExpiryDate: qiwi.Ptr("05/30"), Cvv2: qiwi.Ptr("123")}})
		if err == nil {
			_, err = client(base).CreateRefund(ctx, id, "r", qiwi.CreateRefundRequest{Amount: qiwi.Amount{Value: part, Currency: "RUB"}})
		}
		if err != nil {
			require.True(t, killed.Load(), "a write failed before the kill: %v", err)
			break
		}
		acked = append(acked, id)
		ackedCount.Add(1)
	}
	require.GreaterOrEqual(t, len(acked), 30)
	_ = cmd.Wait() // reap the killed process

	_, base = startSandbox(t, append([]string{"--state", state}, mode...)...)
	for i, id := range acked {
		site = i / 10
		p, err := client(base).GetPayment(ctx, id)
		require.NoError(t, err, id)
		assert.Equal(t, "3.00", p.Amount.Value.String(), id)
		assert.Equal(t, "1.00", p.RefundedAmount.Value.String(), id)
	}
}

// SIGTERM stops the sandbox process cleanly: exit status 0.
func TestSandboxStopsOnSIGTERM(t *testing.T) {
	cmd, base, rest := startCommand(t, "sandbox", "--addr", "127.0.0.1:0", "--state", filepath.Join(t.TempDir(), "s.db"))
	resp, err := http.Get(base + "/")
	require.NoError(t, err)
	resp.Body.Close()
	status, _ := terminate(t, cmd, rest)
	assert.Equal(t, 0, status)
}

// --payout-key: the sandbox started with the merchant's public key (as QIWI asks for it: the
// PEM in base64) accepts a payout the client signs with the private key and refuses one
// signed with another key.
func TestSandboxChecksPayoutSignatures(t *testing.T) {
	merchant, err := rsa.GenerateKey(rand.Reader, qiwi.MinPayoutKeyBits)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&merchant.PublicKey)
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "public-key.b64")
	require.NoError(t, os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))), 0o600))
	_, base := startSandbox(t, "--payout-key", "test-01="+keyFile)
	ctx := context.Background()
	amount := func(v string) qiwi.Amount {
		m, err := qiwi.ParseMoney(v)
		require.NoError(t, err)
		return qiwi.Amount{Value: m, Currency: "RUB"}
	}
	signedBy := func(key *rsa.PrivateKey) *qiwi.Client {
		c, err := qiwi.New("any-key", qiwi.WithSiteID("test-01"), qiwi.WithBaseURL(base), qiwi.WithPayoutSigner(key))
		require.NoError(t, err)
		return c
	}
	client := signedBy(merchant)
	_, err = client.CreatePayment(ctx, "p-1", qiwi.CreatePaymentRequest{Amount: amount("5.00"), Flags: &qiwi.Flags{"SALE"},
		PaymentMethod: qiwi.PaymentMethod{Type: qiwi.PaymentMethodTypeCard, Pan: qiwi.Ptr(qiwi.TestCardMir), ExpiryDate: qiwi.Ptr("05/30"), Cvv2: qiwi.Ptr("123")}})
	require.NoError(t, err)
	payout := func(c *qiwi.Client, id string) error {
		var receiver qiwi.PayoutReceiverDataRequest
		require.NoError(t, receiver.FromPayoutReceiverDataCardRequest(qiwi.PayoutReceiverDataCardRequest{Pan: qiwi.TestCardVisa}))
		_, err := c.CreatePayout(ctx, "p-1", id, qiwi.CreatePayoutRequest{Amount: amount(qiwi.TestPayoutAmountSuccess), ReceiverData: receiver})
		return err
	}
	require.NoError(t, payout(client, "o-1"), "signed with the merchant's key")
	other, err := rsa.GenerateKey(rand.Reader, qiwi.MinPayoutKeyBits)
	require.NoError(t, err)
	err = payout(signedBy(other), "o-2")
	require.ErrorIs(t, err, qiwi.ErrUnauthorized, "signed with another key")
}

// drift --suggest writes the overlay for the findings with a mechanical fix and lists the
// others on stderr; with none to fix it writes no file. The exit status is drift's.
func TestDriftSuggest(t *testing.T) {
	dir := t.TempDir()
	page, err := os.ReadFile("../../drift/testdata/current/payments/_api_en.html.md")
	require.NoError(t, err)
	changed := strings.Replace(string(page), `"comment": "Order 1"`, `"comment": "Order 1", "tip": "5.00"`, 1)
	changed = strings.Replace(changed, "in the `Signature` header", "in the `X-Api-Signature-SHA256` header", 1)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "docs", "payments"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "docs", "payments", "_api_en.html.md"), []byte(changed), 0o644))
	out := filepath.Join(dir, "fixes.yaml")

	var stdout, stderr bytes.Buffer
	status := run(context.Background(), []string{"drift", "--docs", filepath.Join(dir, "docs"), "--spec", "../../drift/testdata/spec.yaml", "--suggest", out}, &stdout, &stderr)
	require.Equal(t, 1, status, stderr.String())
	assert.Contains(t, stderr.String(), "1 actions fixing 1 findings written to "+out)
	assert.Contains(t, stderr.String(), "1 findings have no mechanical fix:\nQD")
	assert.Contains(t, stderr.String(), "signature-header at payments/_api_en.html.md:")
	overlay, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(overlay), "overlay: 1.0.0\n")
	assert.Contains(t, string(overlay), "- target: $.components.schemas.PaymentRequest\n")
	assert.Contains(t, string(overlay), "field-missing at payments/_api_en.html.md:")

	// Only the unfixable finding: no file.
	none := filepath.Join(dir, "none.yaml")
	stderr.Reset()
	status = run(context.Background(), []string{"drift", "--docs", "testdata/older-docs", "--no-baseline", "--suggest", none}, &stdout, &stderr)
	require.Equal(t, 1, status, stderr.String())
	assert.Contains(t, stderr.String(), "no finding has a mechanical fix; "+none+" not written")
	assert.NoFileExists(t, none)
}

// drift's text output, and --suggest's list on standard error, show a control character from
// a page (its text, its file name) as an escape (\x1b, \x0d), so that a docs page cannot drive
// the terminal; JSON keeps the text as it is.
func TestDriftTextShowsControlCharacters(t *testing.T) {
	dir := t.TempDir()
	page, err := os.ReadFile("../../drift/testdata/current/payments/_api_en.html.md")
	require.NoError(t, err)
	// A member the schema lacks, its name escaped in the example's JSON, and a finding with no
	// mechanical fix, for --suggest's list.
	changed := strings.Replace(string(page), `"comment": "Order 1"`, `"comment": "Order 1", "ti\u001b]0;owned\u0007p\r": "5.00"`, 1)
	changed = strings.Replace(changed, "in the `Signature` header", "in the `X-Api-Signature-SHA256` header", 1)
	folder := filepath.Join(dir, "docs", "pay\x1b[2Jments")
	require.NoError(t, os.MkdirAll(folder, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(folder, "_api_en.html.md"), []byte(changed), 0o644))
	args := []string{"drift", "--docs", filepath.Join(dir, "docs"), "--spec", "../../drift/testdata/spec.yaml"}

	var stdout, stderr bytes.Buffer
	status := run(context.Background(), append(args, "--suggest", filepath.Join(dir, "fixes.yaml")), &stdout, &stderr)
	require.Equal(t, 1, status, stderr.String())
	assert.Contains(t, stdout.String(), `the example's /ti\x1b]0;owned\x07p\x0d is no member of the schema`)
	assert.Contains(t, stdout.String(), `pay\x1b[2Jments/_api_en.html.md`)
	assert.Contains(t, stderr.String(), `signature-header at pay\x1b[2Jments/_api_en.html.md:`)
	for _, c := range []string{"\x1b", "\a", "\r"} {
		assert.NotContains(t, stdout.String(), c)
		assert.NotContains(t, stderr.String(), c)
	}

	stdout.Reset()
	require.Equal(t, 1, run(context.Background(), append(args, "--format", "json"), &stdout, &stderr))
	assert.Contains(t, stdout.String(), `/ti\u001b]0;owned\u0007p\r is no member`, "JSON is unchanged")

	// An accepted finding's reason and a stale entry's subject come from the baseline.
	id := stdout.String()[strings.Index(stdout.String(), `"id": "`)+7:]
	id = id[:strings.Index(id, `"`)]
	baseline := filepath.Join(dir, "baseline.json")
	require.NoError(t, os.WriteFile(baseline, []byte(`{"findings": [
  {"id": "`+id+`", "reason": "known\r\u001b[2K"},
  {"id": "QD0000000000", "kind": "operation-missing", "subject": "\u001b[31mgone", "reason": "gone long ago"}
]}`), 0o644))
	stdout.Reset()
	stderr.Reset()
	run(context.Background(), append(args, "--baseline", baseline), &stdout, &stderr)
	assert.Contains(t, stdout.String(), `accepted: known\x0d\x1b[2K`, stderr.String())
	assert.Contains(t, stdout.String(), `(operation-missing \x1b[31mgone)`)
	for _, c := range []string{"\x1b", "\a", "\r"} {
		assert.NotContains(t, stdout.String(), c)
	}
}
