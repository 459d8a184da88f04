package textout_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/internal/textout"
)

// Visible escapes what a terminal or a viewer acts on, keeps tabs and printable text.
func TestVisible(t *testing.T) {
	assert.Equal(t, "plain\ttext, ünïcode", textout.Visible("plain\ttext, ünïcode"))
	assert.Equal(t, `a\x0d\x0ab\x1b[2J\x7f\u009b\u202e\u2028\xff`, textout.Visible("a\r\nb\x1b[2J\x7f\u009b\u202e\u2028\xff"))
}

// A cell's newlines, carriage returns and pipes are escaped, and so are the backslashes right
// before a pipe; other backslashes are left as they are.
func TestCell(t *testing.T) {
	for in, want := range map[string]string{
		"plain":        "plain",
		"a|b":          `a\|b`,
		"a\nb":         `a\x0ab`,
		"a\r\nb\rc":    `a\x0d\x0ab\x0dc`,
		`a\|b`:         `a\\\|b`,
		`a\\|b`:        `a\\\\\|b`,
		`^\d+$`:        `^\d+$`,
		`x\ |y\`:       `x\ \|y\`,
		"|\u202e|":     `\|\u202e\|`,
		"`code|span`":  "`code\\|span`",
		"\\\n|":        `\\x0a\|`,
		"ends with \\": "ends with \\",
	} {
		assert.Equal(t, want, textout.Cell(in), "%q", in)
	}
}

// cells splits a Markdown table row as GitHub's cmark-gfm does: a backslash and the byte after
// it are one escaped pair, an unescaped pipe ends a cell, a newline or a carriage return ends
// the row (what follows is not the row's). The row's leading and trailing pipes are required.
func cells(row string) (cells []string, rest string) {
	if !strings.HasPrefix(row, "|") {
		return nil, row
	}
	var cur strings.Builder
	for i := 1; i < len(row); i++ {
		switch c := row[i]; {
		case c == '\\' && i+1 < len(row) && row[i+1] != '\n' && row[i+1] != '\r':
			cur.WriteByte(c)
			cur.WriteByte(row[i+1])
			i++
		case c == '|':
			cells = append(cells, cur.String())
			cur.Reset()
		case c == '\n' || c == '\r':
			return cells, row[i:]
		default:
			cur.WriteByte(c)
		}
	}
	return cells, ""
}

// Whatever a cell holds, the row it is written in is one row of two cells, the first the
// cell's text.
func FuzzCell(f *testing.F) {
	for _, s := range []string{"a|b", `a\|b`, `\\|`, "x\r\ny", "\\", "|\\", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		row := "| " + textout.Cell(s) + " | next |"
		got, rest := cells(row)
		if rest != "" || len(got) != 2 || strings.TrimSpace(got[1]) != "next" {
			t.Fatalf("%q is written %q: cells %q, then %q", s, row, got, rest)
		}
	})
}

// failAfter fails every write after the first n.
type failAfter struct {
	n      int
	writes []string
}

var errFull = errors.New("disk full")

func (w *failAfter) Write(p []byte) (int, error) {
	if len(w.writes) >= w.n {
		return 0, errFull
	}
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

// Writer keeps the first error and writes nothing after it.
func TestWriter(t *testing.T) {
	fw := &failAfter{n: 1}
	w := &textout.Writer{W: fw}
	w.Printf("%s=%d\n", "a", 1)
	require.NoError(t, w.Err)
	w.Printf("b\n")
	w.Printf("c\n")
	require.ErrorIs(t, w.Err, errFull)
	assert.Equal(t, []string{"a=1\n"}, fw.writes)
}
