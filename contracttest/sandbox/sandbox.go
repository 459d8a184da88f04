// Package sandbox is a stateful emulator of QIWI's APIs in test mode, driven by the resolved
// spec: it routes and validates every request by the spec, answers with QIWI's error shape,
// keeps per-site state and follows the documented test-mode rules.
//
// Emulated: payments by card or by a card payment token (3-D Secure on CVV 849 or a holder
// name with "3ds" or "unknown name", expiry months 02 and 04 declining, 03 and 04 answering
// after the documented 3 seconds), their completion,
// one capture of what the reversals left, refunds (before capture flagged REVERSAL and
// counted against the authorized amount, after it against the captured amount) and their
// decline, tokens issued with BIND_PAYMENT_TOKEN and deleted, payouts with their
// SHA256withRSA signature checked and the test-mode amounts, invoices and their payments,
// SBP QR codes (200.00 creates, other amounts DECLINED, EXPIRED after their ttl), card
// verifications, and the Bill Payments API's bills (paid on the sandbox's pay form) and
// refunds. Notifications are signed as QIWI signs them and redelivered until answered 200;
// faults can be injected; the state can live in a durable store. Requests and notification
// deliveries can be logged (Options.Logger), and GET / is a status page. What the test mode
// does not offer (QIWI Wallet tokenization, paying a QR code with a token) is refused as
// QIWI's pages say.
package sandbox

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
	"github.com/qiwigen/qiwigen/spec/load"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/qiwigen/qiwigen/spec"
)

// Options configure a sandbox.
type Options struct {
	// Keys maps a siteId to its API key. Empty: any non-empty Bearer key is accepted.
	Keys map[string]string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Spec is the resolved spec to serve; nil is the bundled one.
	Spec []byte
	// NotifySecret is the notification key: with it, the sandbox signs and posts a
	// notification for each payment, capture and refund to its callbackUrl (or NotifyURL),
	// and redelivers it on the spec's schedule (Redeliveries) until answered 200.
	NotifySecret string
	// NotifyURL, when set, receives every notification instead of the callbackUrl: an
	// absolute http or https URL with a host (New refuses another, wrapping ErrNotifyURL).
	NotifyURL string
	// TimeScale divides every wait: the redeliveries, and the test mode's 3-second answers
	// for expiry months 03 and 04 (60 makes a minute a second); 0 is 1.
	TimeScale float64
	// NotifyClient posts the notifications; nil is a client with a 30 s timeout that
	// follows no redirect.
	NotifyClient *http.Client
	// Faults make chosen operations misbehave (5xx, 429 with Retry-After, a delay, a dropped
	// connection); FaultSeed seeds the ones with a probability. New refuses a fault naming
	// no operationId of the spec.
	Faults    []Fault
	FaultSeed uint64
	// StatePath, when set, keeps the state in this bbolt file: it survives a restart, and
	// each change is written to the file before its answer, so the process being killed
	// (SIGKILL, a panic) loses nothing the sandbox has answered. Empty: the state lives in
	// memory.
	StatePath string
	// StateFsync also fsyncs each commit to StatePath before answering (one fsync shared by
	// the concurrent calls), so that what was answered survives a power loss or an OS crash
	// too, at a few milliseconds a commit. Without it such a crash may lose the last answers
	// or leave a file New refuses (delete it to start over). See store.Options.NoSync.
	StateFsync bool
	// PayoutKeys are the public keys payout requests are signed with, by siteId. A payout
	// must carry X-Digital-Sign; with the site's key it must verify.
	PayoutKeys map[string]*rsa.PublicKey
	// Logger, when set, logs one line per request (method, path, operationId, status,
	// latency, QIWI's error code) and one per notification delivery attempt (type, URL
	// without its query, attempt, answer or error, next retry). Headers and bodies are never
	// logged: no key, card number, CVV, token or signature. Nil: no log.
	Logger *slog.Logger
}

// maxBody is the largest request body accepted (QIWI's requests are small).
const maxBody = 1 << 20

// Sandbox is an http.Handler answering like QIWI's API in test mode.
type Sandbox struct {
	router     *router
	keys       map[string]string
	payoutKeys map[string]*rsa.PublicKey
	now        func() time.Time
	// scale divides the test mode's delays (Options.TimeScale).
	scale float64

	notify *notifier
	store  *store // nil: in memory only
	faults *faults
	log    *slog.Logger // nil: no log
	// started is when New ran, by the sandbox's clock; counts are the requests answered.
	started time.Time
	counts  *counts

	mu    sync.Mutex
	sites map[string]*site
	// pending counts, by site and store key, the calls whose writes of an object are being
	// committed; dirty marks the objects a failed commit wrote, put back from the store once
	// none is pending.
	pending map[string]int
	dirty   map[string]bool
	trace   int
}

// Close stops redelivering notifications, waits for the deliveries in flight and closes the
// state file.
func (s *Sandbox) Close() error {
	s.notify.close()
	if s.store != nil {
		return s.store.close()
	}
	return nil
}

// New returns a sandbox serving the spec's operations under QIWI's paths (/partner/...).
func New(opts Options) (*Sandbox, error) {
	data := opts.Spec
	if data == nil {
		data = spec.Resolved
	}
	doc, err := load.Document(data)
	if err != nil {
		return nil, fmt.Errorf("sandbox: spec: %w", err)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	scale := opts.TimeScale
	if scale <= 0 {
		scale = 1
	}
	if opts.NotifyURL != "" {
		if err := CheckNotifyURL(opts.NotifyURL); err != nil {
			return nil, fmt.Errorf("sandbox: NotifyURL: %w", err)
		}
	}
	fl, err := newFaults(opts.Faults, opts.FaultSeed, operationIDs(doc))
	if err != nil {
		return nil, err
	}
	notify, err := newNotifier(doc, opts, scale)
	if err != nil {
		return nil, err
	}
	var money *openapi3.SchemaRef
	if doc.Components != nil {
		money = doc.Components.Schemas["Money"]
	}
	if money == nil || money.Value == nil {
		notify.close()
		return nil, fmt.Errorf("sandbox: spec: no Money schema at /components/schemas/Money")
	}
	router, err := newRouter(doc, money.Value, handlers)
	if err != nil {
		notify.close()
		return nil, fmt.Errorf("sandbox: spec: %w", err)
	}
	sb := &Sandbox{router: router, keys: opts.Keys, payoutKeys: opts.PayoutKeys, now: now, scale: scale, notify: notify, faults: fl,
		log: opts.Logger, started: now(), counts: newCounts(), sites: map[string]*site{},
		pending: map[string]int{}, dirty: map[string]bool{}}
	if opts.StatePath != "" {
		if sb.store, err = openStore(opts.StatePath, opts.StateFsync); err != nil {
			notify.close()
			return nil, err
		}
		if sb.sites, err = sb.store.load(); err != nil {
			notify.close()
			sb.store.close()
			return nil, err
		}
	}
	return sb, nil
}

// apiError is QIWI's error answer.
type apiError struct {
	status      int
	code, descr string
	// field and message make QIWI's cause, {"field": ["message"]}, when field is set.
	field, message string
}

// writeError answers QIWI's error shape; the Bill Payments API names its service
// "invoicing" and spells the time "datetime".
func (s *Sandbox) writeError(w http.ResponseWriter, r *http.Request, e apiError) {
	noted(w, e)
	s.mu.Lock()
	s.trace++
	trace := s.trace
	s.mu.Unlock()
	body := errorBody{ServiceName: "payin-core", ErrorCode: e.code, Description: e.descr, UserMessage: e.descr,
		TraceID: fmt.Sprintf("sandbox-%08x", trace)}
	if isBillPayments(r.URL.Path) {
		body.ServiceName, body.Datetime = "invoicing", s.timestamp()
	} else {
		body.DateTime = s.timestamp()
	}
	if e.field != "" {
		body.Cause = map[string][]string{e.field: {e.message}}
	}
	writeJSON(w, e.status, body)
}

// isBillPayments reports whether a request path is the Bill Payments API's.
func isBillPayments(path string) bool { return strings.HasPrefix(path, "/partner/bill/") }

// writeJSON answers body as encoding/json encodes it, with status; a nil body answers the
// status alone, and so does a body encoding/json refuses.
func writeJSON(w http.ResponseWriter, status int, body any) {
	if body == nil {
		w.WriteHeader(status)
		return
	}
	data, err := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err == nil {
		_, _ = w.Write(append(data, '\n')) // the client went away: nothing to tell it
	}
}

// formatTimestamp writes a time as QIWI's answers do: Moscow time, milliseconds, an offset.
func formatTimestamp(t time.Time) string {
	return t.In(wiretype.Moscow()).Format("2006-01-02T15:04:05.000-07:00")
}

func (s *Sandbox) timestamp() string { return formatTimestamp(s.now()) }

// ServeHTTP implements http.Handler: it serves the request, counts it for the status page
// and logs it (Options.Logger).
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now() // latency is wall time, whatever the sandbox's clock says
	lw := &logWriter{ResponseWriter: w}
	op := s.serve(lw, r)
	s.counts.add(op, statusClass(lw))
	s.logRequest(r, op, lw, time.Since(start))
}

// serve answers a request and returns the operationId it called (or a pseudo-operation:
// opStatusPage, opPayForm, opNone).
func (s *Sandbox) serve(w http.ResponseWriter, r *http.Request) string {
	switch {
	case r.URL.Path == "/" && r.Method == http.MethodGet:
		s.serveStatus(w, r)
		return opStatusPage
	case r.URL.Path == payFormPath && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		s.servePayForm(w, r)
		return opPayForm
	}
	route, params, err := s.router.find(r)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		s.writeError(w, r, apiError{status: http.StatusMethodNotAllowed, code: apierr.CodeValidation, descr: r.Method + " is not allowed on " + r.URL.Path})
		return opNone
	case err != nil:
		s.writeError(w, r, apiError{status: http.StatusNotFound, code: apierr.CodeNotFound, descr: "No operation at " + r.URL.Path})
		return opNone
	}
	op := route.route.Operation.OperationID
	// The router matches the escaped path (%2F may be part of an ID): each ID is unescaped
	// once here, so it is validated, kept and answered as the client sent it ("order 1",
	// not "order%201").
	for name, value := range params {
		id, err := url.PathUnescape(value)
		if err != nil {
			s.writeError(w, r, apiError{status: http.StatusBadRequest, code: apierr.CodeValidation, descr: "Validation error", field: name, message: "not a path segment: " + err.Error()})
			return op
		}
		params[name] = id
	}
	s.serveOperation(w, r, op, route, params)
	return op
}

// serveOperation authorizes, validates and runs a request routed to an operation.
func (s *Sandbox) serveOperation(w http.ResponseWriter, r *http.Request, op string, route *specOp, params map[string]string) {
	siteID, ok := s.authorize(params["siteId"], isBillPayments(r.URL.Path), r.Header.Get("Authorization"))
	if !ok {
		s.writeError(w, r, apiError{status: http.StatusUnauthorized, code: apierr.CodeUnauthorized, descr: "Unauthorized"})
		return
	}
	s.mu.Lock()
	fault := s.faults.next(op)
	s.mu.Unlock()
	if fault != nil && s.inject(w, r, fault) {
		return
	}
	var body []byte // none without a body (a GET): nothing to read, nothing allocated
	var err error
	if r.Body != nil && r.Body != http.NoBody {
		body, err = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	}
	if err != nil {
		s.writeError(w, r, apiError{status: http.StatusBadRequest, code: apierr.CodeValidation, descr: "The request body could not be read"})
		return
	}
	if len(body) > maxBody {
		s.writeError(w, r, apiError{status: http.StatusRequestEntityTooLarge, code: apierr.CodeValidation, descr: fmt.Sprintf("The request body is over %d bytes", maxBody)})
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route.route, Options: validation}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		field, msg := cause(err)
		s.writeError(w, r, apiError{status: http.StatusBadRequest, code: apierr.CodeValidation, descr: "Validation error", field: field, message: msg})
		return
	}
	if route.handler == nil {
		s.writeError(w, r, apiError{status: http.StatusNotImplemented, code: apierr.CodeInternal, descr: op + " is not emulated by the sandbox yet"})
		return
	}
	c := &call{site: siteID, params: params, body: body, header: r.Header, base: baseURL(r), amountForm: route.amountForm}
	// The request's members are the body as the validation decoded it (numbers as
	// json.Number: amounts stay exact); none when the operation takes no body.
	if validated, ok := r.Body.(interface{ ValidatedValue() any }); ok && validated.ValidatedValue() != nil {
		if c.req, ok = validated.ValidatedValue().(map[string]any); !ok {
			s.writeError(w, r, apiError{status: http.StatusBadRequest, code: apierr.CodeValidation, descr: "Validation error", field: "body", message: "not a JSON object"})
			return
		}
	}
	if aerr := checkCallback(c.req); aerr != nil {
		s.writeError(w, r, *aerr)
		return
	}
	s.run(w, r, c, route.handler)
}

// run runs an operation on its site's state under the lock, makes what it changed durable
// (queued for the store under the lock, so that the file gets each object's versions in the
// order the calls made them; committed outside it, so that concurrent calls share one
// commit), and answers: QIWI's error, or its notifications sent and the answer written, late
// when the test mode answers late.
func (s *Sandbox) run(w http.ResponseWriter, r *http.Request, c *call, handler handlerFunc) {
	s.mu.Lock()
	st := s.sites[c.site]
	if st == nil {
		st = newSite()
		s.sites[c.site] = st
	}
	status, answer, aerr := handler(s, st, c)
	var wait func() error
	var encodeErr error
	if aerr == nil && s.store != nil && len(c.changed) > 0 {
		// The documents are taken and queued under the lock: later calls change the
		// objects, and their writes must come after these.
		var docs [][]byte
		if docs, encodeErr = encode(c.changed); encodeErr == nil {
			wait = s.store.save(c.site, c.changed, docs)
		}
		for _, o := range c.changed {
			s.pending[c.site+"\x00"+o.key]++
		}
	}
	s.mu.Unlock()
	if wait != nil || encodeErr != nil {
		aerr = s.commit(st, c, wait, encodeErr)
	}
	if aerr != nil {
		s.writeError(w, r, *aerr)
		return
	}
	s.sendNotices(c)
	if c.delay > 0 {
		// The test mode's late answers: the state is stored, the answer comes late.
		select {
		case <-time.After(time.Duration(float64(c.delay) / s.scale)):
		case <-r.Context().Done():
			return
		}
	}
	writeJSON(w, status, answer)
}

// commit makes a call's changes durable before its answer: what the client was told
// survives the process being killed (and a power loss with Options.StateFsync). Concurrent
// calls' changes share one transaction (store.save queued them; wait returns once they are
// committed). When the store refuses them, the call answers 500 and its objects go back to
// what the store holds: each once no other call's write of it is still being committed (a
// later call may have changed it, and its commit decides what the file holds). The caller
// does not hold s.mu; the call's keys are counted in s.pending.
func (s *Sandbox) commit(st *site, c *call, wait func() error, err error) *apiError {
	if err == nil {
		err = wait()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var back []changed
	for _, o := range c.changed {
		k := c.site + "\x00" + o.key
		if err != nil {
			s.dirty[k] = true
		}
		if s.pending[k]--; s.pending[k] > 0 {
			continue
		}
		delete(s.pending, k)
		if s.dirty[k] {
			delete(s.dirty, k)
			back = append(back, o)
		}
	}
	var rerr error
	if len(back) > 0 {
		rerr = s.store.restore(c.site, st, back)
	}
	if err == nil && rerr == nil {
		return nil
	}
	c.notices = nil
	descr := "The sandbox could not store the state"
	if rerr != nil {
		descr += ", nor read it back"
	}
	return &apiError{status: http.StatusInternalServerError, code: apierr.CodeInternal, descr: descr}
}

// sendNotices sends the notifications of a call whose changes are stored.
func (s *Sandbox) sendNotices(c *call) {
	for _, send := range c.notices {
		send()
	}
}

// baseURL is the sandbox's address as the request reached it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// validation validates requests against the spec: their parameters and bodies. The key was
// checked already (authorize: the routes' operations declare no security requirement, see
// newRouter), defaults are not written into the request, and the decoded body is kept for
// the handlers (call.req).
var validation = &openapi3filter.Options{SkipSettingDefaults: true, KeepValidatedValue: true}

// checkCallback refuses a request whose callbackUrl is not an absolute http or https URL
// with a host: the sandbox would post its notifications there.
func checkCallback(req map[string]any) *apiError {
	v, has := req["callbackUrl"]
	if !has {
		return nil
	}
	u, ok := v.(string)
	if !ok {
		return badField("callbackUrl", "an absolute http:// or https:// URL with a host")
	}
	if err := CheckNotifyURL(u); err != nil {
		return badField("callbackUrl", strings.TrimPrefix(err.Error(), ErrNotifyURL.Error()+": "))
	}
	return nil
}

// cause names the field a validation error is about, and what is wrong with it, as QIWI's
// cause does: a path, query or header parameter by its name, a body member by its path.
func cause(err error) (field, message string) {
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Parameter != nil {
		reason := re.Reason
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			reason = se.Reason
		}
		if reason == "" {
			reason = err.Error()
		}
		return re.Parameter.Name, reason
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		// A member whose schema is a model refined by variants (allOf of the model, beside
		// the variants) fails inside the allOf: name the member of the model that failed.
		ptr := se.JSONPointer()
		for se.SchemaField == "allOf" && se.Origin != nil {
			var inner *openapi3.SchemaError
			if !errors.As(se.Origin, &inner) {
				break
			}
			se, ptr = inner, append(ptr, inner.JSONPointer()...)
		}
		if len(ptr) > 0 {
			return strings.Join(ptr, "."), se.Reason
		}
		return "body", se.Reason
	}
	if errors.As(err, &re) {
		return "body", re.Reason
	}
	return "request", err.Error()
}

// authorize finds the site a request works for and checks its Bearer key. A payin path
// names the site; the Bill Payments API's does not, so the key does. With no keys
// configured, any non-empty key is accepted (and Bill Payments work for billSite).
func (s *Sandbox) authorize(pathSite string, bills bool, header string) (string, bool) {
	key, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || strings.TrimSpace(key) == "" {
		return "", false
	}
	if !bills {
		if len(s.keys) == 0 {
			return pathSite, true
		}
		want, known := s.keys[pathSite]
		return pathSite, known && subtle.ConstantTimeCompare([]byte(want), []byte(key)) == 1
	}
	if len(s.keys) == 0 {
		return billSite, true
	}
	for site, want := range s.keys {
		if subtle.ConstantTimeCompare([]byte(want), []byte(key)) == 1 {
			return site, true
		}
	}
	return "", false
}

// digest identifies the request's body for idempotency: the decoded body encoded again as
// encoding/json encodes it (keys sorted, numbers as sent), so formatting does not change it.
func (c *call) digest() string {
	if c.sum == "" {
		data, err := json.Marshal(c.req)
		if err != nil {
			data = c.body // a decoded body always encodes; the raw body is the fallback
		}
		sum := sha256.Sum256(data)
		c.sum = hex.EncodeToString(sum[:])
	}
	return c.sum
}

type handlerFunc func(s *Sandbox, st *site, c *call) (int, any, *apiError)

// handlers are the emulated operations, by operationId: newRouter gives each route its
// operation's (specOp.handler).
var handlers = map[string]handlerFunc{
	"createPayment":            createPayment,
	"getPayment":               getPayment,
	"completePayment":          completePayment,
	"createCapture":            createCapture,
	"getCapture":               getCapture,
	"createRefund":             createRefund,
	"getRefund":                getRefund,
	"createInvoice":            createInvoice,
	"getInvoice":               getInvoice,
	"createQrCode":             createQrCode,
	"createQrCodeWithUid":      createQrCodeWithUid,
	"getQrCode":                getQrCode,
	"createCardVerification":   createCardVerification,
	"getCardVerification":      getCardVerification,
	"completeCardVerification": completeCardVerification,
	"listRefunds":              listRefunds,
	"declineRefund":            declineRefund,
	"listInvoicePayments":      listInvoicePayments,
	"createPayout":             createPayout,
	"getPayout":                getPayout,
	"completePayout":           completePayout,
	"deleteToken":              deleteToken,
	"createTokenRequest":       walletTokens,
	"completeTokenRequest":     walletTokens,
	"payQrCodeWithToken":       qrTokenPayment,
	"createBill":               createBill,
	"getBill":                  getBill,
	"rejectBill":               rejectBill,
	"createBillRefund":         createBillRefund,
	"getBillRefund":            getBillRefund,
}
