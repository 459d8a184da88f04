package sandbox

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
)

// jsonNames are the JSON member names of a struct type's fields, in their order.
func jsonNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// Each struct the sandbox answers or notifies with stands for a model of the spec (the
// generated one, see answers.go): its members are the model's, none misspelt or made up,
// and they are in the order of their names, the order encoding/json writes a map's keys,
// so that the answers keep the bytes they had as maps.
func TestAnswersAreTheSpecModels(t *testing.T) {
	notifications := []reflect.Type{reflect.TypeFor[qiwi.PaymentNotification](), reflect.TypeFor[qiwi.CaptureNotification](),
		reflect.TypeFor[qiwi.RefundNotification](), reflect.TypeFor[qiwi.PayoutNotification](), reflect.TypeFor[qiwi.CheckCardNotification]()}
	for _, c := range []struct {
		sandbox any
		models  []reflect.Type
	}{
		{amount{}, []reflect.Type{reflect.TypeFor[qiwi.Amount]()}},
		{opStatus{}, []reflect.Type{reflect.TypeFor[qiwi.Status]()}},
		{errorBody{}, []reflect.Type{reflect.TypeFor[apierr.APIError]()}},
		{paymentAnswer{}, []reflect.Type{reflect.TypeFor[qiwi.Payment]()}},
		{createdToken{}, []reflect.Type{reflect.TypeFor[qiwi.CreatedToken]()}},
		{captureAnswer{}, []reflect.Type{reflect.TypeFor[qiwi.Capture]()}},
		{refundAnswer{}, []reflect.Type{reflect.TypeFor[qiwi.Refund]()}},
		{invoiceAnswer{}, []reflect.Type{reflect.TypeFor[qiwi.Invoice]()}},
		{qrCodeAnswer{}, []reflect.Type{reflect.TypeFor[qiwi.QrCode]()}},
		{cardCheckAnswer{}, []reflect.Type{reflect.TypeFor[qiwi.CardVerification]()}},
		{payoutAnswer{}, []reflect.Type{reflect.TypeFor[qiwi.Payout]()}},
		{billAnswer{}, []reflect.Type{reflect.TypeFor[qiwi.Bill]()}},
		{billStatus{}, []reflect.Type{reflect.TypeFor[qiwi.BillStatus]()}},
		{billRefundAnswer{}, []reflect.Type{reflect.TypeFor[qiwi.BillRefund]()}},
		{payinNotification{}, notifications},
		{paymentNotice{}, []reflect.Type{reflect.TypeFor[qiwi.PaymentNotificationData]()}},
		{tokenData{}, []reflect.Type{reflect.TypeFor[qiwi.TokenData]()}},
		{captureNotice{}, []reflect.Type{reflect.TypeFor[qiwi.CaptureNotificationData]()}},
		{refundNotice{}, []reflect.Type{reflect.TypeFor[qiwi.RefundNotificationData]()}},
		{payoutNotice{}, []reflect.Type{reflect.TypeFor[qiwi.PayoutNotificationData]()}},
		{cardCheckNotice{}, []reflect.Type{reflect.TypeFor[qiwi.CheckCardNotificationData]()}},
		{billNotification{}, []reflect.Type{reflect.TypeFor[qiwi.BillNotification]()}},
		{billNotice{}, []reflect.Type{reflect.TypeFor[qiwi.Bill]()}},
		{billNoticeStatus{}, []reflect.Type{reflect.TypeFor[qiwi.BillStatus]()}},
	} {
		typ := reflect.TypeOf(c.sandbox)
		names := jsonNames(typ)
		require.NotEmpty(t, names, typ.Name())
		assert.True(t, slices.IsSorted(names), "%s: members %v are not in the order of their names", typ.Name(), names)
		var spec []string
		for _, m := range c.models {
			spec = append(spec, jsonNames(m)...)
		}
		for _, name := range names {
			assert.Contains(t, spec, name, "%s: %q is no member of %v", typ.Name(), name, c.models)
		}
	}
}

// A payout to an SBP receiver is answered, and notified, with the receiver's phone and bank
// as the request gave them (the flows of the other tests pay out to cards).
func TestSBPPayoutAnswer(t *testing.T) {
	o := &payout{ID: "po-1", Status: qiwi.StatusValueSuccess, Created: "2026-03-01T15:00:00.000+03:00", Changed: "2026-03-01T15:00:01.000+03:00",
		Amount: 200, Receiver: payoutReceiver(map[string]any{"receiverData": map[string]any{"type": "SBP", "phone": "79001234567", "bankMemberId": "100000000111"}})}
	data, err := json.Marshal(o.answer())
	require.NoError(t, err)
	assert.Equal(t, `{"amount":{"currency":"RUB","value":"2.00"},"createdDateTime":"2026-03-01T15:00:00.000+03:00","flags":["TEST"],"payoutId":"po-1",`+
		`"receiverData":{"bankMemberId":"100000000111","phone":"79001234567","type":"SBP"},"status":{"changedDateTime":"2026-03-01T15:00:01.000+03:00","value":"SUCCESS"}}`, string(data))
}
