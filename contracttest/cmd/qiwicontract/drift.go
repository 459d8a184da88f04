package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/qiwigen/qiwigen/contracttest/drift"
	"github.com/qiwigen/qiwigen/overlays"
	"github.com/qiwigen/qiwigen/spec"
)

func runDrift(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("drift", flag.ContinueOnError)
	docsDir := fs.String("docs", "", "folder `DIR` of QIWI documentation pages (required)")
	specPath := fs.String("spec", "", "resolved spec `FILE` to compare with (default: the bundled spec/qiwi.resolved.yaml)")
	baselinePath := fs.String("baseline", "", "accepted findings `FILE` (default: the bundled "+spec.DriftBaselineName+" when --spec is not given)")
	noBaseline := fs.Bool("no-baseline", false, "accept no finding")
	format := fs.String("format", "text", "output `FORMAT`: text, markdown, json or sarif")
	writeBaseline := fs.String("write-baseline", "", "write a baseline accepting every current finding to this `FILE`")
	suggest := fs.String("suggest", "", "write an Overlay 1.0 `FILE` that fixes the new findings whose fix is mechanical, for qiwigen -overlay; list the others on standard error")
	rest, status, ok := parseArgs(fs, args, stdout, stderr)
	if !ok {
		return status
	}
	fail := failer(stderr, "drift")
	switch {
	case len(rest) > 0:
		return noArguments(stderr, "drift", rest, func(arg string) string {
			if *docsDir == "" && isDir(arg) {
				return "--docs"
			}
			return ""
		})
	case *docsDir == "":
		return fail(errors.New("--docs DIR is required"))
	case *noBaseline && *baselinePath != "":
		return fail(errors.New("--baseline and --no-baseline exclude each other"))
	}
	switch *format {
	case "text", "markdown", "json", "sarif":
	default:
		return fail(fmt.Errorf("--format %q: want text, markdown, json or sarif", *format))
	}

	specData, specName := spec.Resolved, "spec/qiwi.resolved.yaml"
	var baseline *drift.Baseline
	var err error
	if *specPath != "" {
		if specData, err = os.ReadFile(*specPath); err != nil {
			return fail(err)
		}
		specName = *specPath
	} else if !*noBaseline && *baselinePath == "" {
		if baseline, err = drift.ParseBaseline(spec.DriftBaselineName, spec.DriftBaseline); err != nil {
			return fail(err)
		}
	}
	if *baselinePath != "" {
		if baseline, err = drift.ReadBaseline(*baselinePath); err != nil {
			return fail(err)
		}
	}
	bundled, err := overlays.Bundled()
	if err != nil {
		return fail(err)
	}
	inv, s, findings, err := drift.Run(*docsDir, specData, bundled)
	if errors.Is(err, drift.ErrSpec) {
		return fail(fmt.Errorf("%s: %w", specName, err))
	}
	if err != nil {
		return fail(err)
	}
	report := &drift.Report{Pages: inv.Pages, Findings: findings}
	report.Stale = baseline.Apply(report.Findings)

	if *writeBaseline != "" {
		if err := writeTo(*writeBaseline, func(w io.Writer) error {
			return drift.NewBaseline(report.Findings, baseline, s.SpecReason).Write(w)
		}); err != nil {
			return fail(err)
		}
	}
	if *suggest != "" {
		if err := writeSuggestion(*suggest, s, inv, report.Findings, stderr); err != nil {
			return fail(err)
		}
	}
	switch *format {
	case "markdown":
		err = report.WriteMarkdown(stdout)
	case "json":
		err = report.WriteJSON(stdout)
	case "sarif":
		err = report.WriteSARIF(stdout, specName)
	default:
		err = report.WriteText(stdout)
	}
	if err != nil {
		return fail(err)
	}
	if report.Failing() > 0 {
		return 1
	}
	return 0
}

// writeSuggestion writes the overlay of drift --suggest, and lists on stderr the findings it
// leaves to a maintainer. With no mechanical fix it writes no file: an overlay needs an action.
func writeSuggestion(path string, s *drift.Spec, inv *drift.Inventory, findings []drift.Finding, stderr io.Writer) error {
	sg, err := s.Suggest(inv, findings)
	if err != nil {
		return err
	}
	if len(sg.Actions) == 0 {
		fmt.Fprintf(stderr, "qiwicontract drift: --suggest: %s; %s not written\n", drift.ErrNothingToSuggest, path)
	} else {
		if err := writeTo(path, sg.WriteOverlay); err != nil {
			return fmt.Errorf("--suggest: %w", err)
		}
		fmt.Fprintf(stderr, "qiwicontract drift: --suggest: %d actions fixing %d findings written to %s\n", len(sg.Actions), len(sg.Fixed), path)
	}
	if len(sg.Unfixed) > 0 {
		fmt.Fprintf(stderr, "qiwicontract drift: --suggest: %d findings have no mechanical fix:\n", len(sg.Unfixed))
		if err := sg.WriteUnfixed(stderr); err != nil {
			return err
		}
	}
	return nil
}
