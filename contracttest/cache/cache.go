// Package cache keeps the results of a check in a bbolt file, keyed by a digest of all the
// check depends on: the running binary (its Go build ID) and every input, byte for byte. A
// rerun on the same inputs by the same binary finds its result; a change to any input, or a
// rebuilt binary, misses. Go's own test cache works the same way.
//
// The file is a cache: losing it costs a recomputation. Every failure to use it (no build
// ID, a file locked by another process, a damaged file) is an error the caller may report
// and then compute the result as if there were no cache.
package cache

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"go.etcd.io/bbolt"
)

// Key identifies a result: the digest of the binary and the inputs.
type Key [sha256.Size]byte

// ErrNoBuildID is returned by NewDigest when the running binary's Go build ID cannot be read:
// without it, a result could outlive the code that computed it, so nothing is cached.
var ErrNoBuildID = errors.New("cache: the running binary's Go build ID cannot be read")

// Digest builds a Key from the running binary's build ID, a kind and named inputs.
type Digest struct {
	h hash.Hash
}

// NewDigest starts the digest of a check of the given kind ("drift/1"): change the kind when
// the stored result's format changes.
func NewDigest(kind string) (*Digest, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoBuildID, err)
	}
	id, err := BuildID(exe)
	if err != nil {
		return nil, err
	}
	d := &Digest{h: sha256.New()}
	d.Add("build-id", []byte(id))
	d.Add("kind", []byte(kind))
	return d, nil
}

// Add adds a named input. Names and data are length-prefixed, so no two sequences of
// inputs give the same bytes to the hash.
func (d *Digest) Add(name string, data []byte) {
	var n [binary.MaxVarintLen64]byte
	d.h.Write(n[:binary.PutUvarint(n[:], uint64(len(name)))])
	io.WriteString(d.h, name)
	d.h.Write(n[:binary.PutUvarint(n[:], uint64(len(data)))])
	d.h.Write(data)
}

// Key returns the digest of everything added so far.
func (d *Digest) Key() Key {
	var k Key
	d.h.Sum(k[:0])
	return k
}

// buildIDPrefix starts the build ID the Go linker writes at the start of the text of an
// executable that is not ELF (Mach-O, PE): \xff Go build ID: "actionID/contentID"\n \xff.
var buildIDPrefix = []byte("\xff Go build ID: \"")

// buildIDWindow is how much of such a file BuildID searches: the Go toolchain's own reader
// (cmd/internal/buildid) finds the ID in the first 32 KiB of an executable.
const buildIDWindow = 32 << 10

// BuildID reads the Go build ID of an executable, as `go tool buildid` prints it: from the
// Go note of an ELF file, else from the start of the file's text. The ID changes whenever
// the binary's content does.
func BuildID(exe string) (string, error) {
	f, err := os.Open(exe)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoBuildID, err)
	}
	defer f.Close()
	if ef, err := elf.NewFile(f); err == nil {
		if id, ok := elfBuildID(ef); ok {
			return id, nil
		}
		return "", fmt.Errorf("%w: %s has no Go build ID note", ErrNoBuildID, exe)
	}
	head := make([]byte, buildIDWindow)
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("%w: %s: %w", ErrNoBuildID, exe, err)
	}
	head = head[:n]
	i := bytes.Index(head, buildIDPrefix)
	if i < 0 {
		return "", fmt.Errorf("%w: %s holds none in its first %d KiB", ErrNoBuildID, exe, buildIDWindow>>10)
	}
	rest := head[i+len(buildIDPrefix):]
	end := bytes.IndexByte(rest, '"')
	if end <= 0 {
		return "", fmt.Errorf("%w: %s: the build ID is not closed", ErrNoBuildID, exe)
	}
	return string(rest[:end]), nil
}

// elfBuildID reads the .note.go.buildid section: a note whose name is "Go" and type 4.
func elfBuildID(f *elf.File) (string, bool) {
	sec := f.Section(".note.go.buildid")
	if sec == nil {
		return "", false
	}
	note, err := sec.Data()
	if err != nil || len(note) < 16 {
		return "", false
	}
	order := f.ByteOrder
	nameSize, descSize, typ := order.Uint32(note), order.Uint32(note[4:]), order.Uint32(note[8:])
	const goNoteType = 4
	if nameSize != 4 || typ != goNoteType || string(note[12:16]) != "Go\x00\x00" || uint64(descSize) > uint64(len(note)-16) {
		return "", false
	}
	return string(note[16 : 16+descSize]), true
}

// Store is a cache file. Its methods may be called from one goroutine at a time.
type Store struct {
	db   *bbolt.DB
	path string
	// Max is how many results a bucket keeps: Put drops the oldest written beyond it.
	Max int
}

// DefaultMax is a new Store's Max.
const DefaultMax = 64

// lockWait is how long Open waits for another process that holds the file.
const lockWait = 250 * time.Millisecond

// Open opens the cache file at path, creating it and its folder if absent. A file another
// process holds for longer than a quarter second is an error: the caller computes instead.
func Open(path string) (st *Store, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cache %s: %w", path, err)
	}
	st = &Store{path: path, Max: DefaultMax}
	defer func() {
		if err != nil {
			st = nil
		}
	}()
	defer st.guard(&err, faults())
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: lockWait})
	if err != nil {
		return nil, fmt.Errorf("cache %s: %w", path, err)
	}
	st.db = db
	return st, nil
}

// Close closes the file.
func (s *Store) Close() error {
	return s.db.Close()
}

// Path is the file's path.
func (s *Store) Path() string { return s.path }

// ErrDamaged is wrapped by the errors of a file bbolt cannot read: delete it to start over.
var ErrDamaged = errors.New("the cache file is damaged")

// guard turns a panic of bbolt on a damaged file into an error, and a fault reading its
// memory-mapped pages into such a panic (debug.SetPanicOnFault, made for memory-mapped
// files): bbolt checks a file's meta pages when it opens it, but not every page it reads.
// Call it deferred, after faults, as `defer s.guard(&err, faults())`.
func (s *Store) guard(err *error, restore bool) {
	debug.SetPanicOnFault(restore)
	if r := recover(); r != nil {
		*err = fmt.Errorf("cache %s: %w (delete it to start over): %v", s.path, ErrDamaged, r)
	}
}

// faults makes the calling goroutine panic, rather than crash, on a fault in mapped memory,
// and returns the setting guard restores.
func faults() bool {
	return debug.SetPanicOnFault(true)
}

// stamp is the size of the write time that starts each stored value.
const stamp = 8

// Get returns a copy of the result stored under key in bucket, and whether there is one.
// The caller checks that the result decodes: a cache holds what it was given.
func (s *Store) Get(bucket string, key Key) (value []byte, ok bool, err error) {
	defer s.guard(&err, faults())
	err = s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		// An entry too short to hold its stamp counts as absent: Put overwrites it.
		if v := b.Get(key[:]); len(v) >= stamp {
			value, ok = bytes.Clone(v[stamp:]), true
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return value, ok, nil
}

// Put stores value under key in bucket, in one durable transaction, and drops the oldest
// results beyond Max.
func (s *Store) Put(bucket string, key Key, value []byte, now time.Time) (err error) {
	defer s.guard(&err, faults())
	return s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		v := make([]byte, stamp+len(value))
		binary.BigEndian.PutUint64(v, uint64(now.UnixNano()))
		copy(v[stamp:], value)
		if err := b.Put(key[:], v); err != nil {
			return err
		}
		return evict(b, max(s.Max, 1))
	})
}

// evict deletes the oldest written entries of b beyond keep.
func evict(b *bbolt.Bucket, keep int) error {
	n := 0 // counted by a cursor: Stats misses the transaction's own writes
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	for ; n > keep; n-- {
		var oldest []byte
		var at uint64
		for k, v := c.First(); k != nil; k, v = c.Next() {
			t := uint64(0)
			if len(v) >= stamp {
				t = binary.BigEndian.Uint64(v)
			}
			if oldest == nil || t < at {
				oldest, at = bytes.Clone(k), t
			}
		}
		if err := b.Delete(oldest); err != nil {
			return err
		}
	}
	return nil
}
