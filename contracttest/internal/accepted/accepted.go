// Package accepted reads a file of accepted entries, the reviewed list of findings a check
// accepts rather than fails on: spec diff's ignore file and docs drift's baseline, both
// {"findings": [{"id", "kind", "subject", "reason"}, ...]}. It parses the file with errors
// naming the file and line (or the JSON pointer of the entry at fault), matches the entries to
// a run's findings by ID, and returns the entries that match none (stale). Each user keeps its
// own entry type, so its JSON tags and documented names stay its own.
package accepted

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// Format is one user's accepted-entries file: its entry type E and how to read an entry.
type Format[E any] struct {
	// Err is wrapped by every error about the file (diff.ErrIgnore, drift.ErrBaseline).
	Err error
	// Noun names what an entry accepts in errors: "change", "finding".
	Noun string
	// ID and Reason read an entry's ID and its reason for being accepted.
	ID, Reason func(E) string
}

// file is the shape of the file.
type file[E any] struct {
	Findings []E `json:"findings"`
}

// Read reads and parses the file at path; an error reading it is returned as it is.
func (f Format[E]) Read(path string) ([]E, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return f.Parse(path, data)
}

// Parse parses a file's content, name naming it in errors: the entries in the file's order.
// A syntax or type error, or content after the object, names name:line; an entry without its ID or reason, or an ID listed
// twice, names the entry's JSON pointer; every error wraps f.Err.
func (f Format[E]) Parse(name string, data []byte) ([]E, error) {
	var doc file[E]
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("%s:%d: %w: %v", name, lineOf(data, se.Offset), f.Err, err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("%s:%d: %w: %s must be a %s", name, lineOf(data, te.Offset), f.Err, te.Field, te.Type)
		}
		return nil, fmt.Errorf("%s: %w: %v", name, f.Err, err)
	}
	if rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, fmt.Errorf("%s:%d: %w: content after the object", name, lineOf(data, int64(len(data)-len(rest))), f.Err)
	}
	seen := map[string]bool{}
	for i, e := range doc.Findings {
		id := f.ID(e)
		switch {
		case id == "":
			return nil, fmt.Errorf("%s: /findings/%d/id: %w: missing", name, i, f.Err)
		case f.Reason(e) == "":
			return nil, fmt.Errorf("%s: /findings/%d/reason: %w: an accepted %s needs its reason", name, i, f.Err, f.Noun)
		case seen[id]:
			return nil, fmt.Errorf("%s: /findings/%d/id: %w: %s listed twice", name, i, f.Err, id)
		}
		seen[id] = true
	}
	return doc.Findings, nil
}

// lineOf returns the line, counted from 1, of a byte offset into data.
func lineOf(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// Match accepts each of n findings that an entry lists: id(i) is the i-th finding's ID, and
// accept(i, reason) is called with the entry's reason. It returns the entries that match no
// finding (stale: what they accepted is gone), in the file's order.
func (f Format[E]) Match(entries []E, n int, id func(i int) string, accept func(i int, reason string)) []E {
	reasons := make(map[string]string, len(entries))
	for _, e := range entries {
		reasons[f.ID(e)] = f.Reason(e)
	}
	used := map[string]bool{}
	for i := range n {
		if reason, ok := reasons[id(i)]; ok {
			accept(i, reason)
			used[id(i)] = true
		}
	}
	var stale []E
	for _, e := range entries {
		if !used[f.ID(e)] {
			stale = append(stale, e)
		}
	}
	return stale
}
