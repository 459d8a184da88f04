package replay

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"hash/maphash"
	"io"
	"iter"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/internal/textout"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
)

// Summary is what the reports need of results that pass one at a time: the counts, a row per
// failure and per doc defect, the coverage counts, and (with JUnit) each test case written
// to a spool as it comes. It holds nothing else of a result, so a replay of any size holds
// the same few bytes per passing interaction.
type Summary struct {
	// Strict says whether warnings (undocumented fields) count as failures.
	Strict bool

	passed, failed, defects int
	failures                []row          // name, source, first reason
	defectRows              []row          // source, defect
	passing                 map[string]int // "operationId status" → passing interactions
	codes                   map[string]bool

	junit *xml.Encoder // the spool's encoder; nil: no JUnit
	spool io.Writer
	names *CaseNames
	err   error // the spool's first write error
}

// row is a line of a Markdown table, its cells scrubbed.
type row struct{ name, source, reason string }

// NewSummary returns an empty summary.
func NewSummary(strict bool) *Summary {
	return &Summary{Strict: strict, passing: map[string]int{}, codes: map[string]bool{}}
}

// SpoolJUnit makes Add write each result's JUnit test case to spool, named by names (whose
// Count saw every interaction first), for WriteJUnit to copy.
func (s *Summary) SpoolJUnit(spool io.Writer, names *CaseNames) {
	s.spool, s.names = spool, names
	s.junit = xml.NewEncoder(spool)
	s.junit.Indent("  ", "  ")
}

// Add takes one result, as Shown shows it.
func (s *Summary) Add(res verdict.Result) {
	outcome := Report{Strict: s.Strict}.outcome(res)
	switch outcome {
	case "DEFECT":
		s.defects++
		s.defectRows = append(s.defectRows, row{source: res.Interaction.Provenance.String(), reason: strings.Join(res.Interaction.Defects, "; ")})
	case "FAIL":
		s.failed++
		s.failures = append(s.failures, row{name: res.Interaction.Name, source: res.Interaction.Provenance.String(), reason: firstFailure(res, s.Strict)})
	default:
		s.passed++
		if res.Operation != "" {
			code := fmt.Sprint(res.Status)
			s.codes[code] = true
			s.passing[res.Operation+" "+code]++
		}
	}
	if s.junit == nil || s.err != nil {
		return
	}
	c := junitCase{Name: textout.Visible(s.names.Name(res.Interaction)), Classname: textout.Visible(res.Operation)}
	if c.Classname == "" {
		c.Classname = string(res.Interaction.Kind)
	}
	var lines []string
	for _, f := range res.Findings {
		lines = append(lines, textout.Visible(fmt.Sprintf("%s %s", f.Severity, f)))
	}
	switch outcome {
	case "FAIL":
		c.Failure = &junitMessage{Message: textout.Visible(firstFailure(res, s.Strict)), Text: strings.Join(lines, "\n")}
	case "DEFECT":
		c.Skipped = &junitMessage{Message: textout.Visible("doc defect: " + strings.Join(res.Interaction.Defects, "; "))}
	default:
		c.SystemOut = strings.Join(lines, "\n")
	}
	s.err = s.junit.Encode(c)
}

// Counts returns passed and failed interactions, and those whose example is a known defect.
func (s *Summary) Counts() (passed, failed, defects int) { return s.passed, s.failed, s.defects }

// OK reports whether every interaction that is not a known defect passed.
func (s *Summary) OK() bool { return s.failed == 0 }

// WriteJUnit writes the JUnit XML document: the suite with the counts, then the spooled
// cases, read from spooled (the spool given to SpoolJUnit, rewound).
func (s *Summary) WriteJUnit(w io.Writer, spooled io.Reader) error {
	if s.err != nil {
		return s.err
	}
	attrs := fmt.Sprintf(`<testsuite name="qiwicontract replay" tests="%d" failures="%d" skipped="%d">`, s.passed+s.failed+s.defects, s.failed, s.defects)
	if _, err := io.WriteString(w, xml.Header+attrs); err != nil {
		return err
	}
	if s.passed+s.failed+s.defects > 0 {
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
		if _, err := io.Copy(w, spooled); err != nil {
			return err
		}
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "</testsuite>\n")
	return err
}

// WriteMarkdown writes a summary for CI pages: counts, failures, defects and coverage.
func (s *Summary) WriteMarkdown(w io.Writer, doc *openapi3.T) error {
	fmt.Fprintf(w, "# Contract replay\n\n%d passed, %d failed; examples the docs get wrong, reported apart: %d.\n\n", s.passed, s.failed, s.defects)
	if len(s.failures) > 0 {
		fmt.Fprintln(w, "## Failures\n\n| interaction | source | first reason |\n| --- | --- | --- |")
		for _, r := range s.failures {
			fmt.Fprintf(w, "| %s | %s | %s |\n", MarkdownCell(r.name), MarkdownCell(r.source), MarkdownCell(r.reason))
		}
		fmt.Fprintln(w)
	}
	if len(s.defectRows) > 0 {
		fmt.Fprintln(w, "## Doc defects\n\n| example | defect |\n| --- | --- |")
		for _, r := range s.defectRows {
			fmt.Fprintf(w, "| %s | %s |\n", MarkdownCell(r.source), MarkdownCell(r.reason))
		}
		fmt.Fprintln(w)
	}
	if doc != nil {
		fmt.Fprintln(w, "## Coverage")
		fmt.Fprintln(w)
		if err := s.Coverage(doc).WriteMarkdown(w); err != nil {
			return err
		}
	}
	return nil
}

// Coverage builds the table of the spec's operations by the status codes of passing
// interactions.
func (s *Summary) Coverage(doc *openapi3.T) CoverageTable {
	t := CoverageTable{Passing: map[string]int{}}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			t.Operations = append(t.Operations, op.OperationID)
		}
	}
	sort.Strings(t.Operations)
	for k, v := range s.passing {
		t.Passing[k] = v
	}
	for c := range s.codes {
		t.Codes = append(t.Codes, c)
	}
	sort.Strings(t.Codes)
	return t
}

// CaseNames names each interaction's JUnit test case uniquely and stably: its name, then,
// where names repeat, its provenance, then its position among those still alike. Count sees
// every interaction first; it keeps 64-bit hashes, not the names (about 40 bytes an
// interaction).
type CaseNames struct {
	seed  maphash.Seed
	names map[uint64]int // name → interactions so called
	full  map[uint64]int // "name @ provenance" → interactions so called
	index map[uint64]int // the same → those named so far
}

// NewCaseNames returns an empty counter.
func NewCaseNames() *CaseNames {
	return &CaseNames{seed: maphash.MakeSeed(), names: map[uint64]int{}, full: map[uint64]int{}, index: map[uint64]int{}}
}

func (n *CaseNames) hash(s string) uint64 { return maphash.String(n.seed, s) }

// Count notes an interaction: call it for every interaction before the first Name.
func (n *CaseNames) Count(in fixture.Interaction) {
	n.names[n.hash(in.Name)]++
	if p := in.Provenance.String(); p != "" {
		n.full[n.hash(in.Name+" @ "+p)]++
	}
}

// Name returns an interaction's case name; call it once per interaction, in order.
func (n *CaseNames) Name(in fixture.Interaction) string {
	name := in.Name
	if n.names[n.hash(name)] <= 1 {
		return name
	}
	repeats := n.names[n.hash(name)]
	if p := in.Provenance.String(); p != "" {
		name += " @ " + p
		repeats = n.full[n.hash(name)]
	}
	if repeats > 1 {
		h := n.hash(name)
		n.index[h]++
		name = fmt.Sprintf("%s #%d", name, n.index[h])
	}
	return name
}

// Stream judges the interactions seq yields with workers goroutines (at least one) and
// hands each result, as Shown shows it, to emit in seq's order; at most 4×workers interactions are in flight,
// so memory does not grow with the corpus. It stops at the first error of seq or emit and
// returns it.
func Stream(ctx context.Context, j *verdict.Judge, seq iter.Seq2[fixture.Interaction, error], workers int, emit func(verdict.Result) error) error {
	workers = max(workers, 1)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // no goroutine outlives the call
	defer cancel()
	type job struct {
		in   fixture.Interaction
		err  error
		done chan verdict.Result
	}
	order := make(chan job, 4*workers)
	work := make(chan job, 4*workers)
	wg.Go(func() {
		defer close(order)
		defer close(work)
		for in, err := range seq {
			jb := job{in: in, err: err, done: make(chan verdict.Result, 1)}
			select {
			case order <- jb:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			select {
			case work <- jb:
			case <-ctx.Done():
				return
			}
		}
	})
	for range workers {
		wg.Go(func() {
			for jb := range work {
				jb.done <- Shown(Judge(ctx, j, jb.in))
			}
		})
	}
	for jb := range order {
		if jb.err != nil {
			return jb.err
		}
		var res verdict.Result
		select {
		case res = <-jb.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := emit(res); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// JSONWriter writes results as one indented JSON array, one element at a time: what
// WriteJSON writes, streamed.
type JSONWriter struct {
	n int
	o io.Writer
}

// NewJSONWriter starts the array on w.
func NewJSONWriter(w io.Writer) *JSONWriter { return &JSONWriter{o: w} }

// Write writes one result, given as Shown shows it.
func (jw *JSONWriter) Write(res verdict.Result) error {
	data, err := json.MarshalIndent(res, "  ", "  ")
	if err != nil {
		return err
	}
	sep := ",\n  "
	if jw.n == 0 {
		sep = "[\n  "
	}
	jw.n++
	_, err = io.WriteString(jw.o, sep+string(data))
	return err
}

// Close ends the array.
func (jw *JSONWriter) Close() error {
	end := "\n]\n"
	if jw.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(jw.o, end)
	return err
}
