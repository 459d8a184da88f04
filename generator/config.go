package generator

import (
	"os"
	"slices"

	"github.com/qiwigen/qiwigen/overlays"
	"github.com/qiwigen/qiwigen/spec"
)

// Source is one input document: a file path, or bundled bytes reported under Name.
type Source struct {
	// Name is the file path, used to read the file when Data is nil and to name the
	// document in errors.
	Name string
	// Data, when not nil, is the document's content.
	Data []byte
}

// Files makes sources of file paths.
func Files(paths ...string) []Source {
	out := make([]Source, len(paths))
	for i, p := range paths {
		out[i] = Source{Name: p}
	}
	return out
}

func (s Source) read() ([]byte, error) {
	if s.Data != nil {
		return s.Data, nil
	}
	data, err := os.ReadFile(s.Name)
	if err != nil {
		return nil, unreadableError{err}
	}
	return data, nil
}

// Bundled returns the base spec and the overlays that ship with this module, so that a
// consuming repository generates the same client without a checkout of this one.
func Bundled() (Source, []Source, error) {
	files, err := overlays.Bundled()
	if err != nil {
		return Source{}, nil, err
	}
	ovs := make([]Source, len(files))
	for i, f := range files {
		ovs[i] = Source{Name: f.Name, Data: f.Data}
	}
	return Source{Name: spec.Name, Data: spec.QIWI}, ovs, nil
}

// Config is the data that drives one generator run. The zero value of every optional
// field means "the default".
type Config struct {
	// Spec is the base OpenAPI document (spec/qiwi.yaml).
	Spec Source
	// Overlays are OpenAPI Overlay 1.0 documents applied in order: the project's own first,
	// then a consuming repository's.
	Overlays []Source
	// OutputDir receives the generated Go files (gen/qiwi).
	OutputDir string
	// PackageName is the Go package name of the generated client; defaults to the last
	// element of OutputDir.
	PackageName string
	// ResolvedSpec, when set, receives the spec after overlays (spec/qiwi.resolved.yaml).
	ResolvedSpec string
	// IncludeOperations keeps only these operationIds; empty keeps all.
	IncludeOperations []string
	// ExcludeOperations drops these operationIds.
	ExcludeOperations []string
	// ExcludeTags drops operations with any of these tags, besides DefaultExcludeTags
	// unless IncludeUndocumented is set.
	ExcludeTags []string
	// IncludeUndocumented keeps the operations only the upstream crawl lists (it drops
	// DefaultExcludeTags from the exclusions).
	IncludeUndocumented bool
}

// DefaultExcludeTags leaves out operations that only the upstream crawl lists.
var DefaultExcludeTags = []string{"undocumented"}

// excludeTags are the tags whose operations are left out: the defaults, then the given ones.
func (c Config) excludeTags() []string {
	var out []string
	if !c.IncludeUndocumented {
		out = append(out, DefaultExcludeTags...)
	}
	for _, t := range c.ExcludeTags {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
