package gittest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/internal/gittest"
)

// Repo commits each edition of the file in order, an unchanged one too; the work tree holds
// the last.
func TestRepo(t *testing.T) {
	dir := gittest.Repo(t, "spec/qiwi.resolved.yaml", "first\n", "second\n", "second\n")
	data, err := os.ReadFile(filepath.Join(dir, "spec", "qiwi.resolved.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "second\n", string(data))
	out, err := exec.Command("git", "-C", dir, "log", "--format=%s").Output()
	require.NoError(t, err)
	assert.Equal(t, []string{"edition c", "edition b", "edition a"}, strings.Split(strings.TrimSpace(string(out)), "\n"))
}
