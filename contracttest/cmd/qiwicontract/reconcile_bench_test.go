package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/contracttest/internal/benchdata"
	"github.com/qiwigen/qiwigen/contracttest/reconcile"
)

// BenchmarkReconcileCommand stands for what a merchant runs each morning on a large day:
//
//	qiwicontract reconcile --report report.csv --ledger ledger.csv --encoding windows-1251 --format csv
//
// with a Windows-1251 report of QIWI's columns (a Cyrillic PAYMENTDETAILS) and a CSV ledger
// of the same payments, every hundredth with another amount, at 100,000 and 1,000,000 rows
// each. Each iteration runs the command's own code (the dispatcher main calls, with those
// arguments, its output into a file), the ledger read included; the files are written before
// the timer. Beside it, in the same iteration, bare encoding/csv reads the same two files (the
// baseline, paying the same file reads). It reports the command's report rows a second end
// to end (goal: at least 500,000), the bare read's, their ratio, and the bytes the ledger and
// the reconciler built on it hold per ledger row (HeapInuse growth after a collection, the
// calls the command makes; goal: at most 150), and the CPU seconds a run takes.
func BenchmarkReconcileCommand(b *testing.B) {
	for _, rows := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprint("rows=", rows), func(b *testing.B) {
			dir := b.TempDir()
			report, ledger, err := benchdata.Write(dir, rows)
			if err != nil {
				b.Fatal(err)
			}
			held, err := benchdata.HeldPerRow(rows, func() (any, error) {
				entries, err := reconcile.ReadLedger(ledger, nil)
				return reconcile.New(entries), err
			})
			if err != nil {
				b.Fatal(err)
			}
			args := []string{"reconcile", "--report", report, "--ledger", ledger, "--encoding", "windows-1251", "--format", "csv"}
			var bare, whole, cpu time.Duration
			for b.Loop() {
				start := time.Now()
				if _, err := benchdata.Bare(report, ledger); err != nil {
					b.Fatal(err)
				}
				bare += time.Since(start)

				out, err := os.Create(filepath.Join(dir, "out.csv"))
				if err != nil {
					b.Fatal(err)
				}
				start, cpu0 := time.Now(), benchdata.CPU()
				code := run(context.Background(), args, out, io.Discard)
				whole, cpu = whole+time.Since(start), cpu+benchdata.CPU()-cpu0
				out.Close()
				if code != 1 { // the amounts that differ
					b.Fatalf("exit %d", code)
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
