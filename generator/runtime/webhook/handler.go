package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
	"github.com/qiwigen/qiwigen/generator/runtime/modeldiff"
	"github.com/qiwigen/qiwigen/generator/runtime/redact"
)

// QIWINetworks returns the address ranges QIWI sends notifications from, as published in
// the payin documentation (payments/_notifications_en).
func QIWINetworks() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("79.142.16.0/20"),
		netip.MustParsePrefix("195.189.100.0/22"),
		netip.MustParsePrefix("91.232.230.0/23"),
		netip.MustParsePrefix("91.213.51.0/24"),
	}
}

// Deduplicator remembers notifications already handled, so that a redelivery (QIWI sends
// again until it gets 200) is acknowledged without calling the user's function twice. Keys
// name a notification by its type and signed values (see DecodedNotification.Key), so a
// redelivery with other formatting or other unsigned members has the same key.
//
// Reserve must be atomic: of concurrent calls with one key, exactly one gets Reserved.
type Deduplicator interface {
	// Reserve claims key for handling and says what it found.
	Reserve(ctx context.Context, key string) (Reservation, error)
	// Done marks a reserved key as handled for good.
	Done(ctx context.Context, key string) error
	// Release gives a reserved key up after the user's function failed, so that the next
	// delivery handles the notification again.
	Release(ctx context.Context, key string) error
}

// Reservation is what Deduplicator.Reserve found.
type Reservation int

const (
	// Reserved: the key was free and this caller now holds it.
	Reserved Reservation = iota
	// InFlight: another delivery holds the key and is being handled; the handler answers
	// 409 so that QIWI delivers again later.
	InFlight
	// Handled: the key was marked Done; the handler answers 200 without calling the function.
	Handled
)

// HandlerOption configures a notification handler. An option given a bad value is not
// clamped or ignored: it is an error wrapping apierr.ErrConfig, as a client option's is,
// which NotificationHandler.Err reports, and the handler answers every notification 500
// (QIWI delivers it again later) and logs the error at error level, to the handler's logger
// or slog's default one.
type HandlerOption func(*handlerConfig) error

// configErrorf is a configuration error of the handler: "qiwi: invalid client
// configuration: notification handler: ...", wrapping apierr.ErrConfig.
func configErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: notification handler: %s", apierr.ErrConfig, fmt.Sprintf(format, args...))
}

type handlerConfig struct {
	allowed     []netip.Prefix
	clientIP    func(*http.Request) (netip.Addr, bool)
	dedup       Deduplicator
	maxBody     int64
	readTimeout time.Duration
	logger      *slog.Logger
	panicLogger *slog.Logger // logger, or slog's default without one
	drift       modeldiff.DriftReporter
}

// WithAllowedNetworks accepts notifications only from these ranges (403 otherwise);
// WithAllowedNetworks(QIWINetworks()...) uses QIWI's published ranges. No range at all, or
// an invalid one (the zero netip.Prefix), is an error: it would otherwise allow everyone.
func WithAllowedNetworks(prefixes ...netip.Prefix) HandlerOption {
	return func(c *handlerConfig) error {
		if len(prefixes) == 0 {
			return configErrorf("WithAllowedNetworks: no network given")
		}
		for i, p := range prefixes {
			if !p.IsValid() {
				return configErrorf("WithAllowedNetworks: network %d of %d is invalid", i+1, len(prefixes))
			}
		}
		c.allowed = append(c.allowed, prefixes...)
		return nil
	}
}

// WithClientIP tells the handler how to find the sender's address, for servers behind a
// proxy; by default it is the request's RemoteAddr. A nil function is an error.
func WithClientIP(fn func(*http.Request) (netip.Addr, bool)) HandlerOption {
	return func(c *handlerConfig) error {
		if fn == nil {
			return configErrorf("WithClientIP: nil function")
		}
		c.clientIP = fn
		return nil
	}
}

// WithDeduplicator calls the user's function once per notification: a redelivery (same type
// and signed values) of a handled notification is answered 200 without calling it, one that
// arrives while the first is being handled is answered 409 (QIWI delivers it again later),
// and when the function fails or panics the reservation is released, so QIWI's next delivery calls it
// again. A nil Deduplicator is an error.
func WithDeduplicator(d Deduplicator) HandlerOption {
	return func(c *handlerConfig) error {
		if d == nil {
			return configErrorf("WithDeduplicator: nil Deduplicator")
		}
		c.dedup = d
		return nil
	}
}

// Bounds of WithMaxBodyBytes and the default read timeout.
const (
	DefaultMaxBodyBytes       = 1 << 20
	MaxMaxBodyBytes           = 64 << 20
	DefaultHandlerReadTimeout = 10 * time.Second
)

// WithMaxBodyBytes bounds the body size (default DefaultMaxBodyBytes). A value below 1 or
// above MaxMaxBodyBytes is an error.
func WithMaxBodyBytes(n int64) HandlerOption {
	return func(c *handlerConfig) error {
		if n < 1 || n > MaxMaxBodyBytes {
			return configErrorf("WithMaxBodyBytes(%d): the limit must be from 1 to %d bytes", n, int64(MaxMaxBodyBytes))
		}
		c.maxBody = n
		return nil
	}
}

// WithReadTimeout bounds the time to read one notification's body (default
// DefaultHandlerReadTimeout), so a slow sender cannot hold a connection open; zero or less
// is an error. Configure your http.Server's own timeouts too.
func WithReadTimeout(d time.Duration) HandlerOption {
	return func(c *handlerConfig) error {
		if d <= 0 {
			return configErrorf("WithReadTimeout(%v): the timeout must be positive", d)
		}
		c.readTimeout = d
		return nil
	}
}

// WithNotificationDrift reports notification members the typed models do not know, as
// WithDriftReporter does for answers; the operation it names is "PAYMENT notification",
// "BILL notification", .... Off unless configured: it costs a second encoding. A nil
// reporter is an error.
func WithNotificationDrift(r modeldiff.DriftReporter) HandlerOption {
	return func(c *handlerConfig) error {
		if r == nil {
			return configErrorf("WithNotificationDrift: nil reporter")
		}
		c.drift = r
		return nil
	}
}

// WithHandlerLogger logs rejected notifications (reason only, never the body or signature).
// A nil logger is an error.
func WithHandlerLogger(l *slog.Logger) HandlerOption {
	return func(c *handlerConfig) error {
		if l == nil {
			return configErrorf("WithHandlerLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// NotificationHandler verifies, decodes and dispatches notifications. It answers:
// 405 for another method, 403 for a sender outside the allowed networks, 413 for a body too
// large, 401 for a missing or wrong signature, 400 for a malformed body, 409 for a
// redelivery that arrives while the first delivery is being handled, 500 when the user's
// function fails or panics (QIWI then sends the notification again; a panic is logged with
// its stack and releases the reservation like an error), and 200 only after it succeeded.
// A handler built with a bad option answers 500 to everything (see HandlerOption).
type NotificationHandler[N any] struct {
	specs []SignatureSpec
	// secret returns the secret, kept in a closure out of reach of reflection: fmt printing
	// a struct that holds the handler walks its fields without calling its Format.
	secret   func() string
	newModel func(typ string) N
	handle   func(context.Context, N) error
	cfg      handlerConfig
	err      error // the configuration's first error, nil if none
}

// NewNotificationHandler builds a handler; generated clients wrap it with their typed
// models: newModel returns a new, empty model (a pointer) for a notification type, or a nil
// N for a type without one. A nil newModel or handle, a nil option or an option given a
// bad value does not panic: Err reports it and the handler answers every notification 500.
func NewNotificationHandler[N any](specs []SignatureSpec, secret string, newModel func(typ string) N,
	handle func(context.Context, N) error, opts ...HandlerOption) *NotificationHandler[N] {
	h := &NotificationHandler[N]{specs: specs, secret: func() string { return secret }, newModel: newModel, handle: handle,
		cfg: handlerConfig{maxBody: DefaultMaxBodyBytes, readTimeout: DefaultHandlerReadTimeout}}
	switch {
	case newModel == nil:
		h.err = configErrorf("no model constructor")
	case handle == nil:
		h.err = configErrorf("no function to handle notifications")
	}
	for i, o := range opts {
		if h.err != nil {
			break
		}
		if o == nil {
			h.err = configErrorf("option %d of %d is nil", i+1, len(opts))
			break
		}
		h.err = o(&h.cfg)
	}
	if h.cfg.clientIP == nil {
		h.cfg.clientIP = remoteAddr
	}
	h.cfg.panicLogger = h.cfg.logger
	if h.cfg.logger == nil {
		h.cfg.logger, h.cfg.panicLogger = slog.New(slog.DiscardHandler), slog.Default()
	}
	return h
}

// Err returns the handler's configuration error, wrapping apierr.ErrConfig, or nil: check
// it at start-up, since a handler with one answers every notification 500. Through a
// generated client's facade, which returns an http.Handler:
//
//	if c, ok := handler.(interface{ Err() error }); ok && c.Err() != nil { ... }
func (h *NotificationHandler[N]) Err() error { return h.err }

// String describes the handler without its secret: the notification types it takes and
// whether a secret is set.
func (h NotificationHandler[N]) String() string {
	types := make([]string, 0, len(h.specs))
	for _, s := range h.specs {
		types = append(types, s.Type)
	}
	secret := "***"
	if h.secret == nil || h.secret() == "" {
		secret = "none"
	}
	return fmt.Sprintf("qiwi.NotificationHandler{types: %s, secret: %s, deduplicated: %t}",
		strings.Join(types, ","), secret, h.cfg.dedup != nil)
}

// GoString is String, so that %#v does not print the secret either.
func (h NotificationHandler[N]) GoString() string { return h.String() }

// Format is String for every fmt verb: without it, fmt prints the handler field by field,
// secret included.
func (h NotificationHandler[N]) Format(f fmt.State, verb rune) { redact.Format(f, verb, h.String()) }

// LogValue is String, so that slog does not log the secret.
func (h NotificationHandler[N]) LogValue() slog.Value { return slog.StringValue(h.String()) }

func remoteAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

func (h *NotificationHandler[N]) reject(w http.ResponseWriter, r *http.Request, status int, reason string) {
	h.cfg.logger.LogAttrs(r.Context(), slog.LevelWarn, "qiwi notification rejected",
		slog.Int("status", status), slog.String("reason", reason))
	http.Error(w, http.StatusText(status), status)
}

// ServeHTTP implements http.Handler.
func (h *NotificationHandler[N]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.err != nil {
		// Our fault, not the sender's: QIWI delivers again until the configuration is fixed.
		h.cfg.panicLogger.LogAttrs(r.Context(), slog.LevelError, "qiwi notification handler misconfigured",
			slog.String("error", h.err.Error()))
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(w, r, http.StatusMethodNotAllowed, "method "+r.Method)
		return
	}
	if len(h.cfg.allowed) > 0 {
		addr, ok := h.cfg.clientIP(r)
		if !ok || !containsAddr(h.cfg.allowed, addr) {
			h.reject(w, r, http.StatusForbidden, "sender outside the allowed networks")
			return
		}
	}
	// A deadline the server cannot set (a test recorder) is no reason to refuse; the body is
	// still bounded in size.
	if err := http.NewResponseController(w).SetReadDeadline(time.Now().Add(h.cfg.readTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		h.cfg.logger.LogAttrs(r.Context(), slog.LevelDebug, "qiwi notification read deadline", slog.String("error", err.Error()))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.cfg.maxBody+1))
	if err != nil {
		h.reject(w, r, http.StatusBadRequest, "unreadable body")
		return
	}
	if int64(len(body)) > h.cfg.maxBody {
		h.reject(w, r, http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	decoded, err := OpenNotification(h.specs, r.Header, body, h.secret(), func(typ string) any { return any(h.newModel(typ)) })
	if err != nil {
		status := http.StatusUnauthorized
		switch {
		case errors.Is(err, ErrMalformedNotification):
			status = http.StatusBadRequest
		case errors.Is(err, ErrSecretMissing):
			// Our fault, not the sender's: QIWI retries until the secret is configured.
			status = http.StatusInternalServerError
		}
		h.reject(w, r, status, err.Error())
		return
	}
	n, ok := decoded.Model.(N)
	if !ok {
		h.reject(w, r, http.StatusBadRequest, "no model for a "+decoded.Spec.Type+" notification")
		return
	}
	ctx := r.Context()
	if h.cfg.drift != nil && len(decoded.Unknown) > 0 {
		h.cfg.drift(ctx, decoded.Spec.Type+" notification", decoded.Unknown)
	}
	if h.cfg.dedup == nil {
		if err := h.run(ctx, n); err != nil {
			h.failed(w, r, err)
			return
		}
		h.acknowledge(w, r)
		return
	}
	sum := sha256.Sum256([]byte(decoded.Key))
	key := hex.EncodeToString(sum[:])
	found, err := h.cfg.dedup.Reserve(ctx, key)
	if err != nil {
		h.reject(w, r, http.StatusInternalServerError, "deduplicator: "+err.Error())
		return
	}
	switch found {
	case Handled:
		h.acknowledge(w, r)
		return
	case InFlight:
		h.reject(w, r, http.StatusConflict, "the same notification is being handled")
		return
	}
	if err := h.run(ctx, n); err != nil {
		if rerr := h.cfg.dedup.Release(ctx, key); rerr != nil {
			h.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "qiwi notification deduplicator", slog.String("error", rerr.Error()))
		}
		h.failed(w, r, err)
		return
	}
	if err := h.cfg.dedup.Done(ctx, key); err != nil {
		h.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "qiwi notification deduplicator", slog.String("error", err.Error()))
	}
	h.acknowledge(w, r)
}

// panicked is the error of a user's function that panicked: the value and the stack.
type panicked struct {
	value any
	stack []byte
}

func (p *panicked) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// run calls the user's function. A panic in it is recovered and returned as a *panicked
// error, so that the handler releases the notification's reservation (a redelivery calls
// the function again, instead of being answered 409 for good) and answers 500.
func (h *NotificationHandler[N]) run(ctx context.Context, n N) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicked{value: v, stack: debug.Stack()}
		}
	}()
	return h.handle(ctx, n)
}

// failed answers a notification whose function failed or panicked: 500, so that QIWI
// delivers it again. A panic is logged at error level with its stack, to the handler's
// logger or, without one, to slog's default logger, as net/http logs a handler's panic;
// http.ErrAbortHandler panics again, for net/http to abort the answer as it asks.
func (h *NotificationHandler[N]) failed(w http.ResponseWriter, r *http.Request, err error) {
	var p *panicked
	if !errors.As(err, &p) {
		h.reject(w, r, http.StatusInternalServerError, "handler failed: "+err.Error())
		return
	}
	if p.value == http.ErrAbortHandler {
		panic(http.ErrAbortHandler)
	}
	h.cfg.panicLogger.LogAttrs(r.Context(), slog.LevelError, "qiwi notification handler panicked",
		slog.String("panic", fmt.Sprint(p.value)), slog.String("stack", string(p.stack)))
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}

// acknowledge answers 200 with the body the Bill Payments API expects; the payin protocol
// reads only the status.
func (h *NotificationHandler[N]) acknowledge(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, `{"error":"0"}`); err != nil {
		h.cfg.logger.LogAttrs(r.Context(), slog.LevelDebug, "qiwi notification acknowledgement", slog.String("error", err.Error()))
	}
}

func containsAddr(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// MemoryDeduplicator keeps the last N handled keys in memory, and the keys being handled:
// enough for one process; use a shared store when several instances receive notifications.
type MemoryDeduplicator struct {
	mu       sync.Mutex
	size     int
	done     map[string]struct{}
	order    []string
	inFlight map[string]struct{}
}

// NewMemoryDeduplicator remembers up to size handled keys. A size below 1 is an error
// wrapping apierr.ErrConfig, as a handler option's bad value is: it would remember nothing
// worth the name.
func NewMemoryDeduplicator(size int) (*MemoryDeduplicator, error) {
	if size < 1 {
		return nil, configErrorf("NewMemoryDeduplicator(%d): the size must be at least 1", size)
	}
	return &MemoryDeduplicator{size: size, done: map[string]struct{}{}, inFlight: map[string]struct{}{}}, nil
}

// Reserve implements Deduplicator.
func (d *MemoryDeduplicator) Reserve(_ context.Context, key string) (Reservation, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.done[key]; ok {
		return Handled, nil
	}
	if _, ok := d.inFlight[key]; ok {
		return InFlight, nil
	}
	d.inFlight[key] = struct{}{}
	return Reserved, nil
}

// Release implements Deduplicator.
func (d *MemoryDeduplicator) Release(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.inFlight, key)
	return nil
}

// Done implements Deduplicator.
func (d *MemoryDeduplicator) Done(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.inFlight, key)
	if _, ok := d.done[key]; ok {
		return nil
	}
	if len(d.order) >= d.size {
		delete(d.done, d.order[0])
		d.order = d.order[1:]
	}
	d.done[key] = struct{}{}
	d.order = append(d.order, key)
	return nil
}
