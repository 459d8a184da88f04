package sandbox

import (
	"net/http"

	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// cardCheck is a card verification: SUCCESS, WAITING_3DS on the test mode's 3-D Secure
// triggers until completed, or ERROR on a declining expiry month.
type cardCheck struct {
	UID     string                      `json:"uid"`
	Digest  string                      `json:"digest"`
	Created string                      `json:"created"`
	Status  qiwi.CardVerificationStatus `json:"status"`
	// Callback is the request's callbackUrl, for the CHECK_CARD notification.
	Callback string `json:"callback,omitempty"`
}

// notify queues the CHECK_CARD notification of a verification that reached its result.
func (k *cardCheck) notify(s *Sandbox, c *call) {
	if k.Status == qiwi.CardVerificationStatusWaiting3ds {
		return
	}
	data := map[string]any{"requestUid": k.UID, "checkOperationDate": k.Created, "status": k.Status, "isValidCard": k.Status == qiwi.CardVerificationStatusSuccess}
	c.later(func() {
		s.notify.send(payinNotice(qiwi.NotificationTypeCheckCard, "checkPaymentMethod", data), k.Callback)
	})
}

func (k *cardCheck) answer() map[string]any {
	out := map[string]any{"requestUid": k.UID, "status": k.Status}
	switch k.Status {
	case qiwi.CardVerificationStatusSuccess:
		out["isValidCard"], out["checkOperationDate"] = true, k.Created
	case qiwi.CardVerificationStatusError:
		out["isValidCard"], out["checkOperationDate"] = false, k.Created
	case qiwi.CardVerificationStatusWaiting3ds:
		out["requirements"] = threeDSRequirement()
	}
	return out
}

// createCardVerification: PUT .../validation/card/requests/{requestUid}.
func createCardVerification(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	uid := c.params["requestUid"]
	if k, ok := st.CardChecks[uid]; ok {
		if aerr := c.repeat("Card verification", uid, k.Digest); aerr != nil {
			return 0, nil, aerr
		}
		return http.StatusOK, k.answer(), nil
	}
	card, _ := c.req["cardData"].(map[string]any)
	if delayed(card) {
		c.delay = cardDelay
	}
	k := &cardCheck{UID: uid, Digest: c.digest(), Created: s.timestamp(), Status: qiwi.CardVerificationStatusSuccess, Callback: str(c.req, "callbackUrl")}
	switch cardOutcome(card) {
	case outcomeDeclined:
		k.Status = qiwi.CardVerificationStatusError
	case outcome3DS:
		k.Status = qiwi.CardVerificationStatusWaiting3ds
	}
	st.CardChecks[uid] = k
	c.wrote("cardcheck", uid, k)
	k.notify(s, c)
	return http.StatusOK, k.answer(), nil
}

// getCardVerification: GET .../validation/card/requests/{requestUid}.
func getCardVerification(_ *Sandbox, st *site, c *call) (int, any, *apiError) {
	k, ok := st.CardChecks[c.params["requestUid"]]
	if !ok {
		return 0, nil, notFound("Card verification")
	}
	return http.StatusOK, k.answer(), nil
}

// completeCardVerification: POST .../requests/{requestUid}/complete, after 3-D Secure.
func completeCardVerification(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	k, ok := st.CardChecks[c.params["requestUid"]]
	if !ok {
		return 0, nil, notFound("Card verification")
	}
	if k.Status != qiwi.CardVerificationStatusWaiting3ds {
		return 0, nil, conflict("Card verification " + k.UID + " awaits no 3-D Secure completion")
	}
	k.Status = qiwi.CardVerificationStatusSuccess
	c.wrote("cardcheck", k.UID, k)
	k.notify(s, c)
	return http.StatusOK, k.answer(), nil
}
