package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qiwigen/qiwigen/generator/runtime/webhook"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/qiwigen/qiwigen/spec/ext"
	"github.com/qiwigen/qiwigen/spec/notification"
)

// Redeliveries returns the waits before each new delivery of a notification not answered
// 200: the spec's x-qiwi-notification-retries, which the Russian notification page states
// (5 s, 1 min, then three times 5 min; the English page says only "several times with growing
// interval during the day"). A spec without the extension gets no redelivery.
func Redeliveries(doc *openapi3.T) ([]time.Duration, error) {
	schedule, _, err := ext.NotificationRetriesOf(doc)
	if err != nil {
		return nil, fmt.Errorf("sandbox: spec: %w", err)
	}
	return schedule.Delays, nil
}

// notifier posts signed notifications and redelivers them until answered 200.
type notifier struct {
	secret string
	url    string // overrides each operation's callbackUrl when set
	scale  float64
	client *http.Client
	specs  []webhook.SignatureSpec
	// schedule is the wait before each redelivery (Redeliveries).
	schedule []time.Duration
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	// inFlight counts the deliveries running; past maxInFlight new ones are dropped.
	inFlight atomic.Int32
	log      *slog.Logger // nil: no log

	mu sync.Mutex
	// waiting holds, per delivery awaiting a retry, when the retry is due (wall clock).
	waiting map[uint64]time.Time
	seq     uint64
}

// maxInFlight bounds the deliveries running at once.
const maxInFlight = 4096

func newNotifier(doc *openapi3.T, opts Options, scale float64) (*notifier, error) {
	decls, err := notification.Collect(doc)
	if err != nil {
		return nil, fmt.Errorf("sandbox: spec: %w", err)
	}
	specs := make([]webhook.SignatureSpec, 0, len(decls))
	for _, d := range decls {
		specs = append(specs, webhook.SignatureSpec{Type: d.Type, Header: d.SignatureHeader, Fields: d.SignedFields, AmountFields: d.AmountFields})
	}
	schedule, err := Redeliveries(doc)
	if err != nil {
		return nil, err
	}
	client := opts.NotifyClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &notifier{secret: opts.NotifySecret, url: opts.NotifyURL, scale: scale, client: client, specs: specs,
		schedule: schedule, ctx: ctx, cancel: cancel, log: opts.Logger, waiting: map[uint64]time.Time{}}, nil
}

// ErrNotifyURL is wrapped by the error about a notification URL that is not an absolute
// http or https URL with a host.
var ErrNotifyURL = errors.New("bad notification URL")

// CheckNotifyURL checks a notification URL (Options.NotifyURL): an absolute http or https
// URL with a host. The error quotes the URL without its query or user info.
func CheckNotifyURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %q does not parse", ErrNotifyURL, redactURL(raw))
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%w: %q: want an absolute http:// or https:// URL", ErrNotifyURL, redactURL(raw))
	case u.Hostname() == "":
		return fmt.Errorf("%w: %q: the URL names no host", ErrNotifyURL, redactURL(raw))
	}
	return nil
}

// redactURL is a URL as logs and errors show it: without its user info, query and fragment,
// which may carry secrets.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.IndexAny(raw, "?#"); i >= 0 {
			raw = raw[:i]
		}
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			raw = raw[i+1:]
		}
		return raw
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// pendingNow is how many deliveries are not over (sending or awaiting a retry), and the
// earliest retry due; zero when none waits.
func (n *notifier) pendingNow() (int, time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var next time.Time
	for _, t := range n.waiting {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return int(n.inFlight.Load()), next
}

// logAttrs logs a delivery event when there is a log.
func (n *notifier) logAttrs(level slog.Level, msg string, attrs ...slog.Attr) {
	if n.log != nil {
		n.log.LogAttrs(context.Background(), level, msg, attrs...)
	}
}

// send signs a notification of type typ (BILL for the Bill Payments notification, which has
// no type member) and posts it to callback, or to the configured URL, in its own goroutine;
// nothing is sent without a secret or an address. notice is the body: a payinNotification
// or a billNotification.
func (n *notifier) send(typ string, notice any, callback string) {
	target := n.url
	if target == "" {
		target = callback
	}
	if n.secret == "" {
		return // notifications are off
	}
	if target == "" {
		n.logAttrs(slog.LevelWarn, "notification not sent", slog.String("type", typ), slog.String("why", "no callbackUrl and no notification URL"))
		return
	}
	shown := redactURL(target)
	notSent := func(why string) {
		n.logAttrs(slog.LevelWarn, "notification not sent", slog.String("type", typ), slog.String("url", shown), slog.String("why", why))
	}
	// Requests with such a callbackUrl are refused, but a state file written before they
	// were may hold one: it is logged, never posted nor retried.
	if err := CheckNotifyURL(target); err != nil {
		notSent(err.Error())
		return
	}
	body, err := json.Marshal(notice)
	if err != nil {
		notSent("the body does not encode: " + err.Error()) // the notification types always encode
		return
	}
	header, err := webhook.SignNotification(n.specs, body, n.secret)
	if err != nil {
		notSent("not signed: " + err.Error()) // the spec declares every type the sandbox sends
		return
	}
	if n.inFlight.Add(1) > maxInFlight {
		n.inFlight.Add(-1)
		// Too many deliveries in flight: drop rather than grow without bound.
		n.logAttrs(slog.LevelWarn, "notification dropped", slog.String("type", typ), slog.String("url", shown),
			slog.String("why", fmt.Sprintf("%d deliveries in flight", maxInFlight)))
		return
	}
	n.mu.Lock()
	n.seq++
	id := n.seq
	n.mu.Unlock()
	n.wg.Add(1)
	schedule := n.schedule
	go func() {
		defer n.wg.Done()
		defer n.inFlight.Add(-1)
		for attempt := 0; ; attempt++ {
			status, err := n.post(target, body, header)
			attrs := []slog.Attr{slog.String("type", typ), slog.String("url", shown), slog.Int("attempt", attempt+1)}
			if err != nil {
				attrs = append(attrs, slog.String("error", err.Error()))
			} else {
				attrs = append(attrs, slog.Int("status", status))
			}
			switch {
			case err == nil && status == http.StatusOK:
				n.logAttrs(slog.LevelInfo, "notification delivered", attrs...)
				return
			case errors.Is(err, errNoRequest) || n.ctx.Err() != nil:
				n.logAttrs(slog.LevelWarn, "notification not delivered", append(attrs, slog.String("next", "none"))...)
				return
			case attempt >= len(schedule):
				n.logAttrs(slog.LevelWarn, "notification not delivered", append(attrs, slog.String("next", "none: the retries are over"))...)
				return
			}
			wait := time.Duration(float64(schedule[attempt]) / n.scale)
			due := time.Now().Add(wait)
			n.logAttrs(slog.LevelWarn, "notification not delivered", append(attrs, slog.Duration("retry_in", wait), slog.Time("retry_at", due))...)
			n.mu.Lock()
			n.waiting[id] = due
			n.mu.Unlock()
			select {
			case <-time.After(wait):
			case <-n.ctx.Done():
			}
			n.mu.Lock()
			delete(n.waiting, id)
			n.mu.Unlock()
			if n.ctx.Err() != nil {
				return
			}
		}
	}()
}

// errNoRequest is a notification address no request can go to: nothing to retry.
var errNoRequest = errors.New("no request can go to this address")

// post delivers a notification once: the answer's status, or why none came (without the
// URL, whose query may carry a secret).
func (n *notifier) post(target string, body []byte, header http.Header) (int, error) {
	req, err := http.NewRequestWithContext(n.ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, errNoRequest
	}
	for k, v := range header {
		req.Header[k] = v
	}
	// The documented headers of every notification: payments/_notifications_en.html.md.erb
	// lines 5-9 and 65-69 (payin), bill-payments/bill-payments_en.html.md lines 309-313 and
	// the header list, lines 342-349 (BILL).
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return 0, ue.Err // the error without the URL
		}
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	resp.Body.Close()
	return resp.StatusCode, nil
}

// close stops redelivery and waits for the deliveries in flight to end.
func (n *notifier) close() {
	n.cancel()
	n.wg.Wait()
}
