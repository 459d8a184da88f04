package testmode

// Test mode data from the payin documentation (payments/_intro_en#test_data_card): a new
// siteId starts in test mode, where these cards, expiry months, CVV and amounts select the
// outcome. Card numbers here are public test numbers, not secrets.
const (
	// TestCardMir, TestCardVisa, TestCardMastercard and TestCardUnionPay are the first test
	// card of each scheme; TestCards lists them all.
	TestCardMir        = "2200000000000004"
	TestCardVisa       = "4256000000000003"
	TestCardMastercard = "5236000000000005"
	TestCardUnionPay   = "6056000000000000"

	// TestExpiryMonthDeclined makes the operation fail.
	TestExpiryMonthDeclined = "02"
	// TestExpiryMonthSucceedsAfterDelay succeeds after a 3-second timeout.
	TestExpiryMonthSucceedsAfterDelay = "03"
	// TestExpiryMonthDeclinedAfterDelay fails after a 3-second timeout.
	TestExpiryMonthDeclinedAfterDelay = "04"
	// Any other expiry month succeeds.

	// TestCVV3DS asks for 3-D Secure; so does a cardholder name containing TestHolderName3DS.
	TestCVV3DS        = "849"
	TestHolderName3DS = "3ds"

	// TestMaxAmount is the largest amount of one test operation (100 operations a day).
	TestMaxAmount = "10.00"
	// TestSBPAmountSuccess creates an SBP QR code in test mode; any other amount is DECLINED.
	TestSBPAmountSuccess = "200.00"

	// Payout amounts select a payout's outcome (payments-ru/_intro_ru#payout-test-mode; the
	// Russian pages alone have the table). Each works in minor units and hundredfold:
	// "2.00" or "200.00" answers WAITING, then SUCCESS; "5.00" or "500.00" answers DECLINED;
	// "5.10" or "510.00" answers WAITING, then DECLINED.
	TestPayoutAmountSuccess       = "2.00"
	TestPayoutAmountDeclined      = "5.00"
	TestPayoutAmountDeclinedLater = "5.10"
)

// TestCards returns every documented test card number by scheme.
func TestCards() map[string][]string {
	return map[string][]string{
		"MIR":        {"2200000000000004", "2200000000000012", "2200000000000020", "2200000000000038", "2200000000000046", "2200000000000053", "2200000000000061", "2200000000000079", "2200000000000087", "2200000000000095", "2200000000000103", "2200000000000111"},
		"VISA":       {"4256000000000003", "4256000000000011", "4256000000000029", "4256000000000037", "4256000000000045", "4256000000000052", "4256000000000060", "4256000000000078", "4256000000000086", "4256000000000094", "4256000000000102", "4256000000000110"},
		"MASTERCARD": {"5236000000000005", "5236000000000013", "5236000000000021", "5236000000000039", "5236000000000047", "5236000000000054", "5236000000000062", "5236000000000088", "5236000000000096", "5236000000000104", "5236000000000112", "5236000000000120"},
		"UNIONPAY":   {"6056000000000000", "6056000000000018", "6056000000000026", "6056000000000034", "6056000000000042", "6056000000000059", "6056000000000067", "6056000000000075", "6056000000000083", "6056000000000091", "6056000000000109", "6056000000000117"},
	}
}
