package probe

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/spec/ext"
	"github.com/qiwigen/qiwigen/spec/notification"
)

// checkNotifies checks that the notifications the flows' steps declare are types the spec
// declares (x-qiwi-notification).
func checkNotifies(doc *openapi3.T, flows []ext.Flow) error {
	decls, err := notification.Collect(doc)
	if err != nil {
		return err
	}
	types := map[string]bool{}
	for _, d := range decls {
		types[d.Type] = true
	}
	for _, f := range flows {
		for _, step := range f.Steps {
			for _, n := range step.Notifies {
				if !types[n.Type] {
					return fmt.Errorf("%s: flow %s step %s: notifies %s, which is no notification type the spec declares", ext.Flows, f.Name, step.ID, n.Type)
				}
			}
		}
	}
	return nil
}

// describe lists an expected notification's members for messages: " with /a = x, /b = y".
func describe(members map[string]string) string {
	var parts []string
	for _, ptr := range slices.Sorted(maps.Keys(members)) {
		parts = append(parts, ptr+" = "+members[ptr])
	}
	if len(parts) == 0 {
		return ""
	}
	return " with " + strings.Join(parts, ", ")
}

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

	// arrived is signalled (without blocking) at each notification received.
	arrived chan struct{}

	mu  sync.Mutex
	got []received
}

// expectation is a notification a flow's step causes, its members' values resolved.
type expectation struct {
	flow     int // the flow's index in the report
	step     string
	op       string
	typ      string
	members  map[string]string // JSON pointer → value
	deadline time.Time
}

// expect resolves the notifications a step that ran declares it causes; each is due within
// NotifyWait from now.
func (p *probe) expect(step ext.FlowStep, state map[string]stepState) ([]expectation, error) {
	var out []expectation
	for _, n := range step.Notifies {
		e := expectation{step: step.ID, op: cmp.Or(step.OperationID, "pay form"), typ: n.Type, members: map[string]string{},
			deadline: time.Now().Add(p.opts.NotifyWait)}
		for ptr, text := range n.Members {
			v, err := p.expr(text, state)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", n.Type, ptr, err)
			}
			e.members[ptr] = textOf(v)
		}
		out = append(out, e)
	}
	return out, nil
}

// matches reports whether a notification received is the one expected.
func (e expectation) matches(got received, body any) bool {
	if got.typ != e.typ {
		return false
	}
	for ptr, want := range e.members {
		v, err := jsonpointer.Get(body, ptr)
		if err != nil || !sameValue(v, want) {
			return false
		}
	}
	return true
}

// match pairs each expectation with a distinct notification received (the first that
// matches, in order); match[i] is the index in got of expectation i's, -1 for none.
func match(expected []expectation, got []received) []int {
	bodies := make([]any, len(got))
	for i, g := range got {
		_ = jsonUnmarshal(g.in.Request.Body, &bodies[i]) // an unreadable body matches no members
	}
	taken := make([]bool, len(got))
	out := make([]int, len(expected))
	for i, e := range expected {
		out[i] = -1
		for k := range got {
			if !taken[k] && e.matches(got[k], bodies[k]) {
				taken[k], out[i] = true, k
				break
			}
		}
	}
	return out
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
	l := &listener{addr: ln.Addr().String(), secret: secret, done: make(chan struct{}), arrived: make(chan struct{}, 1)}
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
	l.mu.Unlock()
	select {
	case l.arrived <- struct{}{}:
	default: // already signalled
	}
	w.WriteHeader(http.StatusOK)
}

// received returns the notifications received so far.
func (l *listener) received() []received {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]received(nil), l.got...)
}

// maxWakes bounds the wait's loop: one wake per notification received, at most.
const maxWakes = 100000

// wait returns the notifications received once every expected one has arrived, or each
// missing one's deadline has passed, or ctx has ended.
func (l *listener) wait(ctx context.Context, expected []expectation) []received {
	for range maxWakes {
		got := l.received()
		var until time.Time // the latest deadline of the missing ones
		for i, k := range match(expected, got) {
			if k < 0 && expected[i].deadline.After(until) {
				until = expected[i].deadline
			}
		}
		if until.IsZero() || !time.Now().Before(until) || ctx.Err() != nil {
			return got
		}
		timer := time.NewTimer(time.Until(until))
		select {
		case <-l.arrived:
		case <-timer.C:
		case <-ctx.Done():
		}
		timer.Stop()
	}
	return l.received()
}

func (l *listener) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.srv.Shutdown(ctx)
	<-l.done
}

// notifications waits for the notifications the flows' steps cause (expected), reports
// each missing one as a failure of its flow (or its flow stopped, when --duration ended the
// wait first), and judges the notifications received: both verdicts, the generated
// handler's signature check, and the status request the spec names for each type
// (confirmedBy), whose answer must agree with the notification.
func (p *probe) notifications(ctx context.Context, l *listener, expected []expectation, flows []FlowResult) []exchange {
	decls, err := notification.Collect(p.doc)
	if err != nil {
		return nil
	}
	byType := map[string]notification.Declaration{}
	for _, d := range decls {
		byType[d.Type] = d
	}
	arrived := l.wait(ctx, expected)
	for i, k := range match(expected, arrived) {
		if k >= 0 {
			continue
		}
		e := expected[i]
		flow := &flows[e.flow]
		if ctx.Err() != nil && time.Now().Before(e.deadline) {
			if flow.Stopped == "" {
				flow.Stopped = fmt.Sprintf("--duration reached while waiting for the %s notification of step %s", e.typ, e.step)
			}
			continue
		}
		flow.Failures = append(flow.Failures, fmt.Sprintf("step %s (%s): no %s notification%s arrived within %s",
			e.step, e.op, e.typ, describe(e.members), p.opts.NotifyWait))
	}
	// One operation may be notified several times (a refund that succeeded, then declined),
	// and QIWI sets no order of sending (payments-ru/_notifications_ru.html.md.erb line 37):
	// its status answer must agree with one of them, checked once, at the last to arrive.
	latest := map[string]int{}
	notified := map[string][]string{}
	for i, got := range arrived {
		if decl := byType[got.typ]; decl.ConfirmedBy != nil {
			if args, ok := confirmArgs(got, decl); ok {
				key := got.typ + " " + strings.Join(args, "/")
				latest[key] = i
				if st := decl.ConfirmedBy.Status; st != nil {
					var body any
					if jsonUnmarshal(got.in.Request.Body, &body) == nil {
						if v, err := jsonpointer.Get(body, st.Notification); err == nil {
							notified[key] = append(notified[key], textOf(v))
						}
					}
				}
			}
		}
	}
	var out []exchange
	for i, got := range arrived {
		in := got.in
		in.Name = fmt.Sprintf("notification %d %s", i+1, cmp.Or(got.typ, "of unknown type"))
		ex := exchange{in: in, kind: KindNotification, flow: -1}
		decl := byType[got.typ]
		if got.handled != http.StatusOK {
			ex.extra = append(ex.extra, verdict.Finding{Severity: verdict.Fail, Verdict: "notification", Pointer: decl.SignatureHeader,
				Message: fmt.Sprintf("%s: the generated handler refused it (%d): its %s does not verify with --notify-secret", cmp.Or(got.typ, "notification"), got.handled, cmp.Or(decl.SignatureHeader, "signature"))})
			out = append(out, ex)
			continue
		}
		out = append(out, ex)
		if decl.ConfirmedBy == nil || ctx.Err() != nil || p.rec.spent() {
			continue
		}
		args, _ := confirmArgs(got, decl)
		key := got.typ + " " + strings.Join(args, "/")
		var statuses []string
		if latest[key] == i {
			statuses = notified[key]
		}
		out = append(out, p.confirm(ctx, got, decl, statuses)...)
	}
	return out
}

// confirmArgs returns the arguments of the status request that confirms a notification:
// the values of its body at the declaration's confirmedBy parameters.
func confirmArgs(got received, decl notification.Declaration) ([]string, bool) {
	var body any
	if err := jsonUnmarshal(got.in.Request.Body, &body); err != nil {
		return nil, false
	}
	var args []string
	for _, ptr := range decl.ConfirmedBy.Parameters {
		v, err := jsonpointer.Get(body, ptr)
		if err != nil {
			return nil, false
		}
		args = append(args, textOf(v))
	}
	return args, true
}

// confirm asks the status request the spec names for a notification, and checks that its
// answer agrees with the notification's amount and, when statuses are given (the statuses
// its operation's notifications carried), that the answer's status agrees with one of them
// as the spec pairs them (confirmedBy.status).
func (p *probe) confirm(ctx context.Context, got received, decl notification.Declaration, statuses []string) []exchange {
	var body any
	if err := jsonUnmarshal(got.in.Request.Body, &body); err != nil {
		return nil
	}
	args, ok := confirmArgs(got, decl)
	if !ok {
		return nil
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
	noted, err1 := jsonpointer.Get(body, root+"/amount/value")
	told, err2 := jsonpointer.Get(answer, "/amount/value")
	if err1 == nil && err2 == nil && !sameValue(noted, told) {
		last.extra = append(last.extra, verdict.Finding{Severity: verdict.Fail, Verdict: "notification", Pointer: root + "/amount/value",
			Message: fmt.Sprintf("%s %s: the notification says %s, %s answers %s", decl.Type, strings.Join(args, "/"), textOf(noted), info.ID, textOf(told))})
	}
	if st := decl.ConfirmedBy.Status; st != nil && len(statuses) > 0 {
		if told, err := jsonpointer.Get(answer, st.Answer); err == nil && !slices.ContainsFunc(statuses, func(s string) bool { return st.Agree(s, textOf(told)) }) {
			last.extra = append(last.extra, verdict.Finding{Severity: verdict.Fail, Verdict: "notification", Pointer: st.Notification,
				Message: fmt.Sprintf("%s %s: the notification's status %s does not agree with %s's %s (spec: confirmedBy.status)", decl.Type, strings.Join(args, "/"), strings.Join(statuses, " or "), info.ID, textOf(told))})
		}
	}
	return out
}
