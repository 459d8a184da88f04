package reconcile_test

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/contracttest/reconcile"
)

// BenchmarkReconcile reads a generated million-row report through the reconciler (against a
// ledger of the same payments, every hundredth with another amount) and, in the same iteration, through bare encoding/csv: rows
// per second for both, their ratio (goal: at least 500,000 rows/s, within 2x of the bare
// read), the heap the reconciliation holds at its end beside the file's size (goal: bounded
// by the ledger and the transaction IDs, not the report), and the heap the process held from
// the OS, an upper bound of the peak (the generated ledger included). Both halves pay the same
// clock readings and the same file open; nothing else is inside the timed loop.
func BenchmarkReconcile(b *testing.B) {
	const rows = 1_000_000
	path := filepath.Join(b.TempDir(), "report.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, header)
	var ledger []reconcile.Entry
	for i := range rows {
		id := fmt.Sprintf("P%07d", i)
		fmt.Fprintln(w, row("34562014", "243767,27", "26.08.2020 9:59", fmt.Sprint(1_000_000+i), "2165,46", "25", id, "", "", "payment", "643"))
		amount := int64(216546)
		if i%100 == 0 {
			amount = 216547
		}
		ledger = append(ledger, reconcile.Entry{Line: int32(i + 2), PaymentID: id, Minor: amount, Currency: "RUB", Status: "COMPLETED"})
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}

	var bare, whole time.Duration
	var held, peak uint64
	for b.Loop() {
		start := time.Now()
		in, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		cr := csv.NewReader(bufio.NewReaderSize(in, 64*1024))
		cr.Comma = ';'
		cr.ReuseRecord = true
		cr.FieldsPerRecord = -1
		for {
			if _, err := cr.Read(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		in.Close()
		bare += time.Since(start)

		start = time.Now()
		rec := reconcile.New(ledger)
		if err := rec.ReadReport(path, reconcile.EncodingUTF8, nil, rec.Bad); err != nil {
			b.Fatal(err)
		}
		res := rec.Finish()
		whole += time.Since(start)

		// The heap the finished reconciliation holds, outside both measured halves.
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		// The heap obtained from the OS and not returned is at least the run's peak.
		peak = max(peak, ms.HeapSys-ms.HeapReleased)
		runtime.GC()
		runtime.ReadMemStats(&ms)
		held = max(held, ms.HeapAlloc)
		runtime.KeepAlive(res)
		runtime.KeepAlive(rec)
	}
	n := float64(b.N) * rows
	b.ReportMetric(n/whole.Seconds(), "rows/s")
	b.ReportMetric(n/bare.Seconds(), "csv-rows/s")
	b.ReportMetric(whole.Seconds()/bare.Seconds(), "time/csv")
	b.ReportMetric(float64(held)/(1<<20), "held-MiB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(info.Size())/(1<<20), "report-MiB")
}
