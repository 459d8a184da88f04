package qiwi_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// A request body holding card data prints and logs without it, however it is printed.
func TestSecretsNeverPrint(t *testing.T) {
	const pan, cvv, token = "4111111111111111", "849", "tok-5c4b25xx93aa435d9cb8cd17"
	req := qiwi.CreatePaymentRequest{
		Amount: qiwi.Amount{Value: wiretype.NewMoneyFromMinor(100), Currency: qiwi.CurrencyRub},
		PaymentMethod: qiwi.PaymentMethod{Type: qiwi.PaymentMethodTypeCard, Pan: qiwi.Ptr(pan), Cvv2: qiwi.Ptr(cvv),
			HolderName: qiwi.Ptr("CARD HOLDER"), PaymentToken: qiwi.Ptr(token)},
	}
	var receiver qiwi.PayoutReceiverDataRequest
	require.NoError(t, receiver.FromPayoutReceiverDataCardRequest(qiwi.PayoutReceiverDataCardRequest{Pan: pan}))
	payout := qiwi.CreatePayoutRequest{Amount: req.Amount, ReceiverData: receiver}
	var logged strings.Builder
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	logger.Info("payment", "body", req, "method", req.PaymentMethod, "payout", payout)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("payment", "body", req)
	outputs := []string{logged.String()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		outputs = append(outputs, fmt.Sprintf(verb, req), fmt.Sprintf(verb, &req), fmt.Sprintf(verb, payout),
			fmt.Sprintf(verb, req.PaymentMethod), fmt.Sprintf(verb, receiver))
	}
	for _, out := range outputs {
		assert.NotContains(t, out, pan)
		assert.NotContains(t, out, token)
		assert.NotContains(t, out, `"849"`)
		assert.Contains(t, out, "***", "the secret's place is marked")
	}
	assert.Contains(t, fmt.Sprintf("%v", req), "CARD HOLDER", "members that are not secret still print")
	assert.Contains(t, fmt.Sprintf("%v", req), `"value":1.00`, "the amount's value is not a secret member")
}
