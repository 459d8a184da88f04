// Package redact hides secrets (API keys, card data, tokens, signatures) in what the client
// and the generated models print and log, and decides what is secret in recorded HTTP
// traffic (Traffic) for every scrubber and report that keeps or shows it.
package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
)

// redactedMark replaces a secret value in printed and logged models.
const redactedMark = "***"

// RedactedJSON encodes a model as JSON with the values at the given JSON pointers replaced
// by "***"; in a pointer, "*" stands for every element of an array or member of an object.
// Generated models that hold card data or tokens print and log themselves through it. A
// model that does not encode is printed as "{}" rather than risk printing what it holds.
func RedactedJSON(v any, secretPointers []string) string {
	data, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // amounts print as sent: 1.00, not 1
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return "{}"
	}
	for _, ptr := range secretPointers {
		redactAt(tree, strings.Split(strings.TrimPrefix(ptr, "/"), "/"))
	}
	out, err := json.Marshal(tree)
	if err != nil {
		return "{}"
	}
	return string(out)
}

// redactAt replaces the values the pointer tokens lead to, from node.
func redactAt(node any, tokens []string) {
	if len(tokens) == 0 {
		return
	}
	tok := jsonpointer.Unescape(tokens[0])
	last := len(tokens) == 1
	switch n := node.(type) {
	case map[string]any:
		for k, v := range n {
			if tok != "*" && k != tok {
				continue
			}
			if last {
				if v != nil {
					n[k] = redactedMark
				}
				continue
			}
			redactAt(v, tokens[1:])
		}
	case []any:
		if tok != "*" {
			return
		}
		for i, v := range n {
			if last {
				if v != nil {
					n[i] = redactedMark
				}
				continue
			}
			redactAt(v, tokens[1:])
		}
	}
}

// Redact hides a secret for logs: the first and last characters of long values survive.
func Redact(secret string) string {
	if len(secret) <= 8 {
		return "***"
	}
	return secret[:2] + "***" + secret[len(secret)-2:]
}

// Format writes desc, a description that holds no secret, for any fmt verb: %s, %q, %x and
// %X format it as a string (with the directive's flags and width), every other verb (%v,
// %+v, %#v, %d, ...) writes it as it is. A type holding a secret implements fmt.Formatter
// with it: fmt prints an unexported field of a struct field by field (a bad verb prints its
// value's fields too), never through the field's own String method, so only the outermost
// type's Format is sure to be called.
func Format(f fmt.State, verb rune, desc string) {
	switch verb {
	case 's', 'q', 'x', 'X':
		fmt.Fprintf(f, fmt.FormatString(f, verb), desc)
	default:
		_, _ = io.WriteString(f, desc)
	}
}
