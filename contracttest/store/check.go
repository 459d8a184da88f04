package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
)

// The layout of a bbolt file (go.etcd.io/bbolt v1.5, internal/common): fixed-size pages,
// each starting with a header; pages 0 and 1 hold the two meta pages, the newer of which
// names the root bucket's page, the freelist's page and the first page past the end. Every
// number is in the machine's byte order, as bbolt writes it.
const (
	pageHeaderSize   = 16 // id uint64, flags uint16, count uint16, overflow uint32
	metaSize         = 64 // magic, version, page size, flags, root bucket, freelist, pgid, txid, checksum
	elemSize         = 16 // a branch element (pos, ksize, pgid) or a leaf element (flags, pos, ksize, vsize)
	bucketHeaderSize = 16 // root pgid, sequence

	branchPage   = 0x01
	leafPage     = 0x02
	metaPage     = 0x04
	freelistPage = 0x10
	bucketEntry  = 0x01 // a leaf element's flag: its value is a bucket

	boltMagic   uint32 = 0xED0CDAED
	boltVersion uint32 = 2
	noFreelist         = ^uint64(0)

	// firstRead is what bbolt reads of page 0 to learn the page size.
	firstRead = 0x1000
	// maxDepth bounds a tree's height and buckets' nesting: a B+tree with two children a
	// branch (bbolt merges below that) holds more keys than any file at this height, and
	// bbolt's cursor descends recursively.
	maxDepth = 64
)

var order = binary.NativeEndian

// meta is a validated meta page.
type meta struct {
	pageSize uint32
	root     uint64 // the root bucket's page
	freelist uint64 // the freelist's page, noFreelist if none
	hwm      uint64 // the first page past the last one in use
	txid     uint64
}

// readMeta validates the meta page read into b (at least a page header and a meta) as bbolt
// does (magic, version, FNV-64a checksum), and its header (it is meta page id).
func readMeta(b []byte, id uint64) (meta, error) {
	if len(b) < pageHeaderSize+metaSize {
		return meta{}, fmt.Errorf("page %d (meta): the file ends inside it", id)
	}
	m := b[pageHeaderSize : pageHeaderSize+metaSize]
	if got := order.Uint32(m[0:]); got != boltMagic {
		return meta{}, fmt.Errorf("page %d (meta): magic %#x, not bbolt's %#x", id, got, boltMagic)
	}
	if got := order.Uint32(m[4:]); got != boltVersion {
		return meta{}, fmt.Errorf("page %d (meta): format version %d, not %d", id, got, boltVersion)
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if got := order.Uint64(m[56:]); got != h.Sum64() {
		return meta{}, fmt.Errorf("page %d (meta): checksum %#x, the content sums to %#x", id, got, h.Sum64())
	}
	if got := order.Uint64(b[0:]); got != id {
		return meta{}, fmt.Errorf("page %d (meta): says it is page %d", id, got)
	}
	if flags := order.Uint16(b[8:]); flags != metaPage {
		return meta{}, fmt.Errorf("page %d (meta): page type %#x, not meta", id, flags)
	}
	return meta{
		pageSize: order.Uint32(m[8:]),
		root:     order.Uint64(m[16:]),
		freelist: order.Uint64(m[32:]),
		hwm:      order.Uint64(m[40:]),
		txid:     order.Uint64(m[48:]),
	}, nil
}

// visitFunc is called for each entry of each bucket, in key order within a bucket: path
// names the bucket (empty for the root bucket, whose entries are the top-level buckets),
// bucket says the entry is a bucket (value then is its header).
type visitFunc func(path [][]byte, key, value []byte, bucket bool) error

// checker walks a bbolt file's pages from its meta pages, iteratively.
type checker struct {
	r        io.ReaderAt
	size     int64
	pageSize uint64
	hwm      uint64
	visited  map[uint64]bool
	visit    visitFunc
}

// frame is a page to check: a bucket's page, the keys it may hold ([lo, hi), nil: no
// bound) and its depth in the bucket's tree.
type frame struct {
	id     uint64
	lo, hi []byte
	path   [][]byte
	depth  int
}

// check validates the structure of the bbolt file r of size bytes without recursion and
// without trusting any number in it before checking it: both meta pages (as bbolt checks
// them, and consecutive), the freelist, and every page reachable from the root bucket, each
// once, within the file, of the expected type, with its elements inside the page and its keys
// in order (the order bbolt's own Tx.Check demands). It calls visit for every entry. A file
// of 0 bytes is new: valid and empty. Errors name the page.
func check(r io.ReaderAt, size int64, visit visitFunc) (layout, error) {
	empty, c, err := walkFile(r, size, visit)
	if err != nil {
		return layout{}, err
	}
	l := layout{empty: empty}
	if c != nil {
		l.pageSize, l.pages = c.pageSize, c.visited
	}
	return l, nil
}

// layout is what check learned of a valid file.
type layout struct {
	empty    bool            // no bucket (a new file)
	pageSize uint64          // 0 for a new file
	pages    map[uint64]bool // the pages in use: meta, freelist, the buckets'
}

// walkFile is check, returning the checker that walked the file (nil for a new one).
func walkFile(r io.ReaderAt, size int64, visit visitFunc) (empty bool, c *checker, err error) {
	if size == 0 {
		return true, nil, nil
	}
	if size < firstRead {
		return false, nil, fmt.Errorf("%d bytes, shorter than the %d of a bbolt file's first page", size, firstRead)
	}
	buf := make([]byte, pageHeaderSize+metaSize)
	if _, err := r.ReadAt(buf, 0); err != nil {
		return false, nil, fmt.Errorf("page 0 (meta): %w", err)
	}
	m0, err := readMeta(buf, 0)
	if err != nil {
		return false, nil, err
	}
	ps := uint64(m0.pageSize)
	if ps < 1024 || ps > 1<<24 || ps&(ps-1) != 0 {
		return false, nil, fmt.Errorf("page 0 (meta): page size %d, not a power of two from 1 KiB to 16 MiB", ps)
	}
	if uint64(size) < 2*ps {
		return false, nil, fmt.Errorf("%d bytes, shorter than its two meta pages of %d", size, ps)
	}
	if _, err := r.ReadAt(buf, int64(ps)); err != nil {
		return false, nil, fmt.Errorf("page 1 (meta): %w", err)
	}
	m1, err := readMeta(buf, 1)
	if err != nil {
		return false, nil, err
	}
	if m1.pageSize != m0.pageSize {
		return false, nil, fmt.Errorf("page 1 (meta): page size %d, page 0 says %d", m1.pageSize, m0.pageSize)
	}
	// bbolt writes transaction t's meta to page t%2: the two are consecutive. It uses the
	// newer; the older is what a torn write of the newer would fall back to, silently.
	if m0.txid%2 != 0 || m1.txid%2 != 1 || max(m0.txid, m1.txid)-min(m0.txid, m1.txid) != 1 {
		return false, nil, fmt.Errorf("pages 0 and 1 (meta): transactions %d and %d, not two consecutive ones on their pages", m0.txid, m1.txid)
	}
	m := m0
	if m1.txid > m0.txid {
		m = m1
	}
	if m.hwm < 3 || m.hwm > uint64(size)/ps {
		return false, nil, fmt.Errorf("page %d (meta): %d pages in use, the file holds %d", m.txid%2, m.hwm, uint64(size)/ps)
	}
	c = &checker{r: r, size: size, pageSize: ps, hwm: m.hwm, visited: map[uint64]bool{0: true, 1: true}, visit: visit}
	freed, err := c.freelist(m.freelist)
	if err != nil {
		return false, nil, err
	}
	if m.root < 2 {
		return false, nil, fmt.Errorf("page %d (meta): the root bucket at page %d, a meta page", m.txid%2, m.root)
	}
	empty, err = c.walk(m.root)
	if err != nil {
		return false, nil, err
	}
	for _, id := range freed {
		if c.visited[id] {
			return false, nil, fmt.Errorf("page %d: in use and in the freelist: a write would overwrite it", id)
		}
	}
	return empty, c, nil
}

// page reads page id and the overflow pages after it, after checking that they are in the
// file and not reached before, and marks them reached.
func (c *checker) page(id uint64) (flags, count uint16, data []byte, err error) {
	if id < 2 || id >= c.hwm {
		return 0, 0, nil, fmt.Errorf("page %d: outside pages 2 to %d in use", id, c.hwm-1)
	}
	hdr := make([]byte, pageHeaderSize)
	if _, err := c.r.ReadAt(hdr, int64(id*c.pageSize)); err != nil {
		return 0, 0, nil, fmt.Errorf("page %d: %w", id, err)
	}
	if got := order.Uint64(hdr[0:]); got != id {
		return 0, 0, nil, fmt.Errorf("page %d: says it is page %d", id, got)
	}
	flags, count = order.Uint16(hdr[8:]), order.Uint16(hdr[10:])
	n := uint64(order.Uint32(hdr[12:])) + 1
	if n > c.hwm-id {
		return 0, 0, nil, fmt.Errorf("page %d: %d overflow pages run past the last page in use, %d", id, n-1, c.hwm-1)
	}
	for p := id; p < id+n; p++ {
		if c.visited[p] {
			return 0, 0, nil, fmt.Errorf("page %d: reached twice (a page pointing to itself, a loop or a shared page)", p)
		}
		c.visited[p] = true
	}
	data = make([]byte, n*c.pageSize)
	if _, err := c.r.ReadAt(data, int64(id*c.pageSize)); err != nil {
		return 0, 0, nil, fmt.Errorf("page %d: %w", id, err)
	}
	return flags, count, data, nil
}

// freelist checks the freelist page and returns the free pages' ids.
func (c *checker) freelist(id uint64) ([]uint64, error) {
	if id == noFreelist {
		return nil, nil
	}
	flags, count, data, err := c.page(id)
	if err != nil {
		return nil, fmt.Errorf("freelist: %w", err)
	}
	if flags != freelistPage {
		return nil, fmt.Errorf("page %d: page type %#x, not the freelist the meta page says", id, flags)
	}
	at, n := uint64(pageHeaderSize), uint64(count)
	if count == 0xFFFF { // the count is the first element
		if len(data) < pageHeaderSize+8 {
			return nil, fmt.Errorf("page %d (freelist): the page ends inside its count", id)
		}
		n, at = order.Uint64(data[pageHeaderSize:]), at+8
	}
	if n > (uint64(len(data))-at)/8 {
		return nil, fmt.Errorf("page %d (freelist): %d ids do not fit in the page", id, n)
	}
	ids := make([]uint64, n)
	seen := make(map[uint64]bool, n)
	for i := range ids {
		ids[i] = order.Uint64(data[at+uint64(i)*8:])
		if ids[i] < 2 || ids[i] >= c.hwm {
			return nil, fmt.Errorf("page %d (freelist): free page %d is outside pages 2 to %d", id, ids[i], c.hwm-1)
		}
		if seen[ids[i]] {
			return nil, fmt.Errorf("page %d (freelist): page %d is free twice", id, ids[i])
		}
		seen[ids[i]] = true
	}
	return ids, nil
}

// walk checks the tree of the root bucket and, through it, every nested bucket's, with an
// explicit stack. It reports whether the root bucket is empty.
func (c *checker) walk(root uint64) (empty bool, err error) {
	stack := []frame{{id: root}}
	empty = true
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if f.depth > maxDepth {
			return false, fmt.Errorf("page %d: a tree deeper than %d pages", f.id, maxDepth)
		}
		flags, count, data, err := c.page(f.id)
		if err != nil {
			return false, err
		}
		switch flags {
		case branchPage:
			children, err := branch(data, int(count), f)
			if err != nil {
				return false, fmt.Errorf("page %d (branch): %w", f.id, err)
			}
			for i := len(children) - 1; i >= 0; i-- { // popped in key order
				stack = append(stack, children[i])
			}
		case leafPage:
			if f.path == nil && count > 0 {
				empty = false
			}
			buckets, err := c.leaf(data, int(count), f, false)
			if err != nil {
				return false, fmt.Errorf("page %d (leaf): %w", f.id, err)
			}
			for i := len(buckets) - 1; i >= 0; i-- {
				stack = append(stack, buckets[i])
			}
		default:
			return false, fmt.Errorf("page %d: page type %#x where a bucket's branch or leaf page belongs", f.id, flags)
		}
	}
	return empty, nil
}

// inOrder checks that key is not empty, comes after prev and lies in [lo, hi).
func inOrder(i int, key, prev, lo, hi []byte) error {
	switch {
	case len(key) == 0:
		return fmt.Errorf("element %d: an empty key", i)
	case prev != nil && bytes.Compare(key, prev) <= 0:
		return fmt.Errorf("element %d: key %q does not come after the one before, %q", i, key, prev)
	case lo != nil && bytes.Compare(key, lo) < 0:
		return fmt.Errorf("element %d: key %q comes before its parent's key %q", i, key, lo)
	case hi != nil && bytes.Compare(key, hi) >= 0:
		return fmt.Errorf("element %d: key %q does not come before the parent's next key %q", i, key, hi)
	}
	return nil
}

// element returns the i-th element's header and the bytes from its pos on, checked to lie
// in the page.
func element(data []byte, count, i int) (hdr []byte, err error) {
	if uint64(pageHeaderSize)+uint64(count)*elemSize > uint64(len(data)) {
		return nil, fmt.Errorf("%d elements do not fit in the page", count)
	}
	off := pageHeaderSize + i*elemSize
	return data[off : off+elemSize], nil
}

// span returns data[off+pos : off+pos+n], checked to lie in data.
func span(data []byte, off int, pos, n uint64) ([]byte, bool) {
	start := uint64(off) + pos
	if start > uint64(len(data)) || n > uint64(len(data))-start {
		return nil, false
	}
	return data[start : start+n], true
}

// branch checks a branch page's elements and returns its children to check.
func branch(data []byte, count int, f frame) ([]frame, error) {
	if count == 0 {
		return nil, fmt.Errorf("no element")
	}
	keys := make([][]byte, count)
	ids := make([]uint64, count)
	for i := range count {
		hdr, err := element(data, count, i)
		if err != nil {
			return nil, err
		}
		off := pageHeaderSize + i*elemSize
		key, ok := span(data, off, uint64(order.Uint32(hdr[0:])), uint64(order.Uint32(hdr[4:])))
		if !ok {
			return nil, fmt.Errorf("element %d: the key runs past the page's end", i)
		}
		var prev []byte
		if i > 0 {
			prev = keys[i-1]
		}
		if err := inOrder(i, key, prev, f.lo, f.hi); err != nil {
			return nil, err
		}
		keys[i], ids[i] = bytes.Clone(key), order.Uint64(hdr[8:])
	}
	children := make([]frame, count)
	for i := range count {
		hi := f.hi
		if i+1 < count {
			hi = keys[i+1]
		}
		children[i] = frame{id: ids[i], lo: keys[i], hi: hi, path: f.path, depth: f.depth + 1}
	}
	return children, nil
}

// leaf checks a leaf page's elements (a page of the file, or a bucket's inline page), visits
// them and returns the nested buckets' root pages to check.
func (c *checker) leaf(data []byte, count int, f frame, inline bool) ([]frame, error) {
	var buckets []frame
	var prev []byte
	for i := range count {
		hdr, err := element(data, count, i)
		if err != nil {
			return nil, err
		}
		off := pageHeaderSize + i*elemSize
		flags, pos := order.Uint32(hdr[0:]), uint64(order.Uint32(hdr[4:]))
		ksize, vsize := uint64(order.Uint32(hdr[8:])), uint64(order.Uint32(hdr[12:]))
		kv, ok := span(data, off, pos, ksize+vsize)
		if !ok {
			return nil, fmt.Errorf("element %d: the key or value runs past the page's end", i)
		}
		key, value := kv[:ksize], kv[ksize:]
		if err := inOrder(i, key, prev, f.lo, f.hi); err != nil {
			return nil, err
		}
		prev = key
		switch flags {
		case 0:
			if f.path == nil {
				return nil, fmt.Errorf("element %d: key %q is a value in the root bucket, which holds only buckets", i, key)
			}
			if err := c.visit(f.path, key, value, false); err != nil {
				return nil, err
			}
		case bucketEntry:
			if inline {
				return nil, fmt.Errorf("element %d: bucket %q inside an inline bucket, which bbolt never writes", i, key)
			}
			if len(f.path) >= maxDepth {
				return nil, fmt.Errorf("element %d: buckets nested deeper than %d", i, maxDepth)
			}
			if len(value) < bucketHeaderSize {
				return nil, fmt.Errorf("element %d: bucket %q has a header of %d bytes, not %d", i, key, len(value), bucketHeaderSize)
			}
			if err := c.visit(f.path, key, value, true); err != nil {
				return nil, err
			}
			path := append(slices.Clip(f.path), bytes.Clone(key))
			root := order.Uint64(value)
			if root != 0 {
				if len(value) != bucketHeaderSize {
					return nil, fmt.Errorf("element %d: bucket %q has a root page and %d bytes of inline page", i, key, len(value)-bucketHeaderSize)
				}
				buckets = append(buckets, frame{id: root, path: path})
				continue
			}
			page := value[bucketHeaderSize:]
			if len(page) < pageHeaderSize {
				return nil, fmt.Errorf("element %d: bucket %q: its inline page is shorter than a page header", i, key)
			}
			if flags := order.Uint16(page[8:]); flags != leafPage {
				return nil, fmt.Errorf("element %d: bucket %q: its inline page has type %#x, not leaf", i, key, flags)
			}
			if _, err := c.leaf(page, int(order.Uint16(page[10:])), frame{path: path}, true); err != nil {
				return nil, fmt.Errorf("element %d: bucket %q (inline): %w", i, key, err)
			}
		default:
			return nil, fmt.Errorf("element %d: key %q has flags %#x", i, key, flags)
		}
	}
	return buckets, nil
}
