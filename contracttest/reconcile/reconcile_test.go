package reconcile_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/reconcile"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

const header = "BANK_DATA_DOC;BANK_VALUE_DOC;BANK_AGR_CODE;SUM_BANK;TRANS_DATE;TRANSACTION_ID;SUM;COMMISSION;USER_INFO;ID;MERCH;MERCH_SITE;PARENT_TRANSACTION_ID;BILL;PURPOSE;MERCHANT_SITE_NAME;PAYMENT_METHOD_TYPE;MMVB;CLIENT_AMOUNT;CLIENT_CUR_CODE;SETTLEMENT_AMOUNT;PAYMENTDETAILS"

// row writes a report row in the docs' column order.
func row(doc, sumBank, date, tx, sum, commission, id, parent, bill, purpose, cur string) string {
	return strings.Join([]string{"27.08.2020", "27.08.2020", doc, sumBank, date, tx, sum, commission, "533669******4030", id, "hthi", "hthi-26", parent, bill, purpose, "site", "Bank card", "null", sum, cur, "1000,00", "Perevod"}, ";")
}

func write(t testing.TB, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

func run(t testing.TB, reportPath, ledgerPath string, rename map[string]string) *reconcile.Result {
	t.Helper()
	ledger, err := reconcile.ReadLedger(ledgerPath, rename)
	require.NoError(t, err)
	rec := reconcile.New(ledger)
	require.NoError(t, reconcile.OpenReport(reportPath, reconcile.EncodingAuto, rec.Row, rec.Bad))
	return rec.Finish()
}

const ledgerHeader = "paymentId,billId,amount,currency,status,dateTime,kind,parentPaymentId\n"

// The docs' sample fragment, read from the docs page by the project's docs reader: its rows
// match a ledger holding its two payments, and its last row, cut off in the docs, is a bad
// row with its line.
func TestDocsSample(t *testing.T) {
	dir, err := docs.Locate()
	require.NoError(t, err)
	page, err := docs.ParseFile(filepath.Join(dir, "payments", "_reports_en.html.md"))
	require.NoError(t, err)
	var sample string
	for _, b := range page.Blocks {
		if strings.HasPrefix(b.Text, "BANK_DATA_DOC;") {
			sample = b.Text + "\n"
		}
	}
	require.NotEmpty(t, sample, "the sample report fragment")
	ledger := write(t, "ledger.csv", ledgerHeader+
		"68860745,,2165.46,RUB,COMPLETED,2020-08-26T09:59:00+03:00,payment,\n"+
		"68860893,,1530.00,RUB,SUCCESS,2020-08-26T10:01:00+03:00,payment,\n")
	res := run(t, write(t, "report.csv", sample), ledger, nil)
	require.Len(t, res.Differences, 1, "%+v", res.Differences)
	d := res.Differences[0]
	assert.Equal(t, reconcile.BadRow, d.Kind)
	assert.Equal(t, 5, d.ReportLine)
	assert.Contains(t, d.Message, "truncated")
	require.Len(t, res.Days, 2)
	assert.Equal(t, "2020-08-26", res.Days[0].Day)
	assert.Equal(t, "3695.46", res.Days[0].Amount.String())
	assert.Equal(t, "50.00", res.Days[0].Commission.String())
	assert.Equal(t, "2020-08-27", res.Days[1].Day) // the SETTLEMENT row: its bank value date
	assert.Equal(t, "25676786.28", res.Days[1].Settlement.String())
}

// A report and a ledger that agree give no difference; 1530, 1530,00 and 1530.00 are one
// amount; CRLF lines and lower-case purposes read as well.
func TestMatchingPairHasNoDifference(t *testing.T) {
	report := strings.Join([]string{header,
		row("D1", "3060,00", "26.08.2020 9:59", "1", "1530", "25", "P1", "", "B1", "payment", "643"),
		row("D1", "3060,00", "26.08.2020 10:01", "2", "1530,00", "25", "P2", "", "", "PAYMENT", "643"),
		row("D1", "3060,00", "26.08.2020 11:00", "3", "1530.00", "0", "R1", "1", "", "Refund", "643"),
	}, "\r\n") + "\r\n"
	ledger := write(t, "ledger.csv", ledgerHeader+
		"P1,B1,1530.00,RUB,COMPLETED,2020-08-26T09:59:00+03:00,payment,\n"+
		"P2,,1530,RUB,COMPLETED,2020-08-26T10:01:00+03:00,payment,\n"+
		"R1,,-1530.00,RUB,COMPLETED,2020-08-26T11:00:00+03:00,refund,P1\n")
	res := run(t, write(t, "report.csv", report), ledger, nil)
	assert.Empty(t, res.Differences)
	assert.Equal(t, 3, res.Rows)
}

// Each kind of difference, once.
func TestEveryKindOfDifference(t *testing.T) {
	report := strings.Join([]string{header,
		row("D1", "100,00", "26.08.2020 9:00", "1", "10,00", "0", "P1", "", "", "payment", "643"),  // matches
		row("D1", "100,00", "26.08.2020 9:01", "2", "20,00", "0", "P9", "", "", "payment", "643"),  // missing-in-ledger
		row("D1", "100,00", "26.08.2020 9:02", "3", "100,00", "0", "P2", "", "", "payment", "643"), // amount-mismatch
		row("D1", "100,00", "26.08.2020 9:03", "4", "30,00", "0", "P3", "", "", "payment", "840"),  // currency-mismatch
		row("D1", "100,00", "26.08.2020 9:04", "5", "40,00", "0", "P4", "", "", "payment", "643"),  // status-mismatch
		row("D1", "100,00", "26.08.2020 9:05", "6", "5,00", "0", "R1", "999", "", "refund", "643"), // unknown-parent
		row("D1", "100,00", "26.08.2020 9:06", "1", "10,00", "0", "P1", "", "", "payment", "643"),  // duplicate
		row("D1", "999,00", "26.08.2020 9:07", "7", "50,00", "0", "P5", "", "", "payment", "643"),  // settlement-mismatch
		row("D1", "100,00", "26.08.2020 9:08", "8", "abc", "0", "P6", "", "", "payment", "643"),    // bad-row
	}, "\n") + "\n"
	ledger := write(t, "ledger.csv", ledgerHeader+
		"P1,,10.00,RUB,COMPLETED,2020-08-26T09:00:00+03:00,payment,\n"+
		"P2,,100.01,RUB,COMPLETED,2020-08-26T09:02:00+03:00,payment,\n"+
		"P3,,30.00,RUB,COMPLETED,2020-08-26T09:03:00+03:00,payment,\n"+
		"P4,,40.00,RUB,DECLINED,2020-08-26T09:04:00+03:00,payment,\n"+
		"R1,,5.00,RUB,COMPLETED,2020-08-26T09:05:00+03:00,refund,PX\n"+
		"P5,,50.00,RUB,COMPLETED,2020-08-26T09:07:00+03:00,payment,\n"+
		"P8,,80.00,RUB,COMPLETED,2020-08-26T12:00:00+03:00,payment,\n"+ // missing-in-report
		"P7,,70.00,RUB,COMPLETED,2020-09-30T12:00:00+03:00,payment,\n") // another day: not expected
	res := run(t, write(t, "report.csv", report), ledger, nil)
	counts := res.Counts()
	for _, k := range reconcile.Kinds {
		if k == reconcile.EmptyReport { // a report with rows covers their days
			continue
		}
		assert.Equal(t, 1, counts[k], "%s in %+v", k, res.Differences)
	}
	byKind := map[string]reconcile.Difference{}
	for _, d := range res.Differences {
		byKind[d.Kind] = d
	}
	assert.Equal(t, "P9", byKind[reconcile.MissingInLedger].PaymentID)
	assert.Equal(t, 3, byKind[reconcile.MissingInLedger].ReportLine)
	assert.Equal(t, "P8", byKind[reconcile.MissingInReport].PaymentID)
	assert.Equal(t, 8, byKind[reconcile.MissingInReport].LedgerLine)
	assert.Equal(t, 8, byKind[reconcile.Duplicate].ReportLine)
	// Every identifier a difference concerns is a field of its own (issue 20), not only words
	// of the message: the refund's parent in the report and in the ledger, the earlier row a
	// duplicate repeats, the bank document whose rows disagree.
	assert.Equal(t, "999", byKind[reconcile.UnknownParent].ParentTransactionID)
	assert.Equal(t, "PX", byKind[reconcile.UnknownParent].ParentPaymentID)
	assert.Equal(t, 6, byKind[reconcile.UnknownParent].LedgerLine)
	assert.Equal(t, 2, byKind[reconcile.Duplicate].FirstReportLine)
	assert.Equal(t, "D1", byKind[reconcile.SettlementMismatch].Document)
	assert.Equal(t, 2, byKind[reconcile.SettlementMismatch].FirstReportLine)
	assert.Equal(t, 10, byKind[reconcile.BadRow].ReportLine)
	assert.Contains(t, byKind[reconcile.BadRow].Message, "column SUM:")
}

// A Windows-1251 report, detected or named, and the zip archive QIWI mails read like the
// UTF-8 file.
func TestEncodingsAndArchive(t *testing.T) {
	text := header + "\n" + strings.Replace(row("D1", "10,00", "26.08.2020 9:00", "1", "10,00", "0", "P1", "", "", "payment", "643"), "Perevod", "Перевод денежных средств", 1) + "\n"
	cp, err := charmap.Windows1251.NewEncoder().String(text)
	require.NoError(t, err)
	ledger := write(t, "ledger.csv", ledgerHeader+"P1,,10.00,RUB,COMPLETED,2020-08-26T09:00:00+03:00,payment,\n")
	assert.Empty(t, run(t, write(t, "cp1251.csv", cp), ledger, nil).Differences)

	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	f, err := zw.Create("report_sample_20201101_merchant_XXX.csv")
	require.NoError(t, err)
	_, err = f.Write([]byte(cp))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	assert.Empty(t, run(t, write(t, "report.zip", zipped.String()), ledger, nil).Differences)

	var rows []reconcile.Row
	err = reconcile.ReadReport("r.csv", strings.NewReader(cp), reconcile.EncodingWin1251, func(r reconcile.Row) error { rows = append(rows, r); return nil }, func(e *reconcile.RowError) error { return e })
	require.NoError(t, err)
	require.Len(t, rows, 1)
	assert.Equal(t, "RUB", rows[0].Currency)
	err = reconcile.ReadReport("r.csv", strings.NewReader(cp), "koi8-r", nil, nil)
	assert.ErrorIs(t, err, reconcile.ErrReport)
}

// Bad input: each reported with its line (and column), none stops the run; a missing column
// stops it, naming the file.
func TestBadRows(t *testing.T) {
	cases := map[string]struct{ row, want string }{
		"truncated":   {"27.08.2020;27.08.2020;34562014;243767,27;26.08.2020 ", "r.csv:2: 5 fields, the header has 22"},
		"non-numeric": {row("D", "1,00", "26.08.2020 9:00", "1", "12a", "0", "P", "", "", "payment", "643"), "r.csv:2: column SUM:"},
		"purpose":     {row("D", "1,00", "26.08.2020 9:00", "1", "1,00", "0", "P", "", "", "Gift", "643"), `r.csv:2: column PURPOSE: unknown purpose "Gift"`},
		"date":        {row("D", "1,00", "2020-08-26", "1", "1,00", "0", "P", "", "", "payment", "643"), "r.csv:2: column TRANS_DATE:"},
	}
	for name, c := range cases {
		var bad []*reconcile.RowError
		good := 0
		text := header + "\n" + c.row + "\n" + row("D", "1,00", "26.08.2020 9:00", "2", "1,00", "0", "Q", "", "", "payment", "643") + "\n"
		err := reconcile.ReadReport("r.csv", strings.NewReader(text), "", func(reconcile.Row) error { good++; return nil }, func(e *reconcile.RowError) error { bad = append(bad, e); return nil })
		require.NoError(t, err, name)
		require.Len(t, bad, 1, name)
		assert.Contains(t, bad[0].Error(), c.want, name)
		assert.ErrorIs(t, bad[0], reconcile.ErrReport)
		assert.Equal(t, 1, good, "%s: the run goes on", name)
	}
	err := reconcile.ReadReport("r.csv", strings.NewReader("TRANSACTION_ID;PURPOSE\n1;payment\n"), "", nil, nil)
	assert.ErrorContains(t, err, "r.csv:1: bad report: no column SUM")
}

// JSON Lines ledgers, and ledgers with other column names.
func TestLedgerFormats(t *testing.T) {
	report := write(t, "report.csv", header+"\n"+row("D1", "10,00", "26.08.2020 9:00", "1", "10,00", "0", "P1", "", "", "payment", "643")+"\n")
	jsonl := write(t, "ledger.jsonl", `{"paymentId": "P1", "amount": 10.00, "currency": "RUB", "status": "COMPLETED", "kind": "payment"}`+"\n")
	assert.Empty(t, run(t, report, jsonl, nil).Differences)
	renamed := write(t, "ledger.csv", "order_id,total,currency,state\nP1,10,RUB,completed\n")
	assert.Empty(t, run(t, report, renamed, map[string]string{"paymentId": "order_id", "amount": "total", "status": "state"}).Differences)

	for name, text := range map[string]string{
		"amount":  ledgerHeader + "P1,,ten,RUB,COMPLETED,,payment,\n",
		"kind":    ledgerHeader + "P1,,10,RUB,COMPLETED,,gift,\n",
		"json":    "{\"paymentId\": \"P1\", \"amount\": 1}\n{\"paymentId\": \n",
		"columns": "order,total\nP1,10\n",
	} {
		_, err := reconcile.ReadLedger(write(t, "l", text), nil)
		assert.ErrorIs(t, err, reconcile.ErrLedger, name)
		assert.Regexp(t, `/l:\d+: bad ledger`, err.Error(), name)
	}
	_, err := reconcile.ReadLedger(renamed, map[string]string{"orderId": "order_id"})
	assert.ErrorContains(t, err, `names "orderId"`)
}

// The three renderings: CSV with a header, JSON Lines ending in a summary, text with counts.
func TestRenderings(t *testing.T) {
	report := write(t, "report.csv", header+"\n"+row("D1", "10,00", "26.08.2020 9:00", "1", "10,00", "0", "P1", "", "", "payment", "643")+"\n")
	res := run(t, report, write(t, "ledger.csv", ledgerHeader), nil)
	require.Len(t, res.Differences, 1)
	var csvOut, jsonOut, textOut bytes.Buffer
	require.NoError(t, res.WriteCSV(&csvOut))
	require.NoError(t, res.WriteJSONLines(&jsonOut))
	require.NoError(t, res.WriteText(&textOut))
	assert.True(t, strings.HasPrefix(csvOut.String(), "kind,paymentId,transactionId,billId,parentTransactionId,parentPaymentId,document,file,reportLine,ledgerLine,firstReportLine,firstLedgerLine,message\nmissing-in-ledger,P1,1,,,,,"), csvOut.String())
	lines := strings.Split(strings.TrimSpace(jsonOut.String()), "\n")
	require.Len(t, lines, 2)
	var first, last map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &last))
	assert.Equal(t, "missing-in-ledger", first["kind"])
	assert.Equal(t, "P1", first["paymentId"])
	assert.EqualValues(t, 2, first["reportLine"])
	assert.Equal(t, "summary", last["kind"])
	assert.Contains(t, textOut.String(), "missing-in-ledger: 1\n")
	for _, out := range []string{csvOut.String(), jsonOut.String(), textOut.String()} {
		assert.NotContains(t, out, "533669", "no card number in any output")
	}
}

func FuzzReport(f *testing.F) {
	f.Add([]byte(header + "\n" + row("D1", "10,00", "26.08.2020 9:00", "1", "10,00", "0", "P1", "", "", "payment", "643") + "\n"))
	f.Add([]byte(header + "\r\n27.08.2020;27.08.2020;3456144;-25676786,28;;;25676786,28;;;;;;;;SETTLEMENT;;;null;;;;\r\n"))
	f.Add([]byte("TRANSACTION_ID;SUM;PURPOSE\n1;\"1,5\";refund\n2;x;OPERATION+\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec := reconcile.New(nil)
		err := reconcile.ReadReport("f.csv", bytes.NewReader(data), "", rec.Row, func(e *reconcile.RowError) error {
			if e.Line <= 0 || e.File != "f.csv" {
				t.Fatalf("row error without its place: %v", e)
			}
			return rec.Bad(e)
		})
		if err != nil && !strings.HasPrefix(err.Error(), "f.csv") {
			t.Fatalf("error without the file: %v", err)
		}
		rec.Finish()
	})
}

type countingReader struct {
	r io.Reader
	n *int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

// The watch sees every report file with its size, the zip's entries by their name in the
// archive, and every byte read through it.
func TestWatchSeesEveryByte(t *testing.T) {
	text := header + "\n" + row("D1", "10,00", "26.08.2020 9:00", "1", "10,00", "0", "P1", "", "", "payment", "643") + "\n"
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	f, err := zw.Create("a.csv")
	require.NoError(t, err)
	_, err = f.Write([]byte(text))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	for _, path := range []string{write(t, "r.csv", text), write(t, "r.zip", zipped.String())} {
		var names []string
		var sizes []int64
		var read int64
		watch := func(name string, size int64, r io.Reader) io.Reader {
			names, sizes = append(names, name), append(sizes, size)
			return countingReader{r, &read}
		}
		rows := 0
		require.NoError(t, reconcile.OpenReportWatched(path, "", watch, func(reconcile.Row) error { rows++; return nil }, func(e *reconcile.RowError) error { return e }))
		assert.Equal(t, 1, rows)
		require.Len(t, names, 1)
		assert.Equal(t, []int64{int64(len(text))}, sizes, path)
		assert.Equal(t, int64(len(text)), read, path)
		if strings.HasSuffix(path, ".zip") {
			assert.Equal(t, path+"!a.csv", names[0])
		}
	}
}

// The short way of reading an amount (digits, then a comma or a point and one or two fraction
// digits, or none) reads what the long way reads, and prints alike; every other form is left
// to the long way.
func TestAmountFormsAgree(t *testing.T) {
	for _, s := range []string{"2165,46", "-10.00", "0,01", "1530,00", "1530", "1530,5", "1 530,00", "1\u00a0530,00", "+1,00", ",46",
		"-,46", "12a4,00", "99999999999999,99", "999999999999999,99", "1,005", "1.5.00", "-0,00", "007,10",
		"25", "-3", "0", "1,5", "-1.5", "1,", "-", "", "1,0", "999999999999999", "9999999999999999", "1,-5", "1e5"} {
		got, err := reconcile.ParseAmount(s)
		long := strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "\u00a0", "")
		want, wantErr := wiretype.ParseMoney(strings.Replace(long, ",", ".", 1))
		if wantErr != nil {
			assert.Error(t, err, s)
			continue
		}
		require.NoError(t, err, s)
		assert.Equal(t, want.Minor(), got.Minor(), s)
		assert.Equal(t, want.String(), got.String(), s)
	}
}

// TestReadReportStopsEarly: a callback's error stops a long report at once, through every
// stage of the reader, and no reading goroutine outlives the call.
func TestReadReportStopsEarly(t *testing.T) {
	var b strings.Builder
	b.WriteString(header + "\n")
	for i := range 20_000 {
		purpose := "payment"
		if i == 700 {
			purpose = "no-such-purpose"
		}
		b.WriteString(row("D1", "10,00", "26.08.2020 9:00", fmt.Sprint(i+1), "10,00", "0", fmt.Sprint("P", i), "", "", purpose, "643") + "\n")
	}
	path := filepath.Join(t.TempDir(), "long.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	before := runtime.NumGoroutine()

	rec := reconcile.New(nil)
	stop := errors.New("stop here")
	var lines []int
	err := rec.ReadReport(path, reconcile.EncodingUTF8, nil, func(e *reconcile.RowError) error {
		lines = append(lines, e.Line)
		return stop
	})
	require.ErrorIs(t, err, stop)
	assert.Equal(t, []int{702}, lines, "the bad row, by its line (the header is line 1)")
	assert.Equal(t, 700, rec.Finish().Rows, "the rows before it were matched, none after")

	for i := 0; i < 100 && runtime.NumGoroutine() > before; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "the reader's goroutines ended")
}

// TestReadErrorEndsTheReport: an input that fails (a damaged archive, say) is reported once,
// with the line it failed after, and ends the read instead of failing forever.
func TestReadErrorEndsTheReport(t *testing.T) {
	broken := errors.New("flate: corrupt input")
	in := io.MultiReader(strings.NewReader(header+"\n"+row("D1", "10,00", "26.08.2020 9:00", "1", "10,00", "0", "P1", "", "", "payment", "643")+"\n"), failing{broken})
	var good int
	var bad []*reconcile.RowError
	err := reconcile.ReadReport("r.csv", in, reconcile.EncodingUTF8, func(reconcile.Row) error { good++; return nil },
		func(e *reconcile.RowError) error { bad = append(bad, e); return nil })
	require.NoError(t, err)
	assert.Equal(t, 1, good)
	require.Len(t, bad, 1)
	assert.ErrorIs(t, bad[0], broken)
	assert.Equal(t, 3, bad[0].Line)
}

type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }

// A ledger header without a needed column says what it found, what is wanted, and the likely
// cause: another letter case, another separator, or names --ledger-columns must map. An
// empty ledger says so, not "EOF".
func TestLedgerHeaderErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"case", "PaymentId,Amount\nP1,10\n", []string{`:1: bad ledger: no column paymentId in the header: found "PaymentId", "Amount"; want paymentId and amount`,
			"the header has PaymentId: names are case-sensitive (or map it with --ledger-columns paymentId=PaymentId)"}},
		{"semicolons", "paymentId;amount\nP1;10\n", []string{`found "paymentId;amount"`, "the header is one field with semicolons in it: a CSV ledger is comma-separated"}},
		{"tabs", "paymentId\tamount\nP1\t10\n", []string{"one field with tabs in it"}},
		{"names", "order,total\nP1,10\n", []string{`found "order", "total"`, "want paymentId and amount, among paymentId,billId,amount,", "--ledger-columns paymentId=YOURS"}},
		{"amount", "paymentId,sum\nP1,10\n", []string{"no column amount in the header", "--ledger-columns amount=YOURS"}},
		// A header that is in fact a data row does not echo a card number.
		{"no header", "4111111111111111,10\n", []string{`found (16 digits), "10"`}},
	} {
		_, err := reconcile.ReadLedger(write(t, "ledger.csv", tc.text), nil)
		require.ErrorIs(t, err, reconcile.ErrLedger, tc.name)
		for _, w := range tc.want {
			assert.Contains(t, err.Error(), w, tc.name)
		}
		assert.NotContains(t, err.Error(), "4111111111111111", tc.name)
	}
	// Mapped names are the ones wanted.
	_, err := reconcile.ReadLedger(write(t, "ledger.csv", "order_id,sum\nP1,10\n"), map[string]string{"paymentId": "order_id", "amount": "total"})
	assert.ErrorContains(t, err, "no column total in the header")
	assert.ErrorContains(t, err, "want order_id and total")

	for _, text := range []string{"", "\n\n", "\xEF\xBB\xBF"} {
		path := write(t, "ledger.csv", text)
		_, err := reconcile.ReadLedger(path, nil)
		require.ErrorIs(t, err, reconcile.ErrEmptyLedger, "%q", text)
		require.ErrorIs(t, err, reconcile.ErrLedger, "%q", text)
		assert.Equal(t, path+": empty ledger: no header line", err.Error(), "%q", text)
	}
}

// The report's columns as ReportColumns names them are the ones the reader needs and reads.
func TestReportColumns(t *testing.T) {
	required, optional := reconcile.ReportColumns()
	assert.Equal(t, []string{"TRANSACTION_ID", "PURPOSE", "SUM"}, required)
	assert.Contains(t, optional, "ID")
	assert.Contains(t, optional, "TRANS_DATE")
	assert.NotContains(t, optional, "USER_INFO")
	full := strings.Split(header, ";")
	for _, drop := range required {
		var cols []string
		for _, c := range full {
			if c != drop {
				cols = append(cols, c)
			}
		}
		err := reconcile.ReadReport("r.csv", strings.NewReader(strings.Join(cols, ";")+"\n"), reconcile.EncodingUTF8,
			func(reconcile.Row) error { return nil }, func(*reconcile.RowError) error { return nil })
		assert.ErrorContains(t, err, "no column "+drop, "without %s", drop)
	}
	assert.Equal(t, []string{"paymentId", "amount"}, reconcile.LedgerRequiredColumns())
}

// A report is read in one pass on the caller's goroutine: no goroutine is started to read,
// parse or match ahead of the callbacks.
func TestReportReadInOnePass(t *testing.T) {
	var text strings.Builder
	text.WriteString(header + "\n")
	for i := range 5000 {
		text.WriteString(row("D1", "10,00", "26.08.2020 9:00", fmt.Sprint(i+1), "10,00", "0", fmt.Sprint("P", i), "", "", "payment", "643") + "\n")
	}
	path := write(t, "report.csv", text.String())
	before := runtime.NumGoroutine()
	most := 0
	err := reconcile.OpenReport(path, reconcile.EncodingAuto, func(reconcile.Row) error {
		most = max(most, runtime.NumGoroutine())
		return nil
	}, func(e *reconcile.RowError) error { return e })
	require.NoError(t, err)
	assert.Equal(t, before, most, "goroutines while the rows are handed on")
}

// A ledger and the reconciler made for it hold at most 100 bytes an entry (its entries, their
// IDs, the indexes by paymentId and billId, what is matched): a million-row ledger is under
// 100 MB.
func TestLedgerHeldPerEntry(t *testing.T) {
	const n = 100_000
	var text strings.Builder
	text.WriteString(ledgerHeader)
	for i := range n {
		fmt.Fprintf(&text, "P%07d,B%07d,2165.46,RUB,COMPLETED,2020-08-26T09:59:00+03:00,payment,\n", i, i)
	}
	path := write(t, "ledger.csv", text.String())
	text.Reset()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ledger, err := reconcile.ReadLedger(path, nil)
	require.NoError(t, err)
	rec := reconcile.New(ledger)
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := (float64(after.HeapInuse) - float64(before.HeapInuse)) / n
	assert.Less(t, held, 100.0, "bytes held an entry")
	runtime.KeepAlive(rec)
}

// A ledger ID past 65,535 bytes is refused at its line, naming the column; one of that length
// is read.
func TestLedgerLongID(t *testing.T) {
	longest := strings.Repeat("x", 65535)
	ledger, err := reconcile.ReadLedger(write(t, "ledger.csv", ledgerHeader+longest+",,1.00,,,,,\n"), nil)
	require.NoError(t, err)
	assert.Equal(t, longest, ledger.Entry(0).PaymentID)
	for _, tc := range []struct{ line, column string }{{longest + "x,,1.00,,,,,\n", "paymentId"}, {"P1," + longest + "x,1.00,,,,,\n", "billId"}} {
		path := write(t, "ledger.csv", ledgerHeader+"P0,,1.00,,,,,\n"+tc.line)
		_, err := reconcile.ReadLedger(path, nil)
		require.ErrorIs(t, err, reconcile.ErrLedger)
		assert.Contains(t, err.Error(), path+":3: bad ledger: "+tc.column+": 65536 bytes, longer than the 65535 an ID may have")
	}
}

// A Windows-1251 report's lines are bounded as decoded: a line of Cyrillic letters (two bytes
// each in UTF-8) past the limit as decoded, though not as written, is a bad row, and so is a
// quoted field spanning lines past it; within it, both read.
func TestWindows1251LimitsAsDecoded(t *testing.T) {
	encode := func(s string) string {
		out, err := charmap.Windows1251.NewEncoder().String(s)
		require.NoError(t, err)
		return out
	}
	// read returns the rows read and the bad rows' errors.
	read := func(text string) (rows int, bad []string) {
		rec := reconcile.New(nil).WithLimits(reconcile.Limits{Line: 300})
		path := write(t, "report.csv", encode(text))
		require.NoError(t, rec.ReadReport(path, reconcile.EncodingWin1251, nil, func(e *reconcile.RowError) error {
			bad = append(bad, e.Error())
			return nil
		}))
		return rec.Finish().Rows, bad
	}
	cyrillic := func(n int) string { return strings.Repeat("Ж", n) }
	const head = "TRANSACTION_ID;SUM;PURPOSE;NOTE\n"
	rows, bad := read(head + "1;10;payment;" + cyrillic(100) + "\n2;10;payment;" + cyrillic(200) + "\n3;10;payment;x\n")
	assert.Equal(t, 2, rows, "a line of 213 bytes as written, 413 decoded")
	require.Len(t, bad, 1)
	assert.Contains(t, bad[0], ":3: the line is longer than 300 bytes: skipped")

	rows, bad = read(head + "1;10;payment;\"" + cyrillic(60) + "\n" + cyrillic(60) + "\"\n2;10;payment;x\n")
	assert.Equal(t, 2, rows, "a quoted field of 244 bytes decoded")
	assert.Empty(t, bad)
	rows, bad = read(head + "1;10;payment;\"" + cyrillic(80) + "\n" + cyrillic(80) + "\"\n2;10;payment;x\n")
	assert.Zero(t, rows, "a quoted field of 324 bytes decoded ends the read")
	require.Len(t, bad, 1)
	assert.Contains(t, bad[0], ":2: a quoted field runs past 300 bytes from here")
}

// TestLedgerDays: each ledger entry's day is its dateTime's day in Moscow, 0 when it does not
// read, whatever the dateTimes before it (a dateTime of the last one's date in Moscow time is
// not parsed again).
func TestLedgerDays(t *testing.T) {
	dateTimes := []string{"2020-08-26T09:59:00+03:00", "2020-08-26T23:59:59+03:00", "2020-08-26T24:00:00+03:00", "2020-08-26T09:60:00+03:00",
		"2020-08-26T09:59:60+03:00", "2020-08-26T22:00:00Z", "2020-08-26T21:00:00", "2020-08-26T09:59:00+04:00", "2020-08-26T9:59:00+03:00",
		"2020-08-26T09:59:00.5+03:00", "2020-02-30T10:00:00+03:00", "2020-02-30T10:00:00+03:00", "2020-02-29T10:00:00+03:00",
		"2020-02-29T00:00:00", "2020-08-26 09:59:00+03:00", "2020-08-26T0a:59:00+03:00", "", "2020-08-27T00:00:00-03:00", "2020-08-27T00:00:00+03:00"}
	var text strings.Builder
	text.WriteString(ledgerHeader)
	for i, dt := range dateTimes {
		fmt.Fprintf(&text, "P%d,,1.00,RUB,COMPLETED,%s,payment,\n", i, dt)
	}
	ledger, err := reconcile.ReadLedger(write(t, "ledger.csv", text.String()), nil)
	require.NoError(t, err)
	require.Equal(t, len(dateTimes), ledger.Len())
	for i, dt := range dateTimes {
		want := int32(0)
		if ts, err := wiretype.ParseTimestamp(dt); err == nil {
			y, m, d := ts.Time().In(wiretype.Moscow()).Date()
			want = int32(y*10000 + int(m)*100 + d)
		}
		got := ledger.Entry(i)
		assert.Equal(t, want, got.Day, dt)
	}
}
