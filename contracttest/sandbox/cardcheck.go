package sandbox

import (
	"net/http"
)

// cardCheck is a card verification: SUCCESS, WAITING_3DS on the test mode's 3-D Secure
// triggers until completed, or ERROR on a declining expiry month.
type cardCheck struct {
	uid, digest, created, status string
}

func (k *cardCheck) answer() map[string]any {
	out := map[string]any{"requestUid": k.uid, "status": k.status}
	switch k.status {
	case "SUCCESS":
		out["isValidCard"], out["checkOperationDate"] = true, k.created
	case "ERROR":
		out["isValidCard"], out["checkOperationDate"] = false, k.created
	case "WAITING_3DS":
		out["requirements"] = threeDSRequirement()
	}
	return out
}

// createCardVerification: PUT .../validation/card/requests/{requestUid}.
func createCardVerification(s *Sandbox, st *site, c call) (int, any, *apiError) {
	uid := c.params["requestUid"]
	if k, ok := st.cardChecks[uid]; ok {
		if k.digest != c.digest() {
			return 0, nil, conflict("Card verification " + uid + " exists with another request")
		}
		return http.StatusOK, k.answer(), nil
	}
	card, _ := c.req["cardData"].(map[string]any)
	k := &cardCheck{uid: uid, digest: c.digest(), created: s.timestamp(), status: "SUCCESS"}
	switch cardOutcome(card) {
	case outcomeDeclined:
		k.status = "ERROR"
	case outcome3DS:
		k.status = "WAITING_3DS"
	}
	st.cardChecks[uid] = k
	return http.StatusOK, k.answer(), nil
}

// getCardVerification: GET .../validation/card/requests/{requestUid}.
func getCardVerification(_ *Sandbox, st *site, c call) (int, any, *apiError) {
	k, ok := st.cardChecks[c.params["requestUid"]]
	if !ok {
		return 0, nil, notFound("Card verification")
	}
	return http.StatusOK, k.answer(), nil
}

// completeCardVerification: POST .../requests/{requestUid}/complete, after 3-D Secure.
func completeCardVerification(_ *Sandbox, st *site, c call) (int, any, *apiError) {
	k, ok := st.cardChecks[c.params["requestUid"]]
	if !ok {
		return 0, nil, notFound("Card verification")
	}
	if k.status != "WAITING_3DS" {
		return 0, nil, conflict("Card verification " + k.uid + " awaits no 3-D Secure completion")
	}
	k.status = "SUCCESS"
	return http.StatusOK, k.answer(), nil
}
