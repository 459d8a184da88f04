package probe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/replay"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
)

// OK reports whether every exchange and every flow passed.
func (r *Report) OK() bool {
	if !r.Exchanges.OK() {
		return false
	}
	for _, f := range r.Flows {
		if len(f.Failures) > 0 {
			return false
		}
	}
	return true
}

// Counts returns the exchanges and flows that passed and failed (a flow stopped by the
// budget neither passed nor failed).
func (r *Report) Counts() (passed, failed int) {
	passed, failed, _ = r.Exchanges.Counts()
	for _, f := range r.Flows {
		switch {
		case len(f.Failures) > 0:
			failed++
		case f.Stopped == "":
			passed++
		}
	}
	return passed, failed
}

// Uncovered returns the spec's operations without a passing exchange, and the declared flows
// that did not pass.
func (r *Report) Uncovered() (operations, flows []string) {
	for _, op := range r.Operations {
		if !r.Covered[op] {
			operations = append(operations, op)
		}
	}
	passed := map[string]bool{}
	for _, f := range r.Flows {
		passed[f.Name] = f.Passed()
	}
	for _, f := range r.DeclaredFlows {
		if !passed[f] {
			flows = append(flows, f)
		}
	}
	return operations, flows
}

// WriteText writes one line per exchange (replay's lines) and per flow, then "N passed, M
// failed" over both, then the coverage of operations and flows.
func (r *Report) WriteText(w io.Writer) error {
	var buf bytes.Buffer
	if err := r.Exchanges.WriteText(&buf); err != nil {
		return err
	}
	// replay's closing count covers the exchanges only: the probe's covers flows too.
	lines := strings.SplitAfter(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if _, err := io.WriteString(w, strings.Join(lines[:len(lines)-1], "")); err != nil {
		return err
	}
	for _, f := range r.Flows {
		outcome := "PASS"
		switch {
		case len(f.Failures) > 0:
			outcome = "FAIL"
		case f.Stopped != "":
			outcome = "STOP"
		}
		fmt.Fprintf(w, "%-6s flow %s (%d of %d steps)\n", outcome, f.Name, f.Done, f.Steps)
		for _, why := range f.Failures {
			fmt.Fprintf(w, "       %s\n", why)
		}
		if f.Stopped != "" {
			fmt.Fprintf(w, "       %s\n", f.Stopped)
		}
	}
	passed, failed := r.Counts()
	fmt.Fprintf(w, "%d passed, %d failed\n", passed, failed)
	ops, flows := r.Uncovered()
	fmt.Fprintf(w, "coverage: %d of %d operations, %d of %d flows (seed %d)\n",
		len(r.Operations)-len(ops), len(r.Operations), len(r.DeclaredFlows)-len(flows), len(r.DeclaredFlows), r.Seed)
	if len(ops) > 0 {
		fmt.Fprintf(w, "  operations not covered: %s\n", strings.Join(ops, ", "))
	}
	if len(flows) > 0 {
		_, err := fmt.Fprintf(w, "  flows not passed: %s\n", strings.Join(flows, ", "))
		return err
	}
	return nil
}

// WriteJSON writes the report as JSON: the exchanges as replay writes them (scrubbed), the
// flows and the coverage.
func (r *Report) WriteJSON(w io.Writer) error {
	var buf bytes.Buffer
	if err := r.Exchanges.WriteJSON(&buf); err != nil {
		return err
	}
	ops, flows := r.Uncovered()
	passed, failed := r.Counts()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Seed               uint64          `json:"seed"`
		Passed             int             `json:"passed"`
		Failed             int             `json:"failed"`
		Exchanges          json.RawMessage `json:"exchanges"`
		Flows              []FlowResult    `json:"flows"`
		UncoveredOps       []string        `json:"uncoveredOperations"`
		UnpassedFlows      []string        `json:"flowsNotPassed"`
		OperationsCount    int             `json:"operations"`
		DeclaredFlowsCount int             `json:"declaredFlows"`
	}{r.Seed, passed, failed, buf.Bytes(), r.Flows, nonNil(ops), nonNil(flows), len(r.Operations), len(r.DeclaredFlows)})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// WriteJUnit writes JUnit XML as replay writes it: one case per exchange; a flow's failures
// stand on the exchange they concern.
func (r *Report) WriteJUnit(w io.Writer) error { return r.Exchanges.WriteJUnit(w) }

// WriteMarkdown writes replay's summary (counts, failures, operation coverage), then the
// flows.
func (r *Report) WriteMarkdown(w io.Writer) error {
	if err := r.Exchanges.WriteMarkdown(w, r.doc); err != nil {
		return err
	}
	fmt.Fprintln(w, "\n## Flows\n\n| flow | outcome | steps | first reason |\n| --- | --- | --- | --- |")
	for _, f := range r.Flows {
		outcome, why := "pass", ""
		switch {
		case len(f.Failures) > 0:
			outcome, why = "FAIL", f.Failures[0]
		case f.Stopped != "":
			outcome, why = "stopped", f.Stopped
		}
		if _, err := fmt.Fprintf(w, "| %s | %s | %d of %d | %s |\n", replay.MarkdownCell(f.Name), outcome, f.Done, f.Steps, replay.MarkdownCell(why)); err != nil {
			return err
		}
	}
	return nil
}

// WriteHAR writes the API exchanges of the flows and of the status checks to w as a HAR 1.2
// log (fixture.WriteHAR), scrubbed (fixture.Scrub): what replay reads. Negative requests,
// refused by the spec on purpose, and notifications are left out.
func (r *Report) WriteHAR(w io.Writer) error {
	var ins []fixture.Interaction
	for i, res := range r.Exchanges.Results {
		if r.kinds[i] != KindFlow && r.kinds[i] != KindConfirmation {
			continue
		}
		in, _ := fixture.Scrubbed(res.Interaction)
		ins = append(ins, in)
	}
	return fixture.WriteHAR(w, r.base, ins)
}

// Requests returns every request sent, scrubbed, in order: what the same seed repeats.
func (r *Report) Requests() []fixture.Request {
	var out []fixture.Request
	for _, res := range r.Exchanges.Results {
		if res.Interaction.Kind != fixture.API {
			continue
		}
		in, _ := fixture.Scrubbed(res.Interaction)
		out = append(out, in.Request)
	}
	return out
}

// negativeFindings keeps, of a negative exchange's verdicts, what judges the answer (the
// request is refused by the spec on purpose, and the client verdict would refuse to send it),
// with the probe's own: an answer that is not QIWI's error object fails. A request the spec
// turns out to accept is no refusal: it is only noted.
func negativeFindings(res verdict.Result, ex exchange) []verdict.Finding {
	refused := false
	for _, f := range res.Findings {
		if f.Verdict == "spec" && f.Severity == verdict.Fail && strings.HasPrefix(f.Message, "request") {
			refused = true
		}
	}
	if !refused {
		return []verdict.Finding{{Severity: verdict.Warn, Verdict: "negative", Pointer: ex.member,
			Message: "the spec accepts this request: not judged as a refusal"}}
	}
	var out []verdict.Finding
	for _, f := range res.Findings {
		if f.Verdict != "spec" || !strings.HasPrefix(f.Message, "response") {
			continue
		}
		if f.Severity == verdict.Warn && strings.Contains(f.Message, "error object") {
			f.Severity = verdict.Fail
		}
		out = append(out, f)
	}
	return append(out, ex.extra...)
}
