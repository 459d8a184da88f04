// Package jsonpointer builds and reads JSON pointers (RFC 6901): the one place that
// escapes "~" and "/" in a member name and walks a decoded document by a pointer, for the
// runtime, the generator, the spec readers and the contract harness.
package jsonpointer

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

var (
	escaper   = strings.NewReplacer("~", "~0", "/", "~1")
	unescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

// Escape escapes a member name (or index) for use as one token of a pointer.
func Escape(token string) string {
	if !strings.ContainsAny(token, "~/") {
		return token
	}
	return escaper.Replace(token)
}

// Unescape reads one token of a pointer back into the member name.
func Unescape(token string) string {
	if !strings.Contains(token, "~") {
		return token
	}
	return unescaper.Replace(token)
}

// Append returns the pointer of a member of the value at ptr ("" is the whole document).
func Append(ptr, token string) string { return ptr + "/" + Escape(token) }

// Join builds a pointer from member names: Join("paths", "/a/b", "get") is /paths/~1a~1b/get.
func Join(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(Escape(t))
	}
	return b.String()
}

// Split returns the member names of a pointer, unescaped; "" (the whole document) has none.
func Split(ptr string) []string {
	if ptr == "" {
		return nil
	}
	tokens := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, t := range tokens {
		tokens[i] = Unescape(t)
	}
	return tokens
}

// ErrSyntax is wrapped by Get's error for a pointer RFC 6901 does not allow: one that is
// neither "" nor starts with "/", or has a "~" not followed by "0" or "1".
var ErrSyntax = errors.New("not a JSON pointer")

// ErrNoValue is wrapped by Get's error for a pointer that names no value of the document.
var ErrNoValue = errors.New("no value at the JSON pointer")

// Get returns the value at ptr in a document as encoding/json decodes it into an any
// (objects as map[string]any, arrays as []any, any scalars); "" is the whole document. An
// array's element is named by its index in decimal without leading zeros ("-", the one past
// the end, names none). A pointer that names no value is an error wrapping ErrNoValue that
// says where the walk stopped: `/payment has no member "status"`, `/items has no element
// "3" (it has 2)`, `/payment/amount is a string, not an object or array`. A malformed
// pointer is an error wrapping ErrSyntax.
func Get(doc any, ptr string) (any, error) {
	if ptr == "" {
		return doc, nil
	}
	if ptr[0] != '/' {
		return nil, fmt.Errorf("%q is %w: it does not start with \"/\"", ptr, ErrSyntax)
	}
	at := 0 // the end of the pointer walked so far, in ptr
	for at < len(ptr) {
		end := strings.IndexByte(ptr[at+1:], '/')
		if end < 0 {
			end = len(ptr)
		} else {
			end += at + 1
		}
		raw := ptr[at+1 : end]
		if badEscape(raw) {
			return nil, fmt.Errorf("%q is %w: a \"~\" is not followed by 0 or 1", ptr, ErrSyntax)
		}
		tok := Unescape(raw)
		switch node := doc.(type) {
		case map[string]any:
			v, ok := node[tok]
			if !ok {
				return nil, noValue(fmt.Sprintf("%s has no member %q", where(ptr[:at]), tok))
			}
			doc = v
		case []any:
			i, ok := index(tok)
			if !ok || i >= len(node) {
				return nil, noValue(fmt.Sprintf("%s has no element %q (it has %d)", where(ptr[:at]), tok, len(node)))
			}
			doc = node[i]
		default:
			return nil, noValue(fmt.Sprintf("%s is %s, not an object or array", where(ptr[:at]), kind(doc)))
		}
		at = end
	}
	return doc, nil
}

// noValue is Get's error for a pointer that names no value: its text says where the walk
// stopped, and it wraps ErrNoValue.
type noValue string

// Error says where the walk stopped.
func (e noValue) Error() string { return string(e) }

// Unwrap returns ErrNoValue.
func (e noValue) Unwrap() error { return ErrNoValue }

// badEscape reports whether a raw token has a "~" not followed by "0" or "1".
func badEscape(raw string) bool {
	for i := strings.IndexByte(raw, '~'); i >= 0; i = strings.IndexByte(raw, '~') {
		if i+1 == len(raw) || (raw[i+1] != '0' && raw[i+1] != '1') {
			return true
		}
		raw = raw[i+2:]
	}
	return false
}

// index reads an array index: "0", or digits without a leading zero.
func index(tok string) (int, bool) {
	if tok == "" || len(tok) > 1 && tok[0] == '0' || strings.TrimLeft(tok, "0123456789") != "" {
		return 0, false
	}
	i, err := strconv.Atoi(tok)
	return i, err == nil
}

// where names the value at ptr in an error: its pointer, or the document.
func where(ptr string) string {
	if ptr == "" {
		return "the document"
	}
	return ptr
}

// kind names a scalar's JSON type in an error.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64, json.Number, int, int64:
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}
