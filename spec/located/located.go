// Package located is the tools' one error for a problem at a place in an input file (the
// file, and where known a line and column or a JSON pointer, with the cause), and their one
// reader of a position out of a YAML or JSON parser's error. The generator's InputError and
// the contract tests' fixture.ReadError are this type.
package located

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Error names where a problem is: a file, and where known a line and column or a JSON
// pointer inside it, what kind of problem it is and what caused it.
type Error struct {
	File   string // the file at fault, as the user named it
	Line   int    // 1-based line in File, 0 if unknown
	Column int    // 1-based column, 0 if unknown
	// Pointer is a JSON pointer (in a YAML file, a path in pointer form) to what is wrong,
	// "" if unknown.
	Pointer string
	Kind    error  // the sentinel errors.Is matches (ErrBadSpec, ErrUnreadable, ...), nil if none
	Reason  string // what is wrong, for people; "" to say it with Err's message
	Err     error  // the cause, nil if none
}

// Error formats the error as "file:line:column: kind at pointer: reason", leaving out what is
// unknown; the reason is Err's message when Reason is empty.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(":")
	if e.Kind != nil {
		b.WriteString(" ")
		b.WriteString(e.Kind.Error())
	}
	if e.Pointer != "" {
		fmt.Fprintf(&b, " at %s", e.Pointer)
	}
	reason := e.Reason
	if reason == "" && e.Err != nil {
		reason = e.Err.Error()
	}
	if reason != "" {
		if e.Kind != nil || e.Pointer != "" {
			b.WriteString(":")
		}
		b.WriteString(" ")
		b.WriteString(reason)
	}
	return b.String()
}

// Unwrap lets errors.Is match the kind and errors.Is and errors.As the cause.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// yamlPosition is a position in a YAML parser's message: yaml.v3 (and kin-openapi's YAML
// reader) writes "line N[:C]", the YAML library libopenapi reads overlays with "LN.CC".
var yamlPosition = regexp.MustCompile(`\bline (\d+)(?::(\d+))?|\bL(\d+)\.C(\d+)`)

// yamlPrefix is yaml.v3's own prefix before its message: "yaml: line 2: ".
var yamlPrefix = regexp.MustCompile(`^yaml: (?:line \d+(?::\d+)?: )?`)

// Position finds where a parser's error points in data, 1-based, 0 where unknown: the byte
// an encoding/json syntax or type error is about; the last line for a document that ends
// early; the line and column a YAML parser's message names.
func Position(data []byte, err error) (line, col int) {
	if err == nil {
		return 0, 0
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &syntax):
		off = syntax.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		if len(strings.TrimSpace(string(data))) == 0 {
			return 0, 0
		}
		return 1 + strings.Count(strings.TrimRight(string(data), "\n"), "\n"), 0
	}
	if off >= 0 {
		// encoding/json reports the offset after the offending byte; point at that byte.
		if off == 0 || off > int64(len(data)) {
			return 0, 0
		}
		before := string(data[:off-1])
		return 1 + strings.Count(before, "\n"), len(before) - strings.LastIndex(before, "\n")
	}
	m := yamlPosition.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, 0
	}
	if m[1] == "" {
		m = []string{m[0], m[3], m[4]}
	}
	line, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		col, _ = strconv.Atoi(m[2])
	}
	return line, col
}

// Message is a parser's message without yaml.v3's prefix and the position Position reads
// from it: "yaml: line 2: did not find expected node content" says "did not find expected
// node content".
func Message(err error) string {
	return yamlPrefix.ReplaceAllString(err.Error(), "")
}
