package generator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/token"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Output is the result of a successful run, held in memory until Write.
type Output struct {
	// Resolved is the spec after all overlays, as YAML.
	Resolved []byte
	// Files maps file names inside the output directory to their Go source.
	Files map[string][]byte

	cfg Config
}

// Run executes every pass in memory: load, overlays, validation, code generation. It
// writes nothing; see Output.Write.
//
// Run may be called concurrently. oapi-codegen, which writes the models, keeps its options
// in package-global state, so concurrent Runs take turns through code generation (a
// package-level mutex): they load, apply overlays and validate in parallel, and generate
// one at a time.
func Run(ctx context.Context, cfg Config) (*Output, error) {
	if cfg.Spec.Name == "" && cfg.Spec.Data == nil {
		return nil, errors.New("generator: no base spec given")
	}
	if cfg.OutputDir == "" && cfg.PackageName == "" {
		return nil, errors.New("generator: no output directory or package name given")
	}
	if cfg.PackageName != "" && (!token.IsIdentifier(cfg.PackageName) || token.IsKeyword(cfg.PackageName)) {
		return nil, fmt.Errorf("generator: %q is not a Go package name", cfg.PackageName)
	}
	base, err := loadBase(cfg.Spec)
	if err != nil {
		return nil, err
	}
	parsed, err := parseOverlays(cfg.Overlays)
	if err != nil {
		return nil, err
	}
	spec, err := applyAll(base, parsed)
	if err != nil {
		return nil, err
	}
	doc, notes, err := validate(ctx, spec)
	if err != nil {
		return nil, blameInvalid(ctx, cfg, base, err)
	}
	if err := checkSelection(doc, cfg); err != nil {
		return nil, err
	}
	files, err := generateCode(doc, notes, cfg)
	if err != nil {
		return nil, err
	}
	return &Output{Resolved: spec, Files: files, cfg: cfg}, nil
}

func (c Config) packageName() string {
	if c.PackageName != "" {
		return c.PackageName
	}
	dir := filepath.Clean(c.OutputDir)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	// A package name from a directory name: lower-case letters and digits only, and not
	// starting with a digit ("my-client" gives myclient, "002" gives qiwi002).
	var b strings.Builder
	for _, r := range strings.ToLower(filepath.Base(dir)) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	name := b.String()
	if name == "" || (name[0] >= '0' && name[0] <= '9') || token.IsKeyword(name) {
		name = "qiwi" + name
	}
	return name
}

// Write writes the resolved spec (when configured) and the generated files. Each file is
// written to a temporary name and renamed into place, and files an earlier qiwigen run wrote
// that this run no longer produces are removed; every other file, other generators' output
// included, is left alone.
func (o *Output) Write() error {
	if o.cfg.ResolvedSpec != "" {
		if err := writeFileAtomic(o.cfg.ResolvedSpec, o.Resolved); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(o.cfg.OutputDir, 0o755); err != nil {
		return fmt.Errorf("generator: %w", err)
	}
	for _, name := range slices.Sorted(maps.Keys(o.Files)) {
		if err := writeFileAtomic(filepath.Join(o.cfg.OutputDir, name), o.Files[name]); err != nil {
			return err
		}
	}
	stale, err := filepath.Glob(filepath.Join(o.cfg.OutputDir, "*.gen.go"))
	if err != nil {
		return fmt.Errorf("generator: %w", err)
	}
	for _, path := range stale {
		if _, keep := o.Files[filepath.Base(path)]; keep || !writtenByUs(path) {
			continue
		}
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("generator: %w", err)
		}
	}
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil // unchanged: keep the file's timestamp
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("generator: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("generator: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("generator: write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("generator: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("generator: %w", err)
	}
	return nil
}

// blameInvalid finds what made the spec invalid: the base itself, or the first overlay
// after which it no longer validates. It runs only on the error path.
func blameInvalid(ctx context.Context, cfg Config, base []byte, final error) error {
	if _, _, err := validate(ctx, base); err != nil {
		return &InputError{File: cfg.Spec.Name, Kind: ErrBadSpec, Err: err}
	}
	spec := base
	for _, ov := range cfg.Overlays {
		next, err := applyOverlays(spec, []Source{ov})
		if err != nil {
			return err
		}
		if _, _, err := validate(ctx, next); err != nil {
			ie := &InputError{File: ov.Name, Kind: ErrInvalidSpec, Err: err}
			data, rerr := ov.read()
			if rerr != nil {
				// applyOverlays read it a moment ago; say so rather than lose either error.
				return &InputError{File: ov.Name, Kind: ErrInvalidSpec, Err: fmt.Errorf("%w (and rereading the overlay to locate it: %v)", err, rerr)}
			}
			locateInvalid(ie, next, data)
			return ie
		}
		spec = next
	}
	name := "the overlays together"
	if n := len(cfg.Overlays); n > 0 {
		name = cfg.Overlays[n-1].Name
	}
	return &InputError{File: name, Kind: ErrInvalidSpec, Err: final}
}

// writtenByUs reports whether a file starts with the header qiwigen writes.
func writtenByUs(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 64)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return false
	}
	return bytes.HasPrefix(head[:n], []byte("// Code generated by qiwigen"))
}
