package reconcile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
)

// csvRecords reads data with encoding/csv and the report's settings: each record, the line
// it starts on, and the error that ended the read ("" at the end of the input).
func csvRecords(data []byte) (records [][]string, lines []int, end string) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = ';'
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return records, lines, ""
		}
		if err != nil {
			return records, lines, err.Error()
		}
		line, _ := cr.FieldPos(0)
		records, lines = append(records, slices.Clone(rec)), append(lines, line)
	}
}

// ourRecords is csvRecords through recordReader (its buffer as small as bufio allows, so
// that long lines cross it).
func ourRecords(data []byte) (records [][]string, lines []int, end string) {
	rr := newRecordReader(bufio.NewReaderSize(bytes.NewReader(data), 16), 1<<30) // bufio's smallest

	for {
		rec, line, err := rr.Read()
		if err == io.EOF {
			return records, lines, ""
		}
		if err != nil {
			return records, lines, err.Error()
		}
		records, lines = append(records, slices.Clone(rec)), append(lines, line)
	}
}

func sameRecords(t *testing.T, data []byte) {
	t.Helper()
	wantRecs, wantLines, wantEnd := csvRecords(data)
	gotRecs, gotLines, gotEnd := ourRecords(data)
	if !slices.EqualFunc(wantRecs, gotRecs, slices.Equal) || !slices.Equal(wantLines, gotLines) || wantEnd != gotEnd {
		t.Fatalf("input %q:\nencoding/csv: %q at lines %v, then %q\nrecordReader: %q at lines %v, then %q",
			data, wantRecs, wantLines, wantEnd, gotRecs, gotLines, gotEnd)
	}
}

func TestRecordReaderReadsAsEncodingCSV(t *testing.T) {
	for _, in := range []string{
		"",
		"a;b;c\n1;2;3\n",
		"a;b\r\n1;2\r\n",
		"a;b\n\n\n1;2",
		"a;b\r\n\r\n1;2\r",
		"a;b\r\r\n",
		"a;\"b;c\";d\n1;2;3\n",
		"x;\"multi\nline\";y\nnext;row\n",
		"x;\"multi\r\n\r\nline\"\nafter\n\"\"\n",
		"x;\"unclosed\nstill;open\n",
		"bare\"quote;in;field\nplain;again\n",
		"\"a\"b;c\nd\n",
		"q;\"\"\"\";r\n;;\n",
		"семь;восемь\n\"девять\";десять\n",
		"very long line without quotes that crosses the small buffer;and more;and more\nshort\n",
		"very long line with a \"quoted field that crosses the buffer; and more\" ;x\nshort\n",
		"\n\n\"\"\n\n",
	} {
		t.Run(fmt.Sprintf("%.20q", in), func(t *testing.T) { sameRecords(t, []byte(in)) })
	}
}

func TestRecordReaderPassesReadErrors(t *testing.T) {
	broken := errors.New("disk gone")
	rr := newRecordReader(io.MultiReader(bytes.NewReader([]byte("a;b\n")), errReader{broken}), 1<<20)
	rec, line, err := rr.Read()
	if err != nil || !slices.Equal(rec, []string{"a", "b"}) || line != 1 {
		t.Fatalf("first record: %q %d %v", rec, line, err)
	}
	if _, _, err := rr.Read(); !errors.Is(err, broken) {
		t.Fatalf("the reader's error is passed on, got %v", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func FuzzRecordsMatchEncodingCSV(f *testing.F) {
	for _, s := range []string{"a;b\n1;2\n", "x;\"multi\nline\";y\nnext;row\n", "a;b\r\n\r\n1;2\r", "\"a\"b;c\nd\n", "q;\"\"\"\";r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { sameRecords(t, data) })
}
