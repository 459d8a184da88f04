package drift_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/drift"
	"github.com/qiwigen/qiwigen/spec"
)

// BenchmarkDrift runs the whole docs folder through drift and, in the same iteration, merely
// reads the same pages: the baseline. Each iteration times two things, each between two
// clock readings and nothing else:
//   - read: os.ReadFile of every page drift reads;
//   - cold: drift.Run, which loads the spec, parses the pages and compares them.
//
// It reports both times and their ratio.
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
	var read, cold time.Duration
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
	}
	n := float64(b.N)
	b.ReportMetric(read.Seconds()*1000/n, "read-ms")
	b.ReportMetric(cold.Seconds()*1000/n, "cold-ms")
	b.ReportMetric(cold.Seconds()/read.Seconds(), "cold/read")
}
