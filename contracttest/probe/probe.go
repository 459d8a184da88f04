// Package probe checks a live QIWI endpoint (the sandbox, a staging key) against the spec:
// it generates requests from the spec's schemas and the generated client's operation table,
// walks the flows the spec declares (x-qiwi-flows) feeding each answer's members into the
// next step, optionally sends requests the spec refuses, receives the notifications the
// flows cause, and judges every exchange with both verdicts (contracttest/verdict). The same
// seed sends the same requests; --max-requests and --duration bound a run.
package probe

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/replay"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/generator/runtime/transport"
	"github.com/qiwigen/qiwigen/spec"
	"github.com/qiwigen/qiwigen/spec/ext"
	"github.com/qiwigen/qiwigen/spec/load"
)

// Options configure a probe.
type Options struct {
	// BaseURL is where the API answers, as the client's WithBaseURL takes it (the sandbox:
	// http://127.0.0.1:PORT; /partner is added as the client adds it).
	BaseURL string
	// Keys maps siteIds to their API keys; the probe uses the first siteId in sorted order.
	Keys map[string]string
	// PayoutKeys sign payouts, by siteId; without the site's key payout steps are skipped.
	PayoutKeys map[string]crypto.Signer
	// NotifySecret verifies the notifications received on CallbackListen.
	NotifySecret string
	// CallbackListen, when set, is the HOST:PORT a listener receives notifications on.
	CallbackListen string
	// CallbackListener, when set, is the listener notifications arrive on (instead of
	// CallbackListen): for tests and programs that pick the port themselves. Run closes it.
	CallbackListener net.Listener
	// CallbackURL is the callbackUrl requests carry; empty: http://CallbackListen/ when
	// listening, else none.
	CallbackURL string
	// Operations, when set, limits the probe to flows that call one of these operationIds
	// and to negative requests of these operations.
	Operations []string
	// Seed makes the requests: the same seed sends the same requests.
	Seed uint64
	// MaxRequests bounds the requests sent (0: 1000).
	MaxRequests int
	// Duration bounds the run (0: 5 minutes).
	Duration time.Duration
	// Negative also sends requests the spec refuses, expecting QIWI's error with a 4xx.
	Negative bool
	// Now is the clock that times in requests derive from; nil is time.Now.
	Now func() time.Time
	// Spec is the resolved spec; nil is the bundled one.
	Spec []byte
	// Transport sends the requests; nil is http.DefaultTransport.
	Transport http.RoundTripper
	// NotifyWait is how long, after the step that causes it, the probe waits for each
	// notification a flow declares (notifies) before reporting it missing (0: 30 s); the
	// wait ends with --duration too.
	NotifyWait time.Duration
}

// ErrOptions is wrapped by errors about unusable options.
var ErrOptions = errors.New("probe: bad options")

// Kind says why an exchange was sent.
type Kind string

// Exchange kinds.
const (
	KindFlow         Kind = "flow"
	KindNegative     Kind = "negative"
	KindNotification Kind = "notification"
	KindConfirmation Kind = "confirmation"
)

// exchange is one exchange before judging: the interaction as sent and received (secrets
// included: only scrubbed copies leave the package), and the probe's own findings.
type exchange struct {
	in    fixture.Interaction
	kind  Kind
	extra []verdict.Finding
	// member is the request member a negative request spoils.
	member string
	// flow is the index of the flow in the report, -1 for none.
	flow int
}

// FlowResult is the outcome of one flow.
type FlowResult struct {
	// Name is the flow's name.
	Name string `json:"name"`
	// Steps is how many steps it has; Done how many ran.
	Steps int `json:"steps"`
	Done  int `json:"done"`
	// Failures say what went wrong, each naming the step and operation.
	Failures []string `json:"failures,omitempty"`
	// Stopped says why the flow did not finish without failing (the request budget).
	Stopped string `json:"stopped,omitempty"`
}

// Passed reports whether every step ran without a failure.
func (f FlowResult) Passed() bool { return len(f.Failures) == 0 && f.Stopped == "" }

// Report is what a probe found.
type Report struct {
	// Seed is the run's seed.
	Seed uint64
	// Exchanges are every judged exchange, in the order sent (notifications after).
	Exchanges replay.Report
	// Flows are the flows run, in declared order.
	Flows []FlowResult
	// Operations are the spec's operationIds; Covered those with a passing exchange.
	Operations []string
	Covered    map[string]bool
	// DeclaredFlows are every flow the spec declares.
	DeclaredFlows []string

	base  string
	kinds []Kind
	doc   *openapi3.T
}

// probe is one run.
type probe struct {
	opts      Options
	doc       *openapi3.T
	judge     *verdict.Judge
	vals      *values
	ops       map[string]qiwi.OperationInfo
	client    *qiwi.Client
	billing   *qiwi.Client // Bill Payments: no siteId
	key, site string
	rec       *recorder
	callback  string
	money     *openapi3.Schema // the Money schema, whose x-qiwi-request-amount gives request forms
}

// transportConfigParam is a path parameter the client's configuration fills.
type transportConfigParam = transport.ConfigParam

// operationsInOrder returns the operations in the generated table's order (path order).
func operationsInOrder(ops map[string]qiwi.OperationInfo) []qiwi.OperationInfo {
	var out []qiwi.OperationInfo
	for _, op := range qiwi.Operations() {
		if _, ok := ops[op.ID]; ok {
			out = append(out, op)
		}
	}
	return out
}

// Run probes the endpoint. An error means the probe could not run (exit 2); findings are in
// the report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.BaseURL == "" {
		return nil, fmt.Errorf("%w: no base URL", ErrOptions)
	}
	if len(opts.Keys) == 0 {
		return nil, fmt.Errorf("%w: no --key SITE=KEY", ErrOptions)
	}
	if opts.MaxRequests <= 0 {
		opts.MaxRequests = 1000
	}
	if opts.Duration <= 0 {
		opts.Duration = 5 * time.Minute
	}
	if opts.NotifyWait <= 0 {
		opts.NotifyWait = 30 * time.Second
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	data := opts.Spec
	if data == nil {
		data = spec.Resolved
	}
	doc, err := load.Document(data)
	if err != nil {
		return nil, fmt.Errorf("probe: spec: %w", err)
	}
	flows, err := ext.FlowsOf(doc)
	if err != nil {
		return nil, fmt.Errorf("probe: spec: %w", err)
	}
	if err := checkNotifies(doc, flows); err != nil {
		return nil, fmt.Errorf("probe: spec: %w", err)
	}
	judge, err := verdict.New(data)
	if err != nil {
		return nil, err
	}
	p := &probe{opts: opts, doc: doc, judge: judge, vals: newValues(opts.Seed, now()), ops: map[string]qiwi.OperationInfo{}}
	for _, op := range qiwi.Operations() {
		p.ops[op.ID] = op
	}
	for _, id := range opts.Operations {
		if _, ok := p.ops[id]; !ok {
			return nil, fmt.Errorf("%w: --operations: %q is no operation of the spec", ErrOptions, id)
		}
	}
	if doc.Components != nil && doc.Components.Schemas["Money"] != nil {
		p.money = doc.Components.Schemas["Money"].Value
	}
	p.site = slices.Sorted(maps.Keys(opts.Keys))[0]
	p.key = opts.Keys[p.site]
	ctx, cancel := context.WithTimeout(ctx, opts.Duration)
	defer cancel()
	next := opts.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	p.rec = &recorder{next: next, max: opts.MaxRequests}
	httpClient := &http.Client{Transport: p.rec, Timeout: 30 * time.Second}
	copts := []qiwi.Option{qiwi.WithBaseURL(opts.BaseURL), qiwi.WithHTTPClient(httpClient), qiwi.WithRetry(qiwi.RetryPolicy{MaxAttempts: 1})}
	if signer := opts.PayoutKeys[p.site]; signer != nil {
		copts = append(copts, qiwi.WithPayoutSigner(signer))
	}
	if p.client, err = qiwi.New(p.key, append(copts, qiwi.WithSiteID(p.site))...); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	if p.billing, err = qiwi.New(p.key, copts...); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}

	var listener *listener
	if opts.CallbackListen != "" || opts.CallbackListener != nil {
		if listener, err = listen(opts.CallbackListen, opts.CallbackListener, opts.NotifySecret); err != nil {
			return nil, fmt.Errorf("%w: --callback-listen: %w", ErrOptions, err)
		}
		defer listener.close()
		p.callback = "http://" + listener.addr + "/"
	}
	if opts.CallbackURL != "" {
		p.callback = opts.CallbackURL
	}

	r := &Report{Seed: opts.Seed, base: opts.BaseURL, doc: doc, Covered: map[string]bool{}}
	for _, f := range flows {
		r.DeclaredFlows = append(r.DeclaredFlows, f.Name)
	}
	var exchanges []exchange
	var expected []expectation
	for _, f := range flows {
		if !p.selected(f) {
			continue
		}
		res, ex, exp := p.walk(ctx, f, listener != nil)
		for i := range ex {
			ex[i].flow = len(r.Flows)
		}
		for i := range exp {
			exp[i].flow = len(r.Flows)
		}
		r.Flows = append(r.Flows, res)
		exchanges = append(exchanges, ex...)
		expected = append(expected, exp...)
	}
	if opts.Negative {
		exchanges = append(exchanges, p.negatives(ctx)...)
	}
	if listener != nil {
		exchanges = append(exchanges, p.notifications(ctx, listener, expected, r.Flows)...)
	}

	results := make([]verdict.Result, 0, len(exchanges))
	for _, ex := range exchanges {
		res := judge.Judge(context.WithoutCancel(ctx), ex.in)
		if ex.kind == KindNegative {
			res.Findings = negativeFindings(res, ex)
			ex.extra = nil
		}
		res.Findings = append(res.Findings, ex.extra...)
		if ex.kind == KindFlow && !res.Passed(false) {
			// A flow fails with its exchanges: the first failure names the step, scrubbed of
			// the exchange's secrets as every output is.
			_, scrub := fixture.Scrubbed(ex.in)
			for _, f := range res.Findings {
				if f.Severity == verdict.Fail {
					flow := &r.Flows[ex.flow]
					flow.Failures = append(flow.Failures, scrub("step "+strings.TrimPrefix(ex.in.Name, flow.Name+" ")+" ("+res.Operation+"): "+f.String()))
					break
				}
			}
		}
		results = append(results, res)
		r.kinds = append(r.kinds, ex.kind)
	}
	r.Exchanges = replay.Report{Results: results}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			r.Operations = append(r.Operations, op.OperationID)
		}
	}
	sort.Strings(r.Operations)
	for _, res := range results {
		if res.Operation != "" && res.Passed(false) {
			r.Covered[res.Operation] = true
		}
	}
	return r, nil
}

// selected reports whether a flow runs under --operations.
func (p *probe) selected(f ext.Flow) bool {
	if len(p.opts.Operations) == 0 {
		return true
	}
	for _, s := range f.Steps {
		if slices.Contains(p.opts.Operations, s.OperationID) {
			return true
		}
	}
	return false
}

// errNoPayoutKey stops a flow that reaches a signed operation without the site's key.
var errNoPayoutKey = errors.New("no payout signing key")

// errBudget is the recorder's refusal once --max-requests were sent.
var errBudget = errors.New("the request budget (--max-requests) is spent")

// recorder sends requests within the budget and records each exchange as sent and answered.
type recorder struct {
	next http.RoundTripper
	max  int

	mu   sync.Mutex
	sent int
	ins  []fixture.Interaction
}

// RoundTrip implements http.RoundTripper.
func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	if r.sent >= r.max {
		r.mu.Unlock()
		return nil, errBudget
	}
	r.sent++
	r.mu.Unlock()
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(answer))
	r.mu.Lock()
	r.ins = append(r.ins, fixture.Interaction{
		Kind:       fixture.API,
		Provenance: fixture.Provenance{Source: "recorded", File: "probe"},
		Request:    fixture.Request{Method: req.Method, URL: req.URL.RequestURI(), Header: req.Header.Clone(), Body: string(body)},
		Response:   &fixture.Response{Status: resp.StatusCode, Header: resp.Header.Clone(), Body: string(answer)},
	})
	r.mu.Unlock()
	return resp, nil
}

// take returns the exchanges recorded since the last take.
func (r *recorder) take() []fixture.Interaction {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.ins
	r.ins = nil
	return out
}

// spent reports whether the budget is spent.
func (r *recorder) spent() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent >= r.max
}

// stepState is what later steps read of a step.
type stepState struct {
	params map[string]string
	answer any
}

// walk runs one flow; with notify, it also returns the notifications its steps cause.
func (p *probe) walk(ctx context.Context, f ext.Flow, notify bool) (FlowResult, []exchange, []expectation) {
	res := FlowResult{Name: f.Name, Steps: len(f.Steps)}
	if f.Unavailable != "" {
		res.Stopped = "not run: " + f.Unavailable
		return res, nil, nil
	}
	for _, step := range f.Steps {
		if _, ok := p.ops[step.OperationID]; step.OperationID != "" && !ok {
			res.Stopped = fmt.Sprintf("not run: step %s: the generated client has no operation %s", step.ID, step.OperationID)
			return res, nil, nil
		}
	}
	var out []exchange
	var expected []expectation
	state := map[string]stepState{}
	for _, step := range f.Steps {
		if ctx.Err() != nil || p.rec.spent() {
			res.Stopped = fmt.Sprintf("stopped before step %s: %s", step.ID, stopReason(ctx))
			break
		}
		name := f.Name + " " + step.ID
		ex, st, err := p.step(ctx, step, state, name)
		out = append(out, ex...)
		if errors.Is(err, errBudget) || ctx.Err() != nil {
			res.Stopped = fmt.Sprintf("stopped at step %s: %s", step.ID, stopReason(ctx))
			break
		}
		if errors.Is(err, errNoPayoutKey) {
			res.Stopped = fmt.Sprintf("stopped at step %s: %v", step.ID, err)
			break
		}
		stepFailed := false
		for _, e := range ex {
			// The failures are written, scrubbed, once the exchanges are judged.
			stepFailed = stepFailed || len(e.extra) > 0
		}
		if err != nil {
			res.Failures = append(res.Failures, fmt.Sprintf("step %s (%s): %v", step.ID, cmp.Or(step.OperationID, "pay form"), err))
			break
		}
		res.Done++
		state[step.ID] = st
		if stepFailed {
			break
		}
		if notify {
			exp, err := p.expect(step, state)
			if err != nil {
				res.Failures = append(res.Failures, fmt.Sprintf("step %s (%s): notifies: %v", step.ID, cmp.Or(step.OperationID, "pay form"), err))
				break
			}
			expected = append(expected, exp...)
		}
	}
	return res, out, expected
}

// stopReason says why a run stops early.
func stopReason(ctx context.Context) string {
	if ctx.Err() != nil {
		return "--duration reached"
	}
	return errBudget.Error()
}

// expr resolves a flow expression.
func (p *probe) expr(text string, state map[string]stepState) (any, error) {
	e, err := ext.ParseExpr(text)
	if err != nil {
		return nil, err
	}
	switch e.Kind {
	case ext.ExprNew:
		return p.vals.id(), nil
	case ext.ExprTestMode:
		return p.vals.testMode(e.Name)
	case ext.ExprAnswer:
		st, ok := state[e.Step]
		if !ok {
			return nil, fmt.Errorf("%s: step %s did not answer", text, e.Step)
		}
		v, err := jsonpointer.Get(st.answer, e.Name)
		if err != nil {
			return nil, fmt.Errorf("%s: step %s's answer has no %s: %w", text, e.Step, e.Name, err)
		}
		return v, nil
	case ext.ExprParam:
		v, ok := state[e.Step].params[e.Name]
		if !ok {
			return nil, fmt.Errorf("%s: step %s has no parameter %s", text, e.Step, e.Name)
		}
		return v, nil
	}
	return e.Name, nil
}

// resolve resolves the expressions in a body value: strings, and those inside objects and
// lists.
func (p *probe) resolve(v any, state map[string]stepState) (any, error) {
	switch x := v.(type) {
	case string:
		return p.expr(x, state)
	case map[string]any:
		out := make(map[string]any, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			r, err := p.resolve(x[k], state)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i := range x {
			r, err := p.resolve(x[i], state)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// requestSchema returns an operation's JSON request body schema, nil for none.
func (p *probe) requestSchema(id string) *openapi3.SchemaRef {
	op := p.operation(id)
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil {
		return mt.Schema
	}
	return nil
}

// operation returns the spec's operation of that operationId.
func (p *probe) operation(id string) *openapi3.Operation {
	for _, item := range p.doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == id {
				return op
			}
		}
	}
	return nil
}

// step runs one step: its request built, sent through the generated client, judged later;
// the answer checked against the step's expectations.
func (p *probe) step(ctx context.Context, step ext.FlowStep, state map[string]stepState, name string) ([]exchange, stepState, error) {
	if step.PayForm != "" {
		return nil, stepState{}, p.payForm(ctx, step, state)
	}
	info := p.ops[step.OperationID]
	st := stepState{params: map[string]string{}}
	var args []string
	for _, param := range info.PathParams {
		if slices.ContainsFunc(info.ConfigParams, func(c transport.ConfigParam) bool { return c.Name == param }) {
			st.params[param] = p.site
			continue
		}
		value := p.vals.id()
		if text, ok := step.Parameters[param]; ok {
			v, err := p.expr(text, state)
			if err != nil {
				return nil, st, err
			}
			value = textOf(v)
		}
		st.params[param] = value
		args = append(args, value)
	}
	var body []byte
	if schema := p.requestSchema(step.OperationID); schema != nil {
		doc := p.vals.body(schema, p.callback)
		for _, ptr := range slices.Sorted(maps.Keys(step.Body)) {
			v, err := p.resolve(step.Body[ptr], state)
			if err != nil {
				return nil, st, err
			}
			if doc, err = set(doc, ptr, v); err != nil {
				return nil, st, err
			}
		}
		var err error
		if body, err = json.Marshal(doc); err != nil {
			return nil, st, err
		}
	}
	if info.Signed && p.opts.PayoutKeys[p.site] == nil {
		return nil, st, fmt.Errorf("%w: %s is signed (--payout-key %s=FILE)", errNoPayoutKey, step.OperationID, p.site)
	}
	client := p.client
	if len(info.ConfigParams) == 0 {
		client = p.billing
	}
	_, callErr := client.Invoke(ctx, step.OperationID, args, body)
	recorded := p.rec.take()
	var out []exchange
	for _, in := range recorded {
		in.Name = name
		out = append(out, exchange{in: in, kind: KindFlow})
	}
	if errors.Is(callErr, errBudget) {
		return out, st, callErr
	}
	if len(out) == 0 {
		return out, st, fmt.Errorf("nothing was sent: %w", callErr)
	}
	last := &out[len(out)-1]
	status := last.in.Response.Status
	fail := func(ptr, format string, args ...any) {
		last.extra = append(last.extra, verdict.Finding{Severity: verdict.Fail, Verdict: "flow", Pointer: ptr, Message: fmt.Sprintf(format, args...)})
	}
	if step.Refused {
		if status < 400 || status >= 500 {
			fail("", "%s: the test mode refuses it, but it answered %d", step.OperationID, status)
		}
		return out, st, nil
	}
	if status >= 300 {
		fail("", "%s answered %d: %s", step.OperationID, status, errorCode(last.in.Response.Body))
		return out, st, nil
	}
	if strings.TrimSpace(last.in.Response.Body) != "" {
		if err := json.Unmarshal([]byte(last.in.Response.Body), &st.answer); err != nil {
			fail("", "%s: the answer is not JSON: %v", step.OperationID, err)
			return out, st, nil
		}
	}
	for _, ptr := range slices.Sorted(maps.Keys(step.Expect)) {
		want, err := p.expr(step.Expect[ptr], state)
		if err != nil {
			return out, st, err
		}
		got, err := jsonpointer.Get(st.answer, ptr)
		switch {
		case err != nil:
			fail(ptr, "%s: the answer lacks %s (want %q)", step.OperationID, ptr, textOf(want))
		case !sameValue(got, want):
			fail(ptr, "%s: %s is %q, want %q", step.OperationID, ptr, textOf(got), textOf(want))
		}
	}
	return out, st, nil
}

// sameValue compares an answer's member with an expected value: amounts by value (9.00 is
// 9), the rest as text.
func sameValue(got, want any) bool {
	g, w := textOf(got), textOf(want)
	if g == w {
		return true
	}
	gm, err1 := parseMoney(g)
	wm, err2 := parseMoney(w)
	return err1 == nil && err2 == nil && gm == wm
}

// errorCode returns QIWI's error code of an error answer, for messages.
func errorCode(body string) string {
	var e struct {
		ErrorCode string          `json:"errorCode"`
		Descr     string          `json:"description"`
		Cause     json.RawMessage `json:"cause"`
	}
	if json.Unmarshal([]byte(body), &e) != nil || e.ErrorCode == "" {
		return "not QIWI's error object"
	}
	out := e.ErrorCode + " " + e.Descr
	if len(e.Cause) > 0 && string(e.Cause) != "null" {
		out += " " + string(e.Cause)
	}
	return out
}

// payForm pays a bill on its pay form, as the customer would in the test mode.
func (p *probe) payForm(ctx context.Context, step ext.FlowStep, state map[string]stepState) error {
	v, err := p.expr(step.PayForm, state)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, textOf(v), strings.NewReader(""))
	if err != nil {
		return fmt.Errorf("pay form: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	next := p.opts.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := (&http.Client{Transport: next, Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("pay form: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pay form answered %d", resp.StatusCode)
	}
	return nil
}
