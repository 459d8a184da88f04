package reconcile

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"

	"github.com/qiwigen/qiwigen/contracttest/store"
)

// countingAPI answers every payment COMPLETED, 10.00 RUB, and counts the calls.
type countingAPI struct{ calls int }

func (s *countingAPI) Payment(context.Context, string, string) (State, error) {
	s.calls++
	return State{Found: true, Status: "COMPLETED", Amount: "10.00", Currency: "RUB"}, nil
}

func (s *countingAPI) Refund(context.Context, string, string, string) (State, error) {
	s.calls++
	return State{Found: true, Status: "COMPLETED", Amount: "1.00", Currency: "RUB"}, nil
}

// The API cache is a checked store: a cache file from before values carried checksums is
// refused saying to delete it, and a cached state changed in the file is an error naming
// its key, never a changed state.
func TestAPICacheFileChecked(t *testing.T) {
	old := filepath.Join(t.TempDir(), "old.db")
	db, err := bbolt.Open(old, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket(cacheBucket)
		if err != nil {
			return err
		}
		return b.Put([]byte("payment\x00s\x00p-1"), []byte(`{"found":true,"status":"COMPLETED","amount":"10.00"}`))
	}))
	require.NoError(t, db.Close())
	_, err = NewCachedAPI(&countingAPI{}, 1000, old)
	require.ErrorIs(t, err, store.ErrForeign)
	assert.Contains(t, err.Error(), old)
	assert.Contains(t, err.Error(), "delete it to start over: it is a cache")

	path := filepath.Join(t.TempDir(), "api.db")
	api := &countingAPI{}
	c, err := NewCachedAPI(api, 1000, path)
	require.NoError(t, err)
	s, err := c.Payment(context.Background(), "s", "p-1")
	require.NoError(t, err)
	assert.Equal(t, "10.00", s.Amount)
	require.NoError(t, c.Close())

	c, err = NewCachedAPI(api, 1000, path)
	require.NoError(t, err)
	_, err = c.Payment(context.Background(), "s", "p-1")
	require.NoError(t, err)
	assert.Equal(t, 1, api.calls, "the rerun reads the cache")
	require.NoError(t, c.Close())

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	at := bytes.Index(data, []byte(`"10.00"`))
	require.Positive(t, at)
	data[at+1] = '9' // 90.00
	require.NoError(t, os.WriteFile(path, data, 0o600))
	_, err = NewCachedAPI(api, 1000, path)
	require.ErrorIs(t, err, store.ErrDamaged)
	assert.Contains(t, err.Error(), `bucket "states", key "payment\x00s\x00p-1": checksum`)
}
