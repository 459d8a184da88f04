package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"
)

// cardToken is a card payment token a site issued: to a payment with the
// BIND_PAYMENT_TOKEN flag and customer.account, once it completed
// (payments/_payment-token_en). The token itself is not kept: the site holds it by its
// digest.
type cardToken struct {
	Account   string `json:"account"`
	MaskedPan string `json:"maskedPan"`
	Expires   string `json:"expires"`
	Deleted   bool   `json:"deleted,omitempty"`
}

// issuedToken is a token as the answer and the notification that issue it carry it.
type issuedToken struct {
	value, expires string
}

// tokenLifetime is how long a sandbox token stays valid; the docs give no lifetime.
const tokenLifetime = 3 * 365 * 24 * time.Hour

// tokenValue is the token issued to a site's payment. It is derived from the payment, so an
// idempotent repeat of the payment answers the same token and the sandbox keeps no token in
// clear text; anyone knowing the payment can derive it, which only a sandbox can afford.
func tokenValue(siteID, paymentID string) string {
	sum := sha256.Sum256([]byte("sandbox card token\x00" + siteID + "\x00" + paymentID))
	return "sbx-" + hex.EncodeToString(sum[:16])
}

// tokenKey is the key of a token in site.Tokens.
func tokenKey(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

// issueToken issues a card token for a completed payment to its customer's account.
func (s *Sandbox) issueToken(st *site, c *call, p *payment) *issuedToken {
	value := tokenValue(c.site, p.ID)
	key := tokenKey(value)
	tok, ok := st.Tokens[key]
	if !ok {
		tok = &cardToken{Account: p.Account, MaskedPan: str(p.Method, "maskedPan"), Expires: formatTimestamp(s.now().Add(tokenLifetime))}
		st.Tokens[key] = tok
		c.wrote("token", key, tok)
	}
	return &issuedToken{value: value, expires: tok.Expires}
}

// tokenFor finds the token a payment names, bound to the payment's customer account.
func (st *site) tokenFor(value, account string) (*cardToken, *apiError) {
	tok, ok := st.Tokens[tokenKey(value)]
	if !ok || tok.Deleted {
		return nil, badField("paymentMethod.paymentToken", "no such payment token on this site")
	}
	if tok.Account != account {
		return nil, badField("customer.account", "the payment token is bound to another customer account")
	}
	return tok, nil
}

// deleteToken: DELETE .../tokens. The token stops working for the customer; 204.
func deleteToken(_ *Sandbox, st *site, c *call) (int, any, *apiError) {
	key := tokenKey(str(c.req, "token"))
	tok, ok := st.Tokens[key]
	if !ok || tok.Deleted || tok.Account != str(c.req, "customerAccountId") {
		return 0, nil, notFound("Payment token")
	}
	tok.Deleted = true
	c.wrote("token", key, tok)
	return http.StatusNoContent, nil, nil
}

// notInTestMode answers an operation the test mode does not offer, citing the page.
func notInTestMode(what, page string) handlerFunc {
	return func(*Sandbox, *site, *call) (int, any, *apiError) {
		return 0, nil, conflict(what + " is not available in test mode (" + page + ")")
	}
}

var (
	// QIWI Wallet payments have no test mode: "Тестовый режим для метода оплаты с баланса
	// КИВИ Кошелька не предусмотрен".
	walletTokens = notInTestMode("QIWI Wallet tokenization", "payments-ru/_intro_ru#test_mode")
	// In test mode an SBP QR code can only be issued and its status read.
	qrTokenPayment = notInTestMode("Paying a QR code with an SBP token", "payments/_intro_en#test_data_sbp")
)
