// Package textout holds what the harness's text and Markdown reports share: Visible, which
// escapes what a terminal or a viewer would act on rather than show; Cell, which keeps text
// one Markdown table cell; and Writer, which prints until the first error and keeps it.
package textout

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Visible escapes what a terminal or a viewer would act on rather than show: control
// characters (newlines and carriage returns included: each output line is one record; tabs
// are kept), DEL, the C1 controls, the bidirectional and zero-width format characters, the
// line and paragraph separators, and bytes that are not UTF-8. Each becomes \xNN or \uNNNN.
func Visible(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || hidden(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && hidden(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case hidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// hidden reports whether a rune is one Visible escapes.
func hidden(r rune) bool {
	if r < utf8.RuneSelf { // ASCII, most of the text: no format character (Cf) is ASCII
		return (r < 0x20 && r != '\t') || r == 0x7f
	}
	return r < 0xa0 || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// Cell writes text for a Markdown table cell, so that it stays one cell of one row: Visible
// (a newline or a carriage return would end the row), and each pipe escaped (it would end
// the cell). The backslashes right before a pipe are doubled, so none of them escapes the
// escaping backslash: `a\|b` becomes `a\\\|b`, which GitHub shows as `a\|b`.
func Cell(s string) string {
	s = Visible(s)
	if !strings.Contains(s, "|") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	run := 0 // backslashes written right before the current byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			run++
			b.WriteByte(c)
		case '|':
			b.WriteString(strings.Repeat(`\`, run+1))
			b.WriteByte(c)
			run = 0
		default:
			run = 0
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Writer prints to W until a print fails, then prints nothing more; Err is that first error.
type Writer struct {
	W   io.Writer
	Err error
}

// Printf prints like fmt.Fprintf unless an earlier print failed.
func (w *Writer) Printf(format string, args ...any) {
	if w.Err == nil {
		_, w.Err = fmt.Fprintf(w.W, format, args...)
	}
}
