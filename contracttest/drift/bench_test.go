package drift_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/contracttest/cache"
	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/drift"
	"github.com/qiwigen/qiwigen/spec"
)

// BenchmarkDrift runs the whole docs folder through drift and, in the same iteration, merely
// reads the same pages: the baseline. Each iteration times three things, each between two
// clock readings and nothing else:
//   - read: os.ReadFile of every page drift reads;
//   - cold: drift.Run, which loads the spec, parses the pages and compares them;
//   - warm: what the command does with --cache when the file already holds this run's result:
//     open the file, read and digest the pages, the spec and the overlays, return the stored
//     findings, close the file.
//
// It reports the three times and the ratios to the read (goal: drift under 1 s warm, at most
// 5x the read).
func BenchmarkDrift(b *testing.B) {
	dir, err := docs.Locate()
	if err != nil {
		b.Skip(err)
	}
	var paths []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && docs.IsPage(d.Name()) {
			paths = append(paths, path)
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	storePath := filepath.Join(b.TempDir(), "drift.db")
	// rerun is what `qiwicontract drift --cache` does: open the file, run, close it.
	rerun := func() (*drift.CachedRun, error) {
		store, err := cache.Open(storePath)
		if err != nil {
			return nil, err
		}
		defer store.Close()
		return drift.RunCached(dir, spec.Resolved, nil, store)
	}
	first, err := rerun()
	if err != nil {
		b.Fatal(err)
	}
	if first.CacheErr != nil {
		b.Fatal(first.CacheErr)
	}
	var read, cold, warm time.Duration
	for b.Loop() {
		start := time.Now()
		for _, p := range paths {
			if _, err := os.ReadFile(p); err != nil {
				b.Fatal(err)
			}
		}
		read += time.Since(start)

		start = time.Now()
		if _, _, _, err := drift.Run(dir, spec.Resolved, nil); err != nil {
			b.Fatal(err)
		}
		cold += time.Since(start)

		start = time.Now()
		got, err := rerun()
		warm += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if !got.Hit {
			b.Fatal("the warm run missed the store:", got.CacheErr)
		}
	}
	n := float64(b.N)
	b.ReportMetric(read.Seconds()*1000/n, "read-ms")
	b.ReportMetric(cold.Seconds()*1000/n, "cold-ms")
	b.ReportMetric(warm.Seconds()*1000/n, "warm-ms")
	b.ReportMetric(cold.Seconds()/read.Seconds(), "cold/read")
	b.ReportMetric(warm.Seconds()/read.Seconds(), "warm/read")
}
