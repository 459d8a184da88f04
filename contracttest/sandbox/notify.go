package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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
		schedule: schedule, ctx: ctx, cancel: cancel}, nil
}

// payinNotice is a payin notification's body: the object under its member (payment,
// capture, refund, payout), the type, in the object and beside it, and the version.
func payinNotice(typ, member string, data map[string]any) map[string]any {
	data["type"] = typ
	return map[string]any{member: data, "type": typ, "version": "1"}
}

// send signs a notification and posts it to callback, or to the configured URL, in its own
// goroutine; nothing is sent without a secret or an address.
func (n *notifier) send(notice map[string]any, callback string) {
	url := n.url
	if url == "" {
		url = callback
	}
	if n.secret == "" || url == "" {
		return
	}
	body, err := json.Marshal(notice)
	if err != nil {
		return // a map of strings and numbers always encodes
	}
	header, err := webhook.SignNotification(n.specs, body, n.secret)
	if err != nil {
		return // the spec declares every type the sandbox sends
	}
	if n.inFlight.Add(1) > maxInFlight {
		n.inFlight.Add(-1)
		return // too many deliveries in flight: drop rather than grow without bound
	}
	n.wg.Add(1)
	schedule := n.schedule
	go func() {
		defer n.wg.Done()
		defer n.inFlight.Add(-1)
		for attempt := 0; ; attempt++ {
			if n.post(url, body, header) {
				return
			}
			if attempt >= len(schedule) {
				return
			}
			select {
			case <-time.After(time.Duration(float64(schedule[attempt]) / n.scale)):
			case <-n.ctx.Done():
				return
			}
		}
	}()
}

func (n *notifier) post(url string, body []byte, header http.Header) bool {
	req, err := http.NewRequestWithContext(n.ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return true // an address no request can go to: nothing to retry
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// close stops redelivery and waits for the deliveries in flight to end.
func (n *notifier) close() {
	n.cancel()
	n.wg.Wait()
}
