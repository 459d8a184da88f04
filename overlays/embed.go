// Package overlays bundles the project's Overlay 1.0 documents, applied in file-name order.
package overlays

import (
	"embed"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

//go:embed *.yaml
var files embed.FS

// File is one overlay.
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
	return read(names, files.ReadFile, func(name string) string { return "overlays/" + name })
}

// Dir returns the overlays of the folder dir, its *.yaml files in the order they apply (by
// name), each named by its path: dir joined with the file's name. A folder with no *.yaml
// file, or none at all, gives no overlay and no error.
func Dir(dir string) ([]File, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	return read(names, os.ReadFile, func(name string) string { return name })
}

// read reads the named files in name order; shown gives the name each is reported under.
func read(names []string, readFile func(string) ([]byte, error), shown func(string) string) ([]File, error) {
	sort.Strings(names)
	out := make([]File, 0, len(names))
	for _, name := range names {
		data, err := readFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Name: shown(name), Data: data})
	}
	return out, nil
}
