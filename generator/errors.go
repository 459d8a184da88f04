package generator

import (
	"errors"

	"github.com/qiwigen/qiwigen/spec/located"
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
// JSON pointer inside it (the resolved spec's), the kind (one of the sentinels above) and
// the cause. It is located.Error, the one such error of this module's tools; its message is
// "file:line:column: kind at pointer: cause".
type InputError = located.Error
