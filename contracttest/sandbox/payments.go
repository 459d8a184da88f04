package sandbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
	"github.com/qiwigen/qiwigen/generator/runtime/testmode"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// The test-mode rules are the runtime's test-mode data (testmode.TestCVV3DS, ...), from
// payments/_intro_en#test_mode. The Russian page gives another 3-D Secure trigger, a holder
// name containing "unknown name" (payments-ru/_intro_ru.html.md:231), where the English says
// CVV 849 or "3ds": the sandbox accepts all three.
const holderUnknown3DS = "unknown name"

// outcome is what the test mode does with a card.
type outcome int

const (
	outcomeApproved outcome = iota
	outcomeDeclined         // expiry month 02, or 04
	outcome3DS              // CVV 849, or a holder name with "3ds" or "unknown name"
)

// cardDelay is how long the test mode takes to answer for expiry months 03 and 04
// (payments/_intro_en#test_data_card: "delay — 3 seconds"); Options.TimeScale shortens it.
const cardDelay = 3 * time.Second

// delayed reports whether the test mode answers for the card after cardDelay.
func delayed(card map[string]any) bool {
	expiry := str(card, "expiryDate")
	return strings.HasPrefix(expiry, testmode.TestExpiryMonthSucceedsAfterDelay) || strings.HasPrefix(expiry, testmode.TestExpiryMonthDeclinedAfterDelay)
}

// cardOutcome applies the test-mode card rules to card data (a payment method or a card
// verification's cardData). Months 03 and 04 also answer late (delayed).
func cardOutcome(card map[string]any) outcome {
	expiry, holder := str(card, "expiryDate"), strings.ToLower(str(card, "holderName"))
	switch {
	case strings.HasPrefix(expiry, testmode.TestExpiryMonthDeclined), strings.HasPrefix(expiry, testmode.TestExpiryMonthDeclinedAfterDelay):
		return outcomeDeclined
	case str(card, "cvv2") == testmode.TestCVV3DS || strings.Contains(holder, testmode.TestHolderName3DS) || strings.Contains(holder, holderUnknown3DS):
		return outcome3DS
	}
	return outcomeApproved
}

// threeDSRequirement is what an answer awaiting 3-D Secure asks the customer's browser to do.
func threeDSRequirement() *qiwi.ThreeDSRequirement {
	return &qiwi.ThreeDSRequirement{Pareq: qiwi.Ptr("eJyNU9tu2zAM/RVDr"), AcsURL: qiwi.Ptr("https://test.paymentgate.ru/acs/auth/start.do")}
}

// maxDailyOperations is the test mode's limit of operations a day, Moscow time
// (payments/_intro_en#test_limit).
const maxDailyOperations = 100

// day is the Moscow day of a sandbox timestamp: its first ten characters.
func day(timestamp string) string {
	if len(timestamp) < 10 {
		return timestamp
	}
	return timestamp[:10]
}

// operationsOn counts a site's payments, captures, refunds and payouts created on a Moscow day.
func (st *site) operationsOn(d string) int {
	n := 0
	for _, p := range st.Payments {
		if day(p.Created) == d {
			n++
		}
		for _, ops := range []map[string]*operation{p.Captures, p.Refunds} {
			for _, o := range ops {
				if day(o.Created) == d {
					n++
				}
			}
		}
		for _, o := range p.Payouts {
			if day(o.Created) == d {
				n++
			}
		}
	}
	return n
}

// dailyLimit refuses an operation past the day's limit.
func (s *Sandbox) dailyLimit(st *site) *apiError {
	if st.operationsOn(day(s.timestamp())) >= maxDailyOperations {
		return &apiError{status: http.StatusBadRequest, code: apierr.CodeValidation, descr: "Validation error",
			field: "amount.value", message: fmt.Sprintf("test mode allows %d operations a day (Moscow time)", maxDailyOperations)}
	}
	return nil
}

// maxTestAmount is testmode.TestMaxAmount in minor units.
var maxTestAmount = func() int64 {
	m, err := wiretype.ParseMoney(testmode.TestMaxAmount)
	if err != nil {
		return 0 // refuses every amount: the constant is a literal, tested
	}
	return m.Minor()
}()

// payment is a payin payment with its captures, refunds and payouts.
type payment struct {
	ID      string           `json:"id"`
	Digest  string           `json:"digest"` // of the creating request, for idempotency
	Amount  int64            `json:"amount"` // minor units
	Sale    bool             `json:"sale,omitempty"`
	Status  qiwi.StatusValue `json:"status"` // WAITING, COMPLETED, DECLINED
	Reason  string           `json:"reason,omitempty"`
	Created string           `json:"created"`
	// Changed is when Status was set (empty in a state stored before it was kept: Created).
	Changed  string         `json:"changed,omitempty"`
	Method   map[string]any `json:"method"` // as answers show it: masked, never the card data
	Captured int64          `json:"captured"`
	Refunded int64          `json:"refunded"`
	// Captures and Refunds by ID.
	Captures map[string]*operation `json:"captures"`
	Refunds  map[string]*operation `json:"refunds"`
	Payouts  map[string]*payout    `json:"payouts,omitempty"`
	Callback string                `json:"callback,omitempty"`
	BillID   string                `json:"billId,omitempty"` // the invoice it pays, if any
	// Account is customer.account; BindToken the BIND_PAYMENT_TOKEN flag: a token is issued
	// to the account once the payment completes.
	Account   string `json:"account,omitempty"`
	BindToken bool   `json:"bindToken,omitempty"`
}

// operation is a capture or a refund.
type operation struct {
	ID       string           `json:"id"`
	Digest   string           `json:"digest"`
	Status   qiwi.StatusValue `json:"status"`
	Created  string           `json:"created"`
	Changed  string           `json:"changed,omitempty"` // when Status was set; empty: Created
	Amount   int64            `json:"amount"`
	Flags    []string         `json:"flags,omitempty"`
	Callback string           `json:"callback,omitempty"`
}

// settle marks the invoice a completed payment names as PAID, now.
func (st *site) settle(c *call, p *payment, now string) {
	if inv := st.Invoices[p.BillID]; inv != nil && p.Status == qiwi.StatusValueCompleted {
		inv.Status, inv.Changed = qiwi.StatusValuePaid, now
		c.wrote("invoice", inv.ID, inv)
	}
}

// changedAt is when the payment took its status.
func (p *payment) changedAt() string { return cmp.Or(p.Changed, p.Created) }

// changedAt is when the capture or refund took its status.
func (o *operation) changedAt() string { return cmp.Or(o.Changed, o.Created) }

// paymentAnswer is a payment as the payin API answers it (qiwi.Payment, with the sandbox's
// amounts and times; see answers.go).
type paymentAnswer struct {
	Amount          amount             `json:"amount"`
	BillID          string             `json:"billId,omitempty"`
	CallbackURL     string             `json:"callbackUrl,omitempty"`
	CapturedAmount  amount             `json:"capturedAmount"`
	CreatedDateTime string             `json:"createdDateTime"`
	CreatedToken    *createdToken      `json:"createdToken,omitempty"`
	Customer        *qiwi.Customer     `json:"customer,omitempty"`
	Flags           []string           `json:"flags,omitempty"`
	PaymentID       string             `json:"paymentId"`
	PaymentMethod   qiwi.PaymentMethod `json:"paymentMethod"`
	RefundedAmount  amount             `json:"refundedAmount"`
	Requirements    *qiwi.Requirements `json:"requirements,omitempty"`
	Status          opStatus           `json:"status"`
}

// createdToken is the token a payment issued, as its answer carries it (qiwi.CreatedToken,
// its expiry a string).
type createdToken struct {
	Account     string `json:"account"`
	ExpiredDate string `json:"expiredDate"`
	Name        string `json:"name"`
	Token       string `json:"token"`
}

// methodAnswer is a payment's method as answers and notifications show it: the masked card.
func (p *payment) methodAnswer() qiwi.PaymentMethod {
	return qiwi.PaymentMethod{Type: str(p.Method, "type"), MaskedPan: qiwi.Ptr(str(p.Method, "maskedPan"))}
}

// customerAnswer is the payment's customer as answers and notifications show it; nil for
// none.
func (p *payment) customerAnswer() *qiwi.Customer {
	if p.Account == "" {
		return nil
	}
	return &qiwi.Customer{Account: qiwi.Ptr(p.Account)}
}

// flagsAnswer are the payment's flags as answers and notifications show them; nil for none.
func (p *payment) flagsAnswer() []string {
	if p.Sale {
		return []string{qiwi.FlagSale}
	}
	return nil
}

func (p *payment) answer() *paymentAnswer {
	out := &paymentAnswer{PaymentID: p.ID, CreatedDateTime: p.Created, Amount: money(p.Amount), CapturedAmount: money(p.Captured),
		RefundedAmount: money(p.Refunded), PaymentMethod: p.methodAnswer(), Flags: p.flagsAnswer(),
		Status:      opStatus{Value: p.Status, ChangedDateTime: p.changedAt(), ReasonCode: p.Reason},
		CallbackURL: p.Callback, BillID: p.BillID, Customer: p.customerAnswer()}
	if p.Status == qiwi.StatusValueWaiting {
		out.Requirements = &qiwi.Requirements{ThreeDS: threeDSRequirement()}
	}
	return out
}

// notificationStatus is a status as notifications spell it: SUCCESS and DECLINE.
func notificationStatus(status string) string {
	switch status {
	case qiwi.StatusValueCompleted:
		return qiwi.StatusValueSuccess
	case qiwi.StatusValueDeclined:
		return qiwi.StatusValueDecline
	}
	return status
}

// notifyPayment queues the PAYMENT notification of a payment that reached a final status,
// with the token it issued, if any.
func (s *Sandbox) notifyPayment(c *call, p *payment, token *issuedToken) {
	data := &paymentNotice{PaymentID: p.ID, CreatedDateTime: p.Created, Amount: numberAmount(p.Amount, qiwi.CurrencyRub),
		Status: opStatus{Value: notificationStatus(p.Status), ChangedDateTime: p.changedAt()}, PaymentMethod: p.methodAnswer(),
		Flags: p.flagsAnswer(), Customer: p.customerAnswer(), Type: qiwi.NotificationTypePayment}
	if token != nil {
		data.TokenData = &tokenData{PaymentToken: token.value, ExpiredDate: token.expires}
	}
	notice := &payinNotification{Type: qiwi.NotificationTypePayment, Version: "1", Payment: data}
	c.later(func() { s.notify.send(notice.Type, notice, p.Callback) })
}

// paymentNotice is the payment of a PAYMENT notification (qiwi.PaymentNotificationData, its
// times strings).
type paymentNotice struct {
	Amount          qiwi.Amount        `json:"amount"`
	CreatedDateTime string             `json:"createdDateTime"`
	Customer        *qiwi.Customer     `json:"customer,omitempty"`
	Flags           []string           `json:"flags,omitempty"`
	PaymentID       string             `json:"paymentId"`
	PaymentMethod   qiwi.PaymentMethod `json:"paymentMethod"`
	Status          opStatus           `json:"status"`
	TokenData       *tokenData         `json:"tokenData,omitempty"`
	Type            string             `json:"type"`
}

// tokenData is the token a PAYMENT notification carries (qiwi.TokenData, its expiry a
// string).
type tokenData struct {
	ExpiredDate  string `json:"expiredDate"`
	PaymentToken string `json:"paymentToken"`
}

// captureNotice is the capture of a CAPTURE notification (qiwi.CaptureNotificationData, its
// times strings). It carries the payment's ID, as QIWI's do.
type captureNotice struct {
	Amount          qiwi.Amount `json:"amount"`
	CaptureID       string      `json:"captureId"`
	CreatedDateTime string      `json:"createdDateTime"`
	PaymentID       string      `json:"paymentId"`
	Status          opStatus    `json:"status"`
	Type            string      `json:"type"`
}

// refundNotice is the refund of a REFUND notification (qiwi.RefundNotificationData, its
// times strings). It carries the payment's ID, as QIWI's do.
type refundNotice struct {
	Amount          qiwi.Amount `json:"amount"`
	CreatedDateTime string      `json:"createdDateTime"`
	PaymentID       string      `json:"paymentId"`
	RefundID        string      `json:"refundId"`
	Status          opStatus    `json:"status"`
	Type            string      `json:"type"`
}

// notifyCapture queues the CAPTURE notification of a capture of payment p. It carries the
// payment's ID, as QIWI's do (payments-ru/_notifications_ru.html.md.erb: CAPTURE lines 393
// and 427), which the status request needs.
func (s *Sandbox) notifyCapture(c *call, p *payment, o *operation) {
	notice := &payinNotification{Type: qiwi.NotificationTypeCapture, Version: "1", Capture: &captureNotice{
		CaptureID: o.ID, PaymentID: p.ID, CreatedDateTime: o.Created, Amount: numberAmount(o.Amount, qiwi.CurrencyRub),
		Status: opStatus{Value: notificationStatus(o.Status), ChangedDateTime: o.changedAt()}, Type: qiwi.NotificationTypeCapture}}
	c.later(func() { s.notify.send(notice.Type, notice, o.Callback) })
}

// notifyRefund queues the REFUND notification of a refund of payment p, with the payment's
// ID (payments-ru/_notifications_ru.html.md.erb: REFUND lines 498 and 584).
func (s *Sandbox) notifyRefund(c *call, p *payment, o *operation) {
	notice := &payinNotification{Type: qiwi.NotificationTypeRefund, Version: "1", Refund: &refundNotice{
		RefundID: o.ID, PaymentID: p.ID, CreatedDateTime: o.Created, Amount: numberAmount(o.Amount, qiwi.CurrencyRub),
		Status: opStatus{Value: notificationStatus(o.Status), ChangedDateTime: o.changedAt()}, Type: qiwi.NotificationTypeRefund}}
	c.later(func() { s.notify.send(notice.Type, notice, o.Callback) })
}

// captureAnswer is a capture as the payin API answers it (qiwi.Capture, with the sandbox's
// amount and times).
type captureAnswer struct {
	Amount          amount   `json:"amount"`
	CaptureID       string   `json:"captureId"`
	CreatedDateTime string   `json:"createdDateTime"`
	Status          opStatus `json:"status"`
}

// refundAnswer is a refund as the payin API answers it (qiwi.Refund, with the sandbox's
// amount and times).
type refundAnswer struct {
	Amount          amount   `json:"amount"`
	CreatedDateTime string   `json:"createdDateTime"`
	Flags           []string `json:"flags,omitempty"`
	RefundID        string   `json:"refundId"`
	Status          opStatus `json:"status"`
}

// captureAnswer answers the operation as a capture.
func (o *operation) captureAnswer() any {
	return &captureAnswer{CaptureID: o.ID, CreatedDateTime: o.Created, Amount: money(o.Amount),
		Status: opStatus{Value: o.Status, ChangedDateTime: o.changedAt()}}
}

// refundAnswer answers the operation as a refund.
func (o *operation) refundAnswer() *refundAnswer {
	return &refundAnswer{RefundID: o.ID, CreatedDateTime: o.Created, Amount: money(o.Amount),
		Status: opStatus{Value: o.Status, ChangedDateTime: o.changedAt()}, Flags: o.Flags}
}

func str(m map[string]any, path ...string) string {
	var cur any = m
	for _, p := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = obj[p]
	}
	switch v := cur.(type) {
	case string:
		return v
	case json.Number: // the number's own text: amounts stay exact
		return v.String()
	}
	return ""
}

// hasFlag reports whether the request's flags hold flag.
func hasFlag(req map[string]any, flag string) bool {
	flags, _ := req["flags"].([]any)
	return slices.Contains(flags, any(flag))
}

func badField(field, message string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: apierr.CodeValidation, descr: "Validation error", field: field, message: message}
}

// amountIn reads a call's amount in minor units: RUB, positive, in its API's form.
func amountIn(c *call) (int64, *apiError) {
	if cur := str(c.req, "amount", "currency"); cur != qiwi.CurrencyRub {
		return 0, badField("amount.currency", "test mode accepts RUB only")
	}
	return positiveAmount(c)
}

// positiveAmount reads a request's amount.value in minor units, in any currency.
// It is written as the call's API wants it (the payin API refuses 3.0, "Invalid money
// format. Should have 2 fraction digits"; Bill Payments takes 1): the spec's rule, checked by
// the one function the judge and the client use.
func positiveAmount(c *call) (int64, *apiError) {
	text := str(c.req, "amount", "value")
	if err := c.amountForm.Check(text); err != nil {
		return 0, badField("amount.value", err.Error())
	}
	m, err := wiretype.ParseMoney(text)
	if err != nil || m.Minor() <= 0 {
		return 0, badField("amount.value", "a positive amount")
	}
	return m.Minor(), nil
}

// amountOf is amountIn within the test mode's limit per operation.
func amountOf(c *call) (int64, *apiError) {
	minor, aerr := amountIn(c)
	if aerr == nil && minor > maxTestAmount {
		return 0, badField("amount.value", "test mode accepts at most "+testmode.TestMaxAmount+" RUB per operation")
	}
	return minor, aerr
}

// callbackOf is the request's callbackUrl, else its payment's.
func callbackOf(req map[string]any, p *payment) string {
	if u := str(req, "callbackUrl"); u != "" {
		return u
	}
	return p.Callback
}

// overRefund refuses a refund above the amount left to refund, as QIWI does.
func overRefund(left int64) *apiError {
	return &apiError{status: http.StatusBadRequest, code: apierr.CodeRefundAmount, descr: "The refund is above the amount left to refund",
		field: "amount.value", message: "at most " + wiretype.NewMoneyFromMinor(left).String()}
}

func notFound(what string) *apiError {
	return &apiError{status: http.StatusNotFound, code: apierr.CodeNotFound, descr: what + " not found"}
}

func conflict(descr string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: apierr.CodeIncorrectMethod, descr: descr}
}

// maskPan keeps a card number's first six and last four digits.
func maskPan(pan string) string {
	if len(pan) < 10 {
		return strings.Repeat("*", len(pan))
	}
	return pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:]
}

// createPayment: PUT .../payments/{paymentId}. By card, or by a card payment token the site
// issued to the customer's account.
func createPayment(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	id := c.params["paymentId"]
	if p, ok := st.Payments[id]; ok {
		if aerr := c.repeat("Payment", id, p.Digest); aerr != nil {
			return 0, nil, aerr
		}
		return http.StatusOK, p.answer(), nil
	}
	amount, aerr := amountOf(c)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.dailyLimit(st); aerr != nil {
		return 0, nil, aerr
	}
	billID := str(c.req, "billId")
	if aerr := st.payInvoice(billID, amount, s.now()); aerr != nil {
		return 0, nil, aerr
	}
	now := s.timestamp()
	p := &payment{ID: id, Digest: c.digest(), Amount: amount, Created: now, Changed: now, Status: qiwi.StatusValueCompleted,
		Captures: map[string]*operation{}, Refunds: map[string]*operation{}, Callback: str(c.req, "callbackUrl"), BillID: billID,
		Sale: hasFlag(c.req, qiwi.FlagSale), Account: str(c.req, "customer", "account"), BindToken: hasFlag(c.req, qiwi.FlagBindPaymentToken)}
	method, _ := c.req["paymentMethod"].(map[string]any)
	switch str(method, "type") {
	case qiwi.PaymentMethodTypeCard:
		p.Method = map[string]any{"type": qiwi.PaymentMethodTypeCard, "maskedPan": maskPan(str(method, "pan"))}
		if delayed(method) {
			c.delay = cardDelay
		}
		switch cardOutcome(method) {
		case outcomeDeclined:
			p.Status, p.Reason = qiwi.StatusValueDeclined, qiwi.ReasonCodeAcquiringNotPermitted
		case outcome3DS:
			p.Status = qiwi.StatusValueWaiting
		}
	case qiwi.PaymentMethodTypeToken:
		tok, aerr := st.tokenFor(str(method, "paymentToken"), p.Account)
		if aerr != nil {
			return 0, nil, aerr
		}
		p.Method = map[string]any{"type": qiwi.PaymentMethodTypeToken, "maskedPan": tok.MaskedPan}
	default:
		return 0, nil, badField("paymentMethod.type", "test mode accepts CARD and TOKEN payments (payments-ru/_intro_ru#test_mode)")
	}
	if p.BindToken && p.Account == "" {
		return 0, nil, badField("customer.account", "BIND_PAYMENT_TOKEN needs the customer's account")
	}
	st.Payments[id] = p
	c.wrote("payment", id, p)
	return http.StatusOK, s.completed(st, c, p), nil
}

// completed settles a payment that left WAITING or never entered it: captured at once when
// one-step, its invoice PAID, a token issued when asked for, the PAYMENT notification
// queued. It answers the payment, with the token issued now.
func (s *Sandbox) completed(st *site, c *call, p *payment) *paymentAnswer {
	out := p.answer()
	if p.Status == qiwi.StatusValueWaiting {
		return out
	}
	var token *issuedToken
	if p.Status == qiwi.StatusValueCompleted {
		if p.Sale {
			p.Captured = p.Amount
			out.CapturedAmount = money(p.Captured)
		}
		st.settle(c, p, p.changedAt())
		if p.BindToken {
			token = s.issueToken(st, c, p)
			out.CreatedToken = &createdToken{Token: token.value, Name: str(p.Method, "maskedPan"), ExpiredDate: token.expires, Account: p.Account}
		}
	}
	s.notifyPayment(c, p, token)
	return out
}

// getPayment: GET .../payments/{paymentId}.
func getPayment(_ *Sandbox, st *site, c *call) (int, any, *apiError) {
	p, ok := st.Payments[c.params["paymentId"]]
	if !ok {
		return 0, nil, notFound("Payment")
	}
	return http.StatusOK, p.answer(), nil
}

// completePayment: POST .../payments/{paymentId}/complete, after 3-D Secure.
func completePayment(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	p, ok := st.Payments[c.params["paymentId"]]
	if !ok {
		return 0, nil, notFound("Payment")
	}
	if p.Status != qiwi.StatusValueWaiting {
		return 0, nil, conflict("Payment " + p.ID + " awaits no 3-D Secure completion")
	}
	p.Status, p.Changed = qiwi.StatusValueCompleted, s.timestamp()
	c.wrote("payment", p.ID, p)
	return http.StatusOK, s.completed(st, c, p), nil
}

// paymentOps are a payment's captures or refunds.
type paymentOps struct {
	what, idKey string
	of          func(*payment) map[string]*operation
	// answer is how the API answers one of them.
	answer func(*operation) any
}

var (
	captures = paymentOps{"Capture", "captureId", func(p *payment) map[string]*operation { return p.Captures }, (*operation).captureAnswer}
	refunds  = paymentOps{"Refund", "refundId", func(p *payment) map[string]*operation { return p.Refunds },
		func(o *operation) any { return o.refundAnswer() }}
)

// again finds the payment of a capture or refund call and, when the operation exists, its
// idempotent answer (the same object for the same request, a refusal for another). answer
// and aerr are nil when the operation is new.
func (ops paymentOps) again(st *site, c *call) (p *payment, id string, answer any, aerr *apiError) {
	p, ok := st.Payments[c.params["paymentId"]]
	if !ok {
		return nil, "", nil, notFound("Payment")
	}
	id = c.params[ops.idKey]
	if op, ok := ops.of(p)[id]; ok {
		if aerr := c.repeat(ops.what, id, op.Digest); aerr != nil {
			return p, id, nil, aerr
		}
		return p, id, ops.answer(op), nil
	}
	return p, id, nil, nil
}

// get answers a capture or refund of a payment.
func (ops paymentOps) get(st *site, c *call) (int, any, *apiError) {
	p, ok := st.Payments[c.params["paymentId"]]
	if !ok {
		return 0, nil, notFound("Payment")
	}
	op, ok := ops.of(p)[c.params[ops.idKey]]
	if !ok {
		return 0, nil, notFound(ops.what)
	}
	return http.StatusOK, ops.answer(op), nil
}

// refundSums are a payment's refunds not declined: the REVERSALs (made before capture,
// against the authorized amount) and the others (after capture, or of a one-step payment,
// against the captured amount). They are summed from the refunds, so a state stored before
// the two were told apart reads right.
func (p *payment) refundSums() (reversed, refunded int64) {
	for _, o := range p.Refunds {
		switch {
		case o.Status == qiwi.StatusValueDeclined:
		case slices.Contains(o.Flags, qiwi.FlagReversal):
			reversed += o.Amount
		default:
			refunded += o.Amount
		}
	}
	return reversed, refunded
}

// createCapture: PUT .../payments/{paymentId}/captures/{captureId}. One successful capture,
// of the authorized amount less the REVERSALs; nothing is captured of a payment reversed in
// full.
func createCapture(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	p, id, answer, aerr := captures.again(st, c)
	if answer != nil || aerr != nil {
		return http.StatusOK, answer, aerr
	}
	if p.Status != qiwi.StatusValueCompleted || p.Sale || p.Captured > 0 || len(p.Captures) > 0 {
		return 0, nil, conflict("Payment " + p.ID + " cannot be captured")
	}
	reversed, _ := p.refundSums()
	left := p.Amount - reversed
	if left <= 0 {
		return 0, nil, conflict("Payment " + p.ID + " is reversed in full: nothing is left to capture")
	}
	if aerr := s.dailyLimit(st); aerr != nil {
		return 0, nil, aerr
	}
	now := s.timestamp()
	cp := &operation{ID: id, Digest: c.digest(), Status: qiwi.StatusValueCompleted, Created: now, Changed: now, Amount: left, Callback: callbackOf(c.req, p)}
	p.Captures[id] = cp
	p.Captured = cp.Amount
	c.wrote("payment", p.ID, p)
	s.notifyCapture(c, p, cp)
	return http.StatusOK, cp.captureAnswer(), nil
}

// getCapture: GET .../captures/{captureId}.
func getCapture(_ *Sandbox, st *site, c *call) (int, any, *apiError) { return captures.get(st, c) }

// createRefund: PUT .../refunds/{refundId}. Before capture, a REVERSAL, never above the
// authorized amount less the REVERSALs; after it (or of a one-step payment), never above the
// captured amount less the refunds after capture: the REVERSALs were never captured.
func createRefund(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	p, id, answer, aerr := refunds.again(st, c)
	if answer != nil || aerr != nil {
		return http.StatusOK, answer, aerr
	}
	if p.Status != qiwi.StatusValueCompleted {
		return 0, nil, conflict("Payment " + p.ID + " is not completed")
	}
	amount, aerr := amountOf(c)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.dailyLimit(st); aerr != nil {
		return 0, nil, aerr
	}
	reversed, refunded := p.refundSums()
	left := p.Captured - refunded
	var flags []string
	if !p.Sale && p.Captured == 0 && len(p.Captures) == 0 {
		left, flags = p.Amount-reversed, []string{qiwi.FlagReversal}
	}
	if amount > left {
		return 0, nil, overRefund(max(left, 0))
	}
	now := s.timestamp()
	rf := &operation{ID: id, Digest: c.digest(), Status: qiwi.StatusValueCompleted, Created: now, Changed: now, Amount: amount, Flags: flags, Callback: callbackOf(c.req, p)}
	p.Refunds[id] = rf
	p.Refunded += amount
	c.wrote("payment", p.ID, p)
	s.notifyRefund(c, p, rf)
	return http.StatusOK, rf.refundAnswer(), nil
}

// getRefund: GET .../refunds/{refundId}.
func getRefund(_ *Sandbox, st *site, c *call) (int, any, *apiError) { return refunds.get(st, c) }

// listRefunds: GET .../payments/{paymentId}/refunds, in the order they were made.
func listRefunds(_ *Sandbox, st *site, c *call) (int, any, *apiError) {
	p, ok := st.Payments[c.params["paymentId"]]
	if !ok {
		return 0, nil, notFound("Payment")
	}
	ops := slices.SortedFunc(maps.Values(p.Refunds), func(a, b *operation) int {
		return cmp.Or(strings.Compare(a.Created, b.Created), strings.Compare(a.ID, b.ID))
	})
	out := make([]*refundAnswer, len(ops))
	for i, o := range ops {
		out[i] = o.refundAnswer()
	}
	return http.StatusOK, out, nil
}

// declineRefund: POST .../refunds/{refundId}/decline. A completed refund is DECLINED and
// its amount is refundable again; declining a declined refund answers it as it is. The
// docs' only example answers a REVERSAL refund still COMPLETED
// (payments/_api-methods_en#refund_decline); the sandbox follows the operation's name.
func declineRefund(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	p, ok := st.Payments[c.params["paymentId"]]
	if !ok {
		return 0, nil, notFound("Payment")
	}
	rf, ok := p.Refunds[c.params["refundId"]]
	if !ok {
		return 0, nil, notFound("Refund")
	}
	if rf.Status != qiwi.StatusValueDeclined {
		rf.Status, rf.Changed = qiwi.StatusValueDeclined, s.timestamp()
		p.Refunded -= rf.Amount
		c.wrote("payment", p.ID, p)
		s.notifyRefund(c, p, rf)
	}
	return http.StatusOK, rf.refundAnswer(), nil
}
