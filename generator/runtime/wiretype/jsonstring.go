package wiretype

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// jsonString decodes a JSON string token. A string without escapes (nearly every amount,
// timestamp and code QIWI sends) is taken as it stands, without a second pass of
// encoding/json over it; any other token goes through encoding/json, which judges it.
func jsonString(data []byte) (string, error) {
	if n := len(data); n >= 2 && data[0] == '"' && data[n-1] == '"' {
		inner := data[1 : n-1]
		if bytes.IndexByte(inner, '\\') < 0 && bytes.IndexByte(inner, '"') < 0 && !hasControl(inner) && utf8.Valid(inner) {
			return string(inner), nil
		}
	}
	var s string
	err := json.Unmarshal(data, &s)
	return s, err
}

// hasControl reports whether b holds a byte JSON strings may not carry unescaped.
func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}
