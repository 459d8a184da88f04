package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/sandbox"
)

// serveProxy runs the proxy command as serveCommand does.
func serveProxy(t *testing.T, args ...string) (string, func() (status int, stdout, stderr string)) {
	t.Helper()
	return serveCommand(t, "proxy", "--listen", args...)
}

// curl sends one request with the key and returns the status.
func curl(t *testing.T, method, url, key, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// The proxy command between a curl-like session and the sandbox: each exchange is a line,
// the stop writes "N passed, M failed", the HAR and the JUnit report, with no credential in
// any; the HAR replays clean; an invalid request makes it exit 1, and so does a run that saw
// no exchange.
func TestProxyCommand(t *testing.T) {
	const key, pan, cvv = "sandbox-key-8c1d2e", "4111111111111111", "321"
	sb, err := sandbox.New(sandbox.Options{Keys: map[string]string{"test-01": key}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	upstream := httptest.NewServer(sb)
	t.Cleanup(upstream.Close)
	dir := t.TempDir()
	har, junit := filepath.Join(dir, "traffic.har"), filepath.Join(dir, "junit.xml")
	card := `"paymentMethod":{"type":"CARD","pan":"` + pan + `","expiryDate":"05/30","cvv2":"` + cvv + `"}`

	base, stop := serveProxy(t, "--upstream", upstream.URL, "--har", har, "--junit", junit)
	payments := base + "/partner/payin/v1/sites/test-01/payments/"
	require.Equal(t, http.StatusOK, curl(t, http.MethodPut, payments+"order-1", key, `{"amount":{"currency":"RUB","value":5.00},"flags":["SALE"],`+card+`}`))
	require.Equal(t, http.StatusOK, curl(t, http.MethodGet, payments+"order-1", key, ""))
	status, stdout, stderr := stop()
	assert.Equal(t, 0, status, stdout+stderr)
	assert.Contains(t, stdout, "PASS   PUT /partner/payin/v1/sites/test-01/payments/order-1 → 200 [createPayment] proxy (entry 1)")
	assert.Contains(t, stdout, "\n2 passed, 0 failed\n")
	outputs := stdout + stderr
	for _, f := range []string{har, junit} {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		outputs += string(data)
	}
	expectRun(t, []string{"replay", har}, 0, "2 passed, 0 failed")

	base, stop = serveProxy(t, "--upstream", upstream.URL, "--junit", junit)
	require.Equal(t, http.StatusBadRequest, curl(t, http.MethodPut, base+"/partner/payin/v1/sites/test-01/payments/order-2", key, `{"flags":["SALE"],`+card+`}`))
	status, stdout, stderr = stop()
	assert.Equal(t, 1, status, stdout+stderr)
	assert.Contains(t, stdout, "FAIL   PUT /partner/payin/v1/sites/test-01/payments/order-2 → 400 [createPayment]")
	assert.Contains(t, stdout, "\n0 passed, 1 failed\n")
	data, err := os.ReadFile(junit)
	require.NoError(t, err)
	assert.Contains(t, string(data), `failures="1"`)
	outputs += stdout + stderr + string(data)

	_, stop = serveProxy(t, "--upstream", upstream.URL)
	status, stdout, _ = stop()
	assert.Equal(t, 1, status)
	assert.Contains(t, stdout, "0 passed, 0 failed\nqiwicontract proxy: no exchange passed through")

	for _, secret := range []string{key, pan, `"` + cvv + `"`} {
		assert.NotContains(t, outputs, secret)
	}
}

// replay --against: the fixtures extracted from QIWI's pages are sent to the sandbox and
// every answer that differs from the page's is listed (a page's error examples and objects
// the sandbox does not hold among them); the key comes from QIWI_API_KEY and never shows.
// The sandbox echoes an invoice's flags and customer, and leaves out a bill's customer and
// customFields sent empty, as the pages' answers do.
func TestReplayAgainstTheSandbox(t *testing.T) {
	const key = "sandbox-key-0f9e8d7c"
	sb, err := sandbox.New(sandbox.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	docsDir, err := docs.Locate()
	require.NoError(t, err)
	fixtures := filepath.Join(t.TempDir(), "docs.json")
	expectRun(t, []string{"extract", "--docs", docsDir, "--out", fixtures}, 0, "wrote")
	t.Setenv("QIWI_API_KEY", key)
	expectRun(t, []string{"replay", "--against", srv.URL, "--junit", "junit.xml", fixtures}, 2, "--junit, --markdown and --json do not apply")
	expectRun(t, []string{"replay", "--against", "127.0.0.1:1", fixtures}, 2, "--against: replay: bad target URL")
	out := expectRun(t, []string{"replay", "--against", srv.URL, fixtures}, 1, " differ, ")
	assert.Regexp(t, `(?m)^\d+ same, [1-9]\d* differ, [1-9]\d* skipped$`, out)
	assert.Contains(t, out, "SKIP   BILL notification")
	assert.Regexp(t, `(?m)^DIFFER GET /payin/v1/sites/\{siteId\}/payments/\{paymentId\} → 5xx .*\(live 404\)`, out)
	assert.NotContains(t, out, key)
	block := func(header string) string {
		_, rest, ok := strings.Cut(out, header)
		require.True(t, ok, "no %q in\n%s", header, out)
		end := strings.Index(rest, "\n") + 1
		for end < len(rest) && strings.HasPrefix(rest[end:], "       ") {
			end += strings.Index(rest[end:], "\n") + 1
		}
		return rest[:end]
	}
	bill := block("PUT /partner/bill/v1/bills/893794793973 → 200 (bill-payments/bill-payments_en.html.md#create) (live 200)")
	assert.NotContains(t, bill, "/customer:")
	assert.NotContains(t, bill, "/customFields:")
	invoice := block("PUT /partner/payin/v1/sites/test-01/bills/893794793973 → 200 (website/payment-token_en.txt:79) (live 200)")
	assert.NotContains(t, invoice, "/flags:")
	assert.NotContains(t, invoice, "/customer:")
	assert.NotContains(t, invoice, "/customFields:")
}

// The proxy as a process: SIGTERM ends it with the summary, exit 1 after an invalid request.
func TestProxyStopsOnSIGTERM(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	upstream := httptest.NewServer(sb)
	t.Cleanup(upstream.Close)
	cmd, base, lines := startCommand(t, "proxy", "--listen", "127.0.0.1:0", "--upstream", upstream.URL)
	require.Equal(t, http.StatusBadRequest, curl(t, http.MethodPut, base+"/partner/payin/v1/sites/test-01/payments/order-3", "any-key", `{"flags":["SALE"]}`))
	status, rest := terminate(t, cmd, lines)
	assert.Equal(t, 1, status)
	assert.Contains(t, rest, "FAIL   PUT /partner/payin/v1/sites/test-01/payments/order-3 → 400 [createPayment]")
	assert.Contains(t, rest, "\n0 passed, 1 failed\n")
	assert.NotContains(t, rest, "any-key")
}
