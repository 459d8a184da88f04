package overlays_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/overlays"
)

// The bundled overlays are this folder's *.yaml files, in name order, named overlays/NAME.
func TestBundledIsTheFolder(t *testing.T) {
	bundled, err := overlays.Bundled()
	require.NoError(t, err)
	onDisk, err := overlays.Dir(".")
	require.NoError(t, err)
	require.NotEmpty(t, bundled)
	require.Len(t, bundled, len(onDisk))
	for i, f := range bundled {
		assert.Equal(t, "overlays/"+onDisk[i].Name, f.Name)
		assert.Equal(t, onDisk[i].Data, f.Data, f.Name)
	}
}

// Dir reads a folder's *.yaml files in name order, each named by its path; other files are
// not overlays; an empty or missing folder has none; an unreadable overlay is an error
// naming it.
func TestDir(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{"20-b.yaml": "b", "10-a.yaml": "a", "notes.md": "no", "30-c.yml": "no"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	files, err := overlays.Dir(dir)
	require.NoError(t, err)
	assert.Equal(t, []overlays.File{
		{Name: filepath.Join(dir, "10-a.yaml"), Data: []byte("a")},
		{Name: filepath.Join(dir, "20-b.yaml"), Data: []byte("b")},
	}, files)

	for _, empty := range []string{t.TempDir(), filepath.Join(dir, "absent")} {
		files, err := overlays.Dir(empty)
		require.NoError(t, err)
		assert.Empty(t, files, empty)
	}

	unreadable := filepath.Join(dir, "15-dir.yaml")
	require.NoError(t, os.Mkdir(unreadable, 0o755))
	_, err = overlays.Dir(dir)
	assert.ErrorContains(t, err, unreadable)
}
