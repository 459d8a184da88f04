package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/spec/notification"
)

// maxNotification is the largest notification body read.
const maxNotification = 1 << 20

// received is one notification as it arrived, and what the generated handler made of it.
type received struct {
	in      fixture.Interaction
	handled int // the generated handler's status
	typ     string
	at      time.Time
}

// listener receives notifications on 127.0.0.1 (or the address given), records each and
// passes it through the generated webhook handler, which verifies its signature. It answers
// 200 whatever the handler says, so that the sender does not redeliver: the probe reports.
type listener struct {
	addr   string
	secret string
	srv    *http.Server
	done   chan struct{}

	mu   sync.Mutex
	got  []received
	last time.Time
}

// listen starts a listener on addr, or on ln when given.
func listen(addr string, ln net.Listener, secret string) (*listener, error) {
	if secret == "" {
		if ln != nil {
			ln.Close()
		}
		return nil, errors.New("--notify-secret is needed to verify the notifications")
	}
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", addr); err != nil {
			return nil, err
		}
	}
	l := &listener{addr: ln.Addr().String(), secret: secret, done: make(chan struct{})}
	l.srv = &http.Server{Handler: http.HandlerFunc(l.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(l.done)
		_ = l.srv.Serve(ln) // ends with ErrServerClosed at close
	}()
	return l, nil
}

func (l *listener) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxNotification))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	var typ string
	handler := qiwi.NewNotificationHandler(l.secret, func(_ context.Context, n qiwi.Notification) error {
		typ = n.NotificationType()
		return nil
	})
	check := httptest.NewRecorder()
	inner := r.Clone(r.Context())
	inner.Body = io.NopCloser(bytes.NewReader(body))
	handler.ServeHTTP(check, inner)
	if typ == "" {
		if n, err := qiwi.ParseNotification(body); err == nil {
			typ = n.NotificationType()
		}
	}
	now := time.Now()
	l.mu.Lock()
	l.got = append(l.got, received{
		in: fixture.Interaction{Kind: fixture.Notification, Provenance: fixture.Provenance{Source: "recorded", File: "probe callback"},
			Request: fixture.Request{Method: r.Method, URL: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(body)},
			Secret:  l.secret},
		handled: check.Code, typ: typ, at: now,
	})
	l.last = now
	l.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// wait returns the notifications once none came for quiet (at most 20 quiet periods, and
// no later than ctx allows).
func (l *listener) wait(ctx context.Context, quiet time.Duration) []received {
	start := time.Now()
	for i := 0; i < 20*4; i++ {
		l.mu.Lock()
		last := l.last
		l.mu.Unlock()
		if last.IsZero() {
			last = start
		}
		if time.Since(last) >= quiet || ctx.Err() != nil {
			break
		}
		time.Sleep(quiet / 4)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]received(nil), l.got...)
}

func (l *listener) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.srv.Shutdown(ctx)
	<-l.done
}

// notifications judges the notifications received: both verdicts, the generated handler's
// signature check, and the status request the spec names for each type (confirmedBy), whose
// answer must carry the notification's amount.
func (p *probe) notifications(ctx context.Context, l *listener) []exchange {
	decls, err := notification.Collect(p.doc)
	if err != nil {
		return nil
	}
	byType := map[string]notification.Declaration{}
	for _, d := range decls {
		byType[d.Type] = d
	}
	var out []exchange
	for i, got := range l.wait(ctx, p.opts.Quiet) {
		in := got.in
		in.Name = fmt.Sprintf("notification %d %s", i+1, cmpOr(got.typ, "of unknown type"))
		ex := exchange{in: in, kind: KindNotification, flow: -1}
		decl := byType[got.typ]
		if got.handled != http.StatusOK {
			ex.extra = append(ex.extra, verdict.Finding{Severity: verdict.Fail, Verdict: "notification", Pointer: decl.SignatureHeader,
				Message: fmt.Sprintf("%s: the generated handler refused it (%d): its %s does not verify with --notify-secret", cmpOr(got.typ, "notification"), got.handled, cmpOr(decl.SignatureHeader, "signature"))})
			out = append(out, ex)
			continue
		}
		out = append(out, ex)
		if decl.ConfirmedBy == nil || ctx.Err() != nil || p.rec.spent() {
			continue
		}
		out = append(out, p.confirm(ctx, got, decl)...)
	}
	return out
}

// confirm asks the status request the spec names for a notification, and checks that its
// answer agrees with the notification's amount.
func (p *probe) confirm(ctx context.Context, got received, decl notification.Declaration) []exchange {
	var body any
	if err := jsonUnmarshal(got.in.Request.Body, &body); err != nil {
		return nil
	}
	var args []string
	for _, ptr := range decl.ConfirmedBy.Parameters {
		v, ok := get(body, ptr)
		if !ok {
			return nil
		}
		args = append(args, textOf(v))
	}
	info := p.ops[decl.ConfirmedBy.OperationID]
	client := p.client
	if len(info.ConfigParams) == 0 {
		client = p.billing
	}
	_, _ = client.Invoke(ctx, info.ID, args, nil)
	var out []exchange
	for _, in := range p.rec.take() {
		in.Name = fmt.Sprintf("confirm %s %s", decl.Type, strings.Join(args, "/"))
		out = append(out, exchange{in: in, kind: KindConfirmation, flow: -1})
	}
	if len(out) == 0 {
		return nil
	}
	last := &out[len(out)-1]
	var answer any
	if last.in.Response.Status >= 300 || jsonUnmarshal(last.in.Response.Body, &answer) != nil {
		last.extra = append(last.extra, verdict.Finding{Severity: verdict.Fail, Verdict: "notification",
			Message: fmt.Sprintf("%s %s: the status request %s answered %d", decl.Type, strings.Join(args, "/"), info.ID, last.in.Response.Status)})
		return out
	}
	root := decl.ConfirmedBy.Parameters[0][:strings.LastIndex(decl.ConfirmedBy.Parameters[0], "/")]
	noted, ok1 := get(body, root+"/amount/value")
	told, ok2 := get(answer, "/amount/value")
	if ok1 && ok2 && !sameValue(noted, told) {
		last.extra = append(last.extra, verdict.Finding{Severity: verdict.Fail, Verdict: "notification", Pointer: root + "/amount/value",
			Message: fmt.Sprintf("%s %s: the notification says %s, %s answers %s", decl.Type, strings.Join(args, "/"), textOf(noted), info.ID, textOf(told))})
	}
	return out
}
