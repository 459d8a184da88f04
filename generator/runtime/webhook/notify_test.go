package webhook

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A signed member the body lacks, or one below a member that is no object, is named in the
// error with where the body stops: the signed field's pointer and its nearest parent.
func TestSignedStringNamesWhereTheBodyStops(t *testing.T) {
	spec := SignatureSpec{Type: "PAYMENT", Header: "Signature", Fields: []string{"/payment/paymentId", "/payment/amount/value"},
		AmountFields: []string{"/payment/amount/value"}}
	for body, want := range map[string]string{
		`{"payment":{"amount":{"value":"1.00"}},"type":"PAYMENT"}`: `PAYMENT notification: /payment/paymentId: /payment has no member "paymentId"`,
		`{"type":"PAYMENT"}`:                                                     `PAYMENT notification: /payment/paymentId: the document has no member "payment"`,
		`{"payment":null,"type":"PAYMENT"}`:                                      `PAYMENT notification: /payment/paymentId: /payment is null, not an object or array`,
		`{"payment":{"paymentId":"p1","amount":"1.00"},"type":"PAYMENT"}`:        `PAYMENT notification: /payment/amount/value: /payment/amount is a string, not an object or array`,
		`{"payment":{"paymentId":"p1","amount":[{"value":1}]},"type":"PAYMENT"}`: `PAYMENT notification: /payment/amount/value: /payment/amount has no element "value" (it has 1)`,
	} {
		_, err := SignedString(spec, []byte(body))
		require.ErrorIs(t, err, ErrMalformedNotification, body)
		assert.EqualError(t, err, "qiwi: notification rejected: malformed notification: "+want, body)
	}
	text, err := SignedString(spec, []byte(`{"payment":{"paymentId":"p1","amount":{"value":5}},"type":"PAYMENT"}`))
	require.NoError(t, err)
	assert.Equal(t, "p1|5.00", text)
}

// NotificationValues names the member a model lacks, and where it stops.
func TestNotificationValuesNamesTheMissingMember(t *testing.T) {
	model := json.RawMessage(`{"payout":{"billId":"b1"},"type":"PAYOUT"}`)
	got, err := NotificationValues(model, "/payout/billId")
	require.NoError(t, err)
	assert.Equal(t, []string{"b1"}, got)
	_, err = NotificationValues(model, "/payout/billId", "/payout/paymentId")
	require.ErrorIs(t, err, ErrNotConfirmable)
	assert.EqualError(t, err, `qiwi: no status request confirms this notification: /payout/paymentId: /payout has no member "paymentId"`)
}

// A signed member the notification itself lacks is named, and where the notification stops.
func TestMatchConfirmationNamesTheMemberTheNotificationLacks(t *testing.T) {
	spec := SignatureSpec{Type: "REFUND", Header: "Signature", Fields: []string{"/refund/refundId", "/refund/amount/value"}}
	err := MatchConfirmation(spec, json.RawMessage(`{"refund":{"refundId":"r1"},"type":"REFUND"}`), json.RawMessage(`{"refundId":"r1"}`))
	require.ErrorIs(t, err, ErrNotificationMismatch)
	assert.EqualError(t, err, `qiwi: the confirmed object differs from the notification's signed values: REFUND notification: /refund/amount/value: /refund has no member "amount"`)
}
