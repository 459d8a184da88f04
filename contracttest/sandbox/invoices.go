package sandbox

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// invoice is a payin invoice: CREATED, then PAID by a payment naming its billId, or EXPIRED
// once its expirationDateTime has passed.
type invoice struct {
	ID         string           `json:"id"`
	UID        string           `json:"uid"`
	Digest     string           `json:"digest"`
	Amount     int64            `json:"amount"` // 0: none (a CHECK_CARD invoice has no amount)
	Comment    string           `json:"comment,omitempty"`
	Created    string           `json:"created"`
	Expiration string           `json:"expiration"`
	Status     qiwi.StatusValue `json:"status"`
	// Changed is when Status was set (empty in a state stored before it was kept: Created).
	Changed string `json:"changed,omitempty"`
	// Echoed are the request's members QIWI's answer repeats (flags, customer, customFields,
	// splits), as sent (payments/_api-methods_en#invoice_put, payments/_splits_en).
	Echoed map[string]any `json:"echoed,omitempty"`
}

// emptyObject reports whether v is {}: sent empty, customer and customFields are left out of
// the answer, as QIWI's are (website/payment-token_en.txt, the invoice with a token).
func emptyObject(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 0
}

// invoiceEchoes are the request members an invoice's answer repeats.
var invoiceEchoes = []string{"flags", "customer", "customFields", "splits"}

// expiredAt reports whether an expirationDateTime (any of QIWI's timestamp forms) has
// passed by now, and when it did. One that does not parse never passes.
func expiredAt(expiration string, now time.Time) (time.Time, bool) {
	exp, err := wiretype.ParseTimestamp(expiration)
	if err != nil || !now.After(exp.Time()) {
		return time.Time{}, false
	}
	return exp.Time(), true
}

// status is the invoice's status now and since when: a CREATED invoice past its
// expirationDateTime is EXPIRED from that time on, whether or not anything stored the change
// (the docs' example of an expired invoice gives the expiration as its changedDateTime,
// payments/_api-methods_en#invoice_put).
func (inv *invoice) status(now time.Time) (value, changed string) {
	if inv.Status == qiwi.StatusValueCreated {
		if exp, ok := expiredAt(inv.Expiration, now); ok {
			return qiwi.StatusValueExpired, formatTimestamp(exp)
		}
	}
	return inv.Status, cmp.Or(inv.Changed, inv.Created)
}

// invoiceAnswer is an invoice as the payin API answers it (qiwi.Invoice, with the sandbox's
// amount and times). The members the request sent and the answer repeats (flags, customer,
// customFields, splits) are written as the request had them, as the state keeps them.
type invoiceAnswer struct {
	Amount             *amount  `json:"amount,omitempty"`
	BillID             string   `json:"billId"`
	Comment            string   `json:"comment,omitempty"`
	CreationDateTime   string   `json:"creationDateTime"`
	CustomFields       any      `json:"customFields,omitempty"`
	Customer           any      `json:"customer,omitempty"`
	ExpirationDateTime string   `json:"expirationDateTime"`
	Flags              any      `json:"flags,omitempty"`
	InvoiceUID         string   `json:"invoiceUid"`
	PayURL             string   `json:"payUrl"`
	SiteID             string   `json:"siteId"`
	Splits             any      `json:"splits,omitempty"`
	Status             opStatus `json:"status"`
}

func (inv *invoice) answer(s *Sandbox, siteID string) *invoiceAnswer {
	status, changed := inv.status(s.now())
	out := &invoiceAnswer{BillID: inv.ID, SiteID: siteID, InvoiceUID: inv.UID, CreationDateTime: inv.Created,
		ExpirationDateTime: inv.Expiration, Status: opStatus{Value: status, ChangedDateTime: changed},
		PayURL: "https://oplata.qiwi.com/form?invoiceUid=" + inv.UID, Comment: inv.Comment,
		Flags: inv.Echoed["flags"], Customer: inv.Echoed["customer"], CustomFields: inv.Echoed["customFields"], Splits: inv.Echoed["splits"]}
	if inv.Amount > 0 {
		out.Amount = qiwi.Ptr(money(inv.Amount))
	}
	return out
}

// createInvoice: PUT .../bills/{billId}.
func createInvoice(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	id := c.params["billId"]
	if inv, ok := st.Invoices[id]; ok {
		if aerr := c.repeat("Invoice", id, inv.Digest); aerr != nil {
			return 0, nil, aerr
		}
		return http.StatusOK, inv.answer(s, c.site), nil
	}
	now := s.timestamp()
	inv := &invoice{ID: id, Digest: c.digest(), Comment: str(c.req, "comment"), Created: now, Changed: now, Expiration: str(c.req, "expirationDateTime"), Status: qiwi.StatusValueCreated}
	if _, has := c.req["amount"]; has {
		amount, aerr := amountOf(c)
		if aerr != nil {
			return 0, nil, aerr
		}
		inv.Amount = amount
	}
	for _, k := range invoiceEchoes {
		if v, ok := c.req[k]; ok && v != nil && !emptyObject(v) {
			if inv.Echoed == nil {
				inv.Echoed = map[string]any{}
			}
			inv.Echoed[k] = v
		}
	}
	inv.UID = formUID(c.site, id)
	st.Invoices[id] = inv
	c.wrote("invoice", id, inv)
	return http.StatusOK, inv.answer(s, c.site), nil
}

// formUID is the UUID-shaped invoiceUid of a site's payin invoice: derived from the site and
// the ID. It names QIWI's form (oplata.qiwi.com), which the sandbox does not serve; a Bill
// Payments bill's pay form, which the sandbox serves, has a random uid (newFormUID).
func formUID(siteID, id string) string {
	sum := sha256.Sum256([]byte(siteID + "\x00" + id))
	return uuidShape(sum[:16])
}

// uuidShape writes 16 bytes as a UUID is written: 8-4-4-4-12 hex digits.
func uuidShape(b []byte) string {
	u := hex.EncodeToString(b)
	return u[0:8] + "-" + u[8:12] + "-" + u[12:16] + "-" + u[16:20] + "-" + u[20:32]
}

// getInvoice: GET .../bills/{billId}/details.
func getInvoice(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	inv, ok := st.Invoices[c.params["billId"]]
	if !ok {
		return 0, nil, notFound("Invoice")
	}
	return http.StatusOK, inv.answer(s, c.site), nil
}

// listInvoicePayments: GET .../bills/{billId}, the payments naming the invoice, oldest
// first.
func listInvoicePayments(_ *Sandbox, st *site, c *call) (int, any, *apiError) {
	id := c.params["billId"]
	if _, ok := st.Invoices[id]; !ok {
		return 0, nil, notFound("Invoice")
	}
	var paying []*payment
	for _, p := range st.Payments {
		if p.BillID == id {
			paying = append(paying, p)
		}
	}
	slices.SortFunc(paying, func(a, b *payment) int {
		return cmp.Or(strings.Compare(a.Created, b.Created), strings.Compare(a.ID, b.ID))
	})
	out := make([]*paymentAnswer, len(paying))
	for i, p := range paying {
		out[i] = p.answer()
	}
	return http.StatusOK, out, nil
}

// payInvoice checks a payment against the invoice it names. nil when the payment names none.
func (st *site) payInvoice(billID string, amount int64, now time.Time) *apiError {
	if billID == "" {
		return nil
	}
	inv, ok := st.Invoices[billID]
	if !ok {
		return notFound("Invoice")
	}
	switch status, changed := inv.status(now); status {
	case qiwi.StatusValueCreated:
	case qiwi.StatusValueExpired:
		// The docs name no error for paying an expired invoice: the reason codes have
		// BILL_ALREADY_PAID for a paid one and nothing for an expired one
		// (payments/_statuses_en#reason-codes), and the invoice's 4xx example is
		// validation.error (payments/_api-methods_en#invoice_put). The sandbox answers that,
		// its cause naming billId.
		return badField("billId", "invoice "+billID+" is EXPIRED since "+changed+": an expired invoice cannot be paid")
	default:
		return conflict("Invoice " + billID + " is " + status)
	}
	if inv.Amount > 0 && inv.Amount != amount {
		return badField("amount.value", "the invoice's amount")
	}
	return nil
}
