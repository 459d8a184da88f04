package wiretype

import (
	"errors"
	"fmt"
	"strings"
)

// ErrAmountForm is wrapped by the error of a request amount written in a form the API
// refuses (3.0 where the payin API wants 3.00).
var ErrAmountForm = errors.New("qiwi: request amount form")

// AmountForm is how an API wants the amounts of its requests written. The spec declares one
// per API (the Money schema's x-qiwi-request-amount, read by spec/ext); Check is the one
// implementation of the rule, which the contract judge, the sandbox and the client's
// request check call.
type AmountForm string

// The forms QIWI's APIs are shown to want.
const (
	// AmountTwoFractionDigits: exactly two fraction digits, as a number (100.00) or a
	// string ("100.00"). The payin API refuses 3.0 with "Invalid money format. Should have 2
	// fraction digits". It is also the one form the generated client sends (RequestMoney),
	// which every other form accepts.
	AmountTwoFractionDigits AmountForm = "two-fraction-digits"
	// AmountUpToTwoFractionDigits: a decimal with at most two fraction digits (1, 50.5,
	// "1.00"). The Bill Payments API: its refund example sends "value": 1, its SDKs "1.00".
	AmountUpToTwoFractionDigits AmountForm = "up-to-two-fraction-digits"
)

// Known reports whether f is one of the forms above.
func (f AmountForm) Known() bool {
	return f == AmountTwoFractionDigits || f == AmountUpToTwoFractionDigits
}

// Check returns nil when text, a request amount's wire text (a number's literal or a JSON
// string's content), is written in the form f, and else an error wrapping ErrAmountForm that
// quotes the text and says what the form wants. An unknown form refuses every amount.
func (f AmountForm) Check(text string) error {
	digits, ok := fractionDigits(text)
	switch {
	case !f.Known():
		return fmt.Errorf("%w: %q: unknown amount form %q", ErrAmountForm, text, string(f))
	case !ok:
		return fmt.Errorf("%w: %q is not a decimal amount", ErrAmountForm, text)
	case f == AmountTwoFractionDigits && digits != 2:
		return fmt.Errorf("%w: %q is not written with exactly two fraction digits", ErrAmountForm, text)
	case digits > 2:
		return fmt.Errorf("%w: %q has more than two fraction digits", ErrAmountForm, text)
	}
	return nil
}

// fractionDigits returns how many fraction digits a plain decimal (-?digits(.digits)?) is
// written with; ok is false for anything else (exponents, "+", ".5", "1.", blanks).
func fractionDigits(text string) (int, bool) {
	s := strings.TrimPrefix(text, "-")
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || (dot && frac == "") {
		return 0, false
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, false
			}
		}
	}
	return len(frac), true
}
