// Package payform makes QIWI's payment form links (the payin form and the Bill Payments
// form) without an API call, and adds options to a payUrl an API answer gave.
package payform
