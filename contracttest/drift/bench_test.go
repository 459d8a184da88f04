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

// BenchmarkDrift runs the whole docs folder through drift (spec loaded, pages read and
// parsed, inventory compared) and, in the same iteration, merely reads the same files: the
// baseline. It reports both times and their ratio (goal: drift under 1 s warm, at most 5x the
// read). Both halves pay the same clock readings; nothing else is inside the timed loop.
func BenchmarkDrift(b *testing.B) {
	dir, err := docs.Locate()
	if err != nil {
		b.Skip(err)
	}
	var paths []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, path)
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	var read, whole time.Duration
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
		whole += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(read.Seconds()*1000/n, "read-ms")
	b.ReportMetric(whole.Seconds()*1000/n, "drift-ms")
	b.ReportMetric(whole.Seconds()/read.Seconds(), "drift/read")
}
