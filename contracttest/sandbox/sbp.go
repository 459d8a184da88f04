package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/runtime/testmode"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// qrCode is an SBP (Faster Payments) QR code. In test mode only issue and status work: the
// amount testmode.TestSBPAmountSuccess creates it, any other is DECLINED; a code whose ttl
// (minutes) has passed is EXPIRED (payments/_intro_en#test_data_sbp).
type qrCode struct {
	UID      string            `json:"uid"`
	Digest   string            `json:"digest"`
	Created  string            `json:"created"`
	Amount   int64             `json:"amount"`
	Kind     string            `json:"kind"`   // DYNAMIC, STATIC
	TTL      int               `json:"ttl"`    // minutes; 0: none
	Status   qiwi.QrCodeStatus `json:"status"` // CREATED, DECLINED
	Purpose  string            `json:"purpose,omitempty"`
	Redirect string            `json:"redirect,omitempty"`
}

// qrCodeAnswer is a QR code as the payin API answers it (qiwi.QrCode, with the sandbox's
// amount and time).
type qrCodeAnswer struct {
	Amount         *amount           `json:"amount,omitempty"`
	CreatedOn      string            `json:"createdOn"`
	PaymentPurpose string            `json:"paymentPurpose,omitempty"`
	QrCode         qiwi.QrCodeParams `json:"qrCode"`
	QrCodeUID      string            `json:"qrCodeUid"`
	RedirectURL    string            `json:"redirectUrl,omitempty"`
}

func (q *qrCode) answer(s *Sandbox) *qrCodeAnswer {
	status := q.Status
	if status == qiwi.QrCodeStatusCreated && q.TTL > 0 {
		if created, err := time.Parse("2006-01-02T15:04:05.000-07:00", q.Created); err == nil && s.now().After(created.Add(time.Duration(q.TTL)*time.Minute)) {
			status = qiwi.QrCodeStatusExpired
		}
	}
	out := &qrCodeAnswer{QrCodeUID: q.UID, CreatedOn: q.Created, PaymentPurpose: q.Purpose, RedirectURL: q.Redirect,
		QrCode: qiwi.QrCodeParams{Type: q.Kind, Status: qiwi.Ptr(status),
			Payload: qiwi.Ptr("https://qr.nspk.ru/SANDBOX" + q.UID + "?type=02&sum=" + strconv.FormatInt(q.Amount, 10) + "&cur=RUB")}}
	if q.TTL > 0 {
		out.QrCode.TTL = qiwi.Ptr(q.TTL)
	}
	if q.Amount > 0 {
		out.Amount = qiwi.Ptr(money(q.Amount))
	}
	return out
}

// createQrCodeWithUid: PUT .../sbp/qrCodes/{qrCodeUid}.
func createQrCodeWithUid(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	return issueQrCode(s, st, c, c.params["qrCodeUid"])
}

// createQrCode: POST .../sbp/qrCodes, the uid in the body or made by the sandbox.
func createQrCode(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	uid := str(c.req, "qrCodeUid")
	if uid == "" {
		sum := sha256.Sum256(append([]byte(s.timestamp()), c.body...))
		uid = hex.EncodeToString(sum[:8])
	}
	return issueQrCode(s, st, c, uid)
}

func issueQrCode(s *Sandbox, st *site, c *call, uid string) (int, any, *apiError) {
	if q, ok := st.QRCodes[uid]; ok {
		if aerr := c.repeat("QR code", uid, q.Digest); aerr != nil {
			return 0, nil, aerr
		}
		return http.StatusOK, q.answer(s), nil
	}
	q := &qrCode{UID: uid, Digest: c.digest(), Created: s.timestamp(), Kind: str(c.req, "qrCode", "type"), Status: qiwi.QrCodeStatusDeclined,
		Purpose: str(c.req, "paymentPurpose"), Redirect: str(c.req, "redirectUrl")}
	if ttl, err := strconv.Atoi(str(c.req, "qrCode", "ttl")); err == nil && ttl > 0 {
		q.TTL = ttl
	}
	if _, has := c.req["amount"]; has {
		amount, aerr := amountIn(c)
		if aerr != nil {
			return 0, nil, aerr
		}
		q.Amount = amount
		if success, err := wiretype.ParseMoney(testmode.TestSBPAmountSuccess); err == nil && amount == success.Minor() {
			q.Status = qiwi.QrCodeStatusCreated
		}
	}
	st.QRCodes[uid] = q
	c.wrote("qrcode", uid, q)
	return http.StatusOK, q.answer(s), nil
}

// getQrCode: GET .../sbp/qrCodes/{qrCodeUid}.
func getQrCode(s *Sandbox, st *site, c *call) (int, any, *apiError) {
	q, ok := st.QRCodes[c.params["qrCodeUid"]]
	if !ok {
		return 0, nil, notFound("QR code")
	}
	return http.StatusOK, q.answer(s), nil
}
