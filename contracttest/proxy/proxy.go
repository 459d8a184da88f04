// Package proxy is a recording, validating reverse proxy: an application in any language
// talks to QIWI (or the sandbox) through it, every exchange is forwarded unchanged
// (net/http/httputil.ReverseProxy), and each is judged as it passes by both verdicts, as
// replay judges a recording, and logged in one scrubbed line. Close ends the judging; the
// results, the scrubbed recording (HAR) and the JUnit report are then the run's outcome.
//
// Judging happens off the request path, in one goroutine fed by a bounded queue: the
// application waits only for the copy of the bodies, never for a verdict.
package proxy

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/replay"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
)

// DefaultMaxBody is the largest body a proxy records and judges when Options.MaxBody is 0;
// QIWI's bodies are a few KB.
const DefaultMaxBody = 8 << 20

// queueSize bounds the exchanges waiting for their verdict (a few KB each): a burst of that
// many is answered at the upstream's pace; past it the next exchange waits for a verdict
// before it is answered (the application feels the backpressure, memory stays bounded).
const queueSize = 4096

// ErrUpstream is wrapped by the error New returns for an upstream URL it cannot forward to.
var ErrUpstream = errors.New("proxy: bad upstream URL")

// Options configure a proxy.
type Options struct {
	// Upstream is where every request goes: an absolute http or https URL (QIWI's
	// https://api.qiwi.com, the sandbox's http://127.0.0.1:PORT). Required.
	Upstream string
	// Judge judges each exchange. Required.
	Judge *verdict.Judge
	// Strict makes undocumented members fail instead of warn.
	Strict bool
	// Log, when set, receives each exchange as replay writes a result: one line with its
	// outcome, method, path, status and operation, then its findings, scrubbed.
	Log io.Writer
	// Transport sends the requests upstream; nil is http.DefaultTransport.
	Transport http.RoundTripper
	// MaxBody bounds the bytes of one body that are recorded; a longer body is forwarded
	// whole and its exchange fails unjudged. 0 is DefaultMaxBody.
	MaxBody int64
}

// Proxy is an http.Handler forwarding to the upstream and judging every exchange. It is safe
// for concurrent use.
type Proxy struct {
	rp      *httputil.ReverseProxy
	judge   *verdict.Judge
	strict  bool
	log     io.Writer
	maxBody int64

	queue chan exchange
	done  chan struct{}

	mu      sync.RWMutex // held for reading while an exchange is queued, for writing by Close
	closed  bool
	seq     atomic.Int64     // exchanges seen
	results []verdict.Result // shown (scrubbed), in the order judged; the judging goroutine's until done
}

// exchange is one request and its answer as the proxy saw them, before judging.
type exchange struct {
	in  fixture.Interaction
	err string // why it is not judged: the upstream failed, a body too long to record
}

// recordKey carries an exchange's record from ServeHTTP to ModifyResponse and ErrorHandler.
type recordKey struct{}

// New returns a proxy to opts.Upstream; Close it to have every exchange judged. The judging
// runs with ctx's values, but ctx's end does not stop it: Close still has every exchange
// queued until then judged whole.
func New(ctx context.Context, opts Options) (*Proxy, error) {
	if opts.Judge == nil {
		return nil, errors.New("proxy: no Judge")
	}
	up, err := url.Parse(opts.Upstream)
	if err != nil || (up.Scheme != "http" && up.Scheme != "https") || up.Host == "" || up.RawQuery != "" || up.Fragment != "" {
		// The URL may carry credentials (user:password@): it is not echoed.
		return nil, fmt.Errorf("%w: want an absolute http or https URL with a host, no query", ErrUpstream)
	}
	p := &Proxy{judge: opts.Judge, strict: opts.Strict, log: opts.Log, maxBody: opts.MaxBody,
		queue: make(chan exchange, queueSize), done: make(chan struct{})}
	if p.maxBody <= 0 {
		p.maxBody = DefaultMaxBody
	}
	p.rp = &httputil.ReverseProxy{
		// Forwarded unchanged: no X-Forwarded-* added; only the address is the upstream's.
		Rewrite:        func(pr *httputil.ProxyRequest) { pr.SetURL(up) },
		Transport:      opts.Transport,
		ModifyResponse: p.recordResponse,
		ErrorHandler:   p.upstreamFailed,
	}
	go p.judgeQueue(context.WithoutCancel(ctx))
	return p, nil
}

// record is what ServeHTTP learns of an exchange, filled in as it passes.
type record struct {
	ex exchange
}

// ServeHTTP forwards the request upstream and the answer back, recording both.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &record{ex: exchange{in: fixture.Interaction{
		Name:    r.Method + " " + r.URL.Path,
		Kind:    fixture.API,
		Request: fixture.Request{Method: r.Method, URL: r.URL.RequestURI(), Header: r.Header.Clone()},
	}}}
	if r.Body != nil && r.Body != http.NoBody {
		body, whole, err := readBounded(r.Body, p.maxBody)
		if err != nil {
			http.Error(w, "qiwicontract proxy: reading the request body: "+err.Error(), http.StatusBadRequest)
			rec.ex.err = "reading the request body: " + err.Error()
			p.enqueue(r.Context(), rec.ex)
			return
		}
		rec.ex.in.Request.Body = string(body)
		if !whole {
			rec.ex.err = fmt.Sprintf("request body over %d bytes: forwarded, not judged", p.maxBody)
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		} else {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
	}
	p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), recordKey{}, rec)))
	p.enqueue(r.Context(), rec.ex)
}

// readBounded reads at most limit bytes; whole is false when the body goes on.
func readBounded(body io.Reader, limit int64) (data []byte, whole bool, err error) {
	data, err = io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(data)) > limit {
		return data, false, nil
	}
	return data, true, nil
}

// recordResponse records the upstream's answer and hands it on unchanged.
func (p *Proxy) recordResponse(resp *http.Response) error {
	rec, _ := resp.Request.Context().Value(recordKey{}).(*record)
	if rec == nil {
		return nil
	}
	body, whole, err := readBounded(resp.Body, p.maxBody)
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err) // ErrorHandler records it
	}
	rec.ex.in.Response = &fixture.Response{Status: resp.StatusCode, Header: resp.Header.Clone(), Body: string(body)}
	rec.ex.in.Name += fmt.Sprintf(" → %d", resp.StatusCode)
	if whole {
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err := p.decoded(rec.ex.in.Response); err != nil && rec.ex.err == "" {
			rec.ex.err = err.Error()
		}
		return nil
	}
	if rec.ex.err == "" {
		rec.ex.err = fmt.Sprintf("response body over %d bytes: forwarded, not judged", p.maxBody)
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
	return nil
}

// decoded replaces a gzip-encoded recorded answer (the application asked for gzip) by the
// JSON it holds, as the application reads it; what is forwarded stays encoded.
func (p *Proxy) decoded(resp *fixture.Response) error {
	if !strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "gzip") {
		return nil
	}
	zr, err := gzip.NewReader(strings.NewReader(resp.Body))
	if err != nil {
		return fmt.Errorf("response body: gzip: %w", err)
	}
	body, whole, err := readBounded(zr, p.maxBody)
	if err != nil {
		return fmt.Errorf("response body: gzip: %w", err)
	}
	if !whole {
		return fmt.Errorf("response body over %d bytes unzipped: forwarded, not judged", p.maxBody)
	}
	resp.Body = string(body)
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	return nil
}

// upstreamFailed answers 502 when the upstream could not be reached or read, and records why.
func (p *Proxy) upstreamFailed(w http.ResponseWriter, r *http.Request, err error) {
	if rec, _ := r.Context().Value(recordKey{}).(*record); rec != nil {
		rec.ex.err = "upstream: " + err.Error()
		rec.ex.in.Response = nil
	}
	w.WriteHeader(http.StatusBadGateway)
}

// enqueue hands an exchange to the judging goroutine; after Close it is judged at once, with
// the request's context (its values; the request's end does not stop the judging).
func (p *Proxy) enqueue(ctx context.Context, ex exchange) {
	ex.in.Provenance = fixture.Provenance{Source: "proxy", File: "proxy", Entry: int(p.seq.Add(1))}
	p.mu.RLock()
	if !p.closed {
		p.queue <- ex
		p.mu.RUnlock()
		return
	}
	p.mu.RUnlock()
	// Late (a handler still running after Close): counted, but it is not in the results
	// Close's caller already read, so it is only logged.
	res := p.judgeOne(context.WithoutCancel(ctx), ex)
	if p.log != nil {
		_ = replay.WriteResult(p.log, res, p.strict)
	}
}

// judgeQueue judges exchanges in the order they finished, until Close.
func (p *Proxy) judgeQueue(ctx context.Context) {
	defer close(p.done)
	for ex := range p.queue {
		res := p.judgeOne(ctx, ex)
		p.results = append(p.results, res)
		if p.log != nil {
			_ = replay.WriteResult(p.log, res, p.strict) // a log that fails loses lines, not verdicts
		}
	}
}

// judgeOne judges an exchange as replay does and returns the result as outputs show it:
// scrubbed, so that no secret outlives the exchange in memory.
func (p *Proxy) judgeOne(ctx context.Context, ex exchange) verdict.Result {
	if ex.err != "" {
		res := verdict.Result{Interaction: ex.in, Findings: []verdict.Finding{{Severity: verdict.Fail, Verdict: "proxy", Message: ex.err}}}
		if ex.in.Response != nil {
			res.Status = ex.in.Response.Status
		} else {
			// A HAR entry and a fixture need an answer: the one the application got.
			res.Interaction.Response = &fixture.Response{Status: http.StatusBadGateway}
			res.Interaction.Name += " → 502"
			res.Status = http.StatusBadGateway
		}
		return replay.Shown(res)
	}
	return replay.Shown(replay.Judge(ctx, p.judge, ex.in))
}

// Close stops queueing, waits until every queued exchange is judged and returns the report:
// one result per exchange, scrubbed, in the order they were judged. Serve no request after
// it (shut the server down first): such a request is still forwarded and logged, but it is
// not in the report.
func (p *Proxy) Close() replay.Report {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.queue)
	}
	p.mu.Unlock()
	<-p.done
	return replay.Report{Results: p.results, Strict: p.strict}
}

// WriteHAR writes the recording of a closed proxy's report to w as a HAR 1.2 log
// (fixture.WriteHAR), scrubbed as the report is, its URLs on upstream (without any
// user:password@ the upstream URL carries).
func WriteHAR(w io.Writer, upstream string, report replay.Report) error {
	ins := make([]fixture.Interaction, len(report.Results))
	for i, res := range report.Results {
		ins[i] = res.Interaction
	}
	return fixture.WriteHAR(w, upstream, ins)
}
