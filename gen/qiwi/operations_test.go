package qiwi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// Operations lists the notification types, not the callbacks' keys: an invoice's payments
// notify customFields.invoice_callback_url with PAYMENT notifications
// (payments/_notifications_en.html.md.erb line 42), declared under the key INVOICE_PAYMENT.
func TestOperationsListNotificationTypes(t *testing.T) {
	got := map[string][]string{}
	for _, op := range qiwi.Operations() {
		got[op.ID] = op.Notifications
	}
	assert.Equal(t, []string{"PAYMENT"}, got["createInvoice"])
	assert.Equal(t, []string{"PAYMENT"}, got["createPayment"])
	assert.Equal(t, []string{"REFUND"}, got["createRefund"])
}
