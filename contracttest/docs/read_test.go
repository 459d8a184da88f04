package docs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A line longer than any scanner buffer is read whole, and what follows it is still read.
func TestLongLineDoesNotEndThePage(t *testing.T) {
	long := strings.Repeat("x", 5<<20) // over the 4 MiB a bufio.Scanner was given
	page := "# Before {#before}\n\n" + long + "\n\n## After {#after}\n\n~~~json\n{\"a\": 1}\n~~~\n"
	p := Parse("long.md", []byte(page))
	require.Len(t, p.Lines, 9)
	assert.Len(t, p.Lines[2], len(long))
	require.Len(t, p.Sections, 2, "the section after the long line")
	assert.Equal(t, "After", p.Sections[1].Title)
	assert.Equal(t, 5, p.Sections[1].Pos.Line)
	require.Len(t, p.Blocks, 1)
	assert.Equal(t, `{"a": 1}`, p.Blocks[0].Text)
}

// Lines split as bufio.ScanLines split them: no line after a final newline, \r dropped.
func TestParseLines(t *testing.T) {
	for text, want := range map[string][]string{
		"":           {},
		"a":          {"a"},
		"a\n":        {"a"},
		"a\r\nb\r\n": {"a", "b"},
		"a\n\n":      {"a", ""},
		"\n":         {""},
	} {
		assert.Equal(t, want, append([]string{}, Parse("p.md", []byte(text)).Lines...), "%q", text)
	}
}

// A symlink to a page inside the folder is read as that page.
func TestReadDirFollowsLinksInside(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "a.md"), []byte("# A\n"), 0o600))
	require.NoError(t, os.Symlink(filepath.Join("sub", "a.md"), filepath.Join(dir, "b.md")))
	files, err := ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, files, 2)
	assert.Equal(t, filepath.Join(dir, "b.md"), files[0].Path)
	assert.Equal(t, "# A\n", string(files[0].Data))
}

// A page over MaxPageSize is an error naming it, read by ReadDir or ParseFile; one at the
// bound is read.
func TestPageSizeBound(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.md")
	require.NoError(t, os.WriteFile(big, make([]byte, MaxPageSize+1), 0o600))
	_, err := ReadDir(dir)
	require.ErrorIs(t, err, ErrUnreadable)
	assert.Contains(t, err.Error(), big)
	_, err = ParseFile(big)
	require.ErrorIs(t, err, ErrUnreadable)

	require.NoError(t, os.Truncate(big, MaxPageSize))
	files, err := ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, files[0].Data, MaxPageSize)
}
