package sandbox

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// site is one siteId's state. Each object is a JSON document: in the state store, under its
// kind and ID (see kinds), so the object and what is stored of it are one type.
type site struct {
	Payments   map[string]*payment
	Invoices   map[string]*invoice
	QRCodes    map[string]*qrCode
	CardChecks map[string]*cardCheck
	Bills      map[string]*bill
	// Tokens are the card payment tokens the site issued, by the token's digest: the sandbox
	// keeps no token in clear text.
	Tokens map[string]*cardToken
}

func newSite() *site {
	return &site{Payments: map[string]*payment{}, Invoices: map[string]*invoice{}, QRCodes: map[string]*qrCode{},
		CardChecks: map[string]*cardCheck{}, Bills: map[string]*bill{}, Tokens: map[string]*cardToken{}}
}

// kind is a sort of stored object: the prefix of its keys and how a stored document is put
// back into a site (nil data: nothing is stored under the key, so the object goes).
type kind struct {
	name    string
	restore func(st *site, id string, data []byte) error
}

// kinds are the stored sorts of object. A payment holds its captures, refunds and payouts;
// a bill its refunds.
var kinds = []kind{
	{"payment", func(st *site, id string, data []byte) error { return restoreInto(st.Payments, id, data) }},
	{"invoice", func(st *site, id string, data []byte) error { return restoreInto(st.Invoices, id, data) }},
	{"qrcode", func(st *site, id string, data []byte) error { return restoreInto(st.QRCodes, id, data) }},
	{"cardcheck", func(st *site, id string, data []byte) error { return restoreInto(st.CardChecks, id, data) }},
	{"bill", func(st *site, id string, data []byte) error { return restoreInto(st.Bills, id, data) }},
	{"token", func(st *site, id string, data []byte) error { return restoreInto(st.Tokens, id, data) }},
}

func restoreInto[T any](m map[string]*T, id string, data []byte) error {
	if data == nil {
		delete(m, id)
		return nil
	}
	v := new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	m[id] = v
	return nil
}

// storeKey is an object's key in its site's bucket: the kind, a zero byte, the ID.
func storeKey(kind, id string) string { return kind + "\x00" + id }

// call is one request to an operation handler, and what it changed.
type call struct {
	site   string
	params map[string]string
	body   []byte
	req    map[string]any
	header http.Header
	// amountForm is how the operation's API wants request amounts written.
	amountForm wiretype.AmountForm
	// sum caches digest.
	sum string
	// base is the sandbox's own address as the client reached it (for pay-form links).
	base string

	// changed are the objects the call created or changed, stored before the answer.
	changed []changed
	// notices are the notifications the call causes, sent once its changes are stored.
	notices []func()
	// delay is how long the test mode takes to answer the call (before Options.TimeScale).
	delay time.Duration
}

// changed is an object a call wrote, by its store key.
type changed struct {
	key   string
	value any
}

// wrote records an object the call created or changed.
func (c *call) wrote(kind, id string, v any) {
	c.changed = append(c.changed, changed{key: storeKey(kind, id), value: v})
}

// later queues a notification to send once the call's changes are stored.
func (c *call) later(send func()) { c.notices = append(c.notices, send) }

// repeat judges a create call naming an object that exists, by the digest of the request
// that created it: nil for the same request (the caller answers the object again), a
// refusal for another. This is QIWI's idempotency for every PUT.
func (c *call) repeat(what, id, digest string) *apiError {
	if digest != c.digest() {
		return conflict(what + " " + id + " exists with another request")
	}
	return nil
}
