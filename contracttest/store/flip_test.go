package store

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inUse returns the offsets of the bytes of the pages a store file uses, in order.
func inUse(t *testing.T, data []byte) []int {
	l, err := check(bytes.NewReader(data), int64(len(data)), func([][]byte, []byte, []byte, bool) error { return nil })
	require.NoError(t, err)
	var pages []int
	for id := range l.pages {
		pages = append(pages, int(id))
	}
	sort.Ints(pages)
	var at []int
	for _, id := range pages {
		for i := range int(l.pageSize) {
			at = append(at, id*int(l.pageSize)+i)
		}
	}
	return at
}

// 80 random byte changes in the pages a store uses: each file either reads exactly as before
// or is an error saying it is damaged or foreign, never a crash and never other content.
func TestByteFlipsNeverChangeContentSilently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	build(t, path, sample())
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	at := inUse(t, orig)
	rng := rand.New(rand.NewPCG(21, 22))
	same, refused := 0, 0
	for i := range 80 {
		data := bytes.Clone(orig)
		pos := at[rng.IntN(len(at))]
		data[pos] ^= byte(1 + rng.IntN(255))
		flipped := filepath.Join(t.TempDir(), "flipped.db")
		require.NoError(t, os.WriteFile(flipped, data, 0o600))
		got, err := dump(flipped, Options{})
		if err != nil {
			refused++
			assert.True(t, errors.Is(err, ErrDamaged) || errors.Is(err, ErrForeign), "flip %d at %d: %v", i, pos, err)
			assert.Contains(t, err.Error(), flipped)
			continue
		}
		same++
		assert.Equal(t, want(sample()), got, "flip %d at byte %d (page %d) changed the content silently", i, pos, pos/1024)
	}
	t.Logf("of 80 byte flips in pages in use: %d read as before, %d refused", same, refused)
	assert.Positive(t, refused)
}
