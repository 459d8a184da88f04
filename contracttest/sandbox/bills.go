package sandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"time"

	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// bill is a Bill Payments bill: WAITING, then PAID on the sandbox's pay form, REJECTED by
// the merchant, or EXPIRED once its expirationDateTime has passed; refunded in parts once
// PAID (bill-payments/bill-payments_en). The Bill Payments API names no siteId in its paths:
// the site is the one whose key the request carries.
type bill struct {
	ID string `json:"id"`
	// UID is the invoice_uid of the bill's pay form: random (newFormUID), kept with the
	// bill, so only whoever has the payUrl can pay the bill.
	UID          string                 `json:"uid"`
	Digest       string                 `json:"digest"`
	Amount       int64                  `json:"amount"`
	Currency     string                 `json:"currency"`
	Status       qiwi.BillStatusValue   `json:"status"`
	Created      string                 `json:"created"`
	Changed      string                 `json:"changed"`
	Expiration   string                 `json:"expiration"`
	Comment      string                 `json:"comment,omitempty"`
	Customer     map[string]any         `json:"customer,omitempty"`
	CustomFields map[string]any         `json:"customFields,omitempty"`
	Refunds      map[string]*billRefund `json:"refunds,omitempty"`
	Refunded     int64                  `json:"refunded"`
	// PayURL is the sandbox's pay form for the bill, as the creating request reached it.
	PayURL string `json:"payUrl"`
}

// billRefund is a refund of a bill: PARTIAL while the refunds stay below the bill's amount,
// FULL when they reach it.
type billRefund struct {
	ID      string                `json:"id"`
	Digest  string                `json:"digest"`
	Created string                `json:"created"`
	Amount  int64                 `json:"amount"`
	Status  qiwi.BillRefundStatus `json:"status"`
}

// billSite is the site the Bill Payments API works for when the sandbox has no keys.
const billSite = "sandbox"

// invoiceNotFound is the Bill Payments API's answer for a bill it does not know (or a refund
// of one, or a refund it does not know): api.invoice.not.found, the code of the page's error
// table (bill-payments/_bill-payments-api_en.html.md line 259, "error.code.api.invoice.not.found",
// "Invoice not found", written there with the table's error.code. prefix) that the official
// SDKs' tests expect on the wire (bill-payments-java-sdk BillPaymentsSdkNegativeScenariosTest
// @1b593923 testGetNonexistentBillInfo; bill-payments-node-js-sdk test/QiwiBillPaymentsAPI.spec.js
// @64be8090, description and userMessage "Invoice not found"). No page gives its HTTP status:
// the sandbox answers 404.
func invoiceNotFound(descr string) *apiError {
	return &apiError{status: http.StatusNotFound, code: apierr.CodeInvoiceNotFound, descr: descr}
}

// zonedExpiration checks a bill's expirationDateTime: a timestamp with a time zone, "Z" or an
// offset ("Time should be specified with time zone", bill-payments/bill-payments_en.html.md
// line 231; the spec's Timestamp makes the offset optional, as answers may omit it).
func zonedExpiration(value string) *apiError {
	ts, err := wiretype.ParseTimestamp(value)
	if err != nil || !ts.HasOffset() {
		return badField("expirationDateTime", "a date with a time zone, such as 2030-03-02T08:44:07+03:00 or ...Z (bill-payments_en: \"Time should be specified with time zone\")")
	}
	return nil
}

// newFormUID is a pay form's invoice_uid: 128 random bits, shaped as a UUID. Nothing derives
// it, so only whoever holds the bill's payUrl can pay it.
func newFormUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return uuidShape(b[:])
}

// status is the bill's status now: a WAITING bill past its expiration is EXPIRED.
func (b *bill) status(now time.Time) string {
	status, _ := b.statusSince(now)
	return status
}

// statusSince is the bill's status now and since when: a WAITING bill past its expiration
// is EXPIRED from that time on, whether or not anything stored the change.
func (b *bill) statusSince(now time.Time) (value, changed string) {
	if b.Status == qiwi.BillStatusValueWaiting {
		if exp, ok := expiredAt(b.Expiration, now); ok {
			return qiwi.BillStatusValueExpired, formatTimestamp(exp)
		}
	}
	return b.Status, b.Changed
}

// billAnswer is a bill as the Bill Payments API answers it (qiwi.Bill, its times strings).
// customer and customFields are written as the request sent them, as the state keeps them;
// sent empty, they are left out, as QIWI's answer leaves them
// (bill-payments/bill-payments_en.html.md#create: "customer": {} in, none out).
type billAnswer struct {
	Amount             qiwi.Amount    `json:"amount"`
	BillID             string         `json:"billId"`
	Comment            string         `json:"comment,omitempty"`
	CreationDateTime   string         `json:"creationDateTime"`
	CustomFields       map[string]any `json:"customFields,omitempty"`
	Customer           map[string]any `json:"customer,omitempty"`
	ExpirationDateTime string         `json:"expirationDateTime"`
	PayURL             string         `json:"payUrl"`
	SiteID             string         `json:"siteId"`
	Status             billStatus     `json:"status"`
}

// billStatus is a bill's status as the Bill Payments API's answers write it
// (qiwi.BillStatus, its time a string).
type billStatus struct {
	ChangedDateTime string `json:"changedDateTime"`
	Value           string `json:"value"`
}

func (b *bill) answer(s *Sandbox, siteID string) *billAnswer {
	status, changed := b.statusSince(s.now())
	return &billAnswer{SiteID: siteID, BillID: b.ID, Amount: numberAmount(b.Amount, b.Currency),
		Status: billStatus{Value: status, ChangedDateTime: changed}, CreationDateTime: b.Created,
		ExpirationDateTime: b.Expiration, PayURL: b.PayURL, Comment: b.Comment, Customer: b.Customer, CustomFields: b.CustomFields}
}

// billNotification is the BILL notification's body (qiwi.BillNotification): the bill, whose
// amount is written as a string and whose status time is datetime, as the notification
// example has them (bill-payments/bill-payments_en.html.md lines 316-334).
type billNotification struct {
	Bill    billNotice `json:"bill"`
	Version string     `json:"version"`
}

// billNotice is the bill of a BILL notification: customer and customFields always sent,
// empty when the bill has none, as in the example.
type billNotice struct {
	Amount             amount           `json:"amount"`
	BillID             string           `json:"billId"`
	Comment            string           `json:"comment,omitempty"`
	CreationDateTime   string           `json:"creationDateTime"`
	CustomFields       map[string]any   `json:"customFields"`
	Customer           map[string]any   `json:"customer"`
	ExpirationDateTime string           `json:"expirationDateTime"`
	PayURL             string           `json:"payUrl"`
	SiteID             string           `json:"siteId"`
	Status             billNoticeStatus `json:"status"`
}

// billNoticeStatus is a bill's status as the BILL notification writes it.
type billNoticeStatus struct {
	Datetime string `json:"datetime"`
	Value    string `json:"value"`
}

// notifyBill queues the BILL notification of a bill's new status. It goes to the configured
// notification URL: Bill Payments notifications go to the URL of the merchant's profile.
// comment and payUrl are in the notification table (bill-payments/bill-payments_en.html.md
// lines 466 and 468), not in its example (lines 316-334): sent when the bill has them.
func (s *Sandbox) notifyBill(c *call, b *bill) {
	notice := &billNotification{Version: "1", Bill: billNotice{SiteID: c.site, BillID: b.ID,
		Amount: amount{Value: wiretype.NewMoneyFromMinor(b.Amount).String(), Currency: b.Currency},
		Status: billNoticeStatus{Value: b.Status, Datetime: b.Changed}, CreationDateTime: b.Created, ExpirationDateTime: b.Expiration,
		Customer: orEmpty(b.Customer), CustomFields: orEmpty(b.CustomFields), PayURL: b.PayURL, Comment: b.Comment}}
	c.later(func() { s.notify.send("BILL", notice, "") })
}

// orEmpty is m, or an empty object for none: the notification example sends both members.
func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// createBill: PUT /bill/v1/bills/{billId}.
func createBill(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	id := c.params["billId"]
	if b, ok := st.Bills[id]; ok {
		if aerr := c.repeat("Bill", id, b.Digest); aerr != nil {
			return 0, nil, aerr
		}
		return http.StatusOK, b.answer(s, c.site), nil
	}
	amount, aerr := positiveAmount(c)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := zonedExpiration(str(c.req, "expirationDateTime")); aerr != nil {
		return 0, nil, aerr
	}
	now := s.timestamp()
	uid := newFormUID()
	b := &bill{ID: id, UID: uid, Digest: c.digest(), Amount: amount, Currency: str(c.req, "amount", "currency"), Status: qiwi.BillStatusValueWaiting,
		Created: now, Changed: now, Expiration: str(c.req, "expirationDateTime"), Comment: str(c.req, "comment"),
		PayURL: c.base + payFormPath + "?invoice_uid=" + url.QueryEscape(uid)}
	b.Customer, _ = c.req["customer"].(map[string]any)
	b.CustomFields, _ = c.req["customFields"].(map[string]any)
	st.Bills[id] = b
	c.wrote("bill", id, b)
	return http.StatusOK, b.answer(s, c.site), nil
}

// getBill: GET /bill/v1/bills/{billId}.
func getBill(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	b, ok := st.Bills[c.params["billId"]]
	if !ok {
		return 0, nil, invoiceNotFound("Invoice not found")
	}
	return http.StatusOK, b.answer(s, c.site), nil
}

// rejectBill: POST /bill/v1/bills/{billId}/reject. Only a WAITING bill can be rejected; a
// rejected one answers as it is.
func rejectBill(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	b, ok := st.Bills[c.params["billId"]]
	if !ok {
		return 0, nil, invoiceNotFound("Invoice not found")
	}
	switch b.status(s.now()) {
	case qiwi.BillStatusValueWaiting:
		b.Status, b.Changed = qiwi.BillStatusValueRejected, s.timestamp()
		c.wrote("bill", b.ID, b)
		s.notifyBill(c, b)
	case qiwi.BillStatusValueRejected:
	default:
		return 0, nil, conflict("Bill " + b.ID + " is " + b.status(s.now()))
	}
	return http.StatusOK, b.answer(s, c.site), nil
}

// billRefundAnswer is a bill's refund as the Bill Payments API answers it (qiwi.BillRefund,
// its time a string): dateTime, as the official SDKs read it (bill-payments-java-sdk
// model/out/RefundResponse.java @JsonProperty("dateTime"), bill-payments-dotnet-sdk
// Model/Out/RefundResponse.cs); the pages write datetime (a doc defect the spec records).
type billRefundAnswer struct {
	Amount   qiwi.Amount `json:"amount"`
	DateTime string      `json:"dateTime"`
	RefundID string      `json:"refundId"`
	Status   string      `json:"status"`
}

func (r *billRefund) answer(currency string) *billRefundAnswer {
	return &billRefundAnswer{RefundID: r.ID, Amount: numberAmount(r.Amount, currency), DateTime: r.Created, Status: r.Status}
}

// createBillRefund: PUT /bill/v1/bills/{billId}/refunds/{refundId}. A PAID bill, refunded
// never above its amount.
func createBillRefund(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	b, ok := st.Bills[c.params["billId"]]
	if !ok {
		return 0, nil, invoiceNotFound("Invoice not found")
	}
	id := c.params["refundId"]
	if r, ok := b.Refunds[id]; ok {
		if aerr := c.repeat("Refund", id, r.Digest); aerr != nil {
			return 0, nil, aerr
		}
		return http.StatusOK, r.answer(b.Currency), nil
	}
	if b.Status != qiwi.BillStatusValuePaid {
		return 0, nil, conflict("Bill " + b.ID + " is not paid")
	}
	amount, aerr := positiveAmount(c)
	if aerr != nil {
		return 0, nil, aerr
	}
	if cur := str(c.req, "amount", "currency"); cur != b.Currency {
		return 0, nil, badField("amount.currency", "the bill's currency, "+b.Currency)
	}
	if amount > b.Amount-b.Refunded {
		return 0, nil, overRefund(b.Amount - b.Refunded)
	}
	b.Refunded += amount
	r := &billRefund{ID: id, Digest: c.digest(), Created: s.timestamp(), Amount: amount, Status: qiwi.BillRefundStatusPartial}
	if b.Refunded == b.Amount {
		r.Status = qiwi.BillRefundStatusFull
	}
	if b.Refunds == nil {
		b.Refunds = map[string]*billRefund{}
	}
	b.Refunds[id] = r
	c.wrote("bill", b.ID, b)
	return http.StatusOK, r.answer(b.Currency), nil
}

// getBillRefund: GET /bill/v1/bills/{billId}/refunds/{refundId}.
func getBillRefund(_ *Sandbox, st *site, c *call) (int, any, *apiError) {
	b, ok := st.Bills[c.params["billId"]]
	if !ok {
		return 0, nil, invoiceNotFound("Invoice not found")
	}
	r, ok := b.Refunds[c.params["refundId"]]
	if !ok {
		return 0, nil, invoiceNotFound("Refund not found")
	}
	return http.StatusOK, r.answer(b.Currency), nil
}

// payFormPath is the sandbox's pay form: GET shows a bill, POST pays it as a customer would.
const payFormPath = "/sandbox/form"

// servePayForm is the pay form of a bill named by its invoice_uid.
func (s *Sandbox) servePayForm(w http.ResponseWriter, r *http.Request) {
	uid := r.URL.Query().Get("invoice_uid")
	s.mu.Lock()
	siteID, b := s.billByUID(uid)
	if b == nil {
		s.mu.Unlock()
		s.writeError(w, r, apiError{status: http.StatusNotFound, code: apierr.CodeNotFound, descr: "No bill has this invoice_uid"})
		return
	}
	if r.Method == http.MethodGet {
		status, amount := b.status(s.now()), wiretype.NewMoneyFromMinor(b.Amount).String()+" "+b.Currency
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>Sandbox pay form</title><p>Bill %s: %s, %s</p>"+
			"<form method=post><button>Pay</button></form>\n", html.EscapeString(b.ID), html.EscapeString(amount), status)
		return
	}
	id := b.ID
	s.mu.Unlock()
	// The customer pays: the bill, looked up again under the lock, becomes PAID.
	s.run(w, r, &call{site: siteID}, func(s *Sandbox, st *site, c *call) (int, any, *apiError) {
		b, ok := st.Bills[id]
		if !ok {
			return 0, nil, invoiceNotFound("Invoice not found")
		}
		if status := b.status(s.now()); status != qiwi.BillStatusValueWaiting {
			return 0, nil, conflict("Bill " + b.ID + " is " + status)
		}
		b.Status, b.Changed = qiwi.BillStatusValuePaid, s.timestamp()
		c.wrote("bill", b.ID, b)
		s.notifyBill(c, b)
		return http.StatusOK, b.answer(s, c.site), nil
	})
}

// billByUID finds a bill by the invoice_uid of its pay form; none for an empty uid. The
// caller holds s.mu.
func (s *Sandbox) billByUID(uid string) (string, *bill) {
	if uid == "" {
		return "", nil
	}
	for siteID, st := range s.sites {
		for _, b := range st.Bills {
			if subtle.ConstantTimeCompare([]byte(b.UID), []byte(uid)) == 1 {
				return siteID, b
			}
		}
	}
	return "", nil
}
