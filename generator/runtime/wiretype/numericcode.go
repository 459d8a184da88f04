package wiretype

import (
	"bytes"
	"encoding/json"
	"errors"
)

// ErrInvalidCode is wrapped by every error that reports a NumericCode that is neither a JSON
// string nor a JSON integer.
var ErrInvalidCode = errors.New("qiwi: invalid numeric code")

// NumericCode is an identifier made of digits that QIWI documents as a Number but sends as a
// string: the RRN and the authorization code of a card payment. The notification tables type
// them Number, every example sends a string ("123", "0123342", with its leading zero), and
// some send null. A NumericCode decodes from a JSON string or a JSON integer, keeps the text
// exactly (leading zeros included) and re-encodes in the form it arrived in, so a decoded
// notification re-encodes to what QIWI sent. Build one in code with NewNumericCode; it then
// encodes as a string. A JSON null decodes into a nil *NumericCode.
type NumericCode struct {
	text   string
	number bool // whether the wire form was a JSON number
}

// NewNumericCode returns the code with the given text; it encodes as a JSON string.
func NewNumericCode(text string) NumericCode { return NumericCode{text: text} }

// String returns the code's text as received ("0123342", "123").
func (c NumericCode) String() string { return c.text }

// MarshalJSON writes the code in the form it was received in: a number stays a number, a
// string stays a string.
func (c NumericCode) MarshalJSON() ([]byte, error) {
	if c.number {
		return []byte(c.text), nil
	}
	return json.Marshal(c.text)
}

// UnmarshalJSON accepts a JSON string (any text) or a JSON integer. A fraction, an exponent,
// a boolean, an object or an array is an error wrapping ErrInvalidCode.
func (c *NumericCode) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		s, err := jsonString(data)
		if err != nil {
			return &ValueError{Kind: ErrInvalidCode, Text: string(data), Reason: "is not a JSON string"}
		}
		*c = NumericCode{text: s}
		return nil
	}
	for _, b := range data {
		if b < '0' || b > '9' {
			return &ValueError{Kind: ErrInvalidCode, Text: string(data), Reason: "is neither a string nor a whole number"}
		}
	}
	if len(data) == 0 {
		return &ValueError{Kind: ErrInvalidCode, Text: "", Reason: "is empty"}
	}
	*c = NumericCode{text: string(data), number: true}
	return nil
}
