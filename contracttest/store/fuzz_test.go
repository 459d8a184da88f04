package store

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// bases are the whole store files FuzzOpen changes: a tiny one (inline buckets) and
// sample() (a bucket under a branch page, overflow pages, a freelist).
func bases(t testing.TB) [][]byte {
	tiny := filepath.Join(t.TempDir(), "tiny.db")
	build(t, tiny, map[string]map[string]string{"s": {"payment\x00p-1": `{"amount": "1.00"}`}, "t": {}})
	whole := filepath.Join(t.TempDir(), "sample.db")
	build(t, whole, sample())
	var out [][]byte
	for _, path := range []string{tiny, whole} {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		out = append(out, data)
	}
	return out
}

// editSize is the size of one edit of FuzzOpen's input: the offset (uint32), the kind (even:
// XOR a byte; odd: write a uint64, a page id say) and the operand (uint64).
const editSize = 13

// applyEdits changes a copy of base by edits.
func applyEdits(base, edits []byte) []byte {
	data := append([]byte(nil), base...)
	for ; len(edits) >= editSize; edits = edits[editSize:] {
		at := int(binary.LittleEndian.Uint32(edits) % uint32(len(data)))
		v := binary.LittleEndian.Uint64(edits[5:])
		if edits[4]%2 == 0 {
			data[at] ^= byte(v)
		} else if at+8 <= len(data) {
			order.PutUint64(data[at:], v)
		}
	}
	return data
}

// edit encodes one edit.
func edit(at int, put bool, v uint64) []byte {
	e := make([]byte, editSize)
	binary.LittleEndian.PutUint32(e, uint32(at))
	if put {
		e[4] = 1
	}
	binary.LittleEndian.PutUint64(e[5:], v)
	return e
}

// FuzzOpen opens damaged and crafted store files: each is read whole or refused as damaged
// or foreign, never a panic, a crash or a hang. The input picks a base file (0: tiny, 1:
// sample; other: the edits are the whole file) and its edits: byte flips and uint64 writes
// (a page pointing to itself, a bucket's root moved, ...). The committed seeds hold such
// crafted pages (TestWriteSeeds writes them).
func FuzzOpen(f *testing.F) {
	files := bases(f)
	f.Fuzz(func(t *testing.T, which uint8, edits []byte) {
		var data []byte
		if int(which) < len(files) {
			data = applyEdits(files[which], edits)
		} else {
			data = edits
		}
		path := filepath.Join(t.TempDir(), "f.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := dump(path, Options{Timeout: time.Second})
		if err != nil && !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrForeign) {
			t.Fatalf("neither damaged nor foreign: %v", err)
		}
	})
}

// seeds are FuzzOpen's committed inputs: each base whole, byte flips, and crafted pages: a
// branch page pointing to itself, a bucket whose root is the root bucket's page, a branch
// pointing to a meta page, a page's overflow past the file, a free page in use.
func seeds(t *testing.T) map[string][]any {
	c := craft(t)
	require.Equal(t, bases(t)[1], c.data, "craft builds sample()")
	freeEntry := int(c.freelist)*c.ps + pageHeaderSize
	return map[string][]any{
		"tiny":             {uint8(0), []byte{}},
		"sample":           {uint8(1), []byte{}},
		"flips":            {uint8(1), append(edit(100, false, 0xff), edit(5000, false, 0x01)...)},
		"branch-to-itself": {uint8(1), edit(c.elem(c.branch, 1)+8, true, c.branch)},
		"bucket-to-root":   {uint8(1), edit(c.leafValue(c.root, "many"), true, c.root)},
		"branch-to-meta":   {uint8(1), edit(c.elem(c.branch, 0)+8, true, 0)},
		"overflow":         {uint8(1), edit(int(c.leaf)*c.ps+8, true, uint64(leafPage)|1<<40)},
		"free-in-use":      {uint8(1), edit(freeEntry, true, c.leaf)},
		"raw":              {uint8(2), []byte("not a bbolt file")},
	}
}

// TestWriteSeeds writes FuzzOpen's seeds to testdata/fuzz/FuzzOpen when QIWI_WRITE_SEEDS=1,
// and otherwise checks that the crafted ones are refused.
func TestWriteSeeds(t *testing.T) {
	files := bases(t)
	write := os.Getenv("QIWI_WRITE_SEEDS") == "1"
	dir := filepath.Join("testdata", "fuzz", "FuzzOpen")
	for name, args := range seeds(t) {
		if write {
			require.NoError(t, os.MkdirAll(dir, 0o755))
			text := "go test fuzz v1\nuint8(" + itoa(int(args[0].(uint8))) + ")\n[]byte(" + quote(args[1].([]byte)) + ")\n"
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
			continue
		}
		which, edits := args[0].(uint8), args[1].([]byte)
		if int(which) >= len(files) || len(edits) == 0 || name == "flips" {
			continue
		}
		path := filepath.Join(t.TempDir(), name+".db")
		require.NoError(t, os.WriteFile(path, applyEdits(files[which], edits), 0o600))
		_, err := dump(path, Options{})
		require.ErrorIs(t, err, ErrDamaged, name)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func quote(b []byte) string { return strconv.Quote(string(b)) }
