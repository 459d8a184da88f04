package sandbox

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	filestore "github.com/qiwigen/qiwigen/contracttest/store"
)

// store keeps the sandbox's state in a bbolt file (contracttest/store, which checks the file
// and every value): one bucket per siteId, one key per object (storeKey). A call's changes are
// committed, in one transaction shared with the concurrent calls' (filestore.DB.Queue), before
// it is answered, so every answer the sandbox sent survives the process being killed; with
// Options.StateFsync the commit is also fsynced, and survives a power loss.
type store struct {
	db *filestore.DB
}

// stateRemedy is what an error about a damaged or foreign state file tells the user to do.
const stateRemedy = "delete it to start over: the sandbox's state is test data"

func openStore(path string, fsync bool) (*store, error) {
	db, err := filestore.Open(path, filestore.Options{Timeout: 5 * time.Second, Remedy: stateRemedy, NoSync: !fsync})
	if err != nil {
		return nil, fmt.Errorf("sandbox: state: %w", err)
	}
	return &store{db: db}, nil
}

// encode returns the JSON documents of the objects a call changed.
func encode(objects []changed) ([][]byte, error) {
	docs := make([][]byte, len(objects))
	for i, o := range objects {
		data, err := json.Marshal(o.value)
		if err != nil {
			return nil, err
		}
		docs[i] = data
	}
	return docs, nil
}

// save queues the documents of the objects a call changed for one transaction, shared with
// the concurrent calls' (filestore.DB.Queue: one commit for all of them, writes in the order
// they were queued), and returns the function that waits until the transaction is
// committed; it must be called. The queued function may run again, and does the same Puts.
func (st *store) save(siteID string, objects []changed, docs [][]byte) (wait func() error) {
	return st.db.Queue(func(tx *filestore.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(siteID))
		if err != nil {
			return err
		}
		for i, o := range objects {
			if err := b.Put([]byte(o.key), docs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// restore puts the stored version of each object back into s (or drops an object never
// stored): what a failed save leaves in memory goes back to what the file holds.
func (st *store) restore(siteID string, s *site, objects []changed) error {
	return st.db.View(func(tx *filestore.Tx) error {
		b := tx.Bucket([]byte(siteID))
		for _, o := range objects {
			var data []byte
			if b != nil {
				var err error
				if data, err = b.Get([]byte(o.key)); err != nil {
					return err
				}
			}
			if err := restoreKey(s, o.key, data); err != nil {
				return err
			}
		}
		return nil
	})
}

// restoreKey puts one stored document back, by its key's kind.
func restoreKey(s *site, key string, data []byte) error {
	name, id, ok := strings.Cut(key, "\x00")
	if ok {
		for _, k := range kinds {
			if k.name == name {
				return k.restore(s, id, data)
			}
		}
	}
	return fmt.Errorf("%q: no kind of object is stored under this key", key)
}

// load reads every site's objects.
func (st *store) load() (map[string]*site, error) {
	sites := map[string]*site{}
	err := st.db.View(func(tx *filestore.Tx) error {
		return tx.ForEachBucket(func(name []byte, b *filestore.Bucket) error {
			s := newSite()
			sites[string(name)] = s
			return b.ForEach(func(k, v []byte) error {
				if err := restoreKey(s, string(k), v); err != nil {
					return fmt.Errorf("site %s, %q: %w", name, k, err)
				}
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("sandbox: state: %w", err)
	}
	return sites, nil
}

func (st *store) close() error { return st.db.Close() }
