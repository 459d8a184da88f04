package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"
)

// invoice is a payin invoice: CREATED, then PAID by a payment naming its billId, or EXPIRED
// once its expirationDateTime has passed.
type invoice struct {
	id, uid, digest string
	amount          int64 // 0: none (a CHECK_CARD invoice has no amount)
	comment         string
	created         string
	expiration      string
	status          string
}

func (inv *invoice) answer(s *Sandbox, siteID string) map[string]any {
	status := inv.status
	if status == "CREATED" {
		if exp, err := time.Parse(time.RFC3339, inv.expiration); err == nil && s.now().After(exp) {
			status = "EXPIRED"
		}
	}
	out := map[string]any{"billId": inv.id, "siteId": siteID, "invoiceUid": inv.uid, "creationDateTime": inv.created,
		"expirationDateTime": inv.expiration, "status": map[string]any{"value": status, "changedDateTime": inv.created},
		"payUrl": "https://oplata.qiwi.com/form?invoiceUid=" + inv.uid}
	if inv.amount > 0 {
		out["amount"] = money(inv.amount)
	}
	if inv.comment != "" {
		out["comment"] = inv.comment
	}
	return out
}

// createInvoice: PUT .../bills/{billId}.
func createInvoice(s *Sandbox, st *site, c call) (int, any, *apiError) {
	id := c.params["billId"]
	if inv, ok := st.invoices[id]; ok {
		if inv.digest != c.digest() {
			return 0, nil, conflict("Invoice " + id + " exists with another request")
		}
		return http.StatusOK, inv.answer(s, c.params["siteId"]), nil
	}
	inv := &invoice{id: id, digest: c.digest(), comment: str(c.req, "comment"), created: s.timestamp(), expiration: str(c.req, "expirationDateTime"), status: "CREATED"}
	if _, has := c.req["amount"]; has {
		amount, aerr := amountOf(c.req)
		if aerr != nil {
			return 0, nil, aerr
		}
		inv.amount = amount
	}
	sum := sha256.Sum256([]byte(c.params["siteId"] + "\x00" + id))
	u := hex.EncodeToString(sum[:16])
	inv.uid = u[0:8] + "-" + u[8:12] + "-" + u[12:16] + "-" + u[16:20] + "-" + u[20:32]
	st.invoices[id] = inv
	return http.StatusOK, inv.answer(s, c.params["siteId"]), nil
}

// getInvoice: GET .../bills/{billId}/details.
func getInvoice(s *Sandbox, st *site, c call) (int, any, *apiError) {
	inv, ok := st.invoices[c.params["billId"]]
	if !ok {
		return 0, nil, notFound("Invoice")
	}
	return http.StatusOK, inv.answer(s, c.params["siteId"]), nil
}

// payInvoice checks a payment against the invoice it names, and marks the invoice PAID when
// the payment completes. nil when the payment names none.
func (st *site) payInvoice(billID string, amount int64) *apiError {
	if billID == "" {
		return nil
	}
	inv, ok := st.invoices[billID]
	if !ok {
		return notFound("Invoice")
	}
	if inv.status != "CREATED" {
		return conflict("Invoice " + billID + " is " + inv.status)
	}
	if inv.amount > 0 && inv.amount != amount {
		return &apiError{status: http.StatusBadRequest, code: "validation.error", descr: "Validation error", field: "amount.value", message: "the invoice's amount"}
	}
	return nil
}
