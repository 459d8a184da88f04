package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Pseudo-operations: what the request log and the status page name a request that is no
// operation of the spec.
const (
	opStatusPage = "(status page)"
	opPayForm    = "(pay form)"
	opNone       = "(no operation)"
)

// logWriter records what a request was answered, for the request log and the counts.
type logWriter struct {
	http.ResponseWriter
	status int
	// errCode and field are the QIWI error answered, if any: its errorCode and the field its
	// cause names (a field name, never a value).
	errCode, field string
	dropped        bool
}

func (w *logWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *logWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Hijack lets a fault drop the connection through the log.
func (w *logWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("the connection cannot be hijacked")
	}
	conn, rw, err := hj.Hijack()
	if err == nil {
		w.dropped = true
	}
	return conn, rw, err
}

// Flush passes a flush on.
func (w *logWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// noted records the QIWI error a request is answered with, when w is the request log's.
func noted(w http.ResponseWriter, e apiError) {
	if lw, ok := w.(*logWriter); ok {
		lw.errCode, lw.field = e.code, e.field
	}
}

// logRequest writes a request's line: method, path (IDs only, never the query), operation,
// status, latency and the QIWI error code. Nothing from the headers or the body is logged:
// no key, card number, CVV, token or signature can reach the log.
func (s *Sandbox) logRequest(r *http.Request, op string, w *logWriter, latency time.Duration) {
	if s.log == nil {
		return
	}
	attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("op", op)}
	switch {
	case w.dropped:
		attrs = append(attrs, slog.String("status", "dropped"))
	default:
		attrs = append(attrs, slog.Int("status", w.status))
	}
	attrs = append(attrs, slog.Duration("latency", latency))
	if w.errCode != "" {
		attrs = append(attrs, slog.String("error", w.errCode))
	}
	if w.field != "" {
		attrs = append(attrs, slog.String("field", w.field))
	}
	level := slog.LevelInfo
	if w.status >= 500 || w.dropped {
		level = slog.LevelWarn
	}
	s.log.LogAttrs(context.Background(), level, "request", attrs...)
}

// counts are the requests the sandbox answered, by operation and by status class.
type counts struct {
	mu    sync.Mutex
	total int
	byOp  map[string]*OperationCounts
	class map[string]int
}

// OperationCounts are one operation's requests, in all and by status class ("2xx", ...,
// "dropped").
type OperationCounts struct {
	Total   int            `json:"total"`
	Classes map[string]int `json:"byStatus"`
}

func newCounts() *counts {
	return &counts{byOp: map[string]*OperationCounts{}, class: map[string]int{}}
}

// statusClass is "2xx", "4xx", ... or "dropped" for a connection closed without an answer.
func statusClass(w *logWriter) string {
	if w.dropped {
		return "dropped"
	}
	status := w.status
	if status == 0 {
		status = http.StatusOK // nothing written: net/http answers 200
	}
	return fmt.Sprintf("%dxx", status/100)
}

func (c *counts) add(op, class string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total++
	c.class[class]++
	oc := c.byOp[op]
	if oc == nil {
		oc = &OperationCounts{Classes: map[string]int{}}
		c.byOp[op] = oc
	}
	oc.Total++
	oc.Classes[class]++
}

// Status is what the status page (GET /) shows: also its JSON, with Accept: application/json
// or ?format=json.
type Status struct {
	// Started is when the sandbox started, by its clock; Uptime since then.
	Started       string  `json:"started"`
	UptimeSeconds float64 `json:"uptimeSeconds"`
	// Requests counts the requests answered (the status page's own included), by operationId
	// and by status class: "2xx", "4xx", "5xx", "dropped".
	Requests      int                         `json:"requests"`
	ByStatus      map[string]int              `json:"byStatus"`
	ByOperation   map[string]*OperationCounts `json:"byOperation"`
	Objects       map[string]int              `json:"objects"`
	Notifications NotificationStatus          `json:"notifications"`
}

// NotificationStatus is the notifications not yet delivered: sending or awaiting a retry.
type NotificationStatus struct {
	Pending int `json:"pending"`
	// NextAttempt is the earliest retry waited for (wall clock), empty when none waits.
	NextAttempt string `json:"nextAttempt,omitempty"`
}

// status gathers the status page.
func (s *Sandbox) status() Status {
	now := s.now()
	st := Status{Started: formatTimestamp(s.started), UptimeSeconds: now.Sub(s.started).Seconds(),
		ByStatus: map[string]int{}, ByOperation: map[string]*OperationCounts{}}
	s.counts.mu.Lock()
	st.Requests = s.counts.total
	maps.Copy(st.ByStatus, s.counts.class)
	for op, oc := range s.counts.byOp {
		st.ByOperation[op] = &OperationCounts{Total: oc.Total, Classes: maps.Clone(oc.Classes)}
	}
	s.counts.mu.Unlock()
	s.mu.Lock()
	st.Objects = s.objectCounts()
	s.mu.Unlock()
	pending, next := s.notify.pendingNow()
	st.Notifications.Pending = pending
	if !next.IsZero() {
		st.Notifications.NextAttempt = formatTimestamp(next)
	}
	return st
}

// objectCounts counts the objects kept, by kind. The caller holds s.mu.
func (s *Sandbox) objectCounts() map[string]int {
	n := map[string]int{"sites": len(s.sites), "payments": 0, "captures": 0, "refunds": 0, "payouts": 0, "invoices": 0,
		"qrCodes": 0, "cardVerifications": 0, "bills": 0, "billRefunds": 0, "tokens": 0}
	for _, st := range s.sites {
		n["payments"] += len(st.Payments)
		for _, p := range st.Payments {
			n["captures"] += len(p.Captures)
			n["refunds"] += len(p.Refunds)
			n["payouts"] += len(p.Payouts)
		}
		n["invoices"] += len(st.Invoices)
		n["qrCodes"] += len(st.QRCodes)
		n["cardVerifications"] += len(st.CardChecks)
		n["bills"] += len(st.Bills)
		for _, b := range st.Bills {
			n["billRefunds"] += len(b.Refunds)
		}
		for _, t := range st.Tokens {
			if !t.Deleted {
				n["tokens"]++
			}
		}
	}
	return n
}

// wantsJSON reports whether a status page request asks for JSON.
func wantsJSON(r *http.Request) bool {
	if f := r.URL.Query().Get("format"); f != "" {
		return f == "json"
	}
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// serveStatus answers the status page: text, or JSON when asked.
func (s *Sandbox) serveStatus(w http.ResponseWriter, r *http.Request) {
	st := s.status()
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, st)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	st.writeText(w)
}

// writeText writes the status page as text.
func (st Status) writeText(w io.Writer) {
	fmt.Fprintln(w, "qiwigen sandbox: QIWI payin and Bill Payments APIs in test mode, under /partner")
	fmt.Fprintf(w, "started %s, up %s (this page as JSON: ?format=json)\n\n", st.Started,
		(time.Duration(st.UptimeSeconds * float64(time.Second))).Round(time.Second))
	fmt.Fprintf(w, "requests: %d%s\n", st.Requests, classList(st.ByStatus))
	for _, op := range slices.Sorted(maps.Keys(st.ByOperation)) {
		oc := st.ByOperation[op]
		fmt.Fprintf(w, "  %-28s %5d%s\n", op, oc.Total, classList(oc.Classes))
	}
	fmt.Fprintln(w, "\nobjects kept:")
	for _, k := range slices.Sorted(maps.Keys(st.Objects)) {
		fmt.Fprintf(w, "  %-28s %5d\n", k, st.Objects[k])
	}
	fmt.Fprintf(w, "\nnotifications pending: %d", st.Notifications.Pending)
	if st.Notifications.NextAttempt != "" {
		fmt.Fprintf(w, ", next attempt %s", st.Notifications.NextAttempt)
	}
	fmt.Fprintln(w)
}

// classList is " (2xx 3, 4xx 1)", or nothing for no requests.
func classList(classes map[string]int) string {
	if len(classes) == 0 {
		return ""
	}
	parts := make([]string, 0, len(classes))
	for _, c := range slices.Sorted(maps.Keys(classes)) {
		parts = append(parts, fmt.Sprintf("%s %d", c, classes[c]))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
