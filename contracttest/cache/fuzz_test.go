package cache_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/contracttest/cache"
)

// smallStore writes a cache file that holds one result, as Put writes it.
func smallStore(tb testing.TB) []byte {
	path := filepath.Join(tb.TempDir(), "seed.db")
	st, err := cache.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.Put("drift", cache.Key{1}, []byte(`{"pages":["a.md"],"findings":[]}`), time.Unix(1, 0)); err != nil {
		tb.Fatal(err)
	}
	st.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// FuzzStoreFile opens any file as a cache and reads it, as a run that hits does: a damaged
// file must give errors, never a panic or a crash. It does not write: on a file whose meta
// pages check out but whose other pages lie, bbolt's commit frees whatever pages the file
// claims, which may take minutes; that is bbolt's to answer, and a file bbolt wrote itself
// is crash-safe. Seeds: testdata/fuzz/FuzzStoreFile (a small valid file, written
// by smallStore on linux/amd64) and the file smallStore writes now.
func FuzzStoreFile(f *testing.F) {
	f.Add(smallStore(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "c.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := cache.Open(path)
		if err != nil {
			return
		}
		defer st.Close()
		_, _, _ = st.Get("drift", cache.Key{1})
		_, _, _ = st.Get("other", cache.Key{2})
	})
}
