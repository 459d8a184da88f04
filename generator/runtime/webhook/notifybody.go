package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/qiwigen/qiwigen/generator/runtime/modeldiff"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
)

// maxNotificationDepth bounds the nesting of a notification body: QIWI's go four levels
// deep; a body nested deeper than this is refused rather than walked.
const maxNotificationDepth = 64

// decodeTree decodes a notification body once into a tree (objects as map[string]any,
// numbers as json.Number, written as received), refusing what would let the signed values
// and the typed model disagree:
//   - invalid UTF-8 (encoding/json would replace it, so two bodies would share a signature);
//   - a member name that repeats in its object in another letter case, or exactly but with
//     another value (encoding/json matches names case-insensitively and lets the last one
//     win, while verification reads the exact name and the first value);
//   - data after the JSON value.
//
// A member repeated exactly, with an identical value (sameValue), is one member: QIWI's own
// PAYMENT notifications repeat "type" inside "paymentMethod". Errors name the JSON pointer of
// the member at fault.
func decodeTree(body []byte) (any, error) {
	if !utf8.Valid(body) {
		return nil, errors.New("body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tree, err := readValue(dec, "", 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("body has data after its JSON value")
	}
	return tree, nil
}

// readValue reads one JSON value from dec; ptr is its JSON pointer, for errors.
func readValue(dec *json.Decoder, ptr string, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("body is not JSON: %w", err)
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	if depth >= maxNotificationDepth {
		return nil, fmt.Errorf("%s: nested more than %d levels", pointerOrRoot(ptr), maxNotificationDepth)
	}
	switch delim {
	case '{':
		obj := map[string]any{}
		folded := map[string]string{} // case-folded name -> name as written
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return nil, fmt.Errorf("body is not JSON: %w", err)
			}
			key, _ := keyTok.(string)
			child := ptr + "/" + jsonpointer.Escape(key)
			f := modeldiff.FoldName(key)
			prev, dup := folded[f]
			if dup && prev != key {
				return nil, fmt.Errorf("%s: member %q repeats %q in another letter case", child, key, prev)
			}
			folded[f] = key
			v, err := readValue(dec, child, depth+1)
			if err != nil {
				return nil, err
			}
			if dup {
				if !sameValue(obj[key], v) {
					return nil, fmt.Errorf("%s: member %q repeats with another value", child, key)
				}
				continue // an identical repeat is the same member
			}
			obj[key] = v
		}
		if _, err := dec.Token(); err != nil {
			return nil, fmt.Errorf("body is not JSON: %w", err)
		}
		return obj, nil
	default: // '['
		arr := []any{}
		for i := 0; dec.More(); i++ {
			v, err := readValue(dec, ptr+"/"+strconv.Itoa(i), depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, fmt.Errorf("body is not JSON: %w", err)
		}
		return arr, nil
	}
}

// sameValue reports whether two values decoded by readValue are the same JSON value:
// strings with the same content (however escaped), the same literal, numbers written with
// the same text (1 and 1.0 differ: a signed number is signed as written, and a model field
// may take one and refuse the other), objects with the same members and values in any
// order, and arrays with the same elements in the same order. White space never matters.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !sameValue(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	default:
		return false
	}
}

func pointerOrRoot(ptr string) string {
	if ptr == "" {
		return "the body"
	}
	return ptr
}
