// Package jsonpointer builds and reads JSON pointers (RFC 6901): the one place that
// escapes "~" and "/" in a member name, for the runtime, the generator, the spec readers and
// the contract harness.
package jsonpointer

import "strings"

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
