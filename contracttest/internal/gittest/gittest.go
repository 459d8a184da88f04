// Package gittest makes git repositories for tests (the diff package's and the command's
// REV:path inputs): git runs with no user or system configuration, so the machine's settings
// (a signing key, hooks, a default branch) do not reach it.
package gittest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Git runs git in dir with no user or system configuration; a failure fails the test with
// git's output.
func Git(t testing.TB, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
}

// Repo makes a git repository in a temporary folder with one commit per edition of the file
// at path (slash-separated, below the folder), in order, and returns the folder. It skips the
// test when git is not on PATH.
func Repo(t testing.TB, path string, editions ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git on PATH")
	}
	dir := t.TempDir()
	Git(t, dir, "init", "-q")
	file := filepath.Join(dir, filepath.FromSlash(path))
	require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o755))
	for i, edition := range editions {
		require.NoError(t, os.WriteFile(file, []byte(edition), 0o644))
		Git(t, dir, "add", path)
		Git(t, dir, "commit", "-q", "--allow-empty", "-m", "edition "+string(rune('a'+i)))
	}
	return dir
}
