package generator

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Sentinels for errors.Is on the errors that Run returns.
var (
	// ErrBadSpec: the base spec cannot be read or parsed.
	ErrBadSpec = errors.New("bad base spec")
	// ErrBadOverlay: an overlay cannot be read, is not YAML or is not an Overlay document.
	ErrBadOverlay = errors.New("bad overlay")
	// ErrUnmatchedTarget: an overlay action's target matched nothing.
	ErrUnmatchedTarget = errors.New("overlay target matches nothing")
	// ErrInvalidSpec: the spec after overlays is not a valid OpenAPI document.
	ErrInvalidSpec = errors.New("invalid spec after overlays")
	// ErrGenerate: code generation failed.
	ErrGenerate = errors.New("code generation failed")
	// ErrUnreadable: an input file cannot be read (it is absent, a directory, or not
	// permitted). It is matched besides the input's kind (ErrBadSpec or ErrBadOverlay), so
	// that a caller can tell input it cannot use from a broken document.
	ErrUnreadable = errors.New("cannot read the file")
)

// unreadableError is a failed read of an input file: its message is the cause's, and it
// matches ErrUnreadable as well as the cause (fs.ErrNotExist, fs.ErrPermission).
type unreadableError struct{ err error }

func (e unreadableError) Error() string   { return e.err.Error() }
func (e unreadableError) Unwrap() []error { return []error{ErrUnreadable, e.err} }

// InputError names where a problem is: a file, and where known a line and column or a
// JSON pointer inside it.
type InputError struct {
	File    string // the file at fault, as the user named it
	Line    int    // 1-based line in File, 0 if unknown
	Column  int    // 1-based column, 0 if unknown
	Pointer string // JSON pointer into the resolved spec, "" if unknown
	Kind    error  // one of the sentinels
	Err     error  // the cause
}

// Error formats the error as file:line:column: kind at pointer: cause.
func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Kind.Error())
	if e.Pointer != "" {
		fmt.Fprintf(&b, " at %s", e.Pointer)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap lets errors.Is match both the sentinel and the cause.
func (e *InputError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// yamlLine finds a position in a YAML parser's message: yaml.v3 writes "line N[:C]", the
// YAML library libopenapi reads overlays with writes "at LN.CC".
var yamlLine = regexp.MustCompile(`line (\d+)(?::(\d+))?|\bL(\d+)\.C(\d+)`)

// lineOf extracts the line and column (0 if absent) from a YAML parser message.
func lineOf(err error) (line, col int) {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, 0
	}
	if m[1] == "" {
		m = []string{m[0], m[3], m[4]}
	}
	if n, err := strconv.Atoi(m[1]); err == nil {
		line = n
	}
	if n, err := strconv.Atoi(m[2]); m[2] != "" && err == nil {
		col = n
	}
	return line, col
}
