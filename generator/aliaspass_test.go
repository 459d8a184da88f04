package generator

import (
	"go/ast"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runtimeExports reads the exported names of each runtime package from its sources.
func runtimeExports(t *testing.T) map[string]string {
	t.Helper()
	home := map[string]string{}
	for _, pkg := range runtimePackages {
		files, err := filepath.Glob(filepath.Join("runtime", pkg, "*.go"))
		require.NoError(t, err)
		require.NotEmpty(t, files, pkg)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			names := map[string]bool{}
			require.NoError(t, declaredNames(src, names))
			for n := range names {
				if ast.IsExported(n) {
					_, dup := home[n]
					assert.False(t, dup, "%s is exported by two runtime packages, %s and %s", n, home[n], pkg)
					home[n] = pkg
				}
			}
		}
	}
	return home
}

// Every name the runtime exports is either re-exported by generated packages or listed as
// serving generated code or the runtime itself only: a new runtime API cannot be forgotten
// in the one import.
func TestEveryRuntimeNameIsPlaced(t *testing.T) {
	exported := runtimeExports(t)
	placed := slices.Concat(aliasTypes, aliasFuncs, aliasVars, aliasConsts, runtimeInternal)
	for n, pkg := range exported {
		assert.True(t, slices.Contains(placed, n), "%s.%s is neither re-exported (aliaspass) nor listed as internal", pkg, n)
	}
	for _, n := range placed {
		_, ok := exported[n]
		assert.True(t, ok, "aliaspass names %s, which the runtime does not export", n)
	}
	assert.Greater(t, len(exported), 80)
}

// The table the generator qualifies runtime names with is the runtime's own: each name in
// the package that declares it, and every exported name in the table.
func TestRuntimeHomeMatchesTheRuntime(t *testing.T) {
	assert.Equal(t, runtimeExports(t), runtimeHome)
}
