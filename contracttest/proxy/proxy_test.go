package proxy_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/internal/syncbuf"
	"github.com/qiwigen/qiwigen/contracttest/proxy"
	"github.com/qiwigen/qiwigen/contracttest/replay"
	"github.com/qiwigen/qiwigen/contracttest/sandbox"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/spec"
)

// The credentials a session carries; none may reach the log, the HAR or the report.
const (
	apiKey = "live-5c4b25aa93aa435d9cb8cd17480356f9"
	pan    = "4111111111111111"
	cvv    = "123"
)

var judge = sync.OnceValues(func() (*verdict.Judge, error) { return verdict.New(spec.Resolved) })

func theJudge(t testing.TB) *verdict.Judge {
	t.Helper()
	j, err := judge()
	require.NoError(t, err)
	return j
}

// sandboxUpstream serves a sandbox that knows apiKey for test-01 on 127.0.0.1.
func sandboxUpstream(t *testing.T) *httptest.Server {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{Keys: map[string]string{"test-01": apiKey}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	upstream := httptest.NewServer(sb)
	t.Cleanup(upstream.Close)
	return upstream
}

// startProxy serves a proxy to upstream on 127.0.0.1.
func startProxy(t *testing.T, upstream string, strict bool) (*proxy.Proxy, string, *syncbuf.Buffer) {
	t.Helper()
	var log syncbuf.Buffer
	p, err := proxy.New(t.Context(), proxy.Options{Upstream: upstream, Judge: theJudge(t), Strict: strict, Log: &log})
	require.NoError(t, err)
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv.URL, &log
}

// call sends one request as curl would and returns the status and body.
func call(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(data)
}

func payment(amount string) string {
	return `{"amount":{"currency":"RUB","value":` + amount + `},"flags":["SALE"],` +
		`"paymentMethod":{"type":"CARD","pan":"` + pan + `","expiryDate":"05/30","cvv2":"` + cvv + `","holderName":"CARD HOLDER"}}`
}

// A curl-like session through the proxy against the sandbox: every exchange is recorded,
// judged by both verdicts and logged; the invalid request (no amount) fails the run; neither
// the log, the report nor the HAR carries the key, the card number or the CVV; the HAR
// replays to the same verdicts.
func TestSessionAgainstTheSandbox(t *testing.T) {
	upstream := sandboxUpstream(t)
	p, base, log := startProxy(t, upstream.URL, false)
	payments := base + "/partner/payin/v1/sites/test-01/payments/"

	status, body := call(t, http.MethodPut, payments+"order-1", payment("10.00"))
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, `"paymentId":"order-1"`, "the sandbox's answer reaches the client")
	status, _ = call(t, http.MethodGet, payments+"order-1", "")
	require.Equal(t, http.StatusOK, status)
	status, _ = call(t, http.MethodGet, payments+"order-none", "")
	require.Equal(t, http.StatusNotFound, status)
	report := p.Close()
	require.Len(t, report.Results, 3)
	passed, failed, _ := report.Counts()
	assert.Equal(t, 3, passed, log.String())
	assert.Equal(t, 0, failed)
	assert.Equal(t, []string{"createPayment", "getPayment", "getPayment"}, []string{report.Results[0].Operation, report.Results[1].Operation, report.Results[2].Operation})
	assert.Equal(t, "proxy (entry 1)", report.Results[0].Interaction.Provenance.String())
	for _, want := range []string{"PASS   PUT /partner/payin/v1/sites/test-01/payments/order-1 → 200 [createPayment]", "GET /partner/payin/v1/sites/test-01/payments/order-none → 404 [getPayment]"} {
		assert.Contains(t, log.String(), want)
	}

	var har bytes.Buffer
	require.NoError(t, proxy.WriteHAR(&har, upstream.URL, report))
	ins, err := fixture.ParseHAR("proxy.har", har.Bytes())
	require.NoError(t, err)
	again := replay.Run(t.Context(), theJudge(t), ins, false)
	assert.True(t, again.OK(), "the HAR replays clean")
	require.Len(t, again.Results, 3)

	// The invalid request: the sandbox refuses it and the proxy fails it.
	p, base, log = startProxy(t, upstream.URL, false)
	status, _ = call(t, http.MethodPut, base+"/partner/payin/v1/sites/test-01/payments/order-2", `{"flags":["SALE"],"paymentMethod":{"type":"CARD","pan":"`+pan+`","expiryDate":"05/30","cvv2":"`+cvv+`"}}`)
	assert.Equal(t, http.StatusBadRequest, status)
	report = p.Close()
	assert.False(t, report.OK())
	assert.Contains(t, log.String(), "FAIL   PUT /partner/payin/v1/sites/test-01/payments/order-2 → 400 [createPayment]")
	assert.Contains(t, log.String(), `property "amount" is missing`)

	var junit bytes.Buffer
	require.NoError(t, report.WriteJUnit(&junit))
	require.NoError(t, proxy.WriteHAR(&har, upstream.URL, report))
	for name, out := range map[string]string{"log": log.String(), "har": har.String(), "junit": junit.String()} {
		for _, secret := range []string{apiKey, pan, `"` + cvv + `"`} {
			assert.NotContains(t, out, secret, "the %s carries a credential", name)
		}
	}
	assert.Contains(t, har.String(), "Bearer REDACTED")
}

// Forwarded unchanged: the upstream sees the request as the client sent it (no
// X-Forwarded-For added), the client the answer as the upstream wrote it; a gzip answer is
// forwarded encoded and judged decoded.
func TestForwardsUnchanged(t *testing.T) {
	const answer = `{"paymentId":"p1","status":{"value":"WAITING"}}`
	var seen http.Header
	var seenBody string
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
		data, _ := io.ReadAll(r.Body)
		seenBody = string(data)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Upstream", "yes")
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			_, _ = io.WriteString(zw, answer)
			_ = zw.Close()
			return
		}
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(upstream.Close)
	p, base, _ := startProxy(t, upstream.URL, false)

	status, body := call(t, http.MethodPut, base+"/partner/payin/v1/sites/test-01/payments/p1", payment("10.00"))
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, answer, body)
	assert.Equal(t, payment("10.00"), seenBody)
	assert.Equal(t, "Bearer "+apiKey, seen.Get("Authorization"))
	assert.Empty(t, seen.Values("X-Forwarded-For"))

	req, err := http.NewRequest(http.MethodGet, base+"/partner/payin/v1/sites/test-01/payments/p1", nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Encoding", "gzip") // asked by hand: the client does not unzip
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"), "forwarded encoded")
	assert.Equal(t, "yes", resp.Header.Get("X-Upstream"))
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	require.NoError(t, err)
	unzipped, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Equal(t, answer, string(unzipped))

	report := p.Close()
	require.Len(t, report.Results, 2)
	assert.Equal(t, answer, report.Results[1].Interaction.Response.Body, "judged decoded")
	assert.True(t, json.Valid([]byte(report.Results[1].Interaction.Response.Body)))
}

// An upstream that cannot be reached: the client gets 502, the exchange fails naming why.
func TestUpstreamDown(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL
	down.Close()
	p, base, log := startProxy(t, url, false)
	status, _ := call(t, http.MethodGet, base+"/partner/payin/v1/sites/test-01/payments/p1", "")
	assert.Equal(t, http.StatusBadGateway, status)
	report := p.Close()
	assert.False(t, report.OK())
	assert.Contains(t, log.String(), "FAIL   GET /partner/payin/v1/sites/test-01/payments/p1 → 502")
	assert.Contains(t, log.String(), "proxy: upstream: ")
	assert.NotContains(t, log.String(), apiKey)
}

// A bad upstream is refused at New, its text (which may hold a password) not echoed.
func TestBadUpstream(t *testing.T) {
	for _, up := range []string{"", "127.0.0.1:8080", "ftp://host", "http://user:hunter2@/", "http://host/?q=1"} {
		_, err := proxy.New(t.Context(), proxy.Options{Upstream: up, Judge: theJudge(t)})
		require.ErrorIs(t, err, proxy.ErrUpstream, up)
		assert.NotContains(t, err.Error(), "hunter2")
	}
	_, err := proxy.New(t.Context(), proxy.Options{Upstream: "http://127.0.0.1:1"})
	assert.ErrorContains(t, err, "no Judge")
}

// The judging runs on New's context, but its end does not cut the judging short: exchanges
// that pass after it ended are still judged whole by both verdicts. Concurrent exchanges
// are numbered 1 to N, each once.
func TestJudgingOutlivesItsContext(t *testing.T) {
	upstream := sandboxUpstream(t)
	ctx, cancel := context.WithCancel(t.Context())
	p, err := proxy.New(ctx, proxy.Options{Upstream: upstream.URL, Judge: theJudge(t)})
	require.NoError(t, err)
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	cancel()

	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, body := call(t, http.MethodPut, srv.URL+"/partner/payin/v1/sites/test-01/payments/order-"+strconv.Itoa(i), payment("10.00"))
			assert.Equal(t, http.StatusOK, status, body)
		}()
	}
	wg.Wait()
	report := p.Close()
	require.Len(t, report.Results, n)
	entries := make([]int, 0, n)
	for _, res := range report.Results {
		assert.Empty(t, res.Findings, "%s", res.Interaction.Name)
		assert.Equal(t, "createPayment", res.Operation)
		entries = append(entries, res.Interaction.Provenance.Entry)
	}
	passed, failed, _ := report.Counts()
	assert.Equal(t, n, passed)
	assert.Zero(t, failed)
	assert.ElementsMatch(t, []int{1, 2, 3, 4, 5, 6, 7, 8}, entries)
}
