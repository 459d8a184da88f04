package wiretype

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// One rule per API. Evidence (docs/briefs evidence-20 §5):
//   - payin: OnlinetoursGit/qiwi-kassa spec/fixtures/qiwi/resources/bills/create_validation_error.json
//     ("serviceName": "payin-core", "Invalid money format. Should have 2 fraction digits") answers
//     the amount 3.0 its spec/qiwi/kassa_api_spec.rb sends;
//   - Bill Payments: bill-payments/bill-payments_en.html.md line 798, the refund example sends
//     "value": 1; the official SDKs send "1.00" (bill-payments-node-js-sdk lib/QiwiBillPaymentsAPI.js
//     _normalizeAmount, bill-payments-php-sdk src/BillPayments.php normalizeAmount).
func TestAmountFormCheck(t *testing.T) {
	for _, tc := range []struct {
		text        string
		payin, bill bool
	}{
		{"100.00", true, true},
		{"-3.10", true, true},
		{"3.0", false, true},
		{"1", false, true},
		{"50.5", false, true},
		{"1.005", false, false},
		{"1.500", false, false}, // text, not value: three fraction digits are written
		{"1e2", false, false},
		{"+1.00", false, false},
		{".50", false, false},
		{"1.", false, false},
		{"", false, false},
		{"five", false, false},
	} {
		err := AmountTwoFractionDigits.Check(tc.text)
		assert.Equal(t, tc.payin, err == nil, "payin %q: %v", tc.text, err)
		if err != nil {
			assert.ErrorIs(t, err, ErrAmountForm)
			assert.Contains(t, err.Error(), `"`+tc.text+`"`, "the error quotes the amount")
		}
		err = AmountUpToTwoFractionDigits.Check(tc.text)
		assert.Equal(t, tc.bill, err == nil, "bill %q: %v", tc.text, err)
	}
	assert.ErrorIs(t, AmountForm("whatever").Check("1.00"), ErrAmountForm, "an unknown form refuses")
	assert.False(t, AmountForm("whatever").Known())
}

// What the client sends (an amount built in code or made canonical) passes every form.
func TestCanonicalAmountPassesEveryForm(t *testing.T) {
	for _, s := range []string{"5", "0.2", "199.9", "1.00"} {
		m, err := ParseMoney(s)
		assert.NoError(t, err)
		for _, f := range []AmountForm{AmountTwoFractionDigits, AmountUpToTwoFractionDigits} {
			text, _ := m.Canonical().MarshalJSON()
			assert.NoError(t, f.Check(string(text)), "%s in %s", s, f)
		}
	}
}
