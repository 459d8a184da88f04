// Package overlays bundles the project's Overlay 1.0 documents, applied in file-name order.
package overlays

import (
	"embed"
	"io/fs"
	"sort"
)

//go:embed *.yaml
var files embed.FS

// File is one bundled overlay.
type File struct {
	// Name is the path it is reported under in errors, e.g. overlays/00-common.yaml.
	Name string
	// Data is the file's content.
	Data []byte
}

// Bundled returns the overlays in the order they apply.
func Bundled() ([]File, error) {
	names, err := fs.Glob(files, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]File, 0, len(names))
	for _, name := range names {
		data, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Name: "overlays/" + name, Data: data})
	}
	return out, nil
}
