// Package benchdata serves the benchmarks: the files the reconcile benchmarks read (a QIWI
// daily report in Windows-1251, as QIWI mails it, and a CSV ledger of the same payments) and
// the process's CPU time, which benchmarks report beside wall time.
package benchdata

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// Header is the report's header line: QIWI's columns, in the docs' order.
const Header = "BANK_DATA_DOC;BANK_VALUE_DOC;BANK_AGR_CODE;SUM_BANK;TRANS_DATE;TRANSACTION_ID;SUM;COMMISSION;USER_INFO;ID;MERCH;MERCH_SITE;PARENT_TRANSACTION_ID;BILL;PURPOSE;MERCHANT_SITE_NAME;PAYMENT_METHOD_TYPE;MMVB;CLIENT_AMOUNT;CLIENT_CUR_CODE;SETTLEMENT_AMOUNT;PAYMENTDETAILS"

// Write writes report.csv (Windows-1251, n payments with a Cyrillic PAYMENTDETAILS) and
// ledger.csv (the same n payments, every hundredth with another amount) into dir, and
// returns their paths. Reconciling them finds n/100 amount-mismatch differences.
func Write(dir string, n int) (report, ledger string, err error) {
	report, ledger = filepath.Join(dir, "report.csv"), filepath.Join(dir, "ledger.csv")
	rf, err := os.Create(report)
	if err != nil {
		return "", "", err
	}
	defer rf.Close()
	lf, err := os.Create(ledger)
	if err != nil {
		return "", "", err
	}
	defer lf.Close()
	enc := transform.NewWriter(rf, charmap.Windows1251.NewEncoder())
	rw, lw := bufio.NewWriter(enc), bufio.NewWriter(lf)
	fmt.Fprintln(rw, Header)
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
			return "", "", err
		}
	}
	if err := enc.Close(); err != nil { // the encoder's last bytes
		return "", "", err
	}
	for _, f := range []*os.File{rf, lf} {
		if err := f.Close(); err != nil {
			return "", "", err
		}
	}
	return report, ledger, nil
}

// Bare reads the report (through the Windows-1251 decoder) and the ledger with bare
// encoding/csv, keeping nothing: the floor of a streaming pass over the same files, paying
// the same file reads as a reconciliation. It returns the records read.
func Bare(report, ledger string) (int, error) {
	records := 0
	for _, f := range []struct {
		path  string
		comma rune
		cp    bool
	}{{report, ';', true}, {ledger, ',', false}} {
		in, err := os.Open(f.path)
		if err != nil {
			return 0, err
		}
		var r io.Reader = bufio.NewReaderSize(in, 64*1024)
		if f.cp {
			r = charmap.Windows1251.NewDecoder().Reader(r)
		}
		cr := csv.NewReader(r)
		cr.Comma, cr.ReuseRecord, cr.FieldsPerRecord = f.comma, true, -1
		for {
			_, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				in.Close()
				return 0, fmt.Errorf("%s: %w", f.path, err)
			}
			records++
		}
		in.Close()
	}
	return records, nil
}

// HeldPerRow returns the heap load keeps, in bytes per row of n: the growth of HeapInuse
// from before load to after it, each read after a collection, what load returns kept alive
// until the second reading.
func HeldPerRow(n int, load func() (any, error)) (float64, error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept, err := load()
	if err != nil {
		return 0, err
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(kept)
	return (float64(after.HeapInuse) - float64(before.HeapInuse)) / float64(n), nil
}
