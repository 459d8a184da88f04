// Package store keeps key-value data in a bbolt file that a damaged or crafted file cannot
// crash or silently change: the sandbox's state (qiwicontract sandbox --state) and the
// reconciler's API cache (qiwicontract reconcile --api-cache) use it.
//
// Before bbolt reads a file, Open validates its structure without recursion (the two meta
// pages as bbolt checks them, the freelist, and every page reachable from the root bucket:
// within the file, reached once, of the expected type, elements inside their page, keys in
// order) and the checksum of every value, under a lock that keeps other writers out between
// the check and bbolt's reading. bbolt then reads only pages that were checked. Each value
// is stored with a CRC-32C of its bucket, key and bytes, checked again on every read: a value
// changed outside the store is an error naming its bucket and key.
//
// The file holds one level of buckets, each holding values, and a marker bucket that says
// its values carry checksums; a file without it (written before they did, or by another
// program) is refused with ErrForeign.
package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"sync"
	"time"

	"go.etcd.io/bbolt"
)

// ErrDamaged is wrapped by the errors about a file whose structure or a value's checksum is
// wrong: the file was changed outside the store.
var ErrDamaged = errors.New("the store file is damaged")

// ErrForeign is wrapped by the errors about a file the store did not write: a bbolt file
// without checksums on its values, or not a regular file.
var ErrForeign = errors.New("the file is not a store of this version")

// Options configure Open.
type Options struct {
	// Timeout is how long Open waits for another process that holds the file; 0 waits
	// as long as it takes.
	Timeout time.Duration
	// Remedy is said after an error about a damaged or foreign file, telling the user how
	// to recover: "delete it to start over: it is a cache", say. Default: "delete it to start
	// over".
	Remedy string
	// ReadOnly opens the file for reading only, shared with other readers.
	ReadOnly bool
	// NoSync commits without fsync (bbolt's NoSync): a commit is written to the file, handed
	// to the kernel, before Update or Queue's wait returns, so every committed transaction survives
	// the process being killed (SIGKILL, a panic, an OOM kill). It does not survive a power
	// loss or an OS crash: these may lose recent commits, or leave a file that Open refuses
	// as damaged (then Remedy applies). Commits are several times faster (an fsync is
	// milliseconds on many disks).
	NoSync bool

	pageSize int // the page size of a new file (tests make small files); 0: the OS's
}

// DB is an open store file. Its methods may be called from several goroutines, as bbolt's.
type DB struct {
	db     *bbolt.DB
	path   string
	remedy string
	batch  batcher
}

// marker is the bucket that marks a store file of this format; formatKey holds formatValue
// in it. Tx refuses the name, so no caller's bucket is taken for it.
var (
	marker      = []byte("\x00qiwigen-store")
	formatKey   = []byte("format")
	formatValue = []byte("crc32c/1")
)

// Open opens the store file at path, creating it if absent and not ReadOnly. A file that
// is not a valid store (see the package doc) is an error naming the file and the page,
// bucket or key, wrapping ErrDamaged or ErrForeign, and saying opts.Remedy.
func Open(path string, opts Options) (*DB, error) {
	d := &DB{path: path, remedy: opts.Remedy}
	if d.remedy == "" {
		d.remedy = "delete it to start over"
	}
	var empty bool
	bopts := &bbolt.Options{
		Timeout:  opts.Timeout,
		ReadOnly: opts.ReadOnly,
		NoSync:   opts.NoSync,
		PageSize: opts.pageSize,
		// bbolt opens the file through this: the check runs on the file bbolt then maps,
		// holding the lock bbolt takes next (flock: the same open file may take it again).
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			if err != nil {
				return nil, err
			}
			if empty, err = d.checkFile(f, opts); err != nil {
				f.Close()
				return nil, err
			}
			return f, nil
		},
	}
	db, err := bbolt.Open(path, 0o600, bopts)
	if err != nil {
		return nil, d.fail(err)
	}
	d.db = db
	if empty && !opts.ReadOnly {
		if err := db.Update(func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(marker)
			if err != nil {
				return err
			}
			return b.Put(formatKey, seal(marker, formatKey, formatValue))
		}); err != nil {
			db.Close()
			return nil, d.fail(err)
		}
	}
	return d, nil
}

// fail says which file an error is about and, for a damaged or foreign one, the remedy.
func (d *DB) fail(err error) error {
	if errors.Is(err, ErrDamaged) || errors.Is(err, ErrForeign) {
		return fmt.Errorf("store %s: %w; %s", d.path, err, d.remedy)
	}
	return fmt.Errorf("store %s: %w", d.path, err)
}

// checkFile locks f as bbolt will, then checks it; it reports whether it has no bucket.
func (d *DB) checkFile(f *os.File, opts Options) (empty bool, err error) {
	if err := lock(f, !opts.ReadOnly, opts.Timeout); err != nil {
		return false, err
	}
	info, err := f.Stat()
	if err != nil {
		return false, err
	}
	if !info.Mode().IsRegular() {
		return false, fmt.Errorf("%w: not a regular file (%s)", ErrForeign, info.Mode().Type())
	}
	var marked bool
	var badSum error // the first value whose checksum fails; said only of a marked file
	l, err := check(f, info.Size(), func(path [][]byte, key, value []byte, bucket bool) error {
		switch {
		case len(path) == 0: // a top-level bucket
			return nil
		case bucket:
			return fmt.Errorf("%w: bucket %q holds a bucket, %q", ErrForeign, path[0], key)
		case len(path) > 1:
			return fmt.Errorf("%w: buckets nested in %q", ErrForeign, path[0])
		}
		if _, err := open(path[0], key, value); err != nil {
			if badSum == nil {
				badSum = err
			}
			return nil
		}
		if string(path[0]) == string(marker) {
			if string(key) != string(formatKey) || string(value[sumSize:]) != string(formatValue) {
				return fmt.Errorf("%w: the format %q=%q, not %q=%q", ErrForeign, key, value[sumSize:], formatKey, formatValue)
			}
			marked = true
		}
		return nil
	})
	switch {
	case err != nil && !errors.Is(err, ErrForeign):
		return false, fmt.Errorf("%w: %w", ErrDamaged, err)
	case err != nil:
		return false, err
	case !l.empty && !marked:
		return false, fmt.Errorf("%w: its values carry no checksum (it was written before they did, or by another program)", ErrForeign)
	case badSum != nil:
		return false, badSum
	}
	return l.empty, nil
}

// Close closes the file.
func (d *DB) Close() error { return d.db.Close() }

// Path is the file's path.
func (d *DB) Path() string { return d.path }

// NoSync reports whether commits skip fsync (Options.NoSync).
func (d *DB) NoSync() bool { return d.db.NoSync }

// View runs fn in a read-only transaction.
func (d *DB) View(fn func(*Tx) error) error {
	return d.db.View(func(tx *bbolt.Tx) error { return fn(&Tx{tx: tx, d: d}) })
}

// Update runs fn in a read-write transaction, committed when fn returns nil (with an fsync
// unless Options.NoSync), rolled back otherwise.
func (d *DB) Update(fn func(*Tx) error) error {
	return d.db.Update(func(tx *bbolt.Tx) error { return fn(&Tx{tx: tx, d: d}) })
}

// Queue queues fn at once to run in a read-write transaction that it may share with other
// goroutines' queued functions: one commit, one fsync (unless Options.NoSync), for all of
// them. It returns the function that waits for (or writes) that commit: nil once the
// transaction is committed, or the error (for every function in it). fn may run more than
// once (again alone when another queued function fails), so it must be idempotent: Puts of
// the same values are. A function that fails runs again alone and its error is returned.
//
// Functions run in the order they were queued, within a commit and from one commit to the
// next: a caller that queues under its own lock has its writes applied in its lock's order,
// whatever order the goroutines then wait in. The returned function must be called exactly
// once; a queued function whose wait is never called holds up every later commit.
//
// Queue waits for no timer, as bbolt's DB.Batch does (10ms by default, whatever the load):
// the functions queued while a commit is being written make the next commit, written by one
// of their callers as soon as the last one is done. A lone call commits at once.
func (d *DB) Queue(fn func(*Tx) error) (wait func() error) {
	c := &batchCall{fn: fn, done: make(chan batchResult, 1)}
	b := &d.batch
	b.mu.Lock()
	b.queue = append(b.queue, c)
	lead := !b.running
	b.running = true
	b.mu.Unlock()
	return func() error {
		if !lead {
			r := <-c.done
			if !r.lead {
				return r.err
			}
		}
		// This call commits the queue (itself in it), then hands the next queue to its
		// first call.
		b.mu.Lock()
		calls := b.queue
		b.queue = nil
		b.mu.Unlock()
		own := d.commitBatch(calls, c)
		b.mu.Lock()
		if len(b.queue) > 0 {
			b.queue[0].done <- batchResult{lead: true}
		} else {
			b.running = false
		}
		b.mu.Unlock()
		return own
	}
}

// batcher is the queue of Queue calls waiting for the commit being written to end.
type batcher struct {
	mu      sync.Mutex
	queue   []*batchCall
	running bool // a call is committing; it hands the queue on when done
}

type batchCall struct {
	fn   func(*Tx) error
	done chan batchResult
}

// batchResult is a queued call's outcome, or the word that it commits the next queue.
type batchResult struct {
	err  error
	lead bool
}

// commitBatch runs calls' functions in one transaction and tells each its outcome; it
// returns own's rather than telling it. A function that fails leaves the transaction, which
// runs again without it; it then runs alone.
func (d *DB) commitBatch(calls []*batchCall, own *batchCall) error {
	var ownErr error
	tell := func(c *batchCall, err error) {
		if c == own {
			ownErr = err
			return
		}
		c.done <- batchResult{err: err}
	}
	for len(calls) > 0 {
		failed := -1
		err := d.Update(func(tx *Tx) error {
			for i, c := range calls {
				if err := c.fn(tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed >= 0 {
			c := calls[failed]
			calls = append(calls[:failed:failed], calls[failed+1:]...)
			tell(c, d.Update(c.fn))
			continue
		}
		for _, c := range calls {
			tell(c, err)
		}
		break
	}
	return ownErr
}

// Tx is a transaction, valid only inside the function given to View or Update.
type Tx struct {
	tx *bbolt.Tx
	d  *DB
}

// ErrReserved is wrapped by the error about a bucket name the store keeps for itself.
var ErrReserved = errors.New("the bucket name is the store's own")

// Bucket returns the bucket name, nil if there is none.
func (t *Tx) Bucket(name []byte) *Bucket {
	if string(name) == string(marker) {
		return nil
	}
	b := t.tx.Bucket(name)
	if b == nil {
		return nil
	}
	return &Bucket{b: b, name: name, d: t.d}
}

// CreateBucketIfNotExists returns the bucket name, created if absent (Update only).
func (t *Tx) CreateBucketIfNotExists(name []byte) (*Bucket, error) {
	if string(name) == string(marker) {
		return nil, fmt.Errorf("%q: %w", name, ErrReserved)
	}
	b, err := t.tx.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	return &Bucket{b: b, name: name, d: t.d}, nil
}

// ForEachBucket calls fn for each bucket, in name order.
func (t *Tx) ForEachBucket(fn func(name []byte, b *Bucket) error) error {
	return t.tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
		if string(name) == string(marker) || b == nil {
			return nil
		}
		return fn(name, &Bucket{b: b, name: name, d: t.d})
	})
}

// Bucket is a bucket of values, valid only inside its transaction.
type Bucket struct {
	b    *bbolt.Bucket
	name []byte
	d    *DB
}

// Get returns a copy of the value under key, nil if there is none. A value whose checksum
// fails is an error wrapping ErrDamaged naming the bucket and key.
func (b *Bucket) Get(key []byte) ([]byte, error) {
	v := b.b.Get(key)
	if v == nil {
		return nil, nil
	}
	value, err := open(b.name, key, v)
	if err != nil {
		return nil, b.d.fail(err)
	}
	return append([]byte(nil), value...), nil
}

// Put stores value under key (Update only).
func (b *Bucket) Put(key, value []byte) error {
	return b.b.Put(key, seal(b.name, key, value))
}

// ForEach calls fn for each key and value, in key order; value is valid only during the
// call. A value whose checksum fails ends the walk with an error as Get's.
func (b *Bucket) ForEach(fn func(key, value []byte) error) error {
	return b.b.ForEach(func(k, v []byte) error {
		if v == nil {
			return b.d.fail(fmt.Errorf("%w: bucket %q, key %q: a bucket where a value belongs", ErrForeign, b.name, k))
		}
		value, err := open(b.name, k, v)
		if err != nil {
			return b.d.fail(err)
		}
		return fn(k, value)
	})
}

// sumSize is the size of the checksum that starts each stored value.
const sumSize = 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sum is the CRC-32C of a value with its bucket and key, each length-prefixed: a value moved
// under another key or bucket fails it too.
func sum(bucket, key, value []byte) uint32 {
	var n [binary.MaxVarintLen64]byte
	h := crc32.New(castagnoli)
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(bucket)))])
	h.Write(bucket)
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(key)))])
	h.Write(key)
	h.Write(value)
	return h.Sum32()
}

// seal returns the stored form of value: its checksum, then its bytes.
func seal(bucket, key, value []byte) []byte {
	out := make([]byte, sumSize+len(value))
	binary.BigEndian.PutUint32(out, sum(bucket, key, value))
	copy(out[sumSize:], value)
	return out
}

// open checks a stored value's checksum and returns its bytes.
func open(bucket, key, stored []byte) ([]byte, error) {
	if len(stored) < sumSize {
		return nil, fmt.Errorf("%w: bucket %q, key %q: %d bytes, too short for its checksum", ErrDamaged, bucket, key, len(stored))
	}
	value := stored[sumSize:]
	if got, want := binary.BigEndian.Uint32(stored), sum(bucket, key, value); got != want {
		return nil, fmt.Errorf("%w: bucket %q, key %q: checksum %08x, the value sums to %08x", ErrDamaged, bucket, key, got, want)
	}
	return value, nil
}
