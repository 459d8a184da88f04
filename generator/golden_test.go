package generator

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files of the generator's passes")

// The passes on a tiny spec (one PUT with a body, a GET, a list, an enum, a status, a
// secret member, a notification with its confirmation): each generated file is compared
// with its golden copy under testdata/tiny/golden. go test ./generator -run Golden -update
// rewrites them after an intended change; review the diff.
func TestPassesGolden(t *testing.T) {
	cfg := Config{Spec: Source{Name: "testdata/tiny/spec.yaml"}, OutputDir: t.TempDir(), PackageName: "tiny"}
	out, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	goldenDir := filepath.Join("testdata", "tiny", "golden")
	if *update {
		require.NoError(t, os.RemoveAll(goldenDir))
		require.NoError(t, os.MkdirAll(goldenDir, 0o755))
		for name, data := range out.Files {
			require.NoError(t, os.WriteFile(filepath.Join(goldenDir, name+".golden"), data, 0o644))
		}
	}
	entries, err := os.ReadDir(goldenDir)
	require.NoError(t, err)
	var goldens []string
	for _, e := range entries {
		goldens = append(goldens, e.Name())
	}
	var produced []string
	for name := range out.Files {
		produced = append(produced, name+".golden")
	}
	slices.Sort(produced)
	assert.Equal(t, goldens, produced, "the passes write exactly the golden files")
	for name, data := range out.Files {
		want, err := os.ReadFile(filepath.Join(goldenDir, name+".golden"))
		require.NoError(t, err)
		assert.Equal(t, string(want), string(data), "%s differs from its golden copy (run with -update after an intended change)", name)
	}
}
