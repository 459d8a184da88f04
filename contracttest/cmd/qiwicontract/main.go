// Command qiwicontract is the contract harness for CI: it judges recorded interactions by
// the spec and by the generated client, and checks the spec, the docs and the merchant's
// books against QIWI.
//
//	qiwicontract replay [flags] PATH...        judge fixtures, HAR files, go-vcr cassettes
//	qiwicontract extract --docs DIR [flags]    write the fixtures extracted from QIWI's docs
//	qiwicontract diff [flags] OLD NEW          compare two OpenAPI documents (files or REV:path)
//	qiwicontract drift --docs DIR [flags]      compare QIWI's documentation pages with the spec
//	qiwicontract reconcile --report FILE... --ledger FILE [flags]
//	                                           QIWI's daily report against the merchant's ledger
//	qiwicontract sandbox [flags]               an emulator of QIWI's APIs in test mode
//	qiwicontract probe --base-url URL --key SITE=KEY [flags]
//	                                           walk the spec's flows against a live endpoint
//	qiwicontract proxy --upstream URL [flags]  a reverse proxy judging the traffic through it
//
// "qiwicontract help COMMAND" (or COMMAND -h) shows a command's flags and examples; flags may
// follow the arguments. Exit status: 0 ok, 1 findings, 2 bad usage or unreadable input.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/contracttest/diff"
	"github.com/qiwigen/qiwigen/contracttest/extract"
	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/replay"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/overlays"
	"github.com/qiwigen/qiwigen/spec"
	"github.com/qiwigen/qiwigen/spec/load"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		writeUsage(stderr)
		return 2
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help":
		writeUsage(stdout)
		return 0
	case "help":
		if len(rest) == 0 {
			writeUsage(stdout)
			return 0
		}
		if _, ok := lookup(rest[0]); !ok {
			fmt.Fprintf(stderr, "qiwicontract help: unknown command %q\n\n", rest[0])
			writeUsage(stderr)
			return 2
		}
		// The subcommand writes its own help, from the flags it parses with.
		name, rest = rest[0], []string{"-h"}
	}
	switch name {
	case "replay":
		return runReplay(ctx, rest, stdout, stderr)
	case "extract":
		return runExtract(rest, stdout, stderr)
	case "diff":
		return runDiff(rest, stdout, stderr)
	case "drift":
		return runDrift(rest, stdout, stderr)
	case "reconcile":
		return runReconcile(rest, stdout, stderr)
	case "sandbox":
		return runSandbox(ctx, rest, stdout, stderr)
	case "probe":
		return runProbe(ctx, rest, stdout, stderr)
	case "proxy":
		return runProxy(ctx, rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "qiwicontract: unknown command %q\n\n", name)
	writeUsage(stderr)
	return 2
}

func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	specPath := fs.String("spec", "", "resolved spec `FILE` to judge by (default: the bundled spec/qiwi.resolved.yaml)")
	strict := fs.Bool("strict", false, "undocumented fields fail instead of warn")
	junit := fs.String("junit", "", "also write JUnit XML to this `FILE`")
	markdown := fs.String("markdown", "", "also write a Markdown summary to this `FILE`")
	asJSON := fs.Bool("json", false, "write the results as JSON instead of text")
	against := fs.String("against", "", "send the recorded requests to this live `URL` (the sandbox, a staging key) and list where its answers differ from the recorded ones")
	paths, status, ok := parseArgs(fs, args, stdout, stderr)
	if !ok {
		return status
	}
	// The replay's errors name the file (fixture's) or the flag's file, not the command.
	fail := failer(stderr, "")
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "qiwicontract replay: no PATH given (a fixture .json, HAR .har or go-vcr .yaml file, or a directory of them)")
		return 2
	}
	if *against != "" && (*junit != "" || *markdown != "" || *asJSON) {
		fmt.Fprintln(stderr, "qiwicontract replay: --against lists the differences as text: --junit, --markdown and --json do not apply to it")
		return 2
	}
	specData := spec.Resolved
	if *specPath != "" {
		var err error
		if specData, err = os.ReadFile(*specPath); err != nil {
			return fail(err)
		}
	}
	judge, err := verdict.New(specData)
	if err != nil {
		return fail(err)
	}
	if *against != "" {
		return runAgainst(ctx, judge, *against, paths, *strict, stdout, stderr)
	}
	// Interactions are read and judged one at a time, so memory does not grow with the
	// corpus. JUnit's case names need a first pass that counts them; without --junit an
	// unreadable file is found when the stream reaches it (exit 2, after the lines before).
	var names *replay.CaseNames
	if *junit != "" {
		names = replay.NewCaseNames()
		n := 0
		for in, err := range fixture.Each(paths...) {
			if err != nil {
				return fail(err)
			}
			n++
			names.Count(in)
		}
		if n == 0 {
			return noInteractions(stderr, paths)
		}
	}
	if os.Getenv("GOGC") == "" {
		// Streaming keeps the live heap small (a few MB), so the default GOGC collects
		// every few MB of garbage; 400 spends less CPU on it and still holds memory flat.
		debug.SetGCPercent(400)
	}
	var doc *openapi3.T
	if *markdown != "" {
		if doc, err = load.Document(specData); err != nil {
			return fail(err)
		}
	}
	summary := replay.NewSummary(*strict)
	var spool *os.File
	var spooled *bufio.Writer
	if names != nil {
		if spool, err = os.CreateTemp("", "qiwicontract-junit-*"); err != nil {
			return fail(err)
		}
		defer os.Remove(spool.Name())
		defer spool.Close()
		spooled = bufio.NewWriter(spool)
		summary.SpoolJUnit(spooled, names)
	}
	out := bufio.NewWriter(stdout)
	var asArray *replay.JSONWriter
	if *asJSON {
		// Every output carries the recordings and findings scrubbed, JSON as well as text,
		// JUnit and Markdown.
		asArray = replay.NewJSONWriter(out)
	}
	err = replay.Stream(ctx, judge, fixture.Each(paths...), runtime.GOMAXPROCS(0), func(res verdict.Result) error {
		summary.Add(res)
		if asArray != nil {
			return asArray.Write(res)
		}
		return replay.WriteResult(out, res, *strict)
	})
	passed, failed, defects := summary.Counts()
	if err == nil && passed+failed+defects == 0 {
		return noInteractions(stderr, paths)
	}
	if err == nil {
		if asArray != nil {
			err = asArray.Close()
		} else {
			err = replay.WriteTotals(out, passed, failed, defects)
		}
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		out.Flush()
		return fail(err)
	}
	if spool != nil {
		err := spooled.Flush()
		if err == nil {
			_, err = spool.Seek(0, io.SeekStart)
		}
		if err == nil {
			err = writeTo(*junit, func(w io.Writer) error { return summary.WriteJUnit(w, bufio.NewReader(spool)) })
		}
		if err != nil {
			return fail(err)
		}
	}
	if *markdown != "" {
		if err := writeTo(*markdown, func(w io.Writer) error { return summary.WriteMarkdown(w, doc) }); err != nil {
			return fail(err)
		}
	}
	if !summary.OK() {
		return 1
	}
	return 0
}

func runExtract(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	docsDir := fs.String("docs", "", "folder `DIR` of QIWI documentation pages (required)")
	vectors := fs.String("vectors", "", "signature vectors `FILE` for documented notifications: tab-separated type, page#anchor, secret, signed text, hex HMAC-SHA256")
	out := fs.String("out", "", "fixture `FILE` to write (default: standard output)")
	keep := fs.Bool("no-scrub", false, "keep the docs' sample keys, card numbers and signatures as written (signature checks need them)")
	rest, status, ok := parseArgs(fs, args, stdout, stderr)
	if !ok {
		return status
	}
	fail := failer(stderr, "extract")
	if len(rest) > 0 {
		return noArguments(stderr, "extract", rest, func(arg string) string {
			if *docsDir == "" && isDir(arg) {
				return "--docs"
			}
			if *out == "" && !isDir(arg) {
				return "--out"
			}
			return ""
		})
	}
	if *docsDir == "" {
		return fail(errors.New("--docs DIR is required"))
	}
	var vs []extract.Vector
	if *vectors != "" {
		var err error
		if vs, err = extract.ReadVectors(*vectors); err != nil {
			return fail(err)
		}
	}
	notes, err := extract.Declarations(spec.Resolved)
	if err != nil {
		return fail(err)
	}
	ins, err := extract.Dir(*docsDir, notes, vs)
	if err != nil {
		return fail(err)
	}
	if !*keep {
		for i := range ins {
			fixture.Scrub(&ins[i])
		}
	}
	data, err := fixture.Marshal(ins)
	if err != nil {
		return fail(err)
	}
	if *out == "" {
		if _, err := stdout.Write(data); err != nil {
			return fail(err)
		}
		return 0
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "qiwicontract: wrote %d interactions to %s\n", len(ins), *out)
	return 0
}

// noInteractions refuses a replay that found nothing to judge: judging nothing must not pass
// a CI job. It returns the exit status, 2.
func noInteractions(stderr io.Writer, paths []string) int {
	fmt.Fprintf(stderr, "qiwicontract replay: no interactions found in %s (fixture .json, HAR .har and go-vcr .yaml files, directories searched for them)\n",
		strings.Join(paths, ", "))
	return 2
}

// failer returns a subcommand's report of unusable input: the error on stderr after
// "qiwicontract COMMAND:" (after "qiwicontract:" when command is ""), status 2.
func failer(stderr io.Writer, command string) func(error) int {
	prefix := "qiwicontract:"
	if command != "" {
		prefix = "qiwicontract " + command + ":"
	}
	return func(err error) int {
		fmt.Fprintln(stderr, prefix, err)
		return 2
	}
}

// writeTo writes a report to a file only when it was produced whole.
func writeTo(path string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func runDiff(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	format := fs.String("format", "text", "output `FORMAT`: "+strings.Join(diff.Formats, ", "))
	asJSON := fs.Bool("json", false, "write the changes as JSON (--format json)")
	failOn := fs.String("fail-on", "breaking", "exit 1 on changes at this `LEVEL` or above: breaking (on the wire or for the Go client), warning or never")
	ignorePath := fs.String("ignore", "", "accepted changes `FILE` (JSON, drift's baseline shape: findings with id and reason)")
	lang := fs.String("lang", "en", "the changelog's `LANGUAGE`: en or ru")
	overlayDir := fs.String("overlays", "", "overlays `DIR` the new document was made with, for each change's overlay line (default: the bundled overlays/)")
	paths, status, ok := parseArgs(fs, args, stdout, stderr)
	if !ok {
		return status
	}
	fail := failer(stderr, "diff")
	if len(paths) != 2 {
		got := fmt.Sprint(len(paths))
		for _, p := range paths {
			got += " " + strconv.Quote(p)
		}
		fmt.Fprintf(stderr, "qiwicontract diff: want two arguments, OLD and NEW: got %s\n", got)
		return 2
	}
	if *asJSON {
		if *format != "text" && *format != "json" {
			return fail(fmt.Errorf("--json and --format %s exclude each other", *format))
		}
		*format = "json"
	}
	if !slices.Contains(diff.Formats, *format) {
		return fail(fmt.Errorf("--format %q: want %s", *format, strings.Join(diff.Formats, ", ")))
	}
	var level diff.Level
	switch *failOn {
	case "breaking":
		level = diff.BreakingGo
	case "warning":
		level = diff.Warning
	case "never":
	default:
		return fail(fmt.Errorf("--fail-on %q: want breaking, warning or never", *failOn))
	}
	if *lang != "en" && *lang != "ru" {
		return fail(fmt.Errorf("--lang %q: want en or ru", *lang))
	}
	var opts diff.Options
	var err error
	if *overlayDir == "" {
		opts.Overlays, err = overlays.Bundled()
	} else if opts.Overlays, err = overlays.Dir(*overlayDir); err == nil && len(opts.Overlays) == 0 {
		err = fmt.Errorf("--overlays %s: no *.yaml file", *overlayDir)
	}
	if err != nil {
		return fail(err)
	}
	var ignore *diff.Ignore
	if *ignorePath != "" {
		if ignore, err = diff.ReadIgnore(*ignorePath); err != nil {
			return fail(err)
		}
	}
	var docs [2][]byte
	for i, path := range paths {
		data, err := diff.ReadInput(".", path)
		if err != nil {
			return fail(fmt.Errorf("%s: %w", []string{"OLD", "NEW"}[i], err))
		}
		docs[i] = data
	}
	report, err := diff.CompareWith(docs[0], docs[1], opts)
	if err != nil {
		return fail(err)
	}
	report.Old, report.New = paths[0], paths[1]
	ignore.Apply(&report)
	if err := report.Write(stdout, *format, level, *lang); err != nil {
		fmt.Fprintln(stderr, "qiwicontract:", err)
		return 2
	}
	if report.Failing(level) > 0 {
		return 1
	}
	return 0
}
