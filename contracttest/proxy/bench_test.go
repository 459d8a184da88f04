package proxy_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/proxy"
)

// BenchmarkProxyLatency stands for what users run: `qiwicontract proxy --upstream URL` in
// front of the sandbox or QIWI, an application sending its calls through it on loopback. Each
// iteration sends one getPayment call straight to the upstream and one through the proxy
// (judged, off the request path, as the command judges it) over keep-alive connections, and
// reports the p50 and p99 latency of each and the p99 the proxy adds (goal: within 1 ms).
func BenchmarkProxyLatency(b *testing.B) {
	const answer = `{"paymentId":"order-1","amount":{"value":"10.00","currency":"RUB"},"status":{"value":"COMPLETED","changedDateTime":"2026-01-01T10:00:00+03:00"},"createdDateTime":"2026-01-01T10:00:00+03:00"}`
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, answer)
	}))
	defer upstream.Close()
	p, err := proxy.New(b.Context(), proxy.Options{Upstream: upstream.URL, Judge: theJudge(b)})
	require.NoError(b, err)
	through := httptest.NewServer(p)
	defer through.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	get := func(base string) time.Duration {
		req, err := http.NewRequest(http.MethodGet, base+"/partner/payin/v1/sites/test-01/payments/order-1", nil)
		require.NoError(b, err)
		req.Header.Set("Authorization", "Bearer bench-key")
		start := time.Now()
		resp, err := client.Do(req)
		require.NoError(b, err)
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		spent := time.Since(start)
		require.NoError(b, err)
		require.Equal(b, http.StatusOK, resp.StatusCode)
		return spent
	}
	get(upstream.URL) // the connections, and the judge's first use, before the clock
	get(through.URL)
	var direct, proxied []time.Duration
	for b.Loop() {
		direct = append(direct, get(upstream.URL))
		proxied = append(proxied, get(through.URL))
	}
	b.StopTimer()
	report := p.Close()
	require.True(b, report.OK())
	pct := func(d []time.Duration, q float64) float64 {
		slices.Sort(d)
		return float64(d[int(q*float64(len(d)-1))].Microseconds())
	}
	b.ReportMetric(pct(direct, 0.50), "direct-p50-µs")
	b.ReportMetric(pct(direct, 0.99), "direct-p99-µs")
	b.ReportMetric(pct(proxied, 0.50), "proxy-p50-µs")
	b.ReportMetric(pct(proxied, 0.99), "proxy-p99-µs")
	b.ReportMetric(pct(proxied, 0.99)-pct(direct, 0.99), "added-p99-µs")
}
