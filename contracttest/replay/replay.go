// Package replay runs interactions through the verdicts and reports: one line per
// interaction, a closing "N passed, M failed" line, JUnit XML, a Markdown summary, and a
// coverage table of operations by status code.
package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/internal/textout"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
)

// Report is the outcome of a replay.
type Report struct {
	Results []verdict.Result // one per interaction, in input order
	Strict  bool             // whether warnings (undocumented fields) count as failures
}

// Run judges every interaction in order. An interaction no reader would have accepted (an
// API call without an answer, a status outside 100-999) fails with the reason, unjudged.
func Run(ctx context.Context, j *verdict.Judge, ins []fixture.Interaction, strict bool) Report {
	r := Report{Strict: strict, Results: make([]verdict.Result, 0, len(ins))}
	for _, in := range ins {
		r.Results = append(r.Results, Judge(ctx, j, in))
	}
	return r
}

// Judge judges one interaction as Run does: both verdicts, or, for an interaction no reader
// would have accepted, a failure with the reason.
func Judge(ctx context.Context, j *verdict.Judge, in fixture.Interaction) verdict.Result {
	if err := in.Check(); err != nil {
		res := verdict.Result{Interaction: in, Findings: []verdict.Finding{{Severity: verdict.Fail, Verdict: "fixture", Message: err.Error()}}}
		if in.Response != nil {
			res.Status = in.Response.Status
		}
		return res
	}
	return j.Judge(ctx, in)
}

// shown returns the results as every output shows them (see Shown).
func (r Report) shown() []verdict.Result {
	out := make([]verdict.Result, len(r.Results))
	for i, res := range r.Results {
		out[i] = Shown(res)
	}
	return out
}

// Shown returns a result as every output shows it: its interaction scrubbed
// (fixture.Scrubbed), and each finding's message and pointer scrubbed of the secrets found
// in its interaction, wherever a message quotes them. Showing a shown result changes nothing.
func Shown(res verdict.Result) verdict.Result {
	in, text := fixture.Scrubbed(res.Interaction)
	res.Interaction = in
	res.Operation = text(res.Operation)
	if res.Findings != nil {
		findings := make([]verdict.Finding, len(res.Findings))
		for k, f := range res.Findings {
			f.Message = text(f.Message)
			f.Pointer = text(f.Pointer)
			findings[k] = f
		}
		res.Findings = findings
	}
	return res
}

// WriteJSON writes the results as a JSON array, indented: each with its interaction and its
// findings, scrubbed as every output is.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.shown())
}

// Counts returns passed and failed interactions, and those whose example is a known defect
// (counted apart).
func (r Report) Counts() (passed, failed, defects int) {
	for _, res := range r.Results {
		switch {
		case res.Defect():
			defects++
		case res.Passed(r.Strict):
			passed++
		default:
			failed++
		}
	}
	return passed, failed, defects
}

// OK reports whether every interaction that is not a known defect passed.
func (r Report) OK() bool {
	_, failed, _ := r.Counts()
	return failed == 0
}

func (r Report) outcome(res verdict.Result) string {
	switch {
	case res.Defect():
		return "DEFECT"
	case !res.Passed(r.Strict):
		return "FAIL"
	}
	for _, f := range res.Findings {
		if f.Severity == verdict.Warn {
			return "WARN"
		}
	}
	return "PASS"
}

// WriteText writes one line per interaction with its verdict and reasons, then the closing
// line "N passed, M failed" (with ", K skipped" for doc defects, reported apart).
func (r Report) WriteText(w io.Writer) error {
	for _, res := range r.Results {
		if err := WriteResult(w, Shown(res), r.Strict); err != nil {
			return err
		}
	}
	passed, failed, defects := r.Counts()
	return WriteTotals(w, passed, failed, defects)
}

// WriteResult writes one result as WriteText does, the result as Shown shows it (scrubbed):
// a line with its outcome (PASS, WARN, FAIL or DEFECT), name, operation and provenance, then
// a line per doc defect and per finding.
func WriteResult(w io.Writer, res verdict.Result, strict bool) error {
	in := res.Interaction
	op := res.Operation
	if op == "" {
		op = string(in.Kind)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-6s %s [%s]", Report{Strict: strict}.outcome(res), textout.Visible(in.Name), textout.Visible(op))
	if prov := in.Provenance.String(); prov != "" {
		b.WriteString(" " + textout.Visible(prov))
	}
	b.WriteString("\n")
	for _, d := range in.Defects {
		fmt.Fprintf(&b, "       doc defect: %s\n", textout.Visible(d))
	}
	for _, f := range res.Findings {
		fmt.Fprintf(&b, "       %s %s\n", textout.Visible(string(f.Severity)), textout.Visible(f.String()))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteTotals writes the closing line: "N passed, M failed", with ", K skipped" when doc
// defects were reported apart.
func WriteTotals(w io.Writer, passed, failed, defects int) error {
	if defects > 0 {
		_, err := fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", passed, failed, defects)
		return err
	}
	_, err := fmt.Fprintf(w, "%d passed, %d failed\n", passed, failed)
	return err
}

type junitCase struct {
	XMLName   xml.Name      `xml:"testcase"`
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes JUnit XML: one test case per interaction; doc defects are skipped.
func (r Report) WriteJUnit(w io.Writer) error {
	names := NewCaseNames()
	results := r.shown()
	for _, res := range results {
		names.Count(res.Interaction)
	}
	var spool bytes.Buffer
	s := r.summary(results, &spool, names)
	return s.WriteJUnit(w, &spool)
}

// summary adds shown results to a new Summary, spooling JUnit cases when spool is given.
func (r Report) summary(results []verdict.Result, spool io.Writer, names *CaseNames) *Summary {
	s := NewSummary(r.Strict)
	if spool != nil {
		s.SpoolJUnit(spool, names)
	}
	for _, res := range results {
		s.Add(res)
	}
	return s
}

func firstFailure(res verdict.Result, strict bool) string {
	for _, f := range res.Findings {
		if f.Severity == verdict.Fail || (strict && f.Undocumented) {
			return f.String()
		}
	}
	return "failed"
}

// WriteMarkdown writes a summary for CI pages: counts, failures, defects and coverage.
func (r Report) WriteMarkdown(w io.Writer, doc *openapi3.T) error {
	return r.summary(r.shown(), nil, nil).WriteMarkdown(w, doc)
}

// MarkdownCell writes text for a Markdown table cell: its control characters escaped
// (a newline would end the table's row), its pipes too (with the backslashes right before
// them, which would otherwise escape the escape). Drift's and diff's tables use it too.
func MarkdownCell(s string) string { return textout.Cell(s) }

// CoverageTable says, per operation and status code, how many interactions passed.
type CoverageTable struct {
	Operations []string       // operationIds of the spec, sorted
	Codes      []string       // status codes seen, sorted
	Passing    map[string]int // "operationId status" → passing interactions
}

// Coverage builds the table of the spec's operations by the status codes of passing
// interactions.
func Coverage(doc *openapi3.T, r Report) CoverageTable {
	return r.summary(r.Results, nil, nil).Coverage(doc)
}

// Uncovered lists operations with no passing interaction at all.
func (t CoverageTable) Uncovered() []string {
	var out []string
	for _, op := range t.Operations {
		n := 0
		for _, c := range t.Codes {
			n += t.Passing[op+" "+c]
		}
		if n == 0 {
			out = append(out, op)
		}
	}
	return out
}

// WriteMarkdown writes the table.
func (t CoverageTable) WriteMarkdown(w io.Writer) error {
	fmt.Fprintf(w, "| operation | %s |\n|---|%s\n", strings.Join(t.Codes, " | "), strings.Repeat("---|", len(t.Codes)))
	for _, op := range t.Operations {
		cells := make([]string, len(t.Codes))
		for i, c := range t.Codes {
			if n := t.Passing[op+" "+c]; n > 0 {
				cells[i] = fmt.Sprint(n)
			} else {
				cells[i] = "—"
			}
		}
		if _, err := fmt.Fprintf(w, "| %s | %s |\n", op, strings.Join(cells, " | ")); err != nil {
			return err
		}
	}
	return nil
}
