package drift_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"

	"github.com/qiwigen/qiwigen/contracttest/cache"
	"github.com/qiwigen/qiwigen/contracttest/drift"
)

// copyPages copies testdata/current into a new folder.
func copyPages(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS("testdata/current")))
	return dir
}

// TestRunCached holds a cached run to an uncached one on the same input, and checks that
// every input is part of the key: a change to any of them misses, and going back hits.
func TestRunCached(t *testing.T) {
	dir := copyPages(t)
	specData, err := os.ReadFile("testdata/spec.yaml")
	require.NoError(t, err)
	storePath := filepath.Join(t.TempDir(), "drift.db")
	store, err := cache.Open(storePath)
	require.NoError(t, err)
	defer func() { store.Close() }()

	// uncached is what Run reports on the folder as it is now.
	uncached := func(specData []byte, overlays map[string][]byte) drift.Result {
		inv, _, findings, err := drift.Run(dir, specData, overlays)
		require.NoError(t, err)
		return drift.Result{Pages: inv.Pages, Findings: findings}
	}
	runs := func(specData []byte, overlays map[string][]byte, wantHit bool, what string) drift.Result {
		t.Helper()
		got, err := drift.RunCached(dir, specData, overlays, store)
		require.NoError(t, err, what)
		require.NoError(t, got.CacheErr, what)
		assert.Equal(t, wantHit, got.Hit, what)
		assert.Equal(t, uncached(specData, overlays), got.Result, what)
		return got.Result
	}

	first := runs(specData, nil, false, "the first run")
	runs(specData, nil, true, "the same input again")

	english := filepath.Join(dir, "payments", "_api_en.html.md")
	text, err := os.ReadFile(english)
	require.NoError(t, err)
	changed := strings.Replace(string(text), `"comment": "Order 1"`, `"Comment": "Order 1"`, 1)
	require.NotEqual(t, string(text), changed)
	require.NoError(t, os.WriteFile(english, []byte(changed), 0o644))
	second := runs(specData, nil, false, "a page changed")
	assert.NotEqual(t, first.Findings, second.Findings, "the change is a finding")
	require.NoError(t, os.WriteFile(english, text, 0o644))
	runs(specData, nil, true, "the page changed back")

	extra := filepath.Join(dir, "payments", "_extra_en.html.md")
	require.NoError(t, os.WriteFile(extra, []byte("# Extra\n"), 0o644))
	runs(specData, nil, false, "a page added")
	require.NoError(t, os.Remove(extra))
	runs(specData, nil, true, "the page removed")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.json"), []byte("{}"), 0o644))
	runs(specData, nil, true, "a file that is no page")

	runs(append(specData[:len(specData):len(specData)], "\n# a comment\n"...), nil, false, "the spec changed")
	runs(specData, map[string][]byte{"overlays/a.yaml": []byte("x")}, false, "an overlay given")
	runs(specData, map[string][]byte{"overlays/a.yaml": []byte("y")}, false, "the overlay changed")
	runs(specData, map[string][]byte{"overlays/b.yaml": []byte("y")}, false, "the overlay renamed")

	// A broken page is an error, never stored.
	require.NoError(t, os.WriteFile(english, []byte("# T\n\n~~~json\n{}\n"), 0o644))
	for range 2 {
		_, err := drift.RunCached(dir, specData, nil, store)
		require.ErrorIs(t, err, drift.ErrPage)
	}
	require.NoError(t, os.WriteFile(english, text, 0o644))

	// Entries that no longer decode are computed again and overwritten.
	require.NoError(t, store.Close())
	db, err := bbolt.Open(storePath, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("drift"))
		var keys [][]byte
		require.NoError(t, b.ForEach(func(k, _ []byte) error { keys = append(keys, k); return nil }))
		for _, k := range keys {
			require.NoError(t, b.Put(k, []byte("01234567{not json")))
		}
		return nil
	}))
	require.NoError(t, db.Close())
	store, err = cache.Open(storePath)
	require.NoError(t, err)
	runs(specData, nil, false, "a damaged entry")
	runs(specData, nil, true, "the entry rewritten")

	// Without a store, every run computes.
	got, err := drift.RunCached(dir, specData, nil, nil)
	require.NoError(t, err)
	assert.False(t, got.Hit)
	assert.Equal(t, first, got.Result)
}
