package qiwiruntime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
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
// again until it gets 200) is acknowledged without calling the user's function twice.
type Deduplicator interface {
	// Seen reports whether key was marked Done.
	Seen(ctx context.Context, key string) (bool, error)
	// Done marks key as handled.
	Done(ctx context.Context, key string) error
}

// HandlerOption configures a notification handler.
type HandlerOption func(*handlerConfig)

type handlerConfig struct {
	allowed  []netip.Prefix
	clientIP func(*http.Request) (netip.Addr, bool)
	dedup    Deduplicator
	maxBody  int64
	logger   *slog.Logger
	drift    DriftReporter
}

// WithAllowedNetworks accepts notifications only from these ranges (403 otherwise);
// WithAllowedNetworks(QIWINetworks()...) uses QIWI's published ranges.
func WithAllowedNetworks(prefixes ...netip.Prefix) HandlerOption {
	return func(c *handlerConfig) { c.allowed = append(c.allowed, prefixes...) }
}

// WithClientIP tells the handler how to find the sender's address, for servers behind a
// proxy; by default it is the request's RemoteAddr.
func WithClientIP(fn func(*http.Request) (netip.Addr, bool)) HandlerOption {
	return func(c *handlerConfig) { c.clientIP = fn }
}

// WithDeduplicator drops redelivered notifications (same type and body) once handled.
func WithDeduplicator(d Deduplicator) HandlerOption {
	return func(c *handlerConfig) { c.dedup = d }
}

// WithMaxBodyBytes bounds the body size (default 1 MiB).
func WithMaxBodyBytes(n int64) HandlerOption {
	return func(c *handlerConfig) { c.maxBody = n }
}

// WithNotificationDrift reports notification members the typed models do not know, as
// WithDriftReporter does for answers; the operation it names is "PAYMENT notification",
// "BILL notification", .... Off unless configured: it costs a second encoding.
func WithNotificationDrift(r DriftReporter) HandlerOption {
	return func(c *handlerConfig) { c.drift = r }
}

// WithHandlerLogger logs rejected notifications (reason only, never the body or signature).
func WithHandlerLogger(l *slog.Logger) HandlerOption {
	return func(c *handlerConfig) { c.logger = l }
}

// NotificationHandler verifies, decodes and dispatches notifications. It answers:
// 405 for another method, 403 for a sender outside the allowed networks, 413 for a body too
// large, 401 for a missing or wrong signature, 400 for a malformed body, 500 when the user's
// function fails (QIWI then sends the notification again), and 200 only after it succeeded.
type NotificationHandler[N any] struct {
	specs  []SignatureSpec
	secret string
	decode func([]byte) (N, error)
	handle func(context.Context, N) error
	cfg    handlerConfig
}

// NewNotificationHandler builds a handler; generated clients wrap it with their typed
// decoding.
func NewNotificationHandler[N any](specs []SignatureSpec, secret string, decode func([]byte) (N, error),
	handle func(context.Context, N) error, opts ...HandlerOption) *NotificationHandler[N] {
	h := &NotificationHandler[N]{specs: specs, secret: secret, decode: decode, handle: handle,
		cfg: handlerConfig{maxBody: 1 << 20}}
	for _, o := range opts {
		o(&h.cfg)
	}
	if h.cfg.clientIP == nil {
		h.cfg.clientIP = remoteAddr
	}
	if h.cfg.logger == nil {
		h.cfg.logger = slog.New(discardHandler{})
	}
	return h
}

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
	body, err := io.ReadAll(io.LimitReader(r.Body, h.cfg.maxBody+1))
	if err != nil {
		h.reject(w, r, http.StatusBadRequest, "unreadable body")
		return
	}
	if int64(len(body)) > h.cfg.maxBody {
		h.reject(w, r, http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	if err := VerifyNotification(h.specs, r.Header, body, h.secret); err != nil {
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
	n, err := h.decode(body)
	if err != nil {
		h.reject(w, r, http.StatusBadRequest, "undecodable notification: "+err.Error())
		return
	}
	ctx := r.Context()
	if h.cfg.drift != nil {
		if unknown := unknownMembers(body, n); len(unknown) > 0 {
			typ := "notification"
			if t, ok := any(n).(interface{ NotificationType() string }); ok {
				typ = t.NotificationType() + " notification"
			}
			h.cfg.drift(ctx, typ, unknown)
		}
	}
	key := ""
	if h.cfg.dedup != nil {
		sum := sha256.Sum256(body)
		key = hex.EncodeToString(sum[:])
		seen, err := h.cfg.dedup.Seen(ctx, key)
		if err != nil {
			h.reject(w, r, http.StatusInternalServerError, "deduplicator: "+err.Error())
			return
		}
		if seen {
			acknowledge(w)
			return
		}
	}
	if err := h.handle(ctx, n); err != nil {
		h.reject(w, r, http.StatusInternalServerError, "handler failed: "+err.Error())
		return
	}
	if h.cfg.dedup != nil {
		if err := h.cfg.dedup.Done(ctx, key); err != nil {
			h.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "qiwi notification deduplicator", slog.String("error", err.Error()))
		}
	}
	acknowledge(w)
}

// acknowledge answers 200 with the body the Bill Payments API expects; the payin protocol
// reads only the status.
func acknowledge(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"error":"0"}`)
}

func containsAddr(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// MemoryDeduplicator keeps the last N keys in memory: enough for one process; use a shared
// store when several instances receive notifications.
type MemoryDeduplicator struct {
	mu    sync.Mutex
	size  int
	keys  map[string]struct{}
	order []string
}

// NewMemoryDeduplicator remembers up to size keys (at least 1).
func NewMemoryDeduplicator(size int) *MemoryDeduplicator {
	if size < 1 {
		size = 1
	}
	return &MemoryDeduplicator{size: size, keys: map[string]struct{}{}}
}

// Seen implements Deduplicator.
func (d *MemoryDeduplicator) Seen(_ context.Context, key string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.keys[key]
	return ok, nil
}

// Done implements Deduplicator.
func (d *MemoryDeduplicator) Done(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.keys[key]; ok {
		return nil
	}
	if len(d.order) >= d.size {
		delete(d.keys, d.order[0])
		d.order = d.order[1:]
	}
	d.keys[key] = struct{}{}
	d.order = append(d.order, key)
	return nil
}
