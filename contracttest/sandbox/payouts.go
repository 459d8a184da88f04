package sandbox

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
	"github.com/qiwigen/qiwigen/generator/runtime/testmode"
	"github.com/qiwigen/qiwigen/generator/runtime/transport"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// payout is a payout of a payment (a safe deal). In test mode its amount selects the
// outcome (testmode.TestPayout*): WAITING, then SUCCESS or DECLINED on the next status
// request, or DECLINED at once. The test-mode table says SUCCESS where the API examples show
// COMPLETED (payments-ru/_intro_ru#payout-test-mode against #payout): the sandbox answers as
// the test-mode table says.
type payout struct {
	ID       string           `json:"id"`
	Digest   string           `json:"digest"`
	Status   qiwi.StatusValue `json:"status"`  // WAITING, SUCCESS, DECLINED
	Outcome  string           `json:"outcome"` // the status WAITING turns into
	Created  string           `json:"created"`
	Changed  string           `json:"changed"`
	Amount   int64            `json:"amount"`
	Receiver map[string]any   `json:"receiver"` // as answers show it: masked
	Comment  string           `json:"comment,omitempty"`
	Callback string           `json:"callback,omitempty"`
}

// payoutOutcomes maps a test-mode payout amount, in minor units, to its first and final
// status.
var payoutOutcomes = func() map[int64][2]string {
	out := map[int64][2]string{}
	for value, statuses := range map[string][2]string{
		testmode.TestPayoutAmountSuccess:       {qiwi.StatusValueWaiting, qiwi.StatusValueSuccess},
		testmode.TestPayoutAmountDeclined:      {qiwi.StatusValueDeclined, qiwi.StatusValueDeclined},
		testmode.TestPayoutAmountDeclinedLater: {qiwi.StatusValueWaiting, qiwi.StatusValueDeclined},
	} {
		m, err := wiretype.ParseMoney(value)
		if err != nil {
			continue // the constants are literals, tested
		}
		out[m.Minor()], out[100*m.Minor()] = statuses, statuses
	}
	return out
}()

// payoutAnswer is a payout as the payin API answers it (qiwi.Payout, with the sandbox's
// amount and times).
type payoutAnswer struct {
	Amount          amount   `json:"amount"`
	CallbackURL     string   `json:"callbackUrl,omitempty"`
	Comment         string   `json:"comment,omitempty"`
	CreatedDateTime string   `json:"createdDateTime"`
	Flags           []string `json:"flags"`
	PayoutID        string   `json:"payoutId"`
	ReceiverData    any      `json:"receiverData"`
	Status          opStatus `json:"status"`
}

func (o *payout) answer() *payoutAnswer {
	return &payoutAnswer{PayoutID: o.ID, CreatedDateTime: o.Created, Amount: money(o.Amount),
		Status: opStatus{Value: o.Status, ChangedDateTime: o.Changed}, ReceiverData: receiverAnswer(o.Receiver),
		Flags: []string{qiwi.FlagTest}, Comment: o.Comment, CallbackURL: o.Callback}
}

// receiverAnswer is a payout's receiver, as the state keeps it (payoutReceiver), as answers
// and notifications show it: a qiwi.PayoutReceiverDataCardResponse for a card, else a
// qiwi.PayoutReceiverDataSbpResponse.
func receiverAnswer(r map[string]any) any {
	if str(r, "type") == qiwi.PayoutReceiverTypeCard {
		card := qiwi.PayoutReceiverDataCardResponse{Type: qiwi.PayoutReceiverTypeCard, MaskedPan: str(r, "maskedPan")}
		if v := str(r, "receiverFirstName"); v != "" {
			card.ReceiverFirstName = &v
		}
		if v := str(r, "receiverLastName"); v != "" {
			card.ReceiverLastName = &v
		}
		return card
	}
	return qiwi.PayoutReceiverDataSbpResponse{Type: str(r, "type"), Phone: str(r, "phone"), BankMemberID: str(r, "bankMemberId")}
}

// payoutReceiver is the receiver as answers show it: a card masked, an SBP phone as given.
func payoutReceiver(req map[string]any) map[string]any {
	in, _ := req["receiverData"].(map[string]any)
	out := map[string]any{"type": str(in, "type")}
	switch str(in, "type") {
	case qiwi.PayoutReceiverTypeCard:
		out["maskedPan"] = maskPan(str(in, "pan"))
		for _, k := range []string{"receiverFirstName", "receiverLastName"} {
			if v := str(in, k); v != "" {
				out[k] = v
			}
		}
	default:
		out["phone"], out["bankMemberId"] = str(in, "phone"), str(in, "bankMemberId")
	}
	return out
}

// verifyPayoutSignature checks X-Digital-Sign: base64 SHA256withRSA (PKCS #1 v1.5) of the
// body as sent, with the site's public key (payments-ru/_intro_ru#how-to-sign). Without a
// key for the site, a signature must be present but cannot be checked.
func (s *Sandbox) verifyPayoutSignature(c *call) *apiError {
	refuse := func(why string) *apiError {
		return &apiError{status: http.StatusUnauthorized, code: apierr.CodeUnauthorized, descr: "X-Digital-Sign: " + why}
	}
	header := strings.TrimSpace(c.header.Get("X-Digital-Sign"))
	if header == "" {
		return refuse("the payout request is not signed")
	}
	sig, err := base64.StdEncoding.DecodeString(header)
	if err != nil {
		return refuse("not base64")
	}
	key := s.payoutKeys[c.site]
	if key == nil {
		return nil
	}
	sum := sha256.Sum256(c.body)
	if rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig) != nil {
		return refuse("the signature does not match the body and the site's key")
	}
	return nil
}

// payoutOf finds the payout a call names.
func payoutOf(st *site, c *call) (*payment, *payout, *apiError) {
	p, ok := st.Payments[c.params["paymentId"]]
	if !ok {
		return nil, nil, notFound("Payment")
	}
	o, ok := p.Payouts[c.params["payoutId"]]
	if !ok {
		return p, nil, notFound("Payout")
	}
	return p, o, nil
}

// createPayout: PUT .../payments/{paymentId}/payouts/{payoutId}, signed.
func createPayout(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	if aerr := s.verifyPayoutSignature(c); aerr != nil {
		return 0, nil, aerr
	}
	p, o, aerr := payoutOf(st, c)
	if p == nil {
		return 0, nil, aerr
	}
	id := c.params["payoutId"]
	if o != nil {
		if aerr := c.repeat("Payout", id, o.Digest); aerr != nil {
			return 0, nil, aerr
		}
		return http.StatusOK, o.answer(), nil
	}
	if p.Status != qiwi.StatusValueCompleted {
		return 0, nil, conflict("Payment " + p.ID + " is not completed")
	}
	amount, aerr := amountIn(c)
	if aerr != nil {
		return 0, nil, aerr
	}
	statuses, ok := payoutOutcomes[amount]
	if !ok {
		// The docs' own 4xx example for a payout (payments-ru/_api-methods_ru#payout).
		return 0, nil, badField("amount", "Incorrect payout amount")
	}
	if aerr := s.dailyLimit(st); aerr != nil {
		return 0, nil, aerr
	}
	now := s.timestamp()
	o = &payout{ID: id, Digest: c.digest(), Status: statuses[0], Outcome: statuses[1], Created: now, Changed: now, Amount: amount,
		Receiver: payoutReceiver(c.req), Comment: str(c.req, "comment"), Callback: callbackOf(c.req, p)}
	if p.Payouts == nil {
		p.Payouts = map[string]*payout{}
	}
	p.Payouts[id] = o
	c.wrote("payment", p.ID, p)
	if o.Status != qiwi.StatusValueWaiting {
		s.notifyPayout(c, o)
	}
	return http.StatusOK, o.answer(), nil
}

// settlePayout moves a WAITING payout to its outcome, as the next status request finds it.
func (s *Sandbox) settlePayout(c *call, p *payment, o *payout) {
	if o.Status != qiwi.StatusValueWaiting {
		return
	}
	o.Status, o.Changed = o.Outcome, s.timestamp()
	c.wrote("payment", p.ID, p)
	s.notifyPayout(c, o)
}

// notifyPayout queues the PAYOUT notification of a payout in a final status. Its status is
// the answer's but SUCCESS for COMPLETED: payouts' notifications keep WAITING, INIT and
// DECLINED (payments-ru/_statuses_ru.html.md.erb lines 106-109).
func (s *Sandbox) notifyPayout(c *call, o *payout) {
	status := o.Status
	if status == qiwi.StatusValueCompleted {
		status = qiwi.StatusValueSuccess
	}
	notice := &payinNotification{Type: qiwi.NotificationTypePayout, Version: "1", Payout: &payoutNotice{
		PayoutID: o.ID, CreatedDateTime: o.Created, Amount: numberAmount(o.Amount, qiwi.CurrencyRub),
		Status: opStatus{Value: status, ChangedDateTime: o.Changed}, ReceiverData: receiverAnswer(o.Receiver)}}
	c.later(func() { s.notify.send(notice.Type, notice, o.Callback) })
}

// payoutNotice is the payout of a PAYOUT notification (qiwi.PayoutNotificationData, its
// times strings).
type payoutNotice struct {
	Amount          qiwi.Amount `json:"amount"`
	CreatedDateTime string      `json:"createdDateTime"`
	PayoutID        string      `json:"payoutId"`
	ReceiverData    any         `json:"receiverData"`
	Status          opStatus    `json:"status"`
}

// getPayout: GET .../payouts/{payoutId}. A WAITING payout has reached its outcome.
func getPayout(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	p, o, aerr := payoutOf(st, c)
	if aerr != nil {
		return 0, nil, aerr
	}
	s.settlePayout(c, p, o)
	return http.StatusOK, o.answer(), nil
}

// completePayout: PUT .../payouts/{payoutId}/complete. A WAITING payout reaches its outcome;
// a successful one answers as it is; a declined one cannot be completed.
func completePayout(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	p, o, aerr := payoutOf(st, c)
	if aerr != nil {
		return 0, nil, aerr
	}
	s.settlePayout(c, p, o)
	if o.Status == qiwi.StatusValueDeclined {
		return 0, nil, conflict("Payout " + o.ID + " is declined")
	}
	return http.StatusOK, o.answer(), nil
}

// ErrPayoutKey is wrapped by every error about a payout public key.
var ErrPayoutKey = errors.New("bad payout public key")

// ParsePayoutKey reads the public key a merchant gives QIWI for its payouts: PEM
// (PUBLIC KEY or RSA PUBLIC KEY), or that PEM encoded in base64, as QIWI asks for it
// (payments-ru/_intro_ru#create-key-sign). The key must be RSA of at least
// transport.MinPayoutKeyBits.
func ParsePayoutKey(data []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		decoded, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(data)))
		if err != nil {
			return nil, fmt.Errorf("%w: neither PEM nor base64 of a PEM", ErrPayoutKey)
		}
		if block, _ = pem.Decode(decoded); block == nil {
			return nil, fmt.Errorf("%w: the base64 holds no PEM", ErrPayoutKey)
		}
	}
	var pub any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: a PEM %q block, not a public key", ErrPayoutKey, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPayoutKey, err)
	}
	key, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: a %T, not an RSA key", ErrPayoutKey, pub)
	}
	if bits := key.N.BitLen(); bits < transport.MinPayoutKeyBits {
		return nil, fmt.Errorf("%w: %d bits, at least %d are required", ErrPayoutKey, bits, transport.MinPayoutKeyBits)
	}
	return key, nil
}
