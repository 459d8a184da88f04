package webhook

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// MatchConfirmation compares each signed member of the notification with the member at the
// same place below the notification's object in the answer: amounts as amounts, timestamps
// as instants, the status never, a member the answer lacks not at all.
func TestMatchConfirmation(t *testing.T) {
	spec := SignatureSpec{Type: "REFUND", Header: "Signature",
		Fields:       []string{"/refund/refundId", "/refund/createdDateTime", "/refund/amount/value", "/refund/status/value"},
		AmountFields: []string{"/refund/amount/value"}}
	note := json.RawMessage(`{"refund":{"refundId":"r1","paymentId":"p1","createdDateTime":"2024-03-01T17:10:31+03:00","amount":{"value":5},"status":{"value":"SUCCESS"}},"type":"REFUND"}`)
	for name, answer := range map[string]string{
		"the same values":                   `{"refundId":"r1","createdDateTime":"2024-03-01T17:10:31+03:00","amount":{"value":"5.00"},"status":{"value":"SUCCESS"}}`,
		"another offset, another status":    `{"refundId":"r1","createdDateTime":"2024-03-01T14:10:31Z","amount":{"value":"5.00"},"status":{"value":"COMPLETED"}}`,
		"a member the answer does not have": `{"refundId":"r1","amount":{"value":"5"}}`,
	} {
		assert.NoError(t, MatchConfirmation(spec, note, json.RawMessage(answer)), name)
	}
	for member, answer := range map[string]string{
		"/refund/refundId":        `{"refundId":"r2","createdDateTime":"2024-03-01T17:10:31+03:00","amount":{"value":"5.00"}}`,
		"/refund/createdDateTime": `{"refundId":"r1","createdDateTime":"2024-03-01T17:10:32+03:00","amount":{"value":"5.00"}}`,
		"/refund/amount/value":    `{"refundId":"r1","createdDateTime":"2024-03-01T17:10:31+03:00","amount":{"value":"5.01"}}`,
		"none of the signed":      `{"paymentId":"p1"}`,
	} {
		err := MatchConfirmation(spec, note, json.RawMessage(answer))
		require.ErrorIs(t, err, ErrNotificationMismatch, member)
		assert.Contains(t, err.Error(), member)
	}
	five := json.RawMessage(`{"refund":{"refundId":"5","createdDateTime":"2024-03-01T17:10:31+03:00","amount":{"value":5}},"type":"REFUND"}`)
	err := MatchConfirmation(spec, five, json.RawMessage(`{"refundId":"5.00","amount":{"value":"5.00"}}`))
	assert.ErrorIs(t, err, ErrNotificationMismatch, "an ID is compared as text, not as an amount")
}
