package diff

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"
	"github.com/qiwigen/qiwigen/contracttest/internal/sarifout"
	"github.com/qiwigen/qiwigen/contracttest/internal/textout"
)

// Formats are the output formats Write takes.
var Formats = []string{"text", "markdown", "json", "junit", "sarif", "changelog"}

// Write writes the report in a format (one of Formats); failOn is the level that fails the
// run ("" for never), which JUnit marks as failures; lang is the changelog's language, "en"
// or "ru".
func (r *Report) Write(w io.Writer, format string, failOn Level, lang string) error {
	switch format {
	case "text":
		return r.WriteText(w, failOn)
	case "markdown":
		return r.WriteMarkdown(w, failOn)
	case "json":
		return r.WriteJSON(w)
	case "junit":
		return r.WriteJUnit(w, failOn)
	case "sarif":
		return r.WriteSARIF(w)
	case "changelog":
		return r.WriteChangelog(w, lang)
	}
	return fmt.Errorf("format %q: want one of %s", format, strings.Join(Formats, ", "))
}

// counts returns the number of changes at each level.
func (r *Report) counts() map[Level]int {
	n := map[Level]int{}
	for _, c := range r.Changes {
		n[c.Level]++
	}
	return n
}

func (r *Report) summary(failOn Level) string {
	n := r.counts()
	return fmt.Sprintf("%d changes, %d breaking (%d on the wire, %d for the Go client), %d warnings, %d info; %d failing",
		len(r.Changes), r.Breaking(), n[BreakingWire], n[BreakingGo], n[Warning], n[Info], r.Failing(failOn))
}

// places names where a change is: its pointers and its overlay line.
func (c Change) places() string {
	var parts []string
	switch {
	case c.OldPointer != "" && c.OldPointer == c.NewPointer:
		parts = append(parts, fmt.Sprintf("at %s (old line %d, new line %d)", c.NewPointer, c.OldLine, c.NewLine))
	default:
		if c.OldPointer != "" {
			parts = append(parts, fmt.Sprintf("old %s line %d", c.OldPointer, c.OldLine))
		}
		if c.NewPointer != "" {
			parts = append(parts, fmt.Sprintf("new %s line %d", c.NewPointer, c.NewLine))
		}
	}
	if c.Overlay != "" {
		parts = append(parts, "overlay "+c.Overlay)
	}
	return strings.Join(parts, "; ")
}

// WriteText writes one line per change (its level, kind, place and detail), the place and the
// ID on the next, stale ignore entries, and a count line. Text from the documents or the
// ignore file goes through textout.Visible, so that a control character in it shows as an
// escape and does not drive the terminal.
func (r *Report) WriteText(w io.Writer, failOn Level) error {
	ew := &textout.Writer{W: w}
	for _, c := range r.Changes {
		ew.Printf("%s\n    %s %s", textout.Visible(c.String()), textout.Visible(c.ID), textout.Visible(c.places()))
		if c.Accepted != "" {
			ew.Printf("\n    accepted: %s", textout.Visible(c.Accepted))
		}
		ew.Printf("\n")
	}
	for _, a := range r.Stale {
		ew.Printf("stale ignore entry %s (%s %s): matches no change; drop it\n", textout.Visible(a.ID), textout.Visible(string(a.Kind)), textout.Visible(a.Subject))
	}
	ew.Printf("%s\n", r.summary(failOn))
	return ew.Err
}

var levelTitle = map[Level]string{
	BreakingWire: "Breaking on the wire",
	BreakingGo:   "Breaking for the generated Go client",
	Warning:      "Warnings",
	Info:         "Information",
}

// WriteMarkdown writes the report for a pull request or a CI job summary: a count table and a
// table of changes per level.
func (r *Report) WriteMarkdown(w io.Writer, failOn Level) error {
	ew := &textout.Writer{W: w}
	ew.Printf("## Spec changes\n\n")
	if r.Old != "" || r.New != "" {
		ew.Printf("`%s` → `%s`\n\n", r.Old, r.New)
	}
	n := r.counts()
	ew.Printf("| Level | Changes |\n|---|---|\n")
	for _, l := range Levels {
		ew.Printf("| %s | %d |\n", l, n[l])
	}
	ew.Printf("\n**%d failing**", r.Failing(failOn))
	if failOn != "" {
		ew.Printf(" (at %s or above, not accepted)", failOn)
	}
	ew.Printf(".\n")
	for _, l := range Levels {
		if n[l] == 0 {
			continue
		}
		ew.Printf("\n### %s\n\n| ID | Change | Where | Detail | Source |\n|---|---|---|---|---|\n", levelTitle[l])
		for _, c := range r.Changes {
			if c.Level != l {
				continue
			}
			detail := c.Detail
			if c.Accepted != "" {
				detail += " — accepted: " + c.Accepted
			}
			ew.Printf("| `%s` | %s | `%s` | %s | %s |\n", c.ID, c.Kind, textout.Cell(c.Where), textout.Cell(detail), textout.Cell(c.places()))
		}
	}
	if len(r.Stale) > 0 {
		ew.Printf("\n### Stale ignore entries\n\n")
		for _, a := range r.Stale {
			ew.Printf("- `%s` (%s %s): matches no change\n", textout.Cell(a.ID), textout.Cell(string(a.Kind)), textout.Cell(a.Subject))
		}
	}
	return ew.Err
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
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
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes JUnit XML (the Ant/Jenkins shape): one suite per level, one test case
// per change, failed when it fails the run, skipped when the ignore file accepts it; a stale
// ignore entry is a failed case of its own suite.
func (r *Report) WriteJUnit(w io.Writer, failOn Level) error {
	all := junitSuites{Name: "qiwicontract diff"}
	for _, l := range Levels {
		s := junitSuite{Name: "qiwicontract diff " + string(l)}
		for _, c := range r.Changes {
			if c.Level != l {
				continue
			}
			jc := junitCase{Name: c.ID + ": " + c.Where, Classname: string(l) + "." + c.Rule}
			text := c.String() + "\n" + c.places()
			switch {
			case c.Accepted != "":
				jc.Skipped = &junitMessage{Message: "accepted: " + c.Accepted}
				s.Skipped++
			case failOn != "" && l.rank() >= failOn.rank():
				jc.Failure = &junitMessage{Message: c.String(), Type: c.Rule, Text: text}
				s.Failures++
			default:
				jc.SystemOut = text
			}
			s.Cases = append(s.Cases, jc)
		}
		s.Tests = len(s.Cases)
		all.Suites = append(all.Suites, s)
	}
	if len(r.Stale) > 0 {
		s := junitSuite{Name: "qiwicontract diff stale ignore entries"}
		for _, a := range r.Stale {
			s.Cases = append(s.Cases, junitCase{Name: a.ID, Classname: "stale", Failure: &junitMessage{
				Message: "stale ignore entry: matches no change; drop it", Type: "stale", Text: a.Kind + " " + a.Subject}})
		}
		s.Tests, s.Failures = len(s.Cases), len(s.Cases)
		all.Suites = append(all.Suites, s)
	}
	for _, s := range all.Suites {
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

var sarifLevel = map[Level]string{BreakingWire: "error", BreakingGo: "error", Warning: "warning", Info: "note"}

// WriteSARIF writes the report as SARIF 2.1.0: one rule per rule ID, one result per change
// at its line in the new document (the old for a removal), with its JSON pointers as logical
// locations and its overlay line as a related location; accepted changes carry an external
// suppression with the ignore file's reason.
func (r *Report) WriteSARIF(w io.Writer) error {
	rep, err := sarif.New(sarif.Version210)
	if err != nil {
		return err
	}
	run := sarif.NewRunWithInformationURI("qiwicontract diff", "https://github.com/qiwigen/qiwigen")
	for _, rule := range Rules {
		run.AddRule(rule.ID).WithDescription(rule.English).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel[rule.Level]))
	}
	for _, c := range r.Changes {
		res := run.CreateResultForRule(c.Rule).WithLevel(sarifLevel[c.Level]).
			WithMessage(sarif.NewTextMessage(c.String())).
			WithPartialFingerPrints(map[string]any{"qiwiDiff/v1": c.ID})
		file, line := r.New, c.NewLine
		if c.NewPointer == "" {
			file, line = r.Old, c.OldLine
		}
		phys := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(file))
		if line > 0 {
			phys.WithRegion(sarif.NewSimpleRegion(line, line))
		}
		loc := sarif.NewLocation().WithPhysicalLocation(phys)
		for _, ptr := range slices.Compact([]string{c.OldPointer, c.NewPointer}) {
			if ptr != "" {
				loc.AddLogicalLocations(sarif.NewLogicalLocation().WithFullyQualifiedName(ptr).WithKind("member"))
			}
		}
		res.AddLocation(loc)
		if file, line, ok := splitFileLine(c.Overlay); ok {
			res.AddRelatedLocation(sarif.NewLocation().WithPhysicalLocation(sarif.NewPhysicalLocation().
				WithArtifactLocation(sarif.NewSimpleArtifactLocation(file)).WithRegion(sarif.NewSimpleRegion(line, line))).
				WithMessage(sarif.NewTextMessage("the overlay that writes it")))
		}
		if c.Accepted != "" {
			// WithJustifcation: sic, the library's spelling.
			res.AddSuppression(sarif.NewSuppression("external").WithJustifcation(c.Accepted))
		}
	}
	rep.AddRun(run)
	return sarifout.Write(w, rep)
}

func splitFileLine(s string) (string, int, bool) {
	i := strings.LastIndex(s, ":")
	if i <= 0 {
		return "", 0, false
	}
	var line int
	if _, err := fmt.Sscan(s[i+1:], &line); err != nil || line <= 0 {
		return "", 0, false
	}
	return s[:i], line, true
}

var changelogWords = map[string]map[string]string{
	"en": {"title": "Changelog", "other": "Other changes", "breaking": "BREAKING", "warning": "warning", "accepted": "accepted", "none": "No changes."},
	"ru": {"title": "Список изменений", "other": "Прочие изменения", "breaking": "НЕСОВМЕСТИМО", "warning": "внимание", "accepted": "принято", "none": "Изменений нет."},
}

// WriteChangelog writes a summary per operation for people, in English ("en") or Russian
// ("ru"): each operation's changes (its own and those of the schemas it uses), then the
// changes no operation uses; breaking ones marked.
func (r *Report) WriteChangelog(w io.Writer, lang string) error {
	words, ok := changelogWords[lang]
	if !ok {
		return fmt.Errorf("changelog language %q: want en or ru", lang)
	}
	ew := &textout.Writer{W: w}
	ew.Printf("# %s\n", words["title"])
	if len(r.Changes) == 0 {
		ew.Printf("\n%s\n", words["none"])
		return ew.Err
	}
	byOp := map[string][]Change{}
	var other []Change
	for _, c := range r.Changes {
		if len(c.Operations) == 0 {
			other = append(other, c)
		}
		for _, op := range c.Operations {
			byOp[op] = append(byOp[op], c)
		}
	}
	line := func(c Change) {
		rule := ruleByID(c.Rule)
		text := rule.English
		if lang == "ru" {
			text = rule.Russian
		}
		mark := ""
		switch {
		case c.Level.Breaking():
			mark = "**" + words["breaking"] + "** "
		case c.Level == Warning:
			mark = "*" + words["warning"] + "* "
		}
		ew.Printf("- %s%s: `%s`", mark, text, c.Where)
		if c.Detail != "" {
			ew.Printf(" (%s)", c.Detail)
		}
		if c.Accepted != "" {
			ew.Printf(" — %s: %s", words["accepted"], c.Accepted)
		}
		ew.Printf("\n")
	}
	for _, op := range slices.Sorted(func(yield func(string) bool) {
		for k := range byOp {
			if !yield(k) {
				return
			}
		}
	}) {
		ew.Printf("\n## %s\n\n", op)
		for _, c := range byOp[op] {
			line(c)
		}
	}
	if len(other) > 0 {
		ew.Printf("\n## %s\n\n", words["other"])
		for _, c := range other {
			line(c)
		}
	}
	return ew.Err
}
