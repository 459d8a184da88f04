package sandbox_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// The money rules of a two-step payment: a refund before capture (a REVERSAL) reduces what
// can be captured, a fully reversed payment cannot be captured at all, and refunds after the
// capture count against the captured amount only, not against the reversals before it.
func TestReversalsAndCaptureMoneyRules(t *testing.T) {
	ctx := context.Background()
	client, _ := start(t)
	var apiErr *qiwi.APIError
	auth := func(id string) {
		t.Helper()
		_, err := client.CreatePayment(ctx, id, qiwi.CreatePaymentRequest{Amount: amount(t, "8.00"), PaymentMethod: card("05/30", "123", "H")})
		require.NoError(t, err)
	}
	refund := func(id, refundID, value string) (*qiwi.Refund, error) {
		return client.CreateRefund(ctx, id, refundID, qiwi.CreateRefundRequest{Amount: amount(t, value)})
	}
	refusedCapture := func(id, captureID string) {
		t.Helper()
		_, err := client.CreateCapture(ctx, id, captureID, qiwi.CreateCaptureRequest{})
		require.ErrorAs(t, err, &apiErr, "%s %s", id, captureID)
		_, err = client.GetCapture(ctx, id, captureID)
		require.ErrorIs(t, err, qiwi.ErrNotFound, "%s %s was not kept", id, captureID)
	}

	// A full reversal: nothing is left to capture, however often it is asked.
	auth("full")
	r, err := refund("full", "rev-1", "8.00")
	require.NoError(t, err)
	require.NotNil(t, r.Flags)
	assert.Equal(t, qiwi.Flags{"REVERSAL"}, *r.Flags)
	refusedCapture("full", "cap-1")
	refusedCapture("full", "cap-2")
	p, err := client.GetPayment(ctx, "full")
	require.NoError(t, err)
	assert.Equal(t, "0.00", p.CapturedAmount.Value.String())
	assert.Equal(t, "8.00", p.RefundedAmount.Value.String())
	_, err = refund("full", "rev-2", "0.01")
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "refund.incorrect.amount", apiErr.ErrorCode, "nothing is left to reverse")

	// Two reversals adding up to the amount are a full reversal too.
	auth("twice")
	_, err = refund("twice", "rev-1", "3.00")
	require.NoError(t, err)
	_, err = refund("twice", "rev-2", "5.01")
	require.ErrorAs(t, err, &apiErr, "above what is left to reverse")
	assert.Equal(t, "refund.incorrect.amount", apiErr.ErrorCode)
	_, err = refund("twice", "rev-3", "5.00")
	require.NoError(t, err)
	refusedCapture("twice", "cap-1")

	// A partial reversal: the capture takes the rest, and refunds after it may reach the whole
	// captured amount, the reversal not counted against it.
	auth("part")
	_, err = refund("part", "rev-1", "3.00")
	require.NoError(t, err)
	c, err := client.CreateCapture(ctx, "part", "cap-1", qiwi.CreateCaptureRequest{})
	require.NoError(t, err)
	assert.Equal(t, "5.00", c.Amount.Value.String())
	r, err = refund("part", "ref-1", "5.00")
	require.NoError(t, err, "the captured 5.00 is refundable in full")
	assert.Nil(t, r.Flags, "a refund after capture is no REVERSAL")
	_, err = refund("part", "ref-2", "0.01")
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "refund.incorrect.amount", apiErr.ErrorCode)
	p, err = client.GetPayment(ctx, "part")
	require.NoError(t, err)
	assert.Equal(t, "5.00", p.CapturedAmount.Value.String())
	assert.Equal(t, "8.00", p.RefundedAmount.Value.String(), "the reversal and the refund")

	// A declined reversal gives its amount back to the capture.
	auth("declined")
	_, err = refund("declined", "rev-1", "8.00")
	require.NoError(t, err)
	_, err = client.DeclineRefund(ctx, "declined", "rev-1")
	require.ErrorIs(t, err, qiwi.ErrDeclined)
	c, err = client.CreateCapture(ctx, "declined", "cap-1", qiwi.CreateCaptureRequest{})
	require.NoError(t, err)
	assert.Equal(t, "8.00", c.Amount.Value.String())
}
