package testmode_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qiwigen/qiwigen/generator/runtime/testmode"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// luhn reports whether a card number passes the Luhn check, as test mode requires.
func luhn(pan string) bool {
	sum := 0
	for i := range len(pan) {
		d := int(pan[len(pan)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// Every test card passes the Luhn check the docs require, the first of each scheme is the
// named constant, and every amount is an exact amount.
func TestTestModeData(t *testing.T) {
	cards := testmode.TestCards()
	assert.Len(t, cards, 4)
	for scheme, pans := range cards {
		assert.Len(t, pans, 12, scheme)
		for _, pan := range pans {
			assert.True(t, luhn(pan), "%s %s", scheme, pan)
		}
	}
	assert.Equal(t, testmode.TestCardMir, cards["MIR"][0])
	assert.Equal(t, testmode.TestCardVisa, cards["VISA"][0])
	assert.Equal(t, testmode.TestCardMastercard, cards["MASTERCARD"][0])
	assert.Equal(t, testmode.TestCardUnionPay, cards["UNIONPAY"][0])
	assert.False(t, luhn("4256000000000004"), "the check can fail")
	for _, amount := range []string{testmode.TestMaxAmount, testmode.TestSBPAmountSuccess, testmode.TestPayoutAmountSuccess,
		testmode.TestPayoutAmountDeclined, testmode.TestPayoutAmountDeclinedLater} {
		m, err := wiretype.ParseMoney(amount)
		assert.NoError(t, err, amount)
		assert.Positive(t, m.Minor(), amount)
	}
}
