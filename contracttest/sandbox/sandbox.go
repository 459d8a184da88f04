// Package sandbox is a stateful emulator of QIWI's payin API in test mode, driven by the
// resolved spec: it routes and validates every request by the spec, answers with QIWI's
// error shape, keeps per-site state and follows the documented test-mode rules.
//
// Emulated so far: card verifications, invoices (CREATED, PAID by a payment naming them,
// EXPIRED), SBP QR codes
// (200.00 creates, other amounts DECLINED, EXPIRED after their ttl), payments
// (card, 3-D Secure by CVV 849 or a holder name with "3ds" or "unknown name", expiry month 02
// and 04 declining), their completion, one capture, refunds within the paid amount (before
// capture flagged REVERSAL), with signed notifications, injected faults and an optional
// durable store. Every other operation of the spec answers 501 with QIWI's error shape.
package sandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/qiwigen/qiwigen/generator/qiwiruntime"
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
	// and redelivers it on the Redeliveries schedule until answered 200.
	NotifySecret string
	// NotifyURL, when set, receives every notification instead of the callbackUrl.
	NotifyURL string
	// TimeScale divides every redelivery wait (60 makes a minute a second); 0 is 1.
	TimeScale float64
	// NotifyClient posts the notifications; nil is a client with a 30 s timeout that
	// follows no redirect.
	NotifyClient *http.Client
	// Faults make chosen operations misbehave (5xx, 429 with Retry-After, a delay, a dropped
	// connection); FaultSeed seeds the ones with a probability.
	Faults    []Fault
	FaultSeed uint64
	// StatePath, when set, keeps the state in this bbolt file: it survives a restart, and a
	// crash loses nothing the sandbox has answered. Empty: the state lives in memory.
	StatePath string
}

// maxBody is the largest request body accepted (QIWI's requests are small).
const maxBody = 1 << 20

// Sandbox is an http.Handler answering like QIWI's API in test mode.
type Sandbox struct {
	router routers.Router
	keys   map[string]string
	now    func() time.Time

	notify *notifier
	store  *store // nil: in memory only
	faults *faults

	mu    sync.Mutex
	sites map[string]*site
	trace int
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

type site struct {
	payments   map[string]*payment
	invoices   map[string]*invoice
	qrCodes    map[string]*qrCode
	cardChecks map[string]*cardCheck
}

func newSite() *site {
	return &site{payments: map[string]*payment{}, invoices: map[string]*invoice{}, qrCodes: map[string]*qrCode{}, cardChecks: map[string]*cardCheck{}}
}

// New returns a sandbox serving the spec's operations under QIWI's paths (/partner/...).
func New(opts Options) (*Sandbox, error) {
	data := opts.Spec
	if data == nil {
		data = spec.Resolved
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("sandbox: spec: %w", err)
	}
	// Route by path alone: the served host is the sandbox's.
	doc.Servers = openapi3.Servers{{URL: "/partner"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("sandbox: spec: %w", err)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	notify, err := newNotifier(doc, opts)
	if err != nil {
		return nil, err
	}
	fl, err := newFaults(opts.Faults, opts.FaultSeed)
	if err != nil {
		return nil, err
	}
	sb := &Sandbox{router: router, keys: opts.Keys, now: now, notify: notify, faults: fl, sites: map[string]*site{}}
	if opts.StatePath != "" {
		if sb.store, err = openStore(opts.StatePath); err != nil {
			return nil, err
		}
		if sb.sites, err = sb.store.load(); err != nil {
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

func (s *Sandbox) writeError(w http.ResponseWriter, e apiError) {
	s.mu.Lock()
	s.trace++
	trace := s.trace
	s.mu.Unlock()
	body := map[string]any{
		"serviceName": "payin-core",
		"errorCode":   e.code,
		"description": e.descr,
		"userMessage": e.descr,
		"dateTime":    s.timestamp(),
		"traceId":     fmt.Sprintf("sandbox-%08x", trace),
	}
	if e.field != "" {
		body["cause"] = map[string][]string{e.field: {e.message}}
	}
	writeJSON(w, e.status, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body) // the client went away: nothing to tell it
}

func (s *Sandbox) timestamp() string {
	return s.now().In(time.FixedZone("MSK", 3*60*60)).Format("2006-01-02T15:04:05.000-07:00")
}

// ServeHTTP implements http.Handler.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/" && r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "qiwigen sandbox: QIWI payin API in test mode, under /partner")
		return
	}
	route, params, err := s.router.FindRoute(r)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		s.writeError(w, apiError{status: http.StatusMethodNotAllowed, code: "validation.error", descr: r.Method + " is not allowed on " + r.URL.Path})
		return
	case err != nil:
		s.writeError(w, apiError{status: http.StatusNotFound, code: "payin.resource.not.found", descr: "No operation at " + r.URL.Path})
		return
	}
	siteID := params["siteId"]
	if !s.authorized(siteID, r.Header.Get("Authorization")) {
		s.writeError(w, apiError{status: http.StatusUnauthorized, code: "auth.unauthorized", descr: "Unauthorized"})
		return
	}
	s.mu.Lock()
	fault := s.faults.next(route.Operation.OperationID)
	s.mu.Unlock()
	if fault != nil && s.inject(w, r, fault) {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		s.writeError(w, apiError{status: http.StatusBadRequest, code: "validation.error", descr: "The request body could not be read"})
		return
	}
	if len(body) > maxBody {
		s.writeError(w, apiError{status: http.StatusRequestEntityTooLarge, code: "validation.error", descr: fmt.Sprintf("The request body is over %d bytes", maxBody)})
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil }}}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		field, msg := cause(err)
		s.writeError(w, apiError{status: http.StatusBadRequest, code: "validation.error", descr: "Validation error", field: field, message: msg})
		return
	}
	op := route.Operation.OperationID
	handler, ok := handlers[op]
	if !ok {
		s.writeError(w, apiError{status: http.StatusNotImplemented, code: "internal.error", descr: op + " is not emulated by the sandbox yet"})
		return
	}
	var req map[string]any
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber() // amounts stay exact
		if err := dec.Decode(&req); err != nil {
			s.writeError(w, apiError{status: http.StatusBadRequest, code: "validation.error", descr: "Validation error", field: "body", message: err.Error()})
			return
		}
	}
	s.mu.Lock()
	st := s.sites[siteID]
	if st == nil {
		st = newSite()
		s.sites[siteID] = st
	}
	status, answer, aerr := handler(s, st, call{params: params, body: body, req: req})
	if aerr == nil && s.store != nil && r.Method != http.MethodGet {
		// Durable before the answer: what the client was told survives a crash.
		if err := s.store.saveCall(siteID, st, params); err != nil {
			aerr = &apiError{status: http.StatusInternalServerError, code: "internal.error", descr: "The sandbox could not store the state"}
		}
	}
	s.mu.Unlock()
	if aerr != nil {
		s.writeError(w, *aerr)
		return
	}
	writeJSON(w, status, answer)
}

// cause names the field a validation error is about, and what is wrong with it, as QIWI's
// cause does.
func cause(err error) (field, message string) {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		if ptr := se.JSONPointer(); len(ptr) > 0 {
			return strings.Join(ptr, "."), se.Reason
		}
		return "body", se.Reason
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		if re.Parameter != nil {
			return re.Parameter.Name, re.Reason
		}
		return "body", re.Reason
	}
	return "request", err.Error()
}

func (s *Sandbox) authorized(siteID, header string) bool {
	key, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || strings.TrimSpace(key) == "" {
		return false
	}
	if len(s.keys) == 0 {
		return true
	}
	want, known := s.keys[siteID]
	return known && want == key
}

// call is one request to an operation handler.
type call struct {
	params map[string]string
	body   []byte
	req    map[string]any
}

func (c call) digest() string {
	sum := sha256.Sum256(canonical(c.body))
	return hex.EncodeToString(sum[:])
}

// canonical re-encodes JSON so that formatting does not change an idempotency check.
func canonical(body []byte) []byte {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

type handlerFunc func(s *Sandbox, st *site, c call) (int, any, *apiError)

// handlers are the emulated operations, by operationId.
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
}

func money(minor int64) map[string]any {
	return map[string]any{"value": qiwiruntime.NewMoneyFromMinor(minor).String(), "currency": "RUB"}
}
