package store

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"
)

// smallPages makes test files of 1 KiB pages: a branch page after a few dozen values.
var smallPages = Options{pageSize: 1024}

// build makes a store at path holding, per bucket, the keys and values given.
func build(t testing.TB, path string, content map[string]map[string]string) {
	t.Helper()
	db, err := Open(path, smallPages)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *Tx) error { // in key order: the same file each time
		for _, name := range slices.Sorted(maps.Keys(content)) {
			b, err := tx.CreateBucketIfNotExists([]byte(name))
			if err != nil {
				return err
			}
			for _, k := range slices.Sorted(maps.Keys(content[name])) {
				if err := b.Put([]byte(k), []byte(content[name][k])); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	require.NoError(t, db.Close())
}

// sample is a store's content with an inline bucket (small), a bucket of several pages under
// a branch page (many), an empty bucket and a value over a page (overflow pages).
func sample() map[string]map[string]string {
	many := map[string]string{}
	for i := range 120 {
		many[fmt.Sprintf("key-%03d", i)] = fmt.Sprintf(`{"n": %d, "text": "%s"}`, i, strings.Repeat("v", i%40))
	}
	many["big"] = strings.Repeat("B", 3000)
	return map[string]map[string]string{
		"small": {"a": "1", "b": "VALUE-MARK-2", "c\x00d": "3"},
		"many":  many,
		"empty": {},
	}
}

// dump opens the store at path and lists every bucket, key and value, read both by ForEach
// and by Get; then it writes once, as the sandbox and the reconciler do.
func dump(path string, opts Options) (string, error) {
	db, err := Open(path, opts)
	if err != nil {
		return "", err
	}
	defer db.Close()
	var lines []string
	err = db.View(func(tx *Tx) error {
		return tx.ForEachBucket(func(name []byte, b *Bucket) error {
			lines = append(lines, fmt.Sprintf("bucket %q", name))
			if tx.Bucket(name) == nil {
				return fmt.Errorf("bucket %q listed but not found", name)
			}
			return b.ForEach(func(k, v []byte) error {
				got, err := b.Get(k)
				if err != nil {
					return err
				}
				if !bytes.Equal(got, v) {
					return fmt.Errorf("bucket %q, key %q: Get and ForEach differ", name, k)
				}
				lines = append(lines, fmt.Sprintf("%q %q = %q", name, k, v))
				return nil
			})
		})
	})
	if err != nil {
		return "", err
	}
	if !opts.ReadOnly {
		if err := db.Update(func(tx *Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("written"))
			if err != nil {
				return err
			}
			return b.Put([]byte("k"), []byte("v"))
		}); err != nil {
			return "", err
		}
	}
	return strings.Join(lines, "\n"), nil
}

// want is the dump of content.
func want(content map[string]map[string]string) string {
	var names []string
	for name := range content {
		names = append(names, name)
	}
	sort.Strings(names)
	var lines []string
	for _, name := range names {
		lines = append(lines, fmt.Sprintf("bucket %q", name))
		var keys []string
		for k := range content[name] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			lines = append(lines, fmt.Sprintf("%q %q = %q", name, k, content[name][k]))
		}
	}
	return strings.Join(lines, "\n")
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	build(t, path, sample())
	got, err := dump(path, smallPages)
	require.NoError(t, err)
	assert.Equal(t, want(sample()), got)

	// The write dump made is there on the next open, read-only this time.
	got, err = dump(path, Options{ReadOnly: true})
	require.NoError(t, err)
	content := sample()
	content["written"] = map[string]string{"k": "v"}
	assert.Equal(t, want(content), got)

	// A new file at the OS's page size.
	other := filepath.Join(t.TempDir(), "o.db")
	_, err = dump(other, Options{})
	require.NoError(t, err)
	got, err = dump(other, Options{})
	require.NoError(t, err)
	assert.Equal(t, want(map[string]map[string]string{"written": {"k": "v"}}), got)
}

// A bbolt file whose values carry no checksum (written before the store, or by another
// program) is refused with the remedy; an empty bbolt file is taken as new.
func TestForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := bbolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("site"))
		if err != nil {
			return err
		}
		return b.Put([]byte("payment\x00p-1"), []byte(`{"amount": "1.00"}`))
	}))
	require.NoError(t, db.Close())
	_, err = Open(path, Options{Remedy: "delete it to start over: the state is test data"})
	require.ErrorIs(t, err, ErrForeign)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), "carry no checksum")
	assert.Contains(t, err.Error(), "delete it to start over: the state is test data")

	empty := filepath.Join(t.TempDir(), "empty.db")
	db, err = bbolt.Open(empty, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	got, err := dump(empty, Options{})
	require.NoError(t, err)
	assert.Empty(t, got)

	dir := t.TempDir()
	_, err = Open(dir, Options{})
	assert.Error(t, err, "a folder")
}

// A value changed in the file is an error naming its bucket and key, at open and, for a
// file changed while open, at read.
func TestChecksumNamesBucketAndKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	build(t, path, sample())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	at := bytes.Index(data, []byte("VALUE-MARK-2"))
	require.Positive(t, at)
	data[at] = 'X'
	require.NoError(t, os.WriteFile(path, data, 0o600))
	_, err = Open(path, Options{Remedy: "it is a cache"})
	require.ErrorIs(t, err, ErrDamaged)
	assert.Contains(t, err.Error(), `bucket "small", key "b": checksum`)
	assert.Contains(t, err.Error(), "it is a cache")

	// The same change while the file is open: Get and ForEach say it.
	data[at] = 'V'
	require.NoError(t, os.WriteFile(path, data, 0o600))
	db, err := Open(path, Options{ReadOnly: true})
	require.NoError(t, err)
	defer db.Close()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte("X"), int64(at))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	err = db.View(func(tx *Tx) error {
		_, err := tx.Bucket([]byte("small")).Get([]byte("b"))
		return err
	})
	require.ErrorIs(t, err, ErrDamaged)
	assert.Contains(t, err.Error(), `bucket "small", key "b"`)
	err = db.View(func(tx *Tx) error {
		return tx.Bucket([]byte("small")).ForEach(func(k, v []byte) error { return nil })
	})
	require.ErrorIs(t, err, ErrDamaged)
}

// The marker bucket is the store's: no caller gets or makes it.
func TestReservedBucket(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{})
	require.NoError(t, err)
	defer db.Close()
	err = db.Update(func(tx *Tx) error {
		assert.Nil(t, tx.Bucket(marker))
		_, err := tx.CreateBucketIfNotExists(marker)
		return err
	})
	assert.True(t, errors.Is(err, ErrReserved), "%v", err)
}

// Concurrent Queue calls are each committed with their values checksummed; a function that
// fails gets its error and writes nothing, while the others' values are stored.
func TestQueue(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "batch.db"), Options{})
	require.NoError(t, err)
	defer db.Close()
	refused := errors.New("refused")
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Queue(func(tx *Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte("b"))
				if err != nil {
					return err
				}
				if err := b.Put([]byte(fmt.Sprint(i)), []byte(fmt.Sprint("v", i))); err != nil {
					return err
				}
				if i%10 == 3 {
					return refused
				}
				return nil
			})()
		}()
	}
	wg.Wait()
	require.NoError(t, db.View(func(tx *Tx) error {
		b := tx.Bucket([]byte("b"))
		require.NotNil(t, b)
		for i, err := range errs {
			v, gerr := b.Get([]byte(fmt.Sprint(i)))
			require.NoError(t, gerr)
			if i%10 == 3 {
				assert.ErrorIs(t, err, refused)
				assert.Nil(t, v, "key %d", i)
				continue
			}
			assert.NoError(t, err)
			assert.Equal(t, fmt.Sprint("v", i), string(v))
		}
		return nil
	}))
}

// Queued functions run in the order they were queued, whatever order their callers wait in:
// the value queued last is the one stored, and a commit's error reaches every call in it.
func TestQueueKeepsTheOrder(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "queue.db"), Options{})
	require.NoError(t, err)
	defer db.Close()
	put := func(v string) func(*Tx) error {
		return func(tx *Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("b"))
			if err != nil {
				return err
			}
			return b.Put([]byte("k"), []byte(v))
		}
	}
	waits := make([]func() error, 5)
	for i := range waits {
		waits[i] = db.Queue(put(fmt.Sprint("v", i)))
	}
	// The last queued waits first, in another goroutine; the first queued writes the commit.
	errs := make(chan error, len(waits))
	var wg sync.WaitGroup
	for i := len(waits) - 1; i > 0; i-- {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- waits[i]() }()
	}
	errs <- waits[0]()
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, db.View(func(tx *Tx) error {
		v, err := tx.Bucket([]byte("b")).Get([]byte("k"))
		require.NoError(t, err)
		assert.Equal(t, "v4", string(v))
		return nil
	}))
}
