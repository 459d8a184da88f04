package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/qiwigen/qiwigen/generator/qiwiruntime"
)

// qrCode is an SBP (Faster Payments) QR code. In test mode only issue and status work: the
// amount qiwiruntime.TestSBPAmountSuccess creates it, any other is DECLINED; a code whose ttl
// (minutes) has passed is EXPIRED (payments/_intro_en#test_data_sbp).
type qrCode struct {
	uid, digest, created string
	amount               int64
	kind                 string // DYNAMIC, STATIC
	ttl                  int    // minutes; 0: none
	status               string // CREATED, DECLINED
	purpose, redirect    string
}

func (q *qrCode) answer(s *Sandbox) map[string]any {
	status := q.status
	if status == "CREATED" && q.ttl > 0 {
		if created, err := time.Parse("2006-01-02T15:04:05.000-07:00", q.created); err == nil && s.now().After(created.Add(time.Duration(q.ttl)*time.Minute)) {
			status = "EXPIRED"
		}
	}
	params := map[string]any{"type": q.kind, "status": status,
		"payload": "https://qr.nspk.ru/SANDBOX" + q.uid + "?type=02&sum=" + strconv.FormatInt(q.amount, 10) + "&cur=RUB"}
	if q.ttl > 0 {
		params["ttl"] = q.ttl
	}
	out := map[string]any{"qrCodeUid": q.uid, "qrCode": params, "createdOn": q.created}
	if q.amount > 0 {
		out["amount"] = money(q.amount)
	}
	if q.purpose != "" {
		out["paymentPurpose"] = q.purpose
	}
	if q.redirect != "" {
		out["redirectUrl"] = q.redirect
	}
	return out
}

// createQrCodeWithUid: PUT .../sbp/qrCodes/{qrCodeUid}.
func createQrCodeWithUid(s *Sandbox, st *site, c call) (int, any, *apiError) {
	return issueQrCode(s, st, c, c.params["qrCodeUid"])
}

// createQrCode: POST .../sbp/qrCodes, the uid in the body or made by the sandbox.
func createQrCode(s *Sandbox, st *site, c call) (int, any, *apiError) {
	uid := str(c.req, "qrCodeUid")
	if uid == "" {
		sum := sha256.Sum256(append([]byte(s.timestamp()), c.body...))
		uid = hex.EncodeToString(sum[:8])
	}
	// The state store saves what the path names: name the new code there.
	c.params["qrCodeUid"] = uid
	return issueQrCode(s, st, c, uid)
}

func issueQrCode(s *Sandbox, st *site, c call, uid string) (int, any, *apiError) {
	if q, ok := st.qrCodes[uid]; ok {
		if q.digest != c.digest() {
			return 0, nil, conflict("QR code " + uid + " exists with another request")
		}
		return http.StatusOK, q.answer(s), nil
	}
	q := &qrCode{uid: uid, digest: c.digest(), created: s.timestamp(), kind: str(c.req, "qrCode", "type"), status: "DECLINED",
		purpose: str(c.req, "paymentPurpose"), redirect: str(c.req, "redirectUrl")}
	if ttl, err := strconv.Atoi(str(c.req, "qrCode", "ttl")); err == nil && ttl > 0 {
		q.ttl = ttl
	}
	if _, has := c.req["amount"]; has {
		if cur := str(c.req, "amount", "currency"); cur != "RUB" {
			return 0, nil, &apiError{status: http.StatusBadRequest, code: "validation.error", descr: "Validation error", field: "amount.currency", message: "test mode accepts RUB only"}
		}
		m, err := qiwiruntime.ParseMoney(str(c.req, "amount", "value"))
		if err != nil || m.Minor() <= 0 {
			return 0, nil, &apiError{status: http.StatusBadRequest, code: "validation.error", descr: "Validation error", field: "amount.value", message: "a positive amount"}
		}
		q.amount = m.Minor()
		if success, err := qiwiruntime.ParseMoney(qiwiruntime.TestSBPAmountSuccess); err == nil && m.Equal(success) {
			q.status = "CREATED"
		}
	}
	st.qrCodes[uid] = q
	return http.StatusOK, q.answer(s), nil
}

// getQrCode: GET .../sbp/qrCodes/{qrCodeUid}.
func getQrCode(s *Sandbox, st *site, c call) (int, any, *apiError) {
	q, ok := st.qrCodes[c.params["qrCodeUid"]]
	if !ok {
		return 0, nil, notFound("QR code")
	}
	return http.StatusOK, q.answer(s), nil
}
