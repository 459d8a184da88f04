package drift

import (
	"encoding/json"
	"errors"
	"io"
	"sort"

	"github.com/qiwigen/qiwigen/contracttest/internal/accepted"
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

// baselineFormat is the baseline's format, shared with diff's ignore file.
var baselineFormat = accepted.Format[Accepted]{
	Err:    ErrBaseline,
	Noun:   "finding",
	ID:     func(a Accepted) string { return a.ID },
	Reason: func(a Accepted) string { return a.Reason },
}

// ReadBaseline reads a baseline file. Errors name the file and the line, or the JSON pointer of
// the entry at fault.
func ReadBaseline(path string) (*Baseline, error) {
	entries, err := baselineFormat.Read(path)
	if err != nil {
		return nil, err
	}
	return &Baseline{Findings: entries}, nil
}

// ParseBaseline parses a baseline's content; file names it in errors.
func ParseBaseline(file string, data []byte) (*Baseline, error) {
	entries, err := baselineFormat.Parse(file, data)
	if err != nil {
		return nil, err
	}
	return &Baseline{Findings: entries}, nil
}

// Apply marks the findings the baseline accepts and returns the baseline entries that match
// no finding any more (stale: the drift they accepted is gone).
func (b *Baseline) Apply(findings []Finding) []Accepted {
	if b == nil {
		return nil
	}
	return baselineFormat.Match(b.Findings, len(findings),
		func(i int) string { return findings[i].ID },
		func(i int, reason string) { findings[i].Accepted = reason })
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
