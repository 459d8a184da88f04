package drift

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"
	"github.com/qiwigen/qiwigen/contracttest/internal/sarifout"
	"github.com/qiwigen/qiwigen/contracttest/internal/textout"
)

// Report is one run's result: the pages read, the findings with the baseline applied, and the
// baseline entries that match nothing any more.
type Report struct {
	Pages    []string   `json:"pages"`
	Findings []Finding  `json:"findings"`
	Stale    []Accepted `json:"stale,omitempty"`
}

// Failing counts the findings that fail the run.
func (r *Report) Failing() int { return len(Failing(r.Findings)) }

func (f Finding) state() string {
	switch {
	case f.Accepted != "":
		return "accepted"
	case f.Kind.Info():
		return "info"
	}
	return "NEW"
}

func (f Finding) where() string {
	var parts []string
	if f.Spec != "" {
		parts = append(parts, "spec "+f.Spec)
	}
	if f.Overlay != "" {
		parts = append(parts, "overlay "+f.Overlay)
	}
	return strings.Join(parts, ", ")
}

func page(f Finding) string {
	if f.Doc.File == "" {
		return "(the spec; no page)"
	}
	return f.Doc.File
}

// groups returns the findings grouped by page, then kind, in report order.
func (r *Report) groups(visit func(page string, kind Kind, fs []Finding)) {
	var pages []string
	byPage := map[string]map[Kind][]Finding{}
	for _, f := range r.Findings {
		p := page(f)
		if byPage[p] == nil {
			byPage[p] = map[Kind][]Finding{}
			pages = append(pages, p)
		}
		byPage[p][f.Kind] = append(byPage[p][f.Kind], f)
	}
	for _, p := range pages {
		for _, k := range Kinds {
			if fs := byPage[p][k]; len(fs) > 0 {
				visit(p, k, fs)
			}
		}
	}
}

// counts returns, per kind, the number of findings and of accepted ones.
func (r *Report) counts() (map[Kind]int, map[Kind]int) {
	all, accepted := map[Kind]int{}, map[Kind]int{}
	for _, f := range r.Findings {
		all[f.Kind]++
		if f.Accepted != "" {
			accepted[f.Kind]++
		}
	}
	return all, accepted
}

// WriteText writes the report for a terminal: the pages read, the findings grouped by page and
// kind, stale baseline entries, and a count line per kind. Text from the pages, the spec or
// the baseline goes through textout.Visible, so that a control character in it shows as an
// escape and does not drive the terminal.
func (r *Report) WriteText(w io.Writer) error {
	ew := &textout.Writer{W: w}
	ew.Printf("read %d pages: %s\n", len(r.Pages), textout.Visible(strings.Join(r.Pages, ", ")))
	r.groups(func(p string, k Kind, fs []Finding) {
		ew.Printf("\n%s — %s\n", textout.Visible(p), k)
		for _, f := range fs {
			if f.Doc.Line > 0 {
				ew.Printf("  %s %s line %d: %s", textout.Visible(f.ID), f.state(), f.Doc.Line, textout.Visible(f.Message))
			} else {
				ew.Printf("  %s %s: %s", textout.Visible(f.ID), f.state(), textout.Visible(f.Message))
			}
			if where := f.where(); where != "" {
				ew.Printf(" [%s]", textout.Visible(where))
			}
			if f.Accepted != "" {
				ew.Printf("\n      accepted: %s", textout.Visible(f.Accepted))
			}
			ew.Printf("\n")
		}
	})
	for _, a := range r.Stale {
		ew.Printf("\nstale baseline entry %s (%s %s): matches no finding; drop it\n", textout.Visible(a.ID), textout.Visible(string(a.Kind)), textout.Visible(a.Subject))
	}
	ew.Printf("\n")
	all, accepted := r.counts()
	for _, k := range Kinds {
		if all[k] > 0 {
			ew.Printf("%s: %d (%d accepted)\n", k, all[k], accepted[k])
		}
	}
	ew.Printf("%d findings, %d new\n", len(r.Findings), r.Failing())
	return ew.Err
}

// WriteMarkdown writes the report as Markdown, for a pull-request comment.
func (r *Report) WriteMarkdown(w io.Writer) error {
	ew := &textout.Writer{W: w}
	ew.Printf("## Documentation drift\n\n%d pages read, %d findings, **%d new**.\n", len(r.Pages), len(r.Findings), r.Failing())
	r.groups(func(p string, k Kind, fs []Finding) {
		ew.Printf("\n### `%s` — %s\n\n| ID | State | Line | Finding | Spec |\n|---|---|---|---|---|\n", textout.Visible(p), k)
		for _, f := range fs {
			msg := f.Message
			if f.Accepted != "" {
				msg += " — accepted: " + f.Accepted
			}
			ew.Printf("| %s | %s | %d | %s | %s |\n", f.ID, f.state(), f.Doc.Line, textout.Cell(msg), textout.Cell(f.where()))
		}
	})
	if len(r.Stale) > 0 {
		ew.Printf("\n### Stale baseline entries\n\n")
		for _, a := range r.Stale {
			ew.Printf("- %s (%s %s)\n", textout.Cell(a.ID), textout.Cell(string(a.Kind)), textout.Cell(a.Subject))
		}
	}
	all, accepted := r.counts()
	ew.Printf("\n| Kind | Findings | Accepted |\n|---|---|---|\n")
	for _, k := range Kinds {
		if all[k] > 0 {
			ew.Printf("| %s | %d | %d |\n", k, all[k], accepted[k])
		}
	}
	return ew.Err
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteSARIF writes the report as SARIF 2.1.0: one rule per kind, one result per finding at its
// page line (or, for spec-side findings, at the spec's JSON pointer as a logical location);
// accepted findings carry an external suppression with the baseline's reason.
func (r *Report) WriteSARIF(w io.Writer, specFile string) error {
	rep, err := sarif.New(sarif.Version210)
	if err != nil {
		return err
	}
	run := sarif.NewRunWithInformationURI("qiwicontract drift", "https://github.com/qiwigen/qiwigen")
	for _, k := range Kinds {
		run.AddRule(string(k)).WithDescription(string(k))
	}
	for _, f := range r.Findings {
		level := "error"
		if f.Kind.Info() {
			level = "note"
		}
		res := run.CreateResultForRule(string(f.Kind)).WithLevel(level).WithMessage(sarif.NewTextMessage(f.Message)).
			WithPartialFingerPrints(map[string]any{"qiwiDrift/v1": f.ID})
		loc := sarif.NewLocation()
		if f.Doc.File != "" {
			loc.WithPhysicalLocation(sarif.NewPhysicalLocation().
				WithArtifactLocation(sarif.NewSimpleArtifactLocation(f.Doc.File)).
				WithRegion(sarif.NewSimpleRegion(f.Doc.Line, f.Doc.Line)))
		} else {
			loc.WithPhysicalLocation(sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(specFile)))
		}
		if f.Spec != "" {
			loc.AddLogicalLocations(sarif.NewLogicalLocation().WithFullyQualifiedName(f.Spec).WithKind("member"))
		}
		res.AddLocation(loc)
		if f.Accepted != "" {
			// WithJustifcation: sic, the library's spelling.
			res.AddSuppression(sarif.NewSuppression("external").WithJustifcation(f.Accepted))
		}
	}
	rep.AddRun(run)
	return sarifout.Write(w, rep)
}
