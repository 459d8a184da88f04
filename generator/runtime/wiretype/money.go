package wiretype

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrInvalidMoney is wrapped by every error that reports a malformed or too precise amount.
var ErrInvalidMoney = errors.New("qiwi: invalid money amount")

// Money is an exact decimal amount with at most two fraction digits, held as an integer
// number of minor units (kopecks for RUB). It is never a float.
//
// QIWI's responses carry amounts as JSON strings ("3.00"), its notifications as JSON
// numbers (5, 0.2). A decoded Money remembers the exact wire text and its form, so that
// re-encoding reproduces the received JSON byte for byte and signatures computed over it
// stay valid. A Money built in code encodes as a JSON number with exactly two fraction
// digits (200.00), the form QIWI's requests must carry.
//
// The zero value is 0.00.
type Money struct {
	minor  int64
	wire   string // the exact JSON text received; empty for values built in code
	quoted bool   // whether the wire form was a JSON string
}

// NewMoneyFromMinor returns the amount of minor units (hundredths): NewMoneyFromMinor(250) is 2.50.
func NewMoneyFromMinor(minor int64) Money { return Money{minor: minor} }

// ParseMoney parses a decimal such as "200", "200.5" or "-3.00". It refuses more than two
// fraction digits instead of rounding, exponents, and values beyond the int64 range of minor units.
func ParseMoney(s string) (Money, error) {
	minor, err := parseMinor(s)
	if err != nil {
		return Money{}, err
	}
	return Money{minor: minor}, nil
}

func parseMinor(s string) (int64, error) {
	orig := s
	if s == "" {
		return 0, &ValueError{Kind: ErrInvalidMoney, Text: orig, Reason: "is empty"}
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") {
		return 0, &ValueError{Kind: ErrInvalidMoney, Text: orig, Reason: "is not a decimal"}
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, &ValueError{Kind: ErrInvalidMoney, Text: orig, Reason: "is not a decimal"}
			}
		}
	}
	trimmed := strings.TrimRight(frac, "0")
	if len(trimmed) > 2 {
		return 0, &ValueError{Kind: ErrInvalidMoney, Text: orig, Reason: "has more than two fraction digits"}
	}
	frac = (trimmed + "00")[:2]
	whole, err := strconv.ParseInt(intPart, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	if err != nil || whole > (math.MaxInt64-f)/100 {
		return 0, &ValueError{Kind: ErrInvalidMoney, Text: orig, Reason: "is out of range"}
	}
	minor := whole*100 + f
	if neg {
		minor = -minor
	}
	return minor, nil
}

// Minor returns the amount in minor units (hundredths).
func (m Money) Minor() int64 { return m.minor }

// String formats the amount with exactly two fraction digits, as QIWI signs and expects it: "5.00".
func (m Money) String() string {
	minor := m.minor
	sign := ""
	if minor < 0 {
		sign = "-"
		if minor == math.MinInt64 {
			return "-92233720368547758.08"
		}
		minor = -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}

// WireText returns the amount exactly as it was received (for example "5" or "0.2"), or
// String() for an amount built in code.
func (m Money) WireText() string {
	if m.wire != "" {
		return m.wire
	}
	return m.String()
}

// Add returns m+o. The result is built in code: it encodes with two fraction digits.
// Like Sub, it does not guard against overflow past ±92 quadrillion.
func (m Money) Add(o Money) Money { return Money{minor: m.minor + o.minor} }

// Sub returns m-o.
func (m Money) Sub(o Money) Money { return Money{minor: m.minor - o.minor} }

// Cmp returns -1, 0 or +1 as m is less than, equal to or greater than o.
func (m Money) Cmp(o Money) int {
	switch {
	case m.minor < o.minor:
		return -1
	case m.minor > o.minor:
		return 1
	}
	return 0
}

// Equal reports whether the two amounts have the same value, whatever their wire form.
func (m Money) Equal(o Money) bool { return m.minor == o.minor }

// IsZero reports whether the amount is 0.
func (m Money) IsZero() bool { return m.minor == 0 }

// MarshalJSON writes the received wire text in its received form, or a JSON number with two
// fraction digits for an amount built in code.
func (m Money) MarshalJSON() ([]byte, error) {
	if m.wire != "" {
		if m.quoted {
			return []byte(strconv.Quote(m.wire)), nil
		}
		return []byte(m.wire), nil
	}
	return []byte(m.String()), nil
}

// UnmarshalJSON accepts a JSON number or a JSON string holding a decimal.
func (m *Money) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		return fmt.Errorf("%w: null or empty", ErrInvalidMoney)
	}
	quoted := data[0] == '"'
	var text string
	if quoted {
		var err error
		if text, err = jsonString(data); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidMoney, err)
		}
	} else {
		text = string(data)
	}
	minor, err := parseMinor(text)
	if err != nil {
		return err
	}
	*m = Money{minor: minor, wire: text, quoted: quoted}
	return nil
}

// Canonical returns the amount without its wire form: it encodes as a JSON number with two
// fraction digits, the form requests carry. Use it to send an amount that came from QIWI.
func (m Money) Canonical() Money { return Money{minor: m.minor} }
