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

// Every name the runtime exports is either re-exported by generated packages or listed as
// serving generated code only: a new runtime API cannot be forgotten in the one import.
func TestEveryRuntimeNameIsPlaced(t *testing.T) {
	files, err := filepath.Glob("qiwiruntime/*.go")
	require.NoError(t, err)
	exported := map[string]bool{}
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
				exported[n] = true
			}
		}
	}
	placed := slices.Concat(aliasTypes, aliasFuncs, aliasVars, aliasConsts, runtimeInternal)
	for n := range exported {
		assert.True(t, slices.Contains(placed, n), "qiwiruntime.%s is neither re-exported (aliaspass) nor listed as internal", n)
	}
	for _, n := range placed {
		assert.True(t, exported[n], "aliaspass names %s, which the runtime does not export", n)
	}
	assert.Greater(t, len(exported), 80)
}
