// Command qiwigen generates a typed Go client for the QIWI APIs from a base OpenAPI spec
// and Overlay 1.0 documents.
//
// Without -spec it uses the spec and overlays bundled with the module, then applies the
// -overlay files given: a consuming repository needs only its own overlays.
//
// Exit status: 0 ok, 1 findings (a broken spec or overlay, located), 2 usage or unreadable
// input (a bad flag, an overlay folder without overlays, a file that cannot be read).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/qiwigen/qiwigen/generator"
)

type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("qiwigen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg                                     generator.Config
		specPath                                string
		overlays, include, exclude, excludeTags listFlag
		includeUndocumented, noBundledOverlays  bool
		asJSON                                  bool
	)
	fs.StringVar(&specPath, "spec", "", "base OpenAPI spec (default: the spec bundled with qiwigen)")
	fs.Var(&overlays, "overlay", "overlay file, or folder whose *.yaml and *.yml files are applied in name order, after the bundled ones; repeat or separate with commas")
	fs.BoolVar(&noBundledOverlays, "no-bundled-overlays", false, "do not apply qiwigen's own overlays first")
	fs.StringVar(&cfg.OutputDir, "out", "", "output directory for the generated Go files (required)")
	fs.StringVar(&cfg.PackageName, "package", "", "Go package name (default: last element of -out)")
	fs.StringVar(&cfg.ResolvedSpec, "resolved", "", "also write the spec after overlays to this file")
	fs.Var(&include, "include-operations", "keep only these operationIds (comma-separated)")
	fs.Var(&exclude, "exclude-operations", "drop these operationIds (comma-separated)")
	fs.Var(&excludeTags, "exclude-tags", `also drop operations with these tags (operations tagged "undocumented" are always dropped unless -include-undocumented)`)
	fs.BoolVar(&includeUndocumented, "include-undocumented", false, "keep operations that only the upstream crawl lists")
	fs.BoolVar(&asJSON, "json", false, "report the result, or the error with file, line and pointer, as JSON on standard output")
	fs.Usage = func() {
		fmt.Fprint(stderr, `qiwigen: generate a typed Go client for the QIWI APIs.

Usage:
  qiwigen [-spec SPEC] [-overlay FILE|DIR]... -out DIR [flags]

The base spec is loaded, the overlays are applied in order (a target that matches nothing
is an error), the result is validated, and the client is generated. Nothing is written
unless every step succeeds.

With no -spec, the spec and overlays bundled with qiwigen are used and the -overlay files
are applied after them. With -spec, only the -overlay files are applied.

Exit status: 0 ok; 1 findings: a broken spec or overlay (its file and line are named);
2 usage or unreadable input: a bad flag, a missing or unreadable file, an overlay folder
with no .yaml or .yml file.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if cfg.OutputDir == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "qiwigen: -out is required, and no positional arguments are taken")
		fs.Usage()
		return 2
	}
	if specPath != "" {
		cfg.Spec = generator.Source{Name: specPath}
	} else {
		base, bundled, err := generator.Bundled()
		if err != nil {
			return fail(stdout, stderr, asJSON, err, 1)
		}
		cfg.Spec = base
		if !noBundledOverlays {
			cfg.Overlays = bundled
		}
	}
	for _, o := range overlays {
		paths, err := expandOverlay(o)
		if err != nil {
			return fail(stdout, stderr, asJSON, err, 2)
		}
		cfg.Overlays = append(cfg.Overlays, generator.Files(paths...)...)
	}
	cfg.IncludeOperations = include
	cfg.ExcludeOperations = exclude
	cfg.ExcludeTags = excludeTags
	cfg.IncludeUndocumented = includeUndocumented
	if info, err := os.Stat(cfg.OutputDir); err == nil && !info.IsDir() {
		fmt.Fprintf(stderr, "qiwigen: -out %s is a file, not a directory\n", cfg.OutputDir)
		return 2
	}
	out, err := generator.Run(ctx, cfg)
	if err == nil {
		err = out.Write()
	}
	if err != nil {
		status := 1
		if errors.Is(err, generator.ErrUnknownSelection) || errors.Is(err, generator.ErrUnreadable) {
			status = 2 // a flag names what the spec lacks, or a file cannot be read
		}
		return fail(stdout, stderr, asJSON, err, status)
	}
	names := slices.Sorted(maps.Keys(out.Files))
	if asJSON {
		if err := writeJSON(stdout, map[string]any{"ok": true, "outputDir": cfg.OutputDir, "files": names, "resolvedSpec": cfg.ResolvedSpec}); err != nil {
			fmt.Fprintln(stderr, "qiwigen: writing the JSON report:", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stdout, "qiwigen: wrote %d files to %s\n", len(out.Files), cfg.OutputDir)
	return 0
}

// fail reports err on stderr, and as JSON on stdout with -json, and returns status.
func fail(stdout, stderr io.Writer, asJSON bool, err error, status int) int {
	fmt.Fprintln(stderr, "qiwigen:", err)
	if asJSON {
		if werr := writeJSON(stdout, errorReport(err)); werr != nil {
			fmt.Fprintln(stderr, "qiwigen: writing the JSON report:", werr)
		}
	}
	return status
}

// errorReport is the machine-readable form of a failed run.
func errorReport(err error) map[string]any {
	r := map[string]any{"ok": false, "error": err.Error()}
	var ie *generator.InputError
	if errors.As(err, &ie) {
		r["file"], r["kind"] = ie.File, ie.Kind.Error()
		if ie.Line > 0 {
			r["line"] = ie.Line
		}
		if ie.Column > 0 {
			r["column"] = ie.Column
		}
		if ie.Pointer != "" {
			r["pointer"] = ie.Pointer
		}
	}
	return r
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// expandOverlay turns a folder into its overlay files, *.yaml and *.yml together in name
// order; a folder with none is an error, as an overlay that is lost without a word would be.
func expandOverlay(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("overlay %s: %w", path, err)
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("overlay folder %s: %w", path, err)
	}
	var paths []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			paths = append(paths, filepath.Join(path, e.Name()))
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("overlay folder %s holds no overlay (no .yaml or .yml file)", path)
	}
	return paths, nil
}
