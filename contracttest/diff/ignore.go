package diff

import (
	"errors"

	"github.com/qiwigen/qiwigen/contracttest/internal/accepted"
)

// ErrIgnore is wrapped by every error about an ignore file.
var ErrIgnore = errors.New("invalid diff ignore file")

// Ignore is a reviewed list of accepted changes, in the shape of drift's baseline
// (spec/drift-baseline.json): {"findings": [{"id", "kind", "subject", "reason"}]}.
type Ignore struct {
	// Findings are the accepted changes, each with the reason it is accepted.
	Findings []Accepted `json:"findings"`
}

// Accepted is one entry of an ignore file.
type Accepted struct {
	// ID is the change's stable ID.
	ID string `json:"id"`
	// Kind and Subject repeat the change's rule and place, for people reading the file.
	Kind    string `json:"kind,omitempty"`
	Subject string `json:"subject,omitempty"`
	// Reason says why the change is accepted.
	Reason string `json:"reason"`
}

// ignoreFormat is the ignore file's format, shared with drift's baseline.
var ignoreFormat = accepted.Format[Accepted]{
	Err:    ErrIgnore,
	Noun:   "change",
	ID:     func(a Accepted) string { return a.ID },
	Reason: func(a Accepted) string { return a.Reason },
}

// ReadIgnore reads an ignore file. Errors name the file and the line, or the JSON pointer of
// the entry at fault.
func ReadIgnore(path string) (*Ignore, error) {
	entries, err := ignoreFormat.Read(path)
	if err != nil {
		return nil, err
	}
	return &Ignore{Findings: entries}, nil
}

// ParseIgnore parses an ignore file's content; file names it in errors.
func ParseIgnore(file string, data []byte) (*Ignore, error) {
	entries, err := ignoreFormat.Parse(file, data)
	if err != nil {
		return nil, err
	}
	return &Ignore{Findings: entries}, nil
}

// Apply marks the changes the ignore file accepts and records in the report the entries that
// match no change (stale: the change they accepted is gone).
func (ig *Ignore) Apply(r *Report) {
	if ig == nil {
		return
	}
	r.Stale = append(r.Stale, ignoreFormat.Match(ig.Findings, len(r.Changes),
		func(i int) string { return r.Changes[i].ID },
		func(i int, reason string) { r.Changes[i].Accepted = reason })...)
}
