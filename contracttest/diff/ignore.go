package diff

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
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

// ReadIgnore reads an ignore file. Errors name the file and the line, or the JSON pointer of
// the entry at fault.
func ReadIgnore(path string) (*Ignore, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseIgnore(path, data)
}

// ParseIgnore parses an ignore file's content; file names it in errors.
func ParseIgnore(file string, data []byte) (*Ignore, error) {
	var ig Ignore
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ig); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("%s:%d: %w: %v", file, lineOf(data, se.Offset), ErrIgnore, err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("%s:%d: %w: %s must be a %s", file, lineOf(data, te.Offset), ErrIgnore, te.Field, te.Type)
		}
		return nil, fmt.Errorf("%s: %w: %v", file, ErrIgnore, err)
	}
	seen := map[string]bool{}
	for i, a := range ig.Findings {
		switch {
		case a.ID == "":
			return nil, fmt.Errorf("%s: /findings/%d/id: %w: missing", file, i, ErrIgnore)
		case a.Reason == "":
			return nil, fmt.Errorf("%s: /findings/%d/reason: %w: an accepted change needs its reason", file, i, ErrIgnore)
		case seen[a.ID]:
			return nil, fmt.Errorf("%s: /findings/%d/id: %w: %s listed twice", file, i, ErrIgnore, a.ID)
		}
		seen[a.ID] = true
	}
	return &ig, nil
}

func lineOf(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// Apply marks the changes the ignore file accepts and records in the report the entries that
// match no change (stale: the change they accepted is gone).
func (ig *Ignore) Apply(r *Report) {
	if ig == nil {
		return
	}
	reasons := map[string]string{}
	for _, a := range ig.Findings {
		reasons[a.ID] = a.Reason
	}
	used := map[string]bool{}
	for i := range r.Changes {
		if reason, ok := reasons[r.Changes[i].ID]; ok {
			r.Changes[i].Accepted = reason
			used[r.Changes[i].ID] = true
		}
	}
	for _, a := range ig.Findings {
		if !used[a.ID] {
			r.Stale = append(r.Stale, a)
		}
	}
}
