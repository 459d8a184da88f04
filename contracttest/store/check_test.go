package store

import (
	"bytes"
	"hash/fnv"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// file is a store file's bytes, with the reading the crafting tests need.
type file struct {
	t    *testing.T
	data []byte
	ps   int
}

func readFile(t *testing.T, path string) *file {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return &file{t: t, data: data, ps: int(order.Uint32(data[pageHeaderSize+8:]))}
}

// metaAt returns the offset of the newer meta (after its page header).
func (f *file) newerMeta() int {
	m0, m1 := pageHeaderSize, f.ps+pageHeaderSize
	if order.Uint64(f.data[m1+48:]) > order.Uint64(f.data[m0+48:]) {
		return m1
	}
	return m0
}

// resum rewrites the meta's checksum at offset m, as bbolt would.
func (f *file) resum(m int) {
	h := fnv.New64a()
	h.Write(f.data[m : m+56])
	order.PutUint64(f.data[m+56:], h.Sum64())
}

func (f *file) page(id uint64) []byte { return f.data[int(id)*f.ps : int(id+1)*f.ps] }

func (f *file) flags(id uint64) uint16 { return order.Uint16(f.page(id)[8:]) }

// elem is the offset in the file of element i of page id.
func (f *file) elem(id uint64, i int) int { return int(id)*f.ps + pageHeaderSize + i*elemSize }

// leafValue returns the offset in the file of the value under key in leaf page id.
func (f *file) leafValue(id uint64, key string) int {
	p := f.page(id)
	for i := range int(order.Uint16(p[10:])) {
		e := pageHeaderSize + i*elemSize
		pos, ks := int(order.Uint32(p[e+4:])), int(order.Uint32(p[e+8:]))
		if string(p[e+pos:e+pos+ks]) == key {
			return int(id)*f.ps + e + pos + ks
		}
	}
	f.t.Fatalf("no key %q in page %d", key, id)
	return 0
}

// crafted holds a store of sample() and the pages the cases change: the root bucket's leaf,
// the branch page of bucket "many" and one of its leaves, the freelist.
type crafted struct {
	*file
	root, branch, leaf, freelist uint64
}

func craft(t *testing.T) *crafted {
	path := filepath.Join(t.TempDir(), "s.db")
	build(t, path, sample())
	f := readFile(t, path)
	c := &crafted{file: f}
	m := f.newerMeta()
	c.root, c.freelist = order.Uint64(f.data[m+16:]), order.Uint64(f.data[m+32:])
	require.Equal(t, uint16(leafPage), f.flags(c.root))
	c.branch = order.Uint64(f.data[f.leafValue(c.root, "many"):])
	require.Equal(t, uint16(branchPage), f.flags(c.branch), "bucket many spans pages under a branch")
	c.leaf = order.Uint64(f.data[f.elem(c.branch, 1)+8:])
	require.Equal(t, uint16(leafPage), f.flags(c.leaf))
	require.Equal(t, uint16(freelistPage), f.flags(c.freelist))
	return c
}

// Crafted pages are errors naming the page, never a crash: each of these crashed bbolt or
// was read as if whole (a page pointing to itself overflowed the stack).
func TestCraftedPages(t *testing.T) {
	for name, tc := range map[string]struct {
		change func(c *crafted)
		want   string
	}{
		"a branch page pointing to itself": {func(c *crafted) {
			order.PutUint64(c.data[c.elem(c.branch, 1)+8:], c.branch)
		}, "reached twice"},
		"a bucket whose root is the root bucket's page": {func(c *crafted) {
			order.PutUint64(c.data[c.leafValue(c.root, "many"):], c.root)
		}, "reached twice"},
		"a branch pointing to a meta page": {func(c *crafted) {
			order.PutUint64(c.data[c.elem(c.branch, 1)+8:], 1)
		}, "page 1: outside pages 2 to"},
		"a branch pointing to the freelist": {func(c *crafted) {
			order.PutUint64(c.data[c.elem(c.branch, 1)+8:], c.freelist)
		}, "reached twice"},
		"a branch pointing past the file": {func(c *crafted) {
			order.PutUint64(c.data[c.elem(c.branch, 1)+8:], 1<<40)
		}, "outside pages 2 to"},
		"a page's overflow past the file": {func(c *crafted) {
			order.PutUint32(c.data[int(c.leaf)*c.ps+12:], 1<<31)
		}, "overflow pages run past"},
		"a key's size past the page": {func(c *crafted) {
			order.PutUint32(c.data[c.elem(c.leaf, 0)+8:], 1<<30)
		}, "runs past the page's end"},
		"a count past the page": {func(c *crafted) {
			order.PutUint16(c.data[int(c.leaf)*c.ps+10:], 0xFFFF)
		}, "do not fit in the page"},
		"keys out of order": {func(c *crafted) {
			p := c.page(c.branch)
			e := pageHeaderSize + 1*elemSize
			p[e+int(order.Uint32(p[e:]))] = ' ' // "key-..." becomes " ey-...", before the first
		}, "does not come after"},
		"a leaf page typed freelist": {func(c *crafted) {
			order.PutUint16(c.data[int(c.leaf)*c.ps+8:], freelistPage)
		}, "page type 0x10"},
		"a page that says it is another": {func(c *crafted) {
			order.PutUint64(c.data[int(c.leaf)*c.ps:], c.leaf+1)
		}, "says it is page"},
		"a free page in use": {func(c *crafted) {
			p := c.page(c.freelist)
			require.Positive(t, order.Uint16(p[10:]), "the freelist has an entry")
			order.PutUint64(p[pageHeaderSize:], c.leaf)
		}, "in use and in the freelist"},
		"the meta's root on a bucket's branch": {func(c *crafted) {
			m := c.newerMeta()
			order.PutUint64(c.data[m+16:], c.branch)
			c.resum(m)
		}, "a value in the root bucket"},
		"the meta's root pointing to a meta page": {func(c *crafted) {
			m := c.newerMeta()
			order.PutUint64(c.data[m+16:], 0)
			c.resum(m)
		}, "a meta page"},
		"more pages in use than the file holds": {func(c *crafted) {
			m := c.newerMeta()
			order.PutUint64(c.data[m+40:], 1<<20)
			c.resum(m)
		}, "pages in use, the file holds"},
		"a meta's checksum": {func(c *crafted) {
			c.data[c.newerMeta()+48]++
		}, "checksum"},
		"the older meta's checksum": {func(c *crafted) {
			m := c.newerMeta()
			older := pageHeaderSize
			if m == older {
				older += c.ps
			}
			c.data[older+40]++
		}, "checksum"},
		"metas not consecutive": {func(c *crafted) {
			m := c.newerMeta()
			order.PutUint64(c.data[m+48:], order.Uint64(c.data[m+48:])+2)
			c.resum(m)
		}, "not two consecutive"},
		"magic": {func(c *crafted) {
			order.PutUint32(c.data[pageHeaderSize:], 0)
		}, "page 0 (meta): magic 0"},
		"an inline bucket's count": {func(c *crafted) {
			at := c.leafValue(c.root, "small") + bucketHeaderSize
			order.PutUint16(c.data[at+10:], 200)
		}, `bucket "small" (inline): 200 elements`},
		"a value flagged as a bucket": {func(c *crafted) {
			order.PutUint32(c.data[c.elem(c.leaf, 0):], bucketEntry)
		}, "holds a bucket"},
		"a truncated file": {func(c *crafted) {
			hwm := int(order.Uint64(c.data[c.newerMeta()+40:]))
			c.data = c.data[:(hwm-1)*c.ps]
		}, "pages in use, the file holds"},
	} {
		t.Run(name, func(t *testing.T) {
			c := craft(t)
			tc.change(c)
			path := filepath.Join(t.TempDir(), "crafted.db")
			require.NoError(t, os.WriteFile(path, c.data, 0o600))
			_, err := dump(path, Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), "delete it to start over")
		})
	}
}

// The crafted file is whole before its change: the cases above fail for their change.
func TestCraftedBaseIsWhole(t *testing.T) {
	c := craft(t)
	path := filepath.Join(t.TempDir(), "s.db")
	require.NoError(t, os.WriteFile(path, c.data, 0o600))
	got, err := dump(path, Options{})
	require.NoError(t, err)
	assert.Equal(t, want(sample()), got)
	assert.True(t, bytes.Contains(c.data, []byte("VALUE-MARK-2")))
}
