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
	notice := &payinNotification{Type: qiwi.NotificationTypeCheckCard, Version: "1", CheckPaymentMethod: &cardCheckNotice{
		RequestUID: k.UID, CheckOperationDate: k.Created, Status: k.Status, IsValidCard: k.Status == qiwi.CardVerificationStatusSuccess}}
	c.later(func() { s.notify.send(notice.Type, notice, k.Callback) })
}

// cardCheckNotice is the verification of a CHECK_CARD notification
// (qiwi.CheckCardNotificationData, its time a string).
type cardCheckNotice struct {
	CheckOperationDate string `json:"checkOperationDate"`
	IsValidCard        bool   `json:"isValidCard"`
	RequestUID         string `json:"requestUid"`
	Status             string `json:"status"`
}

// cardCheckAnswer is a card verification as the payin API answers it (qiwi.CardVerification,
// its time a string): the result and its time once there is one, the 3-D Secure
// requirement while it awaits it.
type cardCheckAnswer struct {
	CheckOperationDate string                   `json:"checkOperationDate,omitempty"`
	IsValidCard        *bool                    `json:"isValidCard,omitempty"`
	RequestUID         string                   `json:"requestUid"`
	Requirements       *qiwi.ThreeDSRequirement `json:"requirements,omitempty"`
	Status             string                   `json:"status"`
}

func (k *cardCheck) answer() *cardCheckAnswer {
	out := &cardCheckAnswer{RequestUID: k.UID, Status: k.Status}
	switch k.Status {
	case qiwi.CardVerificationStatusSuccess:
		out.IsValidCard, out.CheckOperationDate = qiwi.Ptr(true), k.Created
	case qiwi.CardVerificationStatusError:
		out.IsValidCard, out.CheckOperationDate = qiwi.Ptr(false), k.Created
	case qiwi.CardVerificationStatusWaiting3ds:
		out.Requirements = threeDSRequirement()
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
