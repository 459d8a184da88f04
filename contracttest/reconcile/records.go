package reconcile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"

	"github.com/tonistiigi/go-csvvalue"
)

// recordReader reads a report's records as encoding/csv does with the report's settings
// (';', lazy quotes, any number of fields), with the same records, line numbers and errors,
// in about two thirds of its time: a record on a line without a double quote (a report's
// usual row) is split by go-csvvalue, and a record with one, which may span lines, is read
// by encoding/csv, fed the stream one line at a time so that it never reads past the record.
// FuzzRecordsMatchEncodingCSV holds the two to the same result.
type recordReader struct {
	in     *bufio.Reader
	lines  int // lines read from in
	split  csvvalue.Parser
	fields []string
	raw    []byte // a line longer than in's buffer, gathered

	// The reader of records with quotes, created at the first, and what it was fed.
	quoted *csv.Reader
	feed   lineFeed
}

// newRecordReader reads records from r (buffered here when r is not a *bufio.Reader).
func newRecordReader(r io.Reader) *recordReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64*1024)
	}
	rr := &recordReader{in: br, split: csvvalue.Parser{Comma: ';', LazyQuotes: true}}
	rr.feed.rr = rr
	return rr
}

// readLine is the next line as bufio reads it, with its newline; err is io.EOF after the
// last. The line is valid until the next call.
func (rr *recordReader) readLine() ([]byte, error) {
	line, err := rr.in.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		rr.raw = append(rr.raw[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = rr.in.ReadSlice('\n')
			rr.raw = append(rr.raw, line...)
		}
		line = rr.raw
	}
	if len(line) > 0 {
		rr.lines++
		if err == io.EOF {
			err = nil
		}
	}
	return line, err
}

// Read returns the next record, reused by the next call, and the line it starts on; err is
// io.EOF after the last record, or encoding/csv's error (its lines counted in the file).
func (rr *recordReader) Read() ([]string, int, error) {
	for {
		line, err := rr.readLine()
		if err != nil {
			return nil, 0, err
		}
		if bytes.IndexByte(line, '"') >= 0 {
			return rr.readQuoted(line)
		}
		// encoding/csv's normalization: the newline goes, and one \r before it (or before
		// the end of the file, where a line has no newline).
		text := line
		if n := len(text); n > 0 && text[n-1] == '\n' {
			text = text[:n-1]
		}
		if n := len(text); n > 0 && text[n-1] == '\r' {
			text = text[:n-1]
		}
		if len(text) == 0 {
			continue // an empty line, which encoding/csv skips
		}
		if rr.fields, err = rr.split.Fields(string(text), rr.fields[:0]); err != nil {
			return nil, 0, err // a line without quotes splits without error
		}
		return rr.fields, rr.lines, nil
	}
}

// readQuoted reads the record that starts on line with encoding/csv.
func (rr *recordReader) readQuoted(line []byte) ([]string, int, error) {
	if rr.quoted == nil {
		rr.quoted = csv.NewReader(&rr.feed)
		rr.quoted.Comma = ';'
		rr.quoted.FieldsPerRecord = -1
		rr.quoted.LazyQuotes = true
		rr.quoted.ReuseRecord = true
	}
	// Lines are counted here; encoding/csv counts those it was fed.
	before, fedBefore := rr.lines-1, rr.feed.fed
	rr.feed.pending = append(rr.feed.pending[:0], line...)
	rr.feed.fed++
	toFile := func(csvLine int) int { return before + csvLine - fedBefore }
	rec, err := rr.quoted.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			moved := *pe
			moved.StartLine, moved.Line = toFile(pe.StartLine), toFile(pe.Line)
			return nil, 0, &moved
		}
		return nil, 0, err
	}
	start, _ := rr.quoted.FieldPos(0)
	return rec, toFile(start), nil
}

// lineFeed gives encoding/csv the stream one line at a time: the line the record starts on,
// then each next line it asks for.
type lineFeed struct {
	rr      *recordReader
	pending []byte // what is left of the line being fed
	fed     int    // lines fed so far
}

func (f *lineFeed) Read(p []byte) (int, error) {
	if len(f.pending) == 0 {
		line, err := f.rr.readLine()
		if err != nil {
			return 0, err
		}
		f.pending = append(f.pending[:0], line...)
		f.fed++
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}
