package replay

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/drift"
	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/spec"
	"github.com/qiwigen/qiwigen/spec/load"
)

// Terminal escape sequences in an ID (percent-encoded in the URL) or a HAR comment reach no
// terminal: the text and Markdown outputs show them escaped, one line per record.
func TestControlCharactersAreEscaped(t *testing.T) {
	har := `{"log":{"entries":[{"request":{"method":"GET","url":"https://api.qiwi.com/partner/payin/v1/sites/test-01/payments/%1B%5B2J%1B%5D0%3Bpwned%07%C2%9B1m"},` +
		`"response":{"status":200,"content":{"text":"{}"}},"comment":"clear \u001b[2J\r\nPASS   forged line \u202eevil\u007f\u0000"}]}}`
	ins, err := fixture.ParseHAR("t\u001b[31m.har", []byte(har))
	require.NoError(t, err)
	j, err := verdict.New(spec.Resolved)
	require.NoError(t, err)
	r := Run(context.Background(), j, ins, false)
	doc, err := openapi3.NewLoader().LoadFromData(spec.Resolved)
	require.NoError(t, err)
	var text, md bytes.Buffer
	require.NoError(t, r.WriteText(&text))
	require.NoError(t, r.WriteMarkdown(&md, doc))
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String()} {
		for i, c := range out {
			ok := c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0) && c != '\u202e' && c != utf8.RuneError)
			assert.True(t, ok, "%s shows %U at %d: %q", name, c, i, out)
		}
	}
	assert.Contains(t, text.String(), `payments/\x1b[2J\x1b]0;pwned\x07\u009b1m (clear \x1b[2J\x0d\x0aPASS   forged line \u202eevil\x7f\x00)`)
	assert.Contains(t, text.String(), `t\x1b[31m.har:1 (entry 1)`)
	for _, line := range strings.Split(text.String(), "\n") {
		assert.False(t, strings.HasPrefix(line, "PASS"), "a forged line: %q", line)
	}
}

// A status outside 100-999 built in code (the readers refuse it) fails the interaction with
// the reason; it does not crash the replay.
func TestStatusOutsideRangeFailsUnjudged(t *testing.T) {
	j, err := verdict.New(spec.Resolved)
	require.NoError(t, err)
	ins := []fixture.Interaction{{Name: "bad status", Kind: fixture.API,
		Request:  fixture.Request{Method: http.MethodGet, URL: "/partner/payin/v1/sites/test-01/payments/p1"},
		Response: &fixture.Response{Status: 1000, Body: `{}`}},
		{Name: "no answer", Kind: fixture.API, Request: fixture.Request{Method: http.MethodGet, URL: "/partner/payin/v1/sites/test-01/payments/p1"}}}
	r := Run(context.Background(), j, ins, false)
	require.Len(t, r.Results, 2)
	assert.False(t, r.OK())
	var text bytes.Buffer
	require.NoError(t, r.WriteText(&text))
	assert.Contains(t, text.String(), "fail fixture: response: status outside 100-999: 1000")
	assert.Contains(t, text.String(), "fail fixture: an api interaction needs a response")
}

// A spec without components is an error naming what is missing, for replay's judge and for
// drift alike; it used to crash both.
func TestSpecWithoutComponentsIsAnError(t *testing.T) {
	noComponents := []byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: getX\n      responses:\n        '200': {description: ok}\n")
	_, err := verdict.New(noComponents)
	require.ErrorIs(t, err, load.ErrNoComponents)
	assert.Contains(t, err.Error(), "no components")
	_, err = drift.LoadSpec(noComponents, nil)
	require.ErrorIs(t, err, load.ErrNoComponents)
}

// A backslash right before a pipe does not escape the pipe's escape: the cell stays one cell
// (`a\\|b` would read as a backslash, then a cell's end).
func TestMarkdownCellBackslashBeforePipe(t *testing.T) {
	assert.Equal(t, `a\\\|b \\\\\|c \d`, MarkdownCell(`a\|b \\|c \d`))
	assert.Equal(t, `a\x0d\x0ab\|c`, MarkdownCell("a\r\nb|c"))
}
