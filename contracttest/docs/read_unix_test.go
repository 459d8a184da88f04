//go:build unix

package docs

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ReadDir reads only regular files inside the folder: a FIFO (which hung the run), a
// symlink to a device (which filled the memory) and a symlink out of the folder (read as a
// page) are errors naming the file.
func TestReadDirRefusesWhatIsNoPage(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.md")
	require.NoError(t, os.WriteFile(outside, []byte("# Secret\n"), 0o600))
	cases := map[string]func(dir string) error{
		"fifo.md": func(dir string) error {
			return syscall.Mkfifo(filepath.Join(dir, "fifo.md"), 0o600)
		},
		"zero.md": func(dir string) error {
			if _, err := os.Stat("/dev/zero"); err != nil {
				t.Skip("no /dev/zero")
			}
			return os.Symlink("/dev/zero", filepath.Join(dir, "zero.md"))
		},
		"out.md": func(dir string) error {
			return os.Symlink(outside, filepath.Join(dir, "out.md"))
		},
		"up.md": func(dir string) error {
			rel, err := filepath.Rel(filepath.Join(dir, "sub"), outside)
			if err != nil {
				return err
			}
			return os.Symlink(rel, filepath.Join(dir, "sub", "up.md"))
		},
	}
	for name, make := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o700))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "ok.md"), []byte("# OK\n"), 0o600))
			if err := make(dir); err != nil {
				t.Skip("cannot make it here:", err)
			}
			_, err := ReadDir(dir)
			require.ErrorIs(t, err, ErrUnreadable)
			assert.Contains(t, err.Error(), name)
		})
	}
}

// ParseFile refuses a FIFO rather than wait for a writer.
func TestParseFileRefusesFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "f.md")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO here:", err)
	}
	_, err := ParseFile(fifo)
	require.ErrorIs(t, err, ErrUnreadable)
	assert.Contains(t, err.Error(), "FIFO")
}
