package cache_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"

	"github.com/qiwigen/qiwigen/contracttest/cache"
)

func TestBuildIDIsTheGoToolsOwn(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	got, err := cache.BuildID(exe)
	require.NoError(t, err)
	out, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err != nil {
		t.Skip("go tool buildid:", err)
	}
	assert.Equal(t, strings.TrimSpace(string(out)), got)
}

func TestNoBuildID(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "script")
	require.NoError(t, os.WriteFile(text, []byte("#!/bin/sh\necho hi\n"), 0o600))
	elfNoNote := filepath.Join(dir, "elf")
	// An ELF header with no section: a binary, but not one the Go linker wrote.
	hdr := make([]byte, 64)
	copy(hdr, "\x7fELF\x02\x01\x01")
	hdr[16], hdr[18], hdr[20] = 2, 0x3e, 1 // executable, x86-64, version 1
	hdr[52] = 64                           // header size
	require.NoError(t, os.WriteFile(elfNoNote, hdr, 0o600))
	for _, path := range []string{text, elfNoNote, filepath.Join(dir, "missing")} {
		_, err := cache.BuildID(path)
		assert.ErrorIs(t, err, cache.ErrNoBuildID, path)
	}
}

func TestDigestSeparatesItsInputs(t *testing.T) {
	key := func(kind string, parts ...string) cache.Key {
		d, err := cache.NewDigest(kind)
		require.NoError(t, err)
		for i := 0; i+1 < len(parts); i += 2 {
			d.Add(parts[i], []byte(parts[i+1]))
		}
		return d.Key()
	}
	base := key("k/1", "a", "xy", "b", "z")
	assert.Equal(t, base, key("k/1", "a", "xy", "b", "z"), "the same inputs, the same key")
	for name, other := range map[string]cache.Key{
		"another kind":              key("k/2", "a", "xy", "b", "z"),
		"a byte moved between data": key("k/1", "a", "x", "b", "yz"),
		"a byte moved to the name":  key("k/1", "a", "xy", "bz", ""),
		"an input more":             key("k/1", "a", "xy", "b", "z", "c", ""),
		"another order":             key("k/1", "b", "z", "a", "xy"),
	} {
		assert.NotEqual(t, base, other, name)
	}
}

func TestStoreKeepsResultsAcrossOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "c.db")
	st, err := cache.Open(path)
	require.NoError(t, err)
	k1, k2 := cache.Key{1}, cache.Key{2}
	_, ok, err := st.Get("b", k1)
	require.NoError(t, err)
	assert.False(t, ok, "an empty store holds nothing")
	require.NoError(t, st.Put("b", k1, []byte("one"), time.Unix(1, 0)))
	require.NoError(t, st.Close())

	st, err = cache.Open(path)
	require.NoError(t, err)
	defer st.Close()
	v, ok, err := st.Get("b", k1)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "one", string(v))
	_, ok, err = st.Get("b", k2)
	require.NoError(t, err)
	assert.False(t, ok, "another key")
	_, ok, err = st.Get("other", k1)
	require.NoError(t, err)
	assert.False(t, ok, "another bucket")
}

func TestShortEntryIsAbsent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := bbolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		require.NoError(t, err)
		key := cache.Key{1}
		return b.Put(key[:], []byte("1234567")) // a byte short of a stamp
	}))
	require.NoError(t, db.Close())
	st, err := cache.Open(path)
	require.NoError(t, err)
	defer st.Close()
	_, ok, err := st.Get("b", cache.Key{1})
	require.NoError(t, err)
	assert.False(t, ok)
	require.NoError(t, st.Put("b", cache.Key{1}, nil, time.Unix(1, 0)))
	v, ok, err := st.Get("b", cache.Key{1})
	require.NoError(t, err)
	assert.True(t, ok, "an empty result is a result")
	assert.Empty(t, v)
}

func TestStoreDropsTheOldestBeyondMax(t *testing.T) {
	st, err := cache.Open(filepath.Join(t.TempDir(), "c.db"))
	require.NoError(t, err)
	defer st.Close()
	st.Max = 2
	// Written out of key order, so that the oldest is not the first key.
	require.NoError(t, st.Put("b", cache.Key{3}, []byte("3"), time.Unix(10, 0)))
	require.NoError(t, st.Put("b", cache.Key{1}, []byte("1"), time.Unix(20, 0)))
	require.NoError(t, st.Put("b", cache.Key{2}, []byte("2"), time.Unix(30, 0)))
	for k, want := range map[byte]bool{1: true, 2: true, 3: false} {
		_, ok, err := st.Get("b", cache.Key{k})
		require.NoError(t, err)
		assert.Equal(t, want, ok, "key %d", k)
	}
}

func TestDamagedFile(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	require.NoError(t, os.WriteFile(garbage, []byte(strings.Repeat("not a bbolt file ", 1000)), 0o600))
	_, err := cache.Open(garbage)
	require.Error(t, err)
	assert.Contains(t, err.Error(), garbage)

	// A valid file whose data pages are overwritten: the meta pages still check out.
	path := filepath.Join(dir, "damaged.db")
	st, err := cache.Open(path)
	require.NoError(t, err)
	require.NoError(t, st.Put("b", cache.Key{1}, []byte("one"), time.Unix(1, 0)))
	require.NoError(t, st.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	page := os.Getpagesize()
	for i := 2 * page; i < len(data); i++ {
		data[i] = 0xff
	}
	require.NoError(t, os.WriteFile(path, data, 0o600))
	st, err = cache.Open(path)
	if err == nil {
		_, _, err = st.Get("b", cache.Key{1})
		st.Close()
	}
	require.Error(t, err, "a damaged file is an error, not a panic")
	t.Log(err)
	assert.True(t, errors.Is(err, cache.ErrDamaged) || strings.Contains(err.Error(), path), err.Error())
}

func TestHeldFileIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	st, err := cache.Open(path)
	require.NoError(t, err)
	defer st.Close()
	start := time.Now()
	_, err = cache.Open(path) // bbolt's lock is held by the first open file
	require.Error(t, err)
	assert.Less(t, time.Since(start), 5*time.Second)
}
