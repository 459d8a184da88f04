package wiretype

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
)

// ValueError is a wire value its type refuses: an amount with three fraction digits, a
// timestamp that is no date. It keeps the value's text so that the member can be found in
// the body it came from (see LocateValue).
type ValueError struct {
	Kind   error  // ErrInvalidMoney, ErrInvalidTimestamp or ErrInvalidCode
	Text   string // the value as received: a JSON string's content or a number's literal
	Reason string // what is wrong beyond the kind, "" if nothing more is known
}

// Error formats the error as `kind: "text" reason`.
func (e *ValueError) Error() string {
	s := fmt.Sprintf("%v: %q", e.Kind, e.Text)
	if e.Reason != "" {
		s += " " + e.Reason
	}
	return s
}

// Unwrap returns the kind, for errors.Is.
func (e *ValueError) Unwrap() error { return e.Kind }

// LocateValue finds where in a JSON body the value of a ValueError stands and returns its
// JSON pointer: the first member, in document order, whose string content or number literal
// is the refused text. It reports false when err is no ValueError or nothing matches.
func LocateValue(body []byte, err error) (string, bool) {
	var ve *ValueError
	if !errors.As(err, &ve) {
		return "", false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	// path holds, per open container, the current key or index.
	type frame struct {
		array bool
		index int
		key   string
		// expectKey: in an object, the next string token is a key.
		expectKey bool
	}
	var stack []*frame
	pointer := func() string {
		var b strings.Builder
		for _, f := range stack {
			b.WriteByte('/')
			if f.array {
				b.WriteString(strconv.Itoa(f.index))
			} else {
				b.WriteString(jsonpointer.Escape(f.key))
			}
		}
		return b.String()
	}
	// valueDone moves the enclosing container past one value.
	valueDone := func() {
		if n := len(stack); n > 0 {
			if top := stack[n-1]; top.array {
				top.index++
			} else {
				top.expectKey = true
			}
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil { // io.EOF included: nothing matched
			return "", false
		}
		var top *frame
		if n := len(stack); n > 0 {
			top = stack[n-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &frame{expectKey: true})
			case '[':
				stack = append(stack, &frame{array: true})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
			continue
		case string:
			if top != nil && !top.array && top.expectKey {
				top.key, top.expectKey = t, false
				continue
			}
			if t == ve.Text {
				return pointer(), true
			}
		case json.Number:
			if string(t) == ve.Text {
				return pointer(), true
			}
		}
		valueDone()
	}
}

// LocateError wraps a decoding error of body with the JSON pointer of the member whose value
// was refused, when it can be found (see LocateValue); otherwise it returns err.
func LocateError(body []byte, err error) error {
	if ptr, ok := LocateValue(body, err); ok {
		return fmt.Errorf("%s: %w", ptr, err)
	}
	return err
}
