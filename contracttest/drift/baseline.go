package drift

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// ErrBaseline is wrapped by every error about a baseline file.
var ErrBaseline = errors.New("invalid drift baseline")

// Baseline is the committed list of accepted findings.
type Baseline struct {
	// Findings are the accepted findings, each with the reason it is accepted.
	Findings []Accepted `json:"findings"`
}

// Accepted is one baseline entry.
type Accepted struct {
	// ID is the finding's stable ID.
	ID string `json:"id"`
	// Kind and Subject repeat the finding's, for people reading the file.
	Kind    Kind   `json:"kind"`
	Subject string `json:"subject"`
	// Reason says why the finding is accepted rather than fixed.
	Reason string `json:"reason"`
}

// ReadBaseline reads a baseline file. Errors name the file and the line, or the JSON pointer of
// the entry at fault.
func ReadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseBaseline(path, data)
}

// ParseBaseline parses a baseline's content; file names it in errors.
func ParseBaseline(file string, data []byte) (*Baseline, error) {
	var b Baseline
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("%s:%d: %w: %v", file, lineOf(data, se.Offset), ErrBaseline, err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("%s:%d: %w: %s must be a %s", file, lineOf(data, te.Offset), ErrBaseline, te.Field, te.Type)
		}
		return nil, fmt.Errorf("%s: %w: %v", file, ErrBaseline, err)
	}
	seen := map[string]bool{}
	for i, a := range b.Findings {
		switch {
		case a.ID == "":
			return nil, fmt.Errorf("%s: /findings/%d/id: %w: missing", file, i, ErrBaseline)
		case a.Reason == "":
			return nil, fmt.Errorf("%s: /findings/%d/reason: %w: an accepted finding needs its reason", file, i, ErrBaseline)
		case seen[a.ID]:
			return nil, fmt.Errorf("%s: /findings/%d/id: %w: %s listed twice", file, i, ErrBaseline, a.ID)
		}
		seen[a.ID] = true
	}
	return &b, nil
}

func lineOf(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// Apply marks the findings the baseline accepts and returns the baseline entries that match
// no finding any more (stale: the drift they accepted is gone).
func (b *Baseline) Apply(findings []Finding) []Accepted {
	if b == nil {
		return nil
	}
	reasons := map[string]string{}
	for _, a := range b.Findings {
		reasons[a.ID] = a.Reason
	}
	used := map[string]bool{}
	for i := range findings {
		if r, ok := reasons[findings[i].ID]; ok {
			findings[i].Accepted = r
			used[findings[i].ID] = true
		}
	}
	var stale []Accepted
	for _, a := range b.Findings {
		if !used[a.ID] {
			stale = append(stale, a)
		}
	}
	return stale
}

// NewBaseline returns a baseline accepting every finding that fails a run, with the reasons of
// old where it has them, else reason(f) where that is not "", else Unreviewed.
func NewBaseline(findings []Finding, old *Baseline, reason func(Finding) string) *Baseline {
	prev := map[string]string{}
	if old != nil {
		for _, a := range old.Findings {
			prev[a.ID] = a.Reason
		}
	}
	b := &Baseline{Findings: []Accepted{}}
	for _, f := range findings {
		if f.Kind.Info() {
			continue
		}
		if f.Accepted != "" {
			prev[f.ID] = f.Accepted
		}
		r := prev[f.ID]
		if r == "" && reason != nil {
			r = reason(f)
		}
		if r == "" {
			r = Unreviewed
		}
		b.Findings = append(b.Findings, Accepted{ID: f.ID, Kind: f.Kind, Subject: f.Subject, Reason: r})
	}
	sort.Slice(b.Findings, func(i, j int) bool {
		if b.Findings[i].Kind != b.Findings[j].Kind {
			return b.Findings[i].Kind < b.Findings[j].Kind
		}
		return b.Findings[i].Subject < b.Findings[j].Subject
	})
	return b
}

// Failing returns the findings that fail a run: neither information nor accepted.
func Failing(findings []Finding) []Finding {
	var out []Finding
	for _, f := range findings {
		if !f.Kind.Info() && f.Accepted == "" {
			out = append(out, f)
		}
	}
	return out
}

// Unreviewed is the reason NewBaseline gives, from the command, a finding nobody has accepted
// yet; a committed baseline must hold none (the spec tests check).
const Unreviewed = "UNREVIEWED: say why this finding is accepted rather than fixed"

// Write writes the baseline as indented JSON.
func (b *Baseline) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(b)
}
