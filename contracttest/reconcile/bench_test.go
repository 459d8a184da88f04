package reconcile_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/contracttest/internal/benchdata"
	"github.com/qiwigen/qiwigen/contracttest/reconcile"
)

// BenchmarkReconcile stands for what a merchant runs each morning on a large day,
//
//	qiwicontract reconcile --report report.csv --ledger ledger.csv --format csv
//
// with a Windows-1251 report of QIWI's columns and a CSV ledger of the same payments (every
// hundredth with another amount), at 100,000 and 1,000,000 rows each. Each iteration makes
// the library calls the command makes, in its order: ReadLedger, New, ReadReport (encoding
// detected), Finish, WriteCSV into a file; the files are written before the timer. Beside
// it, in the same iteration, bare encoding/csv reads the same two files (the baseline,
// paying the same file reads). It reports the reconciliation's rows a second (report rows,
// ledger read included; goal: at least 500,000), the bare read's, their ratio, and the bytes
// the ledger and the reconciler built on it hold per ledger row (HeapInuse growth after a
// collection; goal: at most 150), and the CPU seconds a run takes.
func BenchmarkReconcile(b *testing.B) {
	for _, rows := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprint("rows=", rows), func(b *testing.B) {
			dir := b.TempDir()
			report, ledgerPath, err := benchdata.Write(dir, rows)
			if err != nil {
				b.Fatal(err)
			}
			held, err := benchdata.HeldPerRow(rows, func() (any, error) {
				ledger, err := reconcile.ReadLedger(ledgerPath, nil)
				return reconcile.New(ledger), err
			})
			if err != nil {
				b.Fatal(err)
			}
			var bare, whole, cpu time.Duration
			for b.Loop() {
				start := time.Now()
				if _, err := benchdata.Bare(report, ledgerPath); err != nil {
					b.Fatal(err)
				}
				bare += time.Since(start)

				start, cpu0 := time.Now(), benchdata.CPU()
				ledger, err := reconcile.ReadLedger(ledgerPath, nil)
				if err != nil {
					b.Fatal(err)
				}
				rec := reconcile.New(ledger)
				if err := rec.ReadReport(report, reconcile.EncodingAuto, nil, rec.Bad); err != nil {
					b.Fatal(err)
				}
				res := rec.Finish()
				out, err := os.Create(filepath.Join(dir, "out.csv"))
				if err != nil {
					b.Fatal(err)
				}
				err = res.WriteCSV(out)
				if cerr := out.Close(); err == nil {
					err = cerr
				}
				whole, cpu = whole+time.Since(start), cpu+benchdata.CPU()-cpu0
				if err != nil {
					b.Fatal(err)
				}
				if got := res.Counts()[reconcile.AmountMismatch]; got != rows/100 {
					b.Fatalf("%d amount-mismatch differences, want %d", got, rows/100)
				}
			}
			n := float64(b.N) * float64(rows)
			b.ReportMetric(n/whole.Seconds(), "rows/s")
			b.ReportMetric(n/bare.Seconds(), "bare-rows/s")
			b.ReportMetric(whole.Seconds()/bare.Seconds(), "time/bare")
			b.ReportMetric(held, "B/ledger-row")
			// CPU seconds a run (the collector's included), which a busy machine changes
			// less than the rows a second.
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}
