package sandbox_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/contracttest/internal/benchdata"
	"github.com/qiwigen/qiwigen/contracttest/sandbox"
)

// loadRequests and loadWorkers bound the load benchmark: 50,000 requests at concurrency 32.
const (
	loadRequests = 50_000
	loadWorkers  = 32
)

// loadStep is one request of the load mix, in groups of five on one site: a one-step
// payment, three status reads, a partial refund (40% writes). Each group has a site of its
// own, so the test mode's 100 operations a day never refuse one.
func loadStep(base, run string, worker, k int) (method, url string, body []byte) {
	group := k / 5
	site := fmt.Sprintf("load-%s-%d-%d", run, worker, group)
	payment := base + "/partner/payin/v1/sites/" + site + "/payments/p"
	switch k % 5 {
	case 0:
		return http.MethodPut, payment, loadPayment
	case 4:
		return http.MethodPut, payment + "/refunds/r", loadRefund
	}
	return http.MethodGet, payment, nil
}

var (
	loadPayment = []byte(`{"amount": {"value": "1.00", "currency": "RUB"}, "paymentMethod": {"type": "CARD", "pan": "4256000000000003", "expiryDate": "05/30", "cvv2": "123", "holderName": "LOAD"}, "flags": ["SALE"]}`)
	loadRefund  = []byte(`{"amount": {"value": "0.10", "currency": "RUB"}}`)
)

// load sends the mix to base from loadWorkers goroutines and returns the wall time, each
// request's latency, and how many answers were not 200.
func load(b *testing.B, client *http.Client, base, run string, latencies []time.Duration) (time.Duration, int) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	per := loadRequests / loadWorkers
	start := time.Now()
	for w := range loadWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bad := 0
			for k := range per {
				method, url, body := loadStep(base, run, w, k)
				req, err := http.NewRequest(method, url, bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				req.Header.Set("Authorization", "Bearer load-key")
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				latencies[w*per+k] = time.Since(t0)
				if resp.StatusCode != http.StatusOK {
					bad++
				}
			}
			mu.Lock()
			failed += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	return time.Since(start), failed
}

func p99(latencies []time.Duration) time.Duration {
	sorted := slices.Clone(latencies)
	slices.Sort(sorted)
	return sorted[len(sorted)*99/100]
}

// BenchmarkSandboxLoad stands for a test suite's load on `qiwicontract sandbox`,
// `qiwicontract sandbox --state FILE` and `qiwicontract sandbox --state FILE --state-fsync`:
// it sends 50,000 requests at concurrency 32 over loopback, 40% writes, to a bare net/http
// handler that reads each body and answers the same payment JSON, to the sandbox in memory,
// to the sandbox keeping its state in a file (b.TempDir; each answered write committed to
// it first, handed to the kernel: state-req/s) and to the same with each commit fsynced
// (state-fsync-req/s); all in the same iteration. It reports requests per second and p99
// latency of each, the process's CPU time per request of each (its excess over the bare
// handler's is what the sandbox costs), and the ratios. Each side pays the same client,
// requests and clock readings.
//
// The goal is 15,000 requests/s with the state file, set on a machine where this benchmark
// measured the sandbox of then (e480b87) at 20,000 requests/s in memory: with --state, at
// least three quarters of what that sandbox did in memory on the same machine. On a
// two-core machine, where the bare handler and the client alone take 60-100 µs of CPU a
// request, that sandbox does about half the bare handler's rate (0.52, the median of nine
// runs), so state/bare at least 0.39 stands for the goal in this benchmark's own terms.
//
// Afterwards every count is checked: each answer 200, and each payment refunded exactly once;
// the state files, reopened, hold each of them.
func BenchmarkSandboxLoad(b *testing.B) {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	srv := httptest.NewServer(sb)
	defer srv.Close()
	statePath := filepath.Join(b.TempDir(), "state.db")
	kept, err := sandbox.New(sandbox.Options{StatePath: statePath})
	if err != nil {
		b.Fatal(err)
	}
	keptSrv := httptest.NewServer(kept)
	syncedPath := filepath.Join(b.TempDir(), "synced.db")
	synced, err := sandbox.New(sandbox.Options{StatePath: syncedPath, StateFsync: true})
	if err != nil {
		b.Fatal(err)
	}
	syncedSrv := httptest.NewServer(synced)
	probe := httptest.NewRecorder()
	probeReq := httptest.NewRequest(http.MethodPut, "/partner/payin/v1/sites/probe/payments/p", bytes.NewReader(loadPayment))
	probeReq.Header.Set("Authorization", "Bearer load-key")
	probeReq.Header.Set("Content-Type", "application/json")
	sb.ServeHTTP(probe, probeReq)
	answer := probe.Body.Bytes()
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
	defer bare.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 2 * loadWorkers, MaxIdleConnsPerHost: 2 * loadWorkers}}
	defer client.CloseIdleConnections()

	type side struct {
		base         string
		lat          []time.Duration
		time, p, cpu time.Duration
		name         string
	}
	sides := []*side{{base: bare.URL, name: "bare"}, {base: srv.URL, name: "sandbox"}, {base: keptSrv.URL, name: "state"}, {base: syncedSrv.URL, name: "state-fsync"}}
	for _, sd := range sides {
		sd.lat = make([]time.Duration, loadRequests)
	}
	run := 0
	for b.Loop() {
		run++
		id := fmt.Sprint(run)
		for _, sd := range sides {
			cpu := benchdata.CPU()
			d, failed := load(b, client, sd.base, id, sd.lat)
			sd.cpu += benchdata.CPU() - cpu
			if failed > 0 {
				b.Fatalf("%s: %d of %d requests answered with another status than 200", sd.name, failed, loadRequests)
			}
			sd.time += d
			sd.p = max(sd.p, p99(sd.lat))
		}
		checkLoad(b, client, srv.URL, id)
		checkLoad(b, client, keptSrv.URL, id)
		checkLoad(b, client, syncedSrv.URL, id)
	}
	b.StopTimer()
	keptSrv.Close()
	syncedSrv.Close()
	client.CloseIdleConnections()
	for _, sb := range []*sandbox.Sandbox{kept, synced} {
		if err := sb.Close(); err != nil {
			b.Fatal(err)
		}
	}
	// What a state file holds is what was answered: a sandbox reopened on it answers the same.
	for _, path := range []string{statePath, syncedPath} {
		reopened, err := sandbox.New(sandbox.Options{StatePath: path})
		if err != nil {
			b.Fatal(err)
		}
		again := httptest.NewServer(reopened)
		for r := 1; r <= run; r++ {
			checkLoad(b, client, again.URL, fmt.Sprint(r))
		}
		again.Close()
		if err := reopened.Close(); err != nil {
			b.Fatal(err)
		}
	}
	requests := float64(run * (loadRequests / loadWorkers) * loadWorkers)
	rate := func(i int) float64 { return requests / sides[i].time.Seconds() }
	b.ReportMetric(rate(1), "sandbox-req/s")
	b.ReportMetric(rate(2), "state-req/s")
	b.ReportMetric(rate(3), "state-fsync-req/s")
	b.ReportMetric(rate(0), "bare-req/s")
	b.ReportMetric(rate(1)/rate(0), "sandbox/bare")
	b.ReportMetric(rate(2)/rate(1), "state/sandbox")
	b.ReportMetric(rate(2)/rate(0), "state/bare")
	for _, sd := range sides {
		b.ReportMetric(float64(sd.p.Microseconds())/1000, sd.name+"-p99-ms")
		// The process's CPU time per request (client, server and handler): unlike the
		// rates, it hardly moves with the machine's other load.
		b.ReportMetric(float64(sd.cpu.Microseconds())/requests, sd.name+"-cpu-µs/req")
	}
}

// checkLoad reads back every payment of a run: each captured 1.00 and refunded 0.10 once.
func checkLoad(b *testing.B, client *http.Client, base, run string) {
	per := loadRequests / loadWorkers
	for w := range loadWorkers {
		for k := 0; k < per; k += 5 {
			if k+4 >= per {
				break // the group was cut before its refund
			}
			_, url, _ := loadStep(base, run, w, k)
			req, err := http.NewRequest(http.MethodGet, url, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer load-key")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var p struct {
				CapturedAmount, RefundedAmount struct{ Value string }
			}
			err = json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
			if err != nil || p.CapturedAmount.Value != "1.00" || p.RefundedAmount.Value != "0.10" {
				b.Fatalf("%s: captured %q, refunded %q (%v); want 1.00 and 0.10", url, p.CapturedAmount.Value, p.RefundedAmount.Value, err)
			}
		}
	}
}

// BenchmarkSandboxServe is what each request of BenchmarkSandboxLoad's mix costs the sandbox
// itself, without the network and the client: its CPU time (ns/op, one request at a time)
// and its allocations per request, in memory and with `--state FILE` (each write committed
// alone: no concurrent call shares it).
func BenchmarkSandboxServe(b *testing.B) {
	for _, mode := range []string{"memory", "state"} {
		b.Run(mode, func(b *testing.B) {
			opts := sandbox.Options{}
			if mode == "state" {
				opts.StatePath = filepath.Join(b.TempDir(), "state.db")
			}
			sb, err := sandbox.New(opts)
			if err != nil {
				b.Fatal(err)
			}
			defer sb.Close()
			b.ReportAllocs()
			k := 0
			for b.Loop() {
				method, url, body := loadStep("", "serve", 0, k)
				k++
				req := httptest.NewRequest(method, url, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer load-key")
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				sb.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s %s: %d %s", method, url, w.Code, w.Body)
				}
			}
		})
	}
}
