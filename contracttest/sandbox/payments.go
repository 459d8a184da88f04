package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/qiwigen/qiwigen/generator/qiwiruntime"
)

// The test-mode rules are the runtime's test-mode data (qiwiruntime.TestCVV3DS, ...), from
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

// cardOutcome applies the test-mode card rules to card data (a payment method or a card
// verification's cardData). Months 03 and 04 answer after a 3-second delay at QIWI; the
// sandbox answers at once.
func cardOutcome(card map[string]any) outcome {
	expiry, holder := str(card, "expiryDate"), strings.ToLower(str(card, "holderName"))
	switch {
	case strings.HasPrefix(expiry, qiwiruntime.TestExpiryMonthDeclined), strings.HasPrefix(expiry, qiwiruntime.TestExpiryMonthDeclinedAfterDelay):
		return outcomeDeclined
	case str(card, "cvv2") == qiwiruntime.TestCVV3DS || strings.Contains(holder, qiwiruntime.TestHolderName3DS) || strings.Contains(holder, holderUnknown3DS):
		return outcome3DS
	}
	return outcomeApproved
}

// threeDSRequirement is what an answer awaiting 3-D Secure asks the customer's browser to do.
func threeDSRequirement() map[string]any {
	return map[string]any{"pareq": "eJyNU9tu2zAM/RVDr", "acsUrl": "https://test.paymentgate.ru/acs/auth/start.do"}
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

// operationsOn counts a site's payments, captures and refunds created on a Moscow day.
func (st *site) operationsOn(d string) int {
	n := 0
	for _, p := range st.payments {
		if day(p.created) == d {
			n++
		}
		for _, o := range p.captures {
			if day(o.created) == d {
				n++
			}
		}
		for _, o := range p.refunds {
			if day(o.created) == d {
				n++
			}
		}
	}
	return n
}

// dailyLimit refuses an operation past the day's limit.
func (s *Sandbox) dailyLimit(st *site) *apiError {
	if st.operationsOn(day(s.timestamp())) >= maxDailyOperations {
		return &apiError{status: http.StatusBadRequest, code: "validation.error", descr: "Validation error",
			field: "amount.value", message: fmt.Sprintf("test mode allows %d operations a day (Moscow time)", maxDailyOperations)}
	}
	return nil
}

// maxTestAmount is qiwiruntime.TestMaxAmount in minor units.
var maxTestAmount = func() int64 {
	m, err := qiwiruntime.ParseMoney(qiwiruntime.TestMaxAmount)
	if err != nil {
		return 0 // refuses every amount: the constant is a literal, tested
	}
	return m.Minor()
}()

type payment struct {
	id       string
	digest   string // of the creating request, for idempotency
	amount   int64  // minor units
	sale     bool   // one step: captured at once
	status   string // WAITING, COMPLETED, DECLINED
	reason   string
	created  string
	method   map[string]any
	captured int64
	refunded int64
	captures map[string]*operation
	refunds  map[string]*operation
	callback string
	billID   string // the invoice it pays, if any
}

// operation is a capture or a refund.
type operation struct {
	id, digest, status, created string
	amount                      int64
	flags                       []string
}

// settle marks the invoice a completed payment names as PAID.
func (st *site) settle(p *payment) {
	if inv := st.invoices[p.billID]; inv != nil && p.status == "COMPLETED" {
		inv.status = "PAID"
	}
}

func (p *payment) answer() map[string]any {
	out := map[string]any{
		"paymentId":       p.id,
		"createdDateTime": p.created,
		"amount":          money(p.amount),
		"capturedAmount":  money(p.captured),
		"refundedAmount":  money(p.refunded),
		"paymentMethod":   p.method,
		"status":          map[string]any{"value": p.status, "changedDateTime": p.created},
	}
	if p.sale {
		out["flags"] = []string{"SALE"}
	}
	if p.reason != "" {
		out["status"].(map[string]any)["reasonCode"] = p.reason
	}
	if p.status == "WAITING" {
		out["requirements"] = map[string]any{"threeDS": threeDSRequirement()}
	}
	if p.callback != "" {
		out["callbackUrl"] = p.callback
	}
	if p.billID != "" {
		out["billId"] = p.billID
	}
	return out
}

// notificationStatus is a status as notifications spell it: SUCCESS and DECLINE.
func notificationStatus(status string) string {
	switch status {
	case "COMPLETED":
		return "SUCCESS"
	case "DECLINED":
		return "DECLINE"
	}
	return status
}

// numberAmount is an amount as notifications send it: a JSON number, exact.
func numberAmount(minor int64) map[string]any {
	return map[string]any{"value": json.Number(qiwiruntime.NewMoneyFromMinor(minor).String()), "currency": "RUB"}
}

// notifyPayment sends the PAYMENT notification of a payment that reached a final status.
func (s *Sandbox) notifyPayment(p *payment) {
	data := map[string]any{"paymentId": p.id, "createdDateTime": p.created, "amount": numberAmount(p.amount),
		"status": map[string]any{"value": notificationStatus(p.status), "changedDateTime": s.timestamp()}, "paymentMethod": p.method}
	if p.sale {
		data["flags"] = []string{"SALE"}
	}
	s.notify.send("PAYMENT", "payment", data, p.callback)
}

// notifyOperation sends the CAPTURE or REFUND notification of an operation.
func (s *Sandbox) notifyOperation(typ, member, idKey string, o *operation, callback string) {
	data := map[string]any{idKey: o.id, "createdDateTime": o.created, "amount": numberAmount(o.amount),
		"status": map[string]any{"value": notificationStatus(o.status), "changedDateTime": s.timestamp()}}
	s.notify.send(typ, member, data, callback)
}

func (o *operation) answer(idKey string) map[string]any {
	out := map[string]any{idKey: o.id, "createdDateTime": o.created, "amount": money(o.amount), "status": map[string]any{"value": o.status, "changedDateTime": o.created}}
	if len(o.flags) > 0 {
		out["flags"] = o.flags
	}
	return out
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

func amountOf(req map[string]any) (int64, *apiError) {
	if cur := str(req, "amount", "currency"); cur != "RUB" {
		return 0, &apiError{status: http.StatusBadRequest, code: "validation.error", descr: "Validation error", field: "amount.currency", message: "test mode accepts RUB only"}
	}
	m, err := qiwiruntime.ParseMoney(str(req, "amount", "value"))
	if err != nil || m.Minor() <= 0 {
		return 0, &apiError{status: http.StatusBadRequest, code: "validation.error", descr: "Validation error", field: "amount.value", message: "a positive amount"}
	}
	if m.Minor() > maxTestAmount {
		return 0, &apiError{status: http.StatusBadRequest, code: "validation.error", descr: "Validation error", field: "amount.value", message: "test mode accepts at most 10.00 RUB per operation"}
	}
	return m.Minor(), nil
}

// callbackOf is the request's callbackUrl, else its payment's.
func callbackOf(req map[string]any, p *payment) string {
	if u := str(req, "callbackUrl"); u != "" {
		return u
	}
	return p.callback
}

func notFound(what string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "payin.resource.not.found", descr: what + " not found"}
}

func conflict(descr string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "payin.incorrect-method-invocation", descr: descr}
}

// createPayment: PUT .../payments/{paymentId}.
func createPayment(s *Sandbox, st *site, c call) (int, any, *apiError) {
	id := c.params["paymentId"]
	if p, ok := st.payments[id]; ok {
		if p.digest != c.digest() {
			return 0, nil, conflict("Payment " + id + " exists with another request")
		}
		return http.StatusOK, p.answer(), nil
	}
	amount, aerr := amountOf(c.req)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.dailyLimit(st); aerr != nil {
		return 0, nil, aerr
	}
	billID := str(c.req, "billId")
	if aerr := st.payInvoice(billID, amount); aerr != nil {
		return 0, nil, aerr
	}
	method, _ := c.req["paymentMethod"].(map[string]any)
	if str(method, "type") != "CARD" {
		return 0, nil, &apiError{status: http.StatusNotImplemented, code: "internal.error", descr: "the sandbox emulates card payments only"}
	}
	pan := str(method, "pan")
	masked := pan
	if len(pan) >= 10 {
		masked = pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:]
	}
	flags, _ := c.req["flags"].([]any)
	p := &payment{id: id, digest: c.digest(), amount: amount, created: s.timestamp(), status: "COMPLETED",
		method:   map[string]any{"type": "CARD", "maskedPan": masked},
		captures: map[string]*operation{}, refunds: map[string]*operation{}, callback: str(c.req, "callbackUrl"), billID: billID}
	p.sale = slices.ContainsFunc(flags, func(f any) bool { return f == "SALE" })
	switch cardOutcome(method) {
	case outcomeDeclined:
		p.status, p.reason = "DECLINED", "ACQUIRING_NOT_PERMITTED"
	case outcome3DS:
		p.status = "WAITING"
	}
	if p.status == "COMPLETED" && p.sale {
		p.captured = p.amount
	}
	st.payments[id] = p
	st.settle(p)
	if p.status != "WAITING" {
		s.notifyPayment(p)
	}
	return http.StatusOK, p.answer(), nil
}

// getPayment: GET .../payments/{paymentId}.
func getPayment(_ *Sandbox, st *site, c call) (int, any, *apiError) {
	p, ok := st.payments[c.params["paymentId"]]
	if !ok {
		return 0, nil, notFound("Payment")
	}
	return http.StatusOK, p.answer(), nil
}

// completePayment: POST .../payments/{paymentId}/complete, after 3-D Secure.
func completePayment(s *Sandbox, st *site, c call) (int, any, *apiError) {
	p, ok := st.payments[c.params["paymentId"]]
	if !ok {
		return 0, nil, notFound("Payment")
	}
	if p.status != "WAITING" {
		return 0, nil, conflict("Payment " + p.id + " awaits no 3-D Secure completion")
	}
	p.status = "COMPLETED"
	if p.sale {
		p.captured = p.amount
	}
	st.settle(p)
	s.notifyPayment(p)
	return http.StatusOK, p.answer(), nil
}

// again finds the payment of a capture or refund call and, when the operation exists, its
// idempotent answer: the same object for the same request, a refusal for another. answer
// and aerr are nil when the operation is new.
func again(st *site, c call, what, idKey string, of func(*payment) map[string]*operation) (p *payment, id string, answer map[string]any, aerr *apiError) {
	p, ok := st.payments[c.params["paymentId"]]
	if !ok {
		return nil, "", nil, notFound("Payment")
	}
	id = c.params[idKey]
	if op, ok := of(p)[id]; ok {
		if op.digest != c.digest() {
			return p, id, nil, conflict(what + " " + id + " exists with another request")
		}
		return p, id, op.answer(idKey), nil
	}
	return p, id, nil, nil
}

// createCapture: PUT .../payments/{paymentId}/captures/{captureId}. One successful capture.
func createCapture(s *Sandbox, st *site, c call) (int, any, *apiError) {
	p, id, answer, aerr := again(st, c, "Capture", "captureId", func(p *payment) map[string]*operation { return p.captures })
	if answer != nil || aerr != nil {
		return http.StatusOK, answer, aerr
	}
	if p.status != "COMPLETED" || p.sale || p.captured > 0 {
		return 0, nil, conflict("Payment " + p.id + " cannot be captured")
	}
	if aerr := s.dailyLimit(st); aerr != nil {
		return 0, nil, aerr
	}
	cp := &operation{id: id, digest: c.digest(), status: "COMPLETED", created: s.timestamp(), amount: p.amount - p.refunded}
	p.captures[id] = cp
	p.captured = cp.amount
	s.notifyOperation("CAPTURE", "capture", "captureId", cp, callbackOf(c.req, p))
	return http.StatusOK, cp.answer("captureId"), nil
}

// getCapture: GET .../captures/{captureId}.
func getCapture(_ *Sandbox, st *site, c call) (int, any, *apiError) {
	return getOperation(st, c, "Capture", "captureId", func(p *payment) map[string]*operation { return p.captures })
}

// getOperation answers a capture or refund of a payment, by the path parameter idKey.
func getOperation(st *site, c call, what, idKey string, of func(*payment) map[string]*operation) (int, any, *apiError) {
	p, ok := st.payments[c.params["paymentId"]]
	if !ok {
		return 0, nil, notFound("Payment")
	}
	op, ok := of(p)[c.params[idKey]]
	if !ok {
		return 0, nil, notFound(what)
	}
	return http.StatusOK, op.answer(idKey), nil
}

// createRefund: PUT .../refunds/{refundId}. Never above what was paid (captured, or
// authorized before capture, when the refund is a REVERSAL).
func createRefund(s *Sandbox, st *site, c call) (int, any, *apiError) {
	p, id, answer, aerr := again(st, c, "Refund", "refundId", func(p *payment) map[string]*operation { return p.refunds })
	if answer != nil || aerr != nil {
		return http.StatusOK, answer, aerr
	}
	if p.status != "COMPLETED" {
		return 0, nil, conflict("Payment " + p.id + " is not completed")
	}
	amount, aerr := amountOf(c.req)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.dailyLimit(st); aerr != nil {
		return 0, nil, aerr
	}
	paid := p.captured
	var flags []string
	if !p.sale && p.captured == 0 {
		paid, flags = p.amount, []string{"REVERSAL"}
	}
	if amount > paid-p.refunded {
		return 0, nil, &apiError{status: http.StatusBadRequest, code: "refund.incorrect.amount", descr: "The refund is above the amount left to refund",
			field: "amount.value", message: "at most " + qiwiruntime.NewMoneyFromMinor(paid-p.refunded).String()}
	}
	rf := &operation{id: id, digest: c.digest(), status: "COMPLETED", created: s.timestamp(), amount: amount, flags: flags}
	p.refunds[id] = rf
	p.refunded += amount
	s.notifyOperation("REFUND", "refund", "refundId", rf, callbackOf(c.req, p))
	return http.StatusOK, rf.answer("refundId"), nil
}

// getRefund: GET .../refunds/{refundId}.
func getRefund(_ *Sandbox, st *site, c call) (int, any, *apiError) {
	return getOperation(st, c, "Refund", "refundId", func(p *payment) map[string]*operation { return p.refunds })
}
