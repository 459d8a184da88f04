package drift

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/qiwigen/qiwigen/contracttest/cache"
	"github.com/qiwigen/qiwigen/contracttest/docs"
)

// Result is what a run reports: the pages read and the findings, before a baseline.
type Result struct {
	Pages    []string  `json:"pages"`
	Findings []Finding `json:"findings"`
}

// CachedRun is the outcome of RunCached.
type CachedRun struct {
	Result
	// Hit is true when the result came from the store.
	Hit bool
	// CacheErr says why the store was not used (read or written), nil if it was: the result
	// was then computed, and is as good.
	CacheErr error
}

// cacheBucket is the store's bucket of drift results; cacheKind names their format.
const (
	cacheBucket = "drift"
	cacheKind   = "drift/1"
)

// RunCached is Run for a caller that needs only the pages read and the findings. With a
// store, it reads the pages, and when the same binary has already compared these very pages
// (paths and bytes) with this very spec and these overlays, it returns the stored result
// without loading the spec or parsing a page. Otherwise it runs and stores the result. A
// nil store runs every time. Errors are never stored: a folder that fails is read again. A
// stored entry that does not decode is computed again and overwritten.
func RunCached(dir string, spec []byte, overlays map[string][]byte, store *cache.Store) (*CachedRun, error) {
	if store == nil {
		inv, _, findings, err := Run(dir, spec, overlays)
		if err != nil {
			return nil, err
		}
		return &CachedRun{Result: Result{Pages: inv.Pages, Findings: findings}}, nil
	}
	files, err := docs.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := &CachedRun{}
	key, err := cacheKey(spec, overlays, files)
	if err == nil {
		var data []byte
		var ok bool
		if data, ok, err = store.Get(cacheBucket, key); err == nil && ok {
			// An entry that does not decode is computed again and overwritten.
			if json.Unmarshal(data, &out.Result) == nil {
				out.Hit = true
				return out, nil
			}
			out.Result = Result{}
		}
	}
	out.CacheErr = err
	inv, _, findings, err := run(dir, spec, overlays, func() ([]docs.File, error) { return files, nil })
	if err != nil {
		return nil, err
	}
	out.Result = Result{Pages: inv.Pages, Findings: findings}
	if out.CacheErr == nil {
		data, err := json.Marshal(out.Result)
		if err == nil {
			err = store.Put(cacheBucket, key, data, time.Now())
		}
		out.CacheErr = err
	}
	return out, nil
}

// cacheKey digests everything a run depends on besides its code: each page's path and bytes
// (the paths start with the folder as named, which the pages' positions are relative to),
// the spec and the overlays by name.
func cacheKey(spec []byte, overlays map[string][]byte, files []docs.File) (cache.Key, error) {
	d, err := cache.NewDigest(cacheKind)
	if err != nil {
		return cache.Key{}, err
	}
	d.Add("spec", spec)
	names := make([]string, 0, len(overlays))
	for name := range overlays {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		d.Add("overlay "+name, overlays[name])
	}
	for _, f := range files {
		d.Add("page "+f.Path, f.Data)
	}
	return d.Key(), nil
}
