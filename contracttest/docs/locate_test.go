package docs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvDir, dir)
	got, err := Locate()
	require.NoError(t, err)
	assert.Equal(t, filepath.Clean(dir), got)

	t.Setenv(EnvDir, filepath.Join(dir, "absent"))
	_, err = Locate()
	assert.ErrorIs(t, err, ErrNoDocs)
	assert.ErrorContains(t, err, "shared/ folder beside this repository")
	assert.ErrorContains(t, err, EnvDir)

	t.Setenv(EnvDir, "")
	got, err = Locate()
	if err == nil {
		_, statErr := os.Stat(filepath.Join(got, "payments"))
		assert.NoError(t, statErr, "the default place holds the payin pages")
	} else {
		assert.ErrorIs(t, err, ErrNoDocs)
	}
}
