package probe_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/probe"
	"github.com/qiwigen/qiwigen/contracttest/replay"
	"github.com/qiwigen/qiwigen/contracttest/sandbox"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/runtime/testmode"
	"github.com/qiwigen/qiwigen/spec"
)

const (
	siteID = "probe-site"
	apiKey = "probe-key"
)

// clock is the fixed time requests derive from.
var clock = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// target is a sandbox on 127.0.0.1 and the probe's options for it.
type target struct {
	srv  *httptest.Server
	sb   *sandbox.Sandbox
	opts probe.Options
}

// newTarget starts a sandbox; notifyURL, when set, receives its notifications, signed with
// secret.
func newTarget(t *testing.T, key *rsa.PrivateKey, secret, notifyURL string) *target {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{Keys: map[string]string{siteID: apiKey}, TimeScale: 3600, Now: func() time.Time { return clock },
		PayoutKeys: map[string]*rsa.PublicKey{siteID: &key.PublicKey}, NotifySecret: secret, NotifyURL: notifyURL})
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	return &target{srv: srv, sb: sb, opts: probe.Options{BaseURL: srv.URL, Keys: map[string]string{siteID: apiKey},
		PayoutKeys: map[string]crypto.Signer{siteID: key}, Seed: 7, Now: func() time.Time { return clock }}}
}

// sharedKey is one payout key for every test: generating one takes seconds.
var sharedKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, qiwi.MinPayoutKeyBits) })

func payoutKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := sharedKey()
	require.NoError(t, err)
	return key
}

// mutator is a proxy between the probe and the sandbox that changes the JSON answers of one
// operation (by method and a path pattern).
func mutator(t *testing.T, upstream string, method string, path *regexp.Regexp, mutate func(map[string]any)) string {
	t.Helper()
	target, err := url.Parse(upstream)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method != method || !path.MatchString(resp.Request.URL.Path) || resp.StatusCode >= 300 {
			return nil
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		var m map[string]any
		if json.Unmarshal(data, &m) == nil {
			mutate(m)
			data, _ = json.Marshal(m)
		}
		resp.Body = io.NopCloser(bytes.NewReader(data))
		resp.ContentLength = int64(len(data))
		resp.Header.Set("Content-Length", strconv.Itoa(len(data)))
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}

// run probes and returns the report, its text and its JSON.
func run(t *testing.T, opts probe.Options) (*probe.Report, string) {
	t.Helper()
	r, err := probe.Run(context.Background(), opts)
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, r.WriteText(&out))
	return r, out.String()
}

// A wrong endpoint is caught: an answer member of another type, a required member dropped;
// each is reported naming the operation and the member, and the probe fails.
func TestProbeCatchesWrongAnswers(t *testing.T) {
	key := payoutKey(t)
	for name, c := range map[string]struct {
		method string
		path   string
		mutate func(map[string]any)
		want   []string
	}{
		"type changed": {http.MethodPut, `/payments/[^/]+$`, func(m map[string]any) { m["paymentId"] = 12345 },
			[]string{"[createPayment]", "/paymentId", "string"}},
		"required dropped": {http.MethodGet, `^/partner/bill/v1/bills/[^/]+$`, func(m map[string]any) { delete(m, "status") },
			[]string{"[getBill]", `property "status" is missing`}},
	} {
		t.Run(name, func(t *testing.T) {
			tg := newTarget(t, key, "", "")
			opts := tg.opts
			opts.BaseURL = mutator(t, tg.srv.URL, c.method, regexp.MustCompile(c.path), c.mutate)
			r, text := run(t, opts)
			assert.False(t, r.OK())
			failing := ""
			for _, line := range strings.Split(text, "\n") {
				if strings.HasPrefix(line, "FAIL ") && strings.Contains(line, c.want[0]) {
					failing = line
				}
			}
			require.NotEmpty(t, failing, text)
			for _, want := range c.want[1:] {
				assert.Contains(t, text, want)
			}
			_, flows := r.Uncovered()
			assert.NotEmpty(t, flows, "a flow fails with its exchanges")
		})
	}
}

// Against the sandbox, every operation it emulates and every declared flow pass; the HAR
// holds no key, card number or the base URL's password, and replays clean.
func TestProbeHARReplays(t *testing.T) {
	tg := newTarget(t, payoutKey(t), "", "")
	tg.opts.BaseURL = strings.Replace(tg.srv.URL, "http://", "http://probe:base-password@", 1)
	r, text := run(t, tg.opts)
	require.True(t, r.OK(), text)
	ops, flows := r.Uncovered()
	assert.Equal(t, []string{"listSiteRefunds"}, ops, "the one operation the sandbox does not emulate")
	assert.Empty(t, flows)
	assert.Contains(t, text, " 0 failed\n")

	var buf bytes.Buffer
	require.NoError(t, r.WriteHAR(&buf))
	har := buf.Bytes()
	assert.NotContains(t, string(har), apiKey)
	assert.NotContains(t, string(har), "base-password")
	assert.Contains(t, string(har), `"url": "`+tg.srv.URL+"/partner/")
	assert.True(t, strings.HasSuffix(string(har), "}\n"), "the HAR ends with a newline")
	for _, cards := range testmode.TestCards() {
		for _, card := range cards {
			assert.NotContains(t, string(har), card)
		}
	}
	ins, err := fixture.ParseHAR("probe.har", har)
	require.NoError(t, err)
	require.NotEmpty(t, ins)
	judge, err := verdict.New(spec.Resolved)
	require.NoError(t, err)
	rep := replay.Run(context.Background(), judge, ins, false)
	var out bytes.Buffer
	require.NoError(t, rep.WriteText(&out))
	assert.True(t, rep.OK(), out.String())
}

// The same seed sends the same requests; another seed others.
func TestProbeDeterministic(t *testing.T) {
	key := payoutKey(t)
	requests := func(seed uint64) []fixture.Request {
		tg := newTarget(t, key, "", "")
		opts := tg.opts
		opts.Seed = seed
		r, text := run(t, opts)
		require.True(t, r.OK(), text)
		return r.Requests()
	}
	first := requests(11)
	assert.Equal(t, first, requests(11))
	assert.NotEqual(t, first, requests(12))
}

// --max-requests bounds the run: the flows stop, none fails.
func TestProbeBudget(t *testing.T) {
	tg := newTarget(t, payoutKey(t), "", "")
	opts := tg.opts
	opts.MaxRequests = 5
	r, text := run(t, opts)
	assert.Len(t, r.Exchanges.Results, 5)
	assert.True(t, r.OK(), text)
	assert.Contains(t, text, "STOP")
	assert.Contains(t, text, "--max-requests")
}

// --negative: every request the spec refuses is answered with a 4xx and QIWI's error.
func TestProbeNegative(t *testing.T) {
	tg := newTarget(t, payoutKey(t), "", "")
	opts := tg.opts
	opts.Negative = true
	r, text := run(t, opts)
	assert.True(t, r.OK(), text)
	assert.Contains(t, text, "negative createPayment /amount: required member dropped")
	assert.Contains(t, text, "negative createBillRefund /amount/value: amount in a form the API refuses")
	assert.NotContains(t, text, "WARN", "every negative request is one the spec refuses")
	// Every required member is spoiled, not only the first; payouts are signed.
	assert.Contains(t, text, "negative createPayment /paymentMethod: required member dropped")
	assert.Contains(t, text, "negative createPayment /paymentMethod: member of the wrong type")
	assert.Contains(t, text, "negative createPayout /amount: required member dropped")
	assert.Contains(t, text, "negative createPayout /receiverData: member of the wrong type")

	// Without the payout key the signed operations are left out.
	opts.PayoutKeys = nil
	_, text = run(t, opts)
	assert.NotContains(t, text, "negative createPayout")
}

// --max-requests bounds the negative requests too: the payout flow's 4 requests, then 3 of
// the signed payout's negative requests.
func TestProbeNegativeBudget(t *testing.T) {
	tg := newTarget(t, payoutKey(t), "", "")
	opts := tg.opts
	opts.Negative, opts.MaxRequests, opts.Operations = true, 7, []string{"createPayout"}
	r, text := run(t, opts)
	assert.Len(t, r.Exchanges.Results, 7, text)
	assert.Equal(t, 3, strings.Count(text, "PASS   negative createPayout "), text)
	assert.True(t, r.OK(), text)
}

// A target answering 200 to a request the spec refuses is reported, naming the operation and
// the member, and the probe fails.
func TestProbeCatchesAcceptedRefusal(t *testing.T) {
	tg := newTarget(t, payoutKey(t), "", "")
	target, err := url.Parse(tg.srv.URL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.StatusCode == http.StatusBadRequest {
			resp.StatusCode = http.StatusOK
		}
		return nil
	}
	srv := httptest.NewServer(proxy)
	defer srv.Close()
	opts := tg.opts
	opts.BaseURL, opts.Negative, opts.Operations = srv.URL, true, []string{"createRefund"}
	r, text := run(t, opts)
	assert.False(t, r.OK())
	assert.Contains(t, text, "fail negative: /amount: createRefund: request with required member dropped /amount answered 200, want a 4xx with QIWI's error")
}

// notified starts a sandbox that posts its notifications, signed with sandboxSecret, to a
// listener the probe receives them on, verifying them with probeSecret.
func notified(t *testing.T, sandboxSecret, probeSecret string) probe.Options {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	tg := newTarget(t, payoutKey(t), sandboxSecret, "http://"+ln.Addr().String()+"/")
	opts := tg.opts
	opts.CallbackListener, opts.NotifySecret = ln, probeSecret
	return opts
}

// The notifications the flows cause arrive, verify with the generated handler and agree
// with the status requests the spec names for them.
func TestProbeNotifications(t *testing.T) {
	r, text := run(t, notified(t, "probe-secret-1", "probe-secret-1"))
	assert.True(t, r.OK(), text)
	for _, want := range []string{"notification", "PAYMENT", "BILL", "REFUND", "CAPTURE", "confirm PAYMENT", "confirm BILL", "confirm CAPTURE", "confirm REFUND"} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "probe-secret-1")
	assert.NotContains(t, text, "undocumented field", "the sandbox's notifications carry only documented members")
}

// Notifications signed with another secret are reported, naming the type and the signature
// header, and the probe fails.
func TestProbeCatchesForeignSignatures(t *testing.T) {
	r, text := run(t, notified(t, "another-secret", "probe-secret-1"))
	assert.False(t, r.OK())
	assert.Contains(t, text, "fail notification: Signature: PAYMENT: the generated handler refused it")
	assert.Contains(t, text, "fail notification: X-Api-Signature-SHA256: BILL: the generated handler refused it")
}

// Without the site's payout key the payout flow stops at the payout, unfailed.
func TestProbeWithoutPayoutKey(t *testing.T) {
	tg := newTarget(t, payoutKey(t), "", "")
	opts := tg.opts
	opts.PayoutKeys = nil
	r, text := run(t, opts)
	assert.True(t, r.OK(), text)
	assert.Contains(t, text, "STOP   flow payout-and-completion (1 of 4 steps)\n       stopped at step createPayout: no payout signing key: createPayout is signed (--payout-key probe-site=FILE)")
}

// A failure that quotes an answer's value hides what the scrubber hides: here a card number
// the endpoint puts where the status goes.
func TestProbeFailuresAreScrubbed(t *testing.T) {
	tg := newTarget(t, payoutKey(t), "", "")
	opts := tg.opts
	opts.BaseURL = mutator(t, tg.srv.URL, http.MethodPut, regexp.MustCompile(`/payments/[^/]+$`), func(m map[string]any) {
		m["status"] = map[string]any{"value": testmode.TestCardVisa}
	})
	opts.Operations = []string{"deleteToken"}
	r, text := run(t, opts)
	assert.False(t, r.OK())
	assert.Contains(t, text, `step bind (createPayment): flow: /status/value: createPayment: /status/value is "REDACTED", want "COMPLETED"`)
	assert.NotContains(t, text, testmode.TestCardVisa)
}

// --json holds the exchanges as replay writes them, the flows and the coverage; Markdown
// adds the flows to replay's summary.
func TestProbeJSONAndMarkdown(t *testing.T) {
	tg := newTarget(t, payoutKey(t), "", "")
	r, _ := run(t, tg.opts)
	var buf bytes.Buffer
	require.NoError(t, r.WriteJSON(&buf))
	var got struct {
		Seed      uint64            `json:"seed"`
		Failed    int               `json:"failed"`
		Exchanges []json.RawMessage `json:"exchanges"`
		Flows     []probe.FlowResult
		Uncovered []string `json:"uncoveredOperations"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
	assert.Equal(t, uint64(7), got.Seed)
	assert.Zero(t, got.Failed)
	assert.Len(t, got.Exchanges, len(r.Exchanges.Results))
	assert.Len(t, got.Flows, 7)
	assert.Equal(t, []string{"listSiteRefunds"}, got.Uncovered)
	assert.NotContains(t, buf.String(), apiKey)
	buf.Reset()
	require.NoError(t, r.WriteMarkdown(&buf))
	assert.Contains(t, buf.String(), "## Coverage")
	assert.Contains(t, buf.String(), "| bill-pay-refund | pass | 7 of 7 |  |")
}

// Listening for notifications without the secret to verify them is refused before anything
// is sent.
func TestProbeCallbackNeedsSecret(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	opts := probe.Options{BaseURL: "http://127.0.0.1:1", Keys: map[string]string{siteID: apiKey}, CallbackListener: ln}
	_, err = probe.Run(context.Background(), opts)
	assert.ErrorIs(t, err, probe.ErrOptions)
	assert.ErrorContains(t, err, "--notify-secret is needed")
	_, err = ln.Accept()
	assert.Error(t, err, "the listener is closed")
}

// A run whose time is up sends nothing more: its flows stop, none fails.
func TestProbeDurationSpent(t *testing.T) {
	tg := newTarget(t, payoutKey(t), "", "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, err := probe.Run(ctx, tg.opts)
	require.NoError(t, err)
	assert.True(t, r.OK())
	assert.Empty(t, r.Exchanges.Results)
	for _, f := range r.Flows {
		assert.Contains(t, f.Stopped, "--duration reached", f.Name)
	}
}

// A flow naming an operation the spec lacks (an overlay dropped payouts) is reported not
// run; the others pass.
func TestProbeUnavailableFlow(t *testing.T) {
	tg := newTarget(t, payoutKey(t), "", "")
	opts := tg.opts
	opts.Spec = []byte(strings.Replace(string(spec.Resolved), "operationId: createPayout", "operationId: createPayoutRenamed", 1))
	r, text := run(t, opts)
	assert.True(t, r.OK(), text)
	assert.Contains(t, text, "STOP   flow payout-and-completion (0 of 4 steps)\n       not run: step createPayout: operationId createPayout is not an operation of the spec")
	_, flows := r.Uncovered()
	assert.Equal(t, []string{"payout-and-completion"}, flows)
}

// dropping is a proxy between the sandbox's notifications and the probe's listener that
// drops (answering 200) the notifications of one type.
func dropping(t *testing.T, to net.Listener, typ string) string {
	t.Helper()
	target, err := url.Parse("http://" + to.Addr().String())
	require.NoError(t, err)
	forward := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		var n struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(body, &n) == nil && n.Type == typ {
			return // dropped: the sender sees 200
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// A notification a flow's step causes that never arrives is reported, naming the flow, the
// step and the type, and the probe fails; the flows whose notifications arrive pass.
func TestProbeCatchesMissingNotification(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	tg := newTarget(t, payoutKey(t), "probe-secret-1", dropping(t, ln, qiwi.NotificationTypeCheckCard))
	opts := tg.opts
	opts.CallbackListener, opts.NotifySecret, opts.NotifyWait = ln, "probe-secret-1", 2*time.Second
	r, text := run(t, opts)
	assert.False(t, r.OK())
	assert.Regexp(t, `FAIL   flow card-verification-3ds \(3 of 3 steps\)\n +step completeCardVerification \(completeCardVerification\): `+
		`no CHECK_CARD notification with /checkPaymentMethod/requestUid = \S+ arrived within 2s\n`, text)
	for _, f := range r.Flows {
		if f.Name != "card-verification-3ds" {
			assert.True(t, f.Passed(), "%s: %v", f.Name, f.Failures)
		}
	}
	assert.Contains(t, text, "PAYMENT")
}

// A flow step that declares a notification type the spec does not declare is refused before
// anything is sent, naming the flow, the step and the type.
func TestProbeRefusesUnknownNotifies(t *testing.T) {
	opts := probe.Options{BaseURL: "http://127.0.0.1:1", Keys: map[string]string{siteID: apiKey},
		Spec: []byte(strings.Replace(string(spec.Resolved), "notifies: [{type: CHECK_CARD,", "notifies: [{type: CHECK_CARDS,", 1))}
	_, err := probe.Run(context.Background(), opts)
	assert.ErrorContains(t, err, "x-qiwi-flows: flow card-verification-3ds step completeCardVerification: notifies CHECK_CARDS, which is no notification type the spec declares")
}

// A status answer whose status does not agree with the notification's, as the spec pairs
// them (a PAYMENT's SUCCESS is COMPLETED), is reported naming the type and both statuses.
func TestProbeCatchesStatusDisagreement(t *testing.T) {
	opts := notified(t, "probe-secret-1", "probe-secret-1")
	opts.BaseURL = mutator(t, opts.BaseURL, http.MethodGet, regexp.MustCompile(`/payments/[^/]+$`), func(m map[string]any) {
		m["status"].(map[string]any)["value"] = "DECLINED"
	})
	opts.Operations = []string{"deleteToken"}
	r, text := run(t, opts)
	assert.False(t, r.OK())
	assert.Regexp(t, `fail notification: /payment/status/value: PAYMENT \S+: the notification's status SUCCESS does not agree with getPayment's DECLINED`, text)
}

// An answer member a step expects, or a later step reads ($STEP#/pointer), that the answer
// lacks is reported naming the operation or the step, the member, and where the answer
// stops.
func TestProbeCatchesMissingAnswerMembers(t *testing.T) {
	key := payoutKey(t)
	for name, c := range map[string]struct {
		mutate func(map[string]any)
		want   string
	}{
		"expected": {func(m map[string]any) { m["status"] = "COMPLETED" },
			`createPayment: the answer lacks /status/value (want "COMPLETED")`},
		"read by a later step": {func(m map[string]any) { delete(m, "createdToken") },
			`step byToken (createPayment): $bind#/createdToken/account: step bind's answer has no /createdToken/account: the document has no member "createdToken"`},
	} {
		t.Run(name, func(t *testing.T) {
			tg := newTarget(t, key, "", "")
			opts := tg.opts
			opts.BaseURL = mutator(t, tg.srv.URL, http.MethodPut, regexp.MustCompile(`/payments/[^/]+$`), c.mutate)
			opts.Operations = []string{"deleteToken"}
			r, text := run(t, opts)
			assert.False(t, r.OK())
			assert.Contains(t, text, c.want)
		})
	}
}
