package transport

import (
	"fmt"

	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// RequestMoney returns an amount in the form QIWI's requests must carry: a JSON number with
// exactly two fraction digits (an amount decoded from a notification as 5, or from an answer
// as "6.77", is sent as 5.00 or 6.77). An amount that is not positive is an error wrapping
// ErrArgument: QIWI refuses it. Generated request-form methods call it for every amount of a
// request body. The form sent is wiretype.AmountTwoFractionDigits, which every API's request
// amount rule accepts; it is checked by that rule (wiretype.AmountForm.Check), the one the
// contract judge and the sandbox apply.
func RequestMoney(m wiretype.Money) (wiretype.Money, error) {
	if m.Minor() <= 0 {
		return m, fmt.Errorf("%w: amount %s is not positive", ErrArgument, m)
	}
	c := m.Canonical()
	if err := wiretype.AmountTwoFractionDigits.Check(c.String()); err != nil {
		return m, fmt.Errorf("%w: %w", ErrArgument, err)
	}
	return c, nil
}

// RequestTimestamp returns a timestamp in the form requests carry: RFC 3339 with an explicit
// numeric offset, the instant unchanged (a wire value without offset is Moscow time). A
// timestamp never set (the zero Timestamp, most often a field the caller forgot) is an error
// wrapping ErrArgument.
func RequestTimestamp(ts wiretype.Timestamp) (wiretype.Timestamp, error) {
	if ts.IsZero() {
		return ts, fmt.Errorf("%w: a timestamp is not set", ErrArgument)
	}
	return ts.WithOffset(), nil
}
