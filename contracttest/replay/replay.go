// Package replay runs interactions through the verdicts and reports: one line per
// interaction, a closing "N passed, M failed" line, JUnit XML, a Markdown summary, and a
// coverage table of operations by status code.
package replay

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
)

// Report is the outcome of a replay.
type Report struct {
	Results []verdict.Result // one per interaction, in input order
	Strict  bool             // whether warnings (undocumented fields) count as failures
}

// Run judges every interaction in order.
func Run(ctx context.Context, j *verdict.Judge, ins []fixture.Interaction, strict bool) Report {
	r := Report{Strict: strict, Results: make([]verdict.Result, 0, len(ins))}
	for _, in := range ins {
		r.Results = append(r.Results, j.Judge(ctx, in))
	}
	return r
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
		in := res.Interaction
		op := res.Operation
		if op == "" {
			op = string(in.Kind)
		}
		line := fmt.Sprintf("%-6s %s [%s]", r.outcome(res), in.Name, op)
		if prov := in.Provenance.String(); prov != "" {
			line += " " + prov
		}
		fmt.Fprintln(w, line)
		for _, d := range in.Defects {
			fmt.Fprintf(w, "       doc defect: %s\n", d)
		}
		for _, f := range res.Findings {
			fmt.Fprintf(w, "       %s %s\n", f.Severity, f)
		}
	}
	passed, failed, defects := r.Counts()
	if defects > 0 {
		_, err := fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", passed, failed, defects)
		return err
	}
	_, err := fmt.Fprintf(w, "%d passed, %d failed\n", passed, failed)
	return err
}

type junitSuite struct {
	XMLName  xml.Name    `xml:"testsuite"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
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
	passed, failed, defects := r.Counts()
	s := junitSuite{Name: "qiwicontract replay", Tests: passed + failed + defects, Failures: failed, Skipped: defects}
	names := caseNames(r.Results)
	for i, res := range r.Results {
		c := junitCase{Name: names[i], Classname: res.Operation}
		if c.Classname == "" {
			c.Classname = string(res.Interaction.Kind)
		}
		var lines []string
		for _, f := range res.Findings {
			lines = append(lines, fmt.Sprintf("%s %s", f.Severity, f))
		}
		switch r.outcome(res) {
		case "FAIL":
			c.Failure = &junitMessage{Message: firstFailure(res, r.Strict), Text: strings.Join(lines, "\n")}
		case "DEFECT":
			c.Skipped = &junitMessage{Message: "doc defect: " + strings.Join(res.Interaction.Defects, "; ")}
		default:
			c.SystemOut = strings.Join(lines, "\n")
		}
		s.Cases = append(s.Cases, c)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// caseNames names each result for JUnit, uniquely and stably: the interaction's name, then,
// where names repeat, its provenance, then its position among those still alike.
func caseNames(results []verdict.Result) []string {
	names := make([]string, len(results))
	count := map[string]int{}
	for i, res := range results {
		names[i] = res.Interaction.Name
		count[names[i]]++
	}
	for i, res := range results {
		if count[res.Interaction.Name] > 1 {
			if p := res.Interaction.Provenance.String(); p != "" {
				names[i] = res.Interaction.Name + " @ " + p
			}
		}
	}
	seen := map[string]int{}
	for i := range names {
		seen[names[i]]++
	}
	index := map[string]int{}
	for i, n := range names {
		if seen[n] > 1 {
			index[n]++
			names[i] = fmt.Sprintf("%s #%d", n, index[n])
		}
	}
	return names
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
	passed, failed, defects := r.Counts()
	fmt.Fprintf(w, "# Contract replay\n\n%d passed, %d failed; examples the docs get wrong, reported apart: %d.\n\n", passed, failed, defects)
	if failed > 0 {
		fmt.Fprintln(w, "## Failures\n\n| interaction | source | first reason |\n| --- | --- | --- |")
		for _, res := range r.Results {
			if r.outcome(res) == "FAIL" {
				fmt.Fprintf(w, "| %s | %s | %s |\n", md(res.Interaction.Name), md(res.Interaction.Provenance.String()), md(firstFailure(res, r.Strict)))
			}
		}
		fmt.Fprintln(w)
	}
	if defects > 0 {
		fmt.Fprintln(w, "## Doc defects\n\n| example | defect |\n| --- | --- |")
		for _, res := range r.Results {
			if res.Defect() {
				fmt.Fprintf(w, "| %s | %s |\n", md(res.Interaction.Provenance.String()), md(strings.Join(res.Interaction.Defects, "; ")))
			}
		}
		fmt.Fprintln(w)
	}
	if doc != nil {
		fmt.Fprintln(w, "## Coverage")
		fmt.Fprintln(w)
		if err := Coverage(doc, r).WriteMarkdown(w); err != nil {
			return err
		}
	}
	return nil
}

func md(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ") }

// CoverageTable says, per operation and status code, how many interactions passed.
type CoverageTable struct {
	Operations []string       // operationIds of the spec, sorted
	Codes      []string       // status codes seen, sorted
	Passing    map[string]int // "operationId status" → passing interactions
}

// Coverage builds the table of the spec's operations by the status codes of passing
// interactions.
func Coverage(doc *openapi3.T, r Report) CoverageTable {
	t := CoverageTable{Passing: map[string]int{}}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			t.Operations = append(t.Operations, op.OperationID)
		}
	}
	sort.Strings(t.Operations)
	codes := map[string]bool{}
	for _, res := range r.Results {
		if res.Operation == "" || res.Defect() || !res.Passed(r.Strict) {
			continue
		}
		code := fmt.Sprint(res.Status)
		codes[code] = true
		t.Passing[res.Operation+" "+code]++
	}
	for c := range codes {
		t.Codes = append(t.Codes, c)
	}
	sort.Strings(t.Codes)
	return t
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
