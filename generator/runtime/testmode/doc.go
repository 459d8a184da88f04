// Package testmode holds the test mode's documented data: the test cards, the expiry months,
// CVV and holder names that select an outcome, and the amounts that select SBP and payout
// outcomes (payments/_intro_en#test_mode, payments-ru/_intro_ru#payout-test-mode).
package testmode
