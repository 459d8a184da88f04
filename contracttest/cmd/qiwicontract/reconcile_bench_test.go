package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// BenchmarkReconcileCommand stands for what a merchant runs each morning on a large day:
//
//	qiwicontract reconcile --report report.csv --ledger ledger.csv --encoding windows-1251 --format csv
//
// with a million-row Windows-1251 report (QIWI's columns, a Cyrillic PAYMENTDETAILS) and a
// million-row CSV ledger of the same payments, every hundredth with another amount. Each
// iteration runs the real command as a child process (this test binary, through TestMain),
// the ledger read included, and reports its rows a second end to end, its peak resident
// memory (the child's maximum RSS from getrusage) and its CPU time. Goals: at least 500,000
// rows/s on an idle machine, and a peak under 400 MiB, bounded by the ledger, not by the
// report.
func BenchmarkReconcileCommand(b *testing.B) {
	const rows = 1_000_000
	dir := b.TempDir()
	report, ledger := filepath.Join(dir, "report.csv"), filepath.Join(dir, "ledger.csv")
	writeBenchFiles(b, report, ledger, rows)
	var wall time.Duration
	var peakKiB int64
	var cpu time.Duration
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "reconcile", "--report", report, "--ledger", ledger, "--encoding", "windows-1251", "--format", "csv")
		cmd.Env = append(os.Environ(), "QIWICONTRACT_RUN_COMMAND=1")
		out, err := os.Create(filepath.Join(dir, "out.csv"))
		if err != nil {
			b.Fatal(err)
		}
		cmd.Stdout = out
		start := time.Now()
		err = cmd.Run()
		wall += time.Since(start)
		out.Close()
		if code := cmd.ProcessState.ExitCode(); code != 1 { // the amounts that differ
			b.Fatalf("exit %d: %v", code, err)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			peakKiB = max(peakKiB, ru.Maxrss) // kilobytes on Linux
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	b.ReportMetric(float64(b.N)*rows/wall.Seconds(), "rows/s")
	b.ReportMetric(float64(peakKiB)/1024, "peak-RSS-MiB")
	// CPU seconds a run, which a busy machine changes less than the rows a second.
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// writeBenchFiles writes a Windows-1251 report of n payments and a CSV ledger of the same
// payments, every hundredth with another amount.
func writeBenchFiles(b *testing.B, report, ledger string, n int) {
	b.Helper()
	rf, err := os.Create(report)
	if err != nil {
		b.Fatal(err)
	}
	lf, err := os.Create(ledger)
	if err != nil {
		b.Fatal(err)
	}
	enc := transform.NewWriter(rf, charmap.Windows1251.NewEncoder())
	rw := bufio.NewWriter(enc)
	lw := bufio.NewWriter(lf)
	fmt.Fprintln(rw, "BANK_DATA_DOC;BANK_VALUE_DOC;BANK_AGR_CODE;SUM_BANK;TRANS_DATE;TRANSACTION_ID;SUM;COMMISSION;USER_INFO;ID;MERCH;MERCH_SITE;PARENT_TRANSACTION_ID;BILL;PURPOSE;MERCHANT_SITE_NAME;PAYMENT_METHOD_TYPE;MMVB;CLIENT_AMOUNT;CLIENT_CUR_CODE;SETTLEMENT_AMOUNT;PAYMENTDETAILS")
	fmt.Fprintln(lw, "paymentId,billId,amount,currency,status,dateTime,kind,parentPaymentId")
	for i := range n {
		id := fmt.Sprintf("P%07d", i)
		fmt.Fprintf(rw, "27.08.2020;27.08.2020;34562014;243767,27;26.08.2020 9:59;%d;2165,46;25;533669******4030;%s;hthi;hthi-26;;;payment;site;Bank card;null;2165,46;643;1000,00;Перевод денежных средств\n", 1_000_000+i, id)
		amount := "2165.46"
		if i%100 == 0 {
			amount = "2165.47"
		}
		fmt.Fprintf(lw, "%s,,%s,RUB,COMPLETED,2020-08-26T09:59:00+03:00,payment,\n", id, amount)
	}
	for _, w := range []*bufio.Writer{rw, lw} {
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil { // the encoder's last bytes
		b.Fatal(err)
	}
	for _, f := range []*os.File{rf, lf} {
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
