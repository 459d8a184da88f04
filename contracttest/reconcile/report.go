// Package reconcile checks QIWI's daily report against the merchant's ledger: a streaming
// reader of the report (semicolon-separated, columns by name, decimal comma, Moscow dates,
// UTF-8 or Windows-1251, plain or zipped), a reader of the ledger (CSV or JSON Lines), and a
// reconciler that names every difference by kind, with per-day totals. Money stays exact
// (wiretype.Money); the report's card numbers (USER_INFO) are never read.
package reconcile

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"

	"golang.org/x/text/encoding/charmap"
)

// The purposes a report row may have (PURPOSE, any letter case in the file).
const (
	PurposePayment          = "PAYMENT"
	PurposeRefund           = "REFUND"
	PurposeChargeback       = "CHARGEBACK"
	PurposeRevertChargeback = "REVERT_CHARGEBACK"
	PurposeOperationPlus    = "OPERATION+"
	PurposeOperationMinus   = "OPERATION-"
	PurposeSettlement       = "SETTLEMENT"
)

var purposes = map[string]bool{PurposePayment: true, PurposeRefund: true, PurposeChargeback: true,
	PurposeRevertChargeback: true, PurposeOperationPlus: true, PurposeOperationMinus: true, PurposeSettlement: true}

// Encoding is the report's character encoding.
type Encoding string

// The encodings a report comes in.
const (
	EncodingAuto    Encoding = ""             // UTF-8 if the start of the file is valid UTF-8, else Windows-1251
	EncodingUTF8    Encoding = "utf-8"        // UTF-8, with or without a byte-order mark
	EncodingWin1251 Encoding = "windows-1251" // Cyrillic Windows code page
)

// ErrReport is wrapped by every error about a report: a bad row, a missing column, an
// unreadable archive.
var ErrReport = errors.New("bad report")

// ErrTooLarge is wrapped by the error about a zip archive's entry, or its entries together,
// expanding past their Limits (checked before the entry is read). It wraps ErrReport.
var ErrTooLarge error = &tooLarge{}

type tooLarge struct{}

func (*tooLarge) Error() string { return "too large" }
func (*tooLarge) Unwrap() error { return ErrReport }

// Limits bound what reading a report may hold or read, whatever the report holds: a zip of
// one megabyte may expand to a gigabyte on one line. A zero field is its default.
type Limits struct {
	// Line is the longest line, or record with a quoted field spanning lines, in bytes (as
	// decoded, without the newline). A longer line is a bad row at its line, skipped without
	// being kept, and the read goes on; a longer quoted record is a bad row at its first line
	// that ends the file's read, as where it ends can no longer be known.
	Line int
	// Entry is the most a zip archive's .csv entry may expand to, in bytes; more is an error
	// naming the entry, found before the entry is read: the read stops there.
	Entry int64
	// Archive is the most an archive's .csv entries may expand to together, in bytes.
	Archive int64
	// Differences is the most differences a reconciliation lists; those past it are
	// counted (Result.Unlisted, Result.Counts), not kept.
	Differences int
}

// The default Limits: far above a real report (its rows are a few hundred bytes; a million
// of them, about 200 MiB), far below what would exhaust a machine.
const (
	DefaultLineLimit    = 1 << 20 // 1 MiB
	DefaultEntryLimit   = 1 << 30 // 1 GiB
	DefaultArchiveLimit = 4 << 30 // 4 GiB
	DefaultDifferences  = 100_000
)

// withDefaults is l with each zero field its default.
func (l Limits) withDefaults() Limits {
	if l.Line <= 0 {
		l.Line = DefaultLineLimit
	}
	if l.Entry <= 0 {
		l.Entry = DefaultEntryLimit
	}
	if l.Archive <= 0 {
		l.Archive = DefaultArchiveLimit
	}
	if l.Differences <= 0 {
		l.Differences = DefaultDifferences
	}
	return l
}

// MaxIDBytes is the longest identifier a row may carry (TRANSACTION_ID, ID, BILL, ...), in
// bytes: QIWI's are at most 200 characters. A longer one is a bad row, so that what the
// reconciler keeps of a row (its IDs, for duplicates and differences) stays small whatever
// the line's length.
const MaxIDBytes = 1024

// quoteShort quotes a value for a message, cut to its first 64 bytes: a message does not
// repeat a long value.
func quoteShort(v string) string {
	const most = 64
	if len(v) <= most {
		return strconv.Quote(v)
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", strconv.Quote(v[:cut]), len(v))
}

// RowError is a report row that cannot be read, with its place.
type RowError struct {
	File   string // the report file (archive!entry for a zipped one)
	Line   int    // 1-based line of the row
	Column string // the column at fault, "" for the whole row
	Err    error  // what is wrong
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: column %s: %v", e.File, e.Line, e.Column, e.Err)
}

// Unwrap lets errors.Is find ErrReport.
func (e *RowError) Unwrap() []error { return []error{ErrReport, e.Err} }

// Row is one report row. Amounts absent from the row (empty or null) are zero with their Has
// flag false.
type Row struct {
	File string // the report file
	Line int    // 1-based line

	TransactionID       string // TRANSACTION_ID
	ParentTransactionID string // PARENT_TRANSACTION_ID: a refund's payment
	PaymentID           string // ID: the merchant's paymentId
	BillID              string // BILL
	SiteID              string // MERCH_SITE
	Purpose             string // PURPOSE, upper case
	Method              string // PAYMENT_METHOD_TYPE as written
	Document            string // BANK_AGR_CODE: the bank document the row belongs to
	Currency            string // CLIENT_CUR_CODE as an ISO 4217 letter code when known, else as written

	Sum, Commission, SumBank, Settlement             wiretype.Money // SUM, COMMISSION, SUM_BANK, SETTLEMENT_AMOUNT
	HasSum, HasCommission, HasSumBank, HasSettlement bool

	// Time is TRANS_DATE in Moscow time; zero when the row has none (SETTLEMENT rows).
	Time time.Time
	// ValueDate is BANK_VALUE_DOC, the day the bank account changed.
	ValueDate time.Time
}

// Day is the row's day: its operation date, or the bank value date when it has none.
func (r Row) Day() string {
	if !r.Time.IsZero() {
		return r.Time.Format("2006-01-02")
	}
	if !r.ValueDate.IsZero() {
		return r.ValueDate.Format("2006-01-02")
	}
	return ""
}

// requiredColumns must be in the header; the others are read when present.
var requiredColumns = []string{"TRANSACTION_ID", "SUM", "PURPOSE"}

// ReportColumns returns the report's columns by name: the required ones, without which a
// report is refused, and the optional ones, read when the header has them. Any other column
// (USER_INFO among them) is not read.
func ReportColumns() (required, optional []string) {
	for _, name := range readColumns {
		if contains(requiredColumns, name) {
			required = append(required, name)
		} else {
			optional = append(optional, name)
		}
	}
	return required, optional
}

// The columns a row is read from, as indexes into readColumns.
const (
	cTransactionID = iota
	cParent
	cID
	cBill
	cSite
	cMethod
	cDocument
	cPurpose
	cCurrency
	cSum
	cCommission
	cSumBank
	cSettlement
	cTransDate
	cValueDate
	columnCount
)

// readColumns are the names of the columns a row is read from.
var readColumns = [columnCount]string{"TRANSACTION_ID", "PARENT_TRANSACTION_ID", "ID", "BILL", "MERCH_SITE", "PAYMENT_METHOD_TYPE",
	"BANK_AGR_CODE", "PURPOSE", "CLIENT_CUR_CODE", "SUM", "COMMISSION", "SUM_BANK", "SETTLEMENT_AMOUNT", "TRANS_DATE", "BANK_VALUE_DOC"}

// currencies maps the numeric ISO 4217 codes QIWI's report uses to letter codes.
var currencies = map[string]string{"643": "RUB", "840": "USD", "978": "EUR", "398": "KZT", "933": "BYN", "156": "CNY"}

// OpenReport reads the report at path, or every .csv entry of a zip archive, calling row for
// each good row and bad for each bad one, within the default Limits. An error from row or bad
// stops the read and is returned; so is a report without a required column, and an archive
// expanding past the limits.
func OpenReport(path string, enc Encoding, row func(Row) error, bad func(*RowError) error) error {
	return OpenReportWatched(path, enc, nil, row, bad)
}

// Watch wraps the reader of one report file (name, size in bytes) to watch its progress;
// the command's progress bar is one.
type Watch func(name string, size int64, r io.Reader) io.Reader

// OpenReportWatched is OpenReport with every report file's reader passed through watch (nil
// for none).
func OpenReportWatched(path string, enc Encoding, watch Watch, row func(Row) error, bad func(*RowError) error) error {
	return openReport(path, enc, watch, callbacks(row, bad))
}

// handlers are what is done with a report's rows as they are read: row gets each good row
// (a pointer to a Row the read reuses: it must not keep it) and bad each bad one, within
// limits.
type handlers struct {
	row    func(*Row) error
	bad    func(*RowError) error
	limits Limits
}

// callbacks are the handlers of the exported readers: the row callback gets a copy.
func callbacks(row func(Row) error, bad func(*RowError) error) handlers {
	return handlers{row: func(r *Row) error { return row(*r) }, bad: bad}
}

// openReport is OpenReportWatched with readReport's callbacks.
func openReport(path string, enc Encoding, watch Watch, st handlers) error {
	if watch == nil {
		watch = func(_ string, _ int64, r io.Reader) io.Reader { return r }
	}
	st.limits = st.limits.withDefaults()
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 4)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if n == 4 && bytes.Equal(head, []byte("PK\x03\x04")) {
		return readArchive(path, enc, watch, st)
	}
	size := int64(-1)
	if info, err := f.Stat(); err == nil {
		size = info.Size()
	}
	return readReport(path, watch(path, size, f), enc, st)
}

func readArchive(path string, enc Encoding, watch Watch, st handlers) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("%s: %w: %v", path, ErrReport, err)
	}
	defer zr.Close()
	read := 0
	total := st.limits.Archive // what the entries may still expand to
	for _, entry := range zr.File {
		if entry.FileInfo().IsDir() || !strings.EqualFold(filepath.Ext(entry.Name), ".csv") {
			continue
		}
		name := path + "!" + entry.Name
		// The sizes the archive declares are checked before a byte is expanded; archive/zip
		// expands no entry past its declared size (more is zip.ErrFormat, a bad row that
		// ends the entry's read).
		switch declared := entry.UncompressedSize64; {
		case declared > uint64(st.limits.Entry):
			return fmt.Errorf("%s: %w: the entry expands to %d bytes, over the limit of %s an entry", name, ErrTooLarge, declared, size(st.limits.Entry))
		case declared > uint64(total):
			return fmt.Errorf("%s: %w: the archive's .csv entries expand to over %s together", name, ErrTooLarge, size(st.limits.Archive))
		default:
			total -= int64(declared)
		}
		rc, err := entry.Open()
		if err != nil {
			return fmt.Errorf("%s: %w: %v", name, ErrReport, err)
		}
		err = readReport(name, watch(name, int64(entry.UncompressedSize64), rc), enc, st)
		if cerr := rc.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("%s: %w: %v", name, ErrReport, cerr)
		}
		if err != nil {
			return err
		}
		read++
	}
	if read == 0 {
		return fmt.Errorf("%s: %w: the archive holds no .csv report", path, ErrReport)
	}
	return nil
}

// ReadReport reads one report from r; file names it in rows and errors. Its lines are bound
// by the default Limits.
func ReadReport(file string, r io.Reader, enc Encoding, row func(Row) error, bad func(*RowError) error) error {
	st := callbacks(row, bad)
	st.limits = st.limits.withDefaults()
	return readReport(file, r, enc, st)
}

// readReport is ReadReport with its handlers: one pass, each row read, parsed and handed on
// before the next is read.
func readReport(file string, r io.Reader, enc Encoding, st handlers) error {
	br := bufio.NewReaderSize(r, 64*1024)
	switch enc {
	case EncodingAuto:
		peek, err := br.Peek(64 * 1024)
		if err != nil && err != io.EOF {
			return fmt.Errorf("%s: %w", file, readError(err))
		}
		peek = bytes.TrimPrefix(peek, []byte("\xEF\xBB\xBF"))
		// A multi-byte character may be cut at the end of the peek.
		for cut := 0; cut < utf8.UTFMax && len(peek) > 0 && !utf8.Valid(peek); cut++ {
			peek = peek[:len(peek)-1]
		}
		if !utf8.Valid(peek) {
			enc = EncodingWin1251
		}
	case EncodingUTF8, EncodingWin1251:
	default:
		return fmt.Errorf("%s: %w: unknown encoding %q (want utf-8 or windows-1251)", file, ErrReport, enc)
	}
	// A Windows-1251 report is read as it is, and only the fields read are decoded: its
	// separators, quotes and newlines are ASCII, which Windows-1251 leaves as they are.
	cp1251 := enc == EncodingWin1251
	decode := func(s string) string {
		if cp1251 {
			return decode1251(s)
		}
		return s
	}
	cr := newRecordReader(br, st.limits.Line)
	if cp1251 {
		cr.decoded, cr.grow = len1251, utf8.UTFMax-1
	} else if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3) // Peek just returned these three bytes
	}
	header, _, err := cr.Read()
	if err == io.EOF {
		return fmt.Errorf("%s: %w: empty file", file, ErrReport)
	}
	if err != nil {
		return fmt.Errorf("%s:1: %w", file, readError(err))
	}
	cols := map[string]int{}
	for i, h := range header {
		cols[strings.ToUpper(strings.TrimSpace(decode(h)))] = i
	}
	for _, c := range requiredColumns {
		if _, ok := cols[c]; !ok {
			return fmt.Errorf("%s:1: %w: no column %s in the header", file, ErrReport, c)
		}
	}
	width := len(header)
	// The index of each column read, looked up once: -1 for one the header lacks.
	var index [columnCount]int
	for c, name := range readColumns {
		index[c] = -1
		if i, ok := cols[name]; ok {
			index[c] = i
		}
	}
	rp := &rowParser{purposes: map[string]string{}}
	var fields [columnCount]string
	var row Row
	var long *longRecord
	var pe *csv.ParseError
	for {
		rec, line, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		var bad *RowError
		last := false // a bad row after which the file cannot be read on
		switch {
		case errors.As(err, &long):
			bad, last = &RowError{File: file, Line: long.line, Err: long}, long.quoted
		case errors.As(err, &pe):
			bad = &RowError{File: file, Line: pe.Line, Err: err}
		case err != nil:
			// The input itself failed (a damaged archive, an encoding error): it would fail
			// again, so the read ends here, with the line after the last one read.
			bad, last = &RowError{File: file, Line: cr.lines + 1, Err: err}, true
		case len(rec) == 1 && strings.TrimSpace(decode(rec[0])) == "":
			continue // a blank line
		case len(rec) != width:
			bad = &RowError{File: file, Line: line, Err: fmt.Errorf("%d fields, the header has %d (a truncated row?)", len(rec), width)}
		default:
			for c, i := range index {
				if i >= 0 {
					fields[c] = decode(rec[i])
				}
			}
			bad = rp.parseRow(file, line, &fields, &row)
		}
		if bad == nil {
			err = st.row(&row)
		} else {
			err = st.bad(bad)
		}
		if err != nil || last {
			return err
		}
	}
}

// decode1251 is Windows-1251 text as UTF-8: s itself when it is ASCII (checked here, where
// the call is inlined, as most fields are).
func decode1251(s string) string {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return decode1251From(s, i)
		}
	}
	return s
}

// decode1251From is decode1251 of s, whose first i bytes are ASCII.
func decode1251From(s string, i int) string {
	b := make([]byte, i, i+(len(s)-i)*(utf8.UTFMax-1))
	copy(b, s[:i])
	for ; i < len(s); i++ {
		b = utf8.AppendRune(b, charmap.Windows1251.DecodeByte(s[i]))
	}
	return string(b)
}

// len1251 is the length of Windows-1251 text as UTF-8, in bytes.
func len1251(text []byte) int {
	n := len(text)
	for _, c := range text {
		if c >= utf8.RuneSelf {
			n += utf8.RuneLen(charmap.Windows1251.DecodeByte(c)) - 1
		}
	}
	return n
}

// readError is an error reading a report's header, wrapped in ErrReport once.
func readError(err error) error {
	if errors.Is(err, ErrReport) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrReport, err)
}

// rowParser parses the rows of one report. It remembers what repeats from row to row: the
// last date read (rows of a report share their minute) and the spellings of the purposes.
type rowParser struct {
	dates    [2]parsedDate     // the last two dates read: a row has two date columns
	purposes map[string]string // as written → canonical, for known purposes only
}

type parsedDate struct {
	text string
	time time.Time
}

// purpose is the canonical (upper-case) spelling of a known purpose, "" for an unknown one.
func (rp *rowParser) purpose(written string) string {
	if p, ok := rp.purposes[written]; ok {
		return p
	}
	p := strings.ToUpper(written)
	if !purposes[p] {
		return ""
	}
	if len(rp.purposes) < 64 {
		rp.purposes[strings.Clone(written)] = p
	}
	return p
}

// date is parseDate, remembering the last date read.
func (rp *rowParser) date(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, d := range rp.dates {
		if d.text == s {
			return d.time, nil
		}
	}
	t, err := parseDate(s)
	if err == nil {
		rp.dates[1], rp.dates[0] = rp.dates[0], parsedDate{strings.Clone(s), t}
	}
	return t, err
}

// parseRow parses a row's columns into *r, which it overwrites whole.
func (rp *rowParser) parseRow(file string, line int, fields *[columnCount]string, r *Row) *RowError {
	// get is a column's value: trimmed, and "" for null.
	get := func(c int) string {
		v := strings.TrimSpace(fields[c])
		if len(v) == 4 && strings.EqualFold(v, "null") {
			return ""
		}
		return v
	}
	*r = Row{File: file, Line: line,
		TransactionID: get(cTransactionID), ParentTransactionID: get(cParent),
		PaymentID: get(cID), BillID: get(cBill), SiteID: get(cSite),
		Method: get(cMethod), Document: get(cDocument)}
	fail := func(col string, err error) *RowError {
		return &RowError{File: file, Line: line, Column: col, Err: err}
	}
	for _, c := range [...]int{cTransactionID, cParent, cID, cBill, cSite, cMethod, cDocument, cCurrency} {
		if n := len(fields[c]); n > MaxIDBytes {
			return fail(readColumns[c], fmt.Errorf("%d bytes, longer than the %d an identifier may have", n, MaxIDBytes))
		}
	}
	r.Purpose = rp.purpose(get(cPurpose))
	if r.Purpose == "" {
		return fail("PURPOSE", fmt.Errorf("unknown purpose %s", quoteShort(get(cPurpose))))
	}
	if r.TransactionID == "" && r.Purpose != PurposeSettlement {
		return fail("TRANSACTION_ID", errors.New("empty"))
	}
	cur := get(cCurrency)
	if code, ok := currencies[cur]; ok {
		cur = code
	}
	r.Currency = cur
	for _, m := range [...]struct {
		col int
		dst *wiretype.Money
		has *bool
	}{{cSum, &r.Sum, &r.HasSum}, {cCommission, &r.Commission, &r.HasCommission}, {cSumBank, &r.SumBank, &r.HasSumBank}, {cSettlement, &r.Settlement, &r.HasSettlement}} {
		v := get(m.col)
		if v == "" {
			continue
		}
		if len(v) > 64 {
			return fail(readColumns[m.col], fmt.Errorf("%s is not an amount", quoteShort(v)))
		}
		money, err := ParseAmount(v)
		if err != nil {
			return fail(readColumns[m.col], err)
		}
		*m.dst, *m.has = money, true
	}
	if r.Purpose != PurposeSettlement && !r.HasSum {
		return fail("SUM", errors.New("empty"))
	}
	var err error
	if r.Time, err = rp.date(get(cTransDate)); err != nil {
		return fail("TRANS_DATE", err)
	}
	if r.ValueDate, err = rp.date(get(cValueDate)); err != nil {
		return fail("BANK_VALUE_DOC", err)
	}
	return nil
}

// ParseAmount reads an amount as the report writes it: 1530, 1530,00 or 1530.00, with a
// minus sign for outgoing sums; spaces grouping thousands are allowed.
func ParseAmount(s string) (wiretype.Money, error) {
	if m, ok := shortAmount(s); ok {
		return m, nil
	}
	if strings.ContainsAny(s, " \u00a0") {
		s = strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "\u00a0", "")
	}
	if strings.IndexByte(s, ',') >= 0 {
		s = strings.Replace(s, ",", ".", 1)
	}
	return wiretype.ParseMoney(s)
}

// shortAmount reads the report's usual forms of an amount, digits with an optional minus sign
// and an optional comma or point before one or two fraction digits ("2165,46", "-10.00",
// "25", "1,5"), without rewriting the text first; ok is false for any other form, which
// ParseAmount reads the long way. Its Money is the long way's.
func shortAmount(s string) (m wiretype.Money, ok bool) {
	start := 0
	if s != "" && s[0] == '-' {
		start = 1
	}
	var minor int64
	sep := -1 // where the comma or point is
	for i := start; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			minor = minor*10 + int64(c-'0')
		case (c == ',' || c == '.') && sep < 0:
			sep = i
		default:
			return m, false
		}
	}
	whole, fraction := len(s)-start, 0
	if sep >= 0 {
		whole, fraction = sep-start, len(s)-sep-1
	}
	if whole == 0 || whole > 15 || sep >= 0 && (fraction == 0 || fraction > 2) {
		return m, false // no whole part, beyond the exact range, or another form
	}
	for ; fraction < 2; fraction++ {
		minor *= 10
	}
	if start == 1 {
		minor = -minor
	}
	return wiretype.NewMoneyFromMinor(minor), true
}

// parseDate reads dd.mm.yyyy or dd.mm.yyyy H:MM[:SS], Moscow time; "" is the zero time.
func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	layout := "02.01.2006"
	switch strings.Count(s, ":") {
	case 1:
		layout = "02.01.2006 15:04"
	case 2:
		layout = "02.01.2006 15:04:05"
	}
	t, err := time.ParseInLocation(layout, s, wiretype.Moscow()) // the report is in Moscow time
	if err != nil {
		return time.Time{}, fmt.Errorf("%s is not a dd.mm.yyyy [H:MM] date", quoteShort(s))
	}
	return t, nil
}
