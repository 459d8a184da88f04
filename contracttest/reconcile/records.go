package reconcile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// recordReader reads a report's records with encoding/csv and the report's settings (';',
// lazy quotes, any number of fields), fed the stream one line at a time so that a record's
// size is bounded: the same records, line numbers and errors as encoding/csv reading the
// whole stream (FuzzRecordsMatchEncodingCSV holds the two to it), but for the bound.
//
// The stream is read as it is: a Windows-1251 report's bytes are not decoded (its ';', '"' and
// newlines are the ASCII ones), only the fields read are, by the caller; lengths are counted
// as decoded, with decoded.
//
// A record is at most max bytes long (its newline not counted): a longer line is skipped
// without being kept and read as a *longRecord that goes on; a quoted record (a field in
// double quotes may span lines) that grows past max is a *longRecord that ends the read, as
// its end can no longer be found.
type recordReader struct {
	in    *bufio.Reader
	max   int    // the longest record, in bytes
	lines int    // lines read from in
	raw   []byte // a line longer than in's buffer, gathered
	csv   *csv.Reader
	feed  lineFeed // what csv reads
	// decoded is the length of a text as decoded, at most grow times its own; nil: its own.
	decoded func([]byte) int
	grow    int
}

// newRecordReader reads records of at most max bytes from r (buffered here when r is not a
// *bufio.Reader).
func newRecordReader(r io.Reader, max int) *recordReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64*1024)
	}
	rr := &recordReader{in: br, max: max, grow: 1}
	rr.feed.rr = rr
	rr.csv = csv.NewReader(&rr.feed)
	rr.csv.Comma = ';'
	rr.csv.FieldsPerRecord = -1
	rr.csv.LazyQuotes = true
	rr.csv.ReuseRecord = true
	return rr
}

// errLineTooLong is a line longer than the reader's max, skipped.
var errLineTooLong = errors.New("line too long")

// longRecord is a record longer than the reader's max: a line (skipped, the read goes on) or
// a quoted record (the read ends).
type longRecord struct {
	line   int  // the line it starts on
	max    int  // the limit, in bytes
	quoted bool // a quoted record, which ends the read
}

func (e *longRecord) Error() string {
	if e.quoted {
		return fmt.Sprintf("a quoted field runs past %s from here (a double quote without its closing one?): the rest of the file is not read", size(int64(e.max)))
	}
	return fmt.Sprintf("the line is longer than %s: skipped", size(int64(e.max)))
}

// size writes a byte count in the largest binary unit it is a whole number of.
func size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// readLine is the next line as bufio reads it, with its newline; err is io.EOF after the
// last. The line is valid until the next call. A line longer than max (its newline not
// counted) is read to its end without being kept and counted, and err is errLineTooLong.
func (rr *recordReader) readLine() ([]byte, error) {
	line, err := rr.in.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		rr.raw = append(rr.raw[:0], line...)
		for err == bufio.ErrBufferFull && len(rr.raw) <= rr.max {
			line, err = rr.in.ReadSlice('\n')
			rr.raw = append(rr.raw, line...)
		}
		line = rr.raw
	}
	if text := bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r")); len(text) > rr.max || len(text)*rr.grow > rr.max && rr.length(text) > rr.max {
		for err == bufio.ErrBufferFull { // the rest of the line, not kept
			_, err = rr.in.ReadSlice('\n')
		}
		rr.raw = rr.raw[:0]
		rr.lines++
		if err == nil || err == io.EOF {
			err = errLineTooLong
		}
		return nil, err
	}
	if len(line) > 0 {
		rr.lines++
		if err == io.EOF {
			err = nil
		}
	}
	return line, err
}

// length is the length of text as decoded.
func (rr *recordReader) length(text []byte) int {
	if rr.decoded == nil {
		return len(text)
	}
	return rr.decoded(text)
}

// Read returns the next record, reused by the next call, and the line it starts on; err is
// io.EOF after the last record, or encoding/csv's error (its lines counted in the file).
func (rr *recordReader) Read() ([]string, int, error) {
	for {
		line, err := rr.readLine()
		if err == errLineTooLong {
			return nil, 0, &longRecord{line: rr.lines, max: rr.max}
		}
		if err != nil {
			return nil, 0, err
		}
		// An empty line, which encoding/csv skips: skipped here, so that encoding/csv is fed
		// only the lines of the record it reads. The newline goes, and one \r before it (or
		// before the end of the file, where a line has no newline).
		text := line
		if n := len(text); n > 0 && text[n-1] == '\n' {
			text = text[:n-1]
		}
		if n := len(text); n > 0 && text[n-1] == '\r' {
			text = text[:n-1]
		}
		if len(text) > 0 {
			return rr.readRecord(line)
		}
	}
}

// readRecord reads the record that starts on line with encoding/csv.
func (rr *recordReader) readRecord(line []byte) ([]string, int, error) {
	// Lines are counted here; encoding/csv counts those it was fed.
	before, fedBefore := rr.lines-1, rr.feed.fed
	rr.feed.pending = line // valid until the next readLine, which the feed makes only once it is fed
	rr.feed.fed++
	rr.feed.size = len(line)
	if rr.decoded != nil && bytes.IndexByte(line, '"') >= 0 { // a record that may go on: counted as decoded
		rr.feed.size = rr.decoded(line)
	}
	toFile := func(csvLine int) int { return before + csvLine - fedBefore }
	rec, err := rr.csv.Read()
	if err != nil {
		if errors.Is(err, errLineTooLong) {
			return nil, 0, &longRecord{line: before + 1, max: rr.max, quoted: true}
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			moved := *pe
			moved.StartLine, moved.Line = toFile(pe.StartLine), toFile(pe.Line)
			return nil, 0, &moved
		}
		return nil, 0, err
	}
	start, _ := rr.csv.FieldPos(0)
	return rec, toFile(start), nil
}

// lineFeed gives encoding/csv the stream one line at a time: the line the record starts on,
// then each next line it asks for (a record whose quoted field spans lines). What it hands
// over is in the reader's buffer, valid until the next line is read.
type lineFeed struct {
	rr      *recordReader
	pending []byte // what is left of the line being fed
	fed     int    // lines fed so far
	size    int    // bytes fed of the record being read
}

// Read feeds the next line; a record growing past the reader's max is errLineTooLong.
func (f *lineFeed) Read(p []byte) (int, error) {
	if len(f.pending) == 0 {
		line, err := f.rr.readLine()
		if err != nil {
			return 0, err
		}
		if f.size += f.rr.length(line); f.size > f.rr.max {
			return 0, errLineTooLong
		}
		f.pending = line
		f.fed++
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}
