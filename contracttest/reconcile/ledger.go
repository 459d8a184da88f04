package reconcile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// ErrLedger is wrapped by every error about a ledger file.
var ErrLedger = errors.New("bad ledger")

// ErrEmptyLedger is a ledger file without even a header line. It wraps ErrLedger.
var ErrEmptyLedger error = &emptyLedger{}

type emptyLedger struct{}

func (*emptyLedger) Error() string { return "empty ledger: no header line" }
func (*emptyLedger) Unwrap() error { return ErrLedger }

// LedgerColumns are the ledger's columns (CSV header names, JSON Lines keys), in the names
// this package reads.
var LedgerColumns = []string{"paymentId", "billId", "amount", "currency", "status", "dateTime", "kind", "parentPaymentId"}

// The ledger's columns, as indexes into LedgerColumns.
const (
	lPaymentID = iota
	lBillID
	lAmount
	lCurrency
	lStatus
	lDateTime
	lKind
	lParent
	ledgerColumns
)

// requiredLedgerColumns are the columns a CSV ledger's header must have.
var requiredLedgerColumns = []string{"paymentId", "amount"}

// LedgerRequiredColumns returns the columns a CSV ledger's header must have (in this
// package's names).
func LedgerRequiredColumns() []string { return append([]string(nil), requiredLedgerColumns...) }

// The kinds of ledger entries, as a ledger writes them (lower case).
const (
	KindPayment = "payment"
	KindRefund  = "refund"
)

// Entry is one operation of the merchant's ledger, as Ledger.Entry gives it.
type Entry struct {
	PaymentID       string // the merchant's paymentId (or refundId for a refund)
	BillID          string // the invoice, when paid through one
	ParentPaymentID string // a refund's payment
	Currency        string // ISO 4217 letter code, upper case
	Status          string // the merchant's view, upper case: COMPLETED, SUCCESS, PAID, DECLINED, ...
	// Minor is the operation's amount in minor units (hundredths): 153000 is 1530.00.
	Minor int64
	// Day is the day of the ledger's dateTime in Moscow, as yyyymmdd (20200826); 0 when the
	// entry has no dateTime or one that does not read, which counts on every reported day.
	Day    int32
	Line   int32 // 1-based line in the ledger file
	Refund bool  // a refund (kind refund); else a payment
}

// Amount is the entry's amount.
func (e *Entry) Amount() wiretype.Money { return wiretype.NewMoneyFromMinor(e.Minor) }

// Kind is KindPayment or KindRefund.
func (e *Entry) Kind() string { return kindOf(e.Refund) }

func kindOf(refund bool) string {
	if refund {
		return KindRefund
	}
	return KindPayment
}

// Ledger is a merchant's ledger as ReadLedger reads it. It is what a reconciliation holds (a
// million entries for a large day), so it keeps only what the matching needs, compactly: 32
// bytes an entry, the entries' IDs one after another in one string, each status and
// currency once. A nil *Ledger has no entries.
type Ledger struct {
	entries []entry
	ids     string   // every entry's paymentId, billId and parentPaymentId, one after another
	names   []string // the statuses and currencies read, each once; names[0] is ""
}

// entry is a ledger entry: its IDs as places in Ledger.ids (its parentPaymentId runs to the
// next entry's IDs), its status and currency as places in Ledger.names, its amount in minor
// units, its date as a day.
type entry struct {
	off              uint32 // where its IDs start in Ledger.ids
	payLen, billLen  uint16
	minor            int64
	day              int32 // as Entry.Day
	line             int32
	status, currency uint16
	refund           bool
}

// Len is the number of entries.
func (l *Ledger) Len() int {
	if l == nil {
		return 0
	}
	return len(l.entries)
}

// Entry returns entry i (0 ≤ i < Len), in the ledger's order.
func (l *Ledger) Entry(i int) Entry {
	e := &l.entries[i]
	return Entry{PaymentID: l.paymentID(i), BillID: l.billID(i), ParentPaymentID: l.parentID(i),
		Currency: l.names[e.currency], Status: l.names[e.status], Minor: e.minor, Day: e.day, Line: e.line, Refund: e.refund}
}

// The IDs of entry i, sharing Ledger.ids.
func (l *Ledger) paymentID(i int) string {
	e := &l.entries[i]
	return l.ids[e.off : e.off+uint32(e.payLen)]
}

func (l *Ledger) billID(i int) string {
	e := &l.entries[i]
	start := e.off + uint32(e.payLen)
	return l.ids[start : start+uint32(e.billLen)]
}

func (l *Ledger) parentID(i int) string {
	e := &l.entries[i]
	end := uint32(len(l.ids))
	if i+1 < len(l.entries) {
		end = l.entries[i+1].off
	}
	return l.ids[e.off+uint32(e.payLen)+uint32(e.billLen) : end]
}

func (l *Ledger) status(i int) string { return l.names[l.entries[i].status] }

func (l *Ledger) amount(i int) wiretype.Money { return wiretype.NewMoneyFromMinor(l.entries[i].minor) }

func (l *Ledger) kind(i int) string { return kindOf(l.entries[i].refund) }

// ReadLedger reads a ledger: JSON Lines when the file's first non-blank byte is "{", else CSV
// with a header row. rename maps this package's column names to the file's (paymentId →
// order_id); names it does not map are read as they are. The file is read as a stream: what
// it costs is its entries, not its text.
func ReadLedger(path string, rename map[string]string) (*Ledger, error) {
	for name := range rename {
		if !contains(LedgerColumns, name) {
			return nil, fmt.Errorf("%s: %w: --ledger-columns names %q, not one of %s", path, ErrLedger, name, strings.Join(LedgerColumns, ", "))
		}
	}
	col := func(name string) string {
		if r, ok := rename[name]; ok {
			return r
		}
		return name
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lines, first, err := scanLedger(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrLedger, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrLedger, err)
	}
	lr := &ledgerReader{entries: make([]entry, 0, lines), names: map[string]uint16{"": 0}, list: []string{""}}
	br := bufio.NewReaderSize(f, 64*1024)
	if first == '{' {
		return lr.readJSONLines(path, br, col)
	}
	return lr.readCSV(path, br, col)
}

// scanLedger reads a ledger once, before its entries are: it returns how many entries it
// may hold at most (for their slice to be made once, not grown by copies) and its first byte
// that is not blank (white space or a byte-order mark), 0 for none.
func scanLedger(r io.Reader) (entries int, first byte, err error) {
	buf := make([]byte, 64*1024)
	var lines, size int
	for {
		n, err := r.Read(buf)
		chunk := buf[:n]
		size += n
		lines += bytes.Count(chunk, []byte("\n"))
		if first == 0 {
			if trimmed := bytes.TrimLeft(chunk, " \t\r\n\xEF\xBB\xBF"); len(trimmed) > 0 {
				first = trimmed[0]
			}
		}
		if err == io.EOF {
			// An entry's line has at least a few bytes: a file of blank lines makes no room.
			return min(lines+1, size/8+1), first, nil
		}
		if err != nil {
			return 0, 0, err
		}
	}
}

// ledgerReader builds a Ledger.
type ledgerReader struct {
	entries []entry
	ids     []byte            // the entries' IDs so far
	names   map[string]uint16 // the statuses and currencies read: their places in list
	list    []string
	date    string // the date of the last dateTime read in Moscow time to the second
	dateDay int32  // its day
}

// day is the day of a dateTime in Moscow as Entry.Day has it, 0 when it does not read. A
// dateTime in Moscow time to the second (2020-08-26T09:59:00+03:00, or without an offset) of
// the date of the last one is not parsed again: its day is its date.
func (lr *ledgerReader) day(dateTime string) int32 {
	date, moscow := moscowSecond(dateTime)
	if moscow && date == lr.date {
		return lr.dateDay
	}
	t, err := wiretype.ParseTimestamp(dateTime)
	if err != nil {
		return 0
	}
	y, m, d := t.Time().In(wiretype.Moscow()).Date()
	day := int32(y*10000 + int(m)*100 + d)
	if moscow {
		lr.date, lr.dateDay = strings.Clone(date), day
	}
	return day
}

// moscowSecond returns the date of a dateTime written to the second in Moscow time with a
// clock that reads (yyyy-mm-ddThh:mm:ss, then +03:00 or nothing); ok is false for any other
// form. Whether its date reads is left to the caller.
func moscowSecond(s string) (date string, ok bool) {
	if len(s) != 19 && (len(s) != 25 || s[19:] != "+03:00") || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return "", false
	}
	for _, c := range [...]struct{ at, most int }{{11, 23}, {14, 59}, {17, 59}} {
		hi, lo := s[c.at], s[c.at+1]
		if hi < '0' || hi > '9' || lo < '0' || lo > '9' || int(hi-'0')*10+int(lo-'0') > c.most {
			return "", false
		}
	}
	return s[:10], true
}

// done is the ledger read.
func (lr *ledgerReader) done() *Ledger {
	return &Ledger{entries: lr.entries, ids: string(lr.ids), names: lr.list}
}

// name is the place of s in the list of names, added if new.
func (lr *ledgerReader) name(s string) (uint16, error) {
	if v, ok := lr.names[s]; ok {
		return v, nil
	}
	if len(lr.list) > math.MaxUint16 {
		return 0, fmt.Errorf("more than %d different statuses and currencies", math.MaxUint16)
	}
	s = strings.Clone(s)
	lr.names[s] = uint16(len(lr.list))
	lr.list = append(lr.list, s)
	return uint16(len(lr.list) - 1), nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (lr *ledgerReader) readCSV(path string, br *bufio.Reader, col func(string) string) (*Ledger, error) {
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3) // Peek just returned these three bytes
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: %w", path, ErrEmptyLedger)
	}
	if err != nil {
		return nil, fmt.Errorf("%s:1: %w: %v", path, ErrLedger, err)
	}
	header = slices.Clone(header)
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.TrimSpace(h)] = i
	}
	for _, need := range requiredLedgerColumns {
		if _, ok := idx[col(need)]; !ok {
			return nil, fmt.Errorf("%s:1: %w: %s", path, ErrLedger, headerProblem(header, need, col))
		}
	}
	// Each column's place in a record, looked up once: -1 for one the header lacks.
	var places [ledgerColumns]int
	for c, name := range LedgerColumns {
		places[c] = -1
		if i, ok := idx[col(name)]; ok {
			places[c] = i
		}
	}
	var rec []string
	get := func(c int) string {
		i := places[c]
		if i < 0 || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	for {
		rec, err = cr.Read()
		if err == io.EOF {
			return lr.done(), nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %v", path, ErrLedger, err)
		}
		if err := lr.add(line, get); err != nil {
			return nil, fmt.Errorf("%s:%d: %w: %v", path, line, ErrLedger, err)
		}
	}
}

// headerProblem says what a CSV ledger header lacking the column need has, what it needs,
// and the likeliest cause: another letter case, another separator, or other names.
func headerProblem(header []string, need string, col func(string) string) string {
	found := make([]string, len(header))
	for i, h := range header {
		found[i] = strconv.Quote(strings.TrimSpace(h))
		if digits := countDigits(h); digits >= 12 {
			found[i] = fmt.Sprintf("(%d digits)", digits) // a data row's card or account number is not echoed
		}
	}
	var want []string
	for _, c := range requiredLedgerColumns {
		want = append(want, col(c))
	}
	msg := fmt.Sprintf("no column %s in the header: found %s; want %s, among %s",
		col(need), strings.Join(found, ", "), strings.Join(want, " and "), strings.Join(LedgerColumns, ","))
	for _, h := range header {
		if h = strings.TrimSpace(h); strings.EqualFold(h, col(need)) {
			return msg + fmt.Sprintf("; the header has %s: names are case-sensitive (or map it with --ledger-columns %s=%s)", h, need, h)
		}
	}
	if len(header) == 1 {
		for _, sep := range []struct{ char, name string }{{";", "semicolons"}, {"\t", "tabs"}, {"|", "bars"}} {
			if strings.Contains(header[0], sep.char) {
				return msg + fmt.Sprintf("; the header is one field with %s in it: a CSV ledger is comma-separated", sep.name)
			}
		}
	}
	return msg + fmt.Sprintf("; name the column %s, or map yours with --ledger-columns %s=YOURS", need, need)
}

// countDigits counts the decimal digits in s.
func countDigits(s string) int {
	n := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}

// maxLedgerLine is the longest line of a JSON Lines ledger.
const maxLedgerLine = 1 << 20

func (lr *ledgerReader) readJSONLines(path string, br *bufio.Reader, col func(string) string) (*Ledger, error) {
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64*1024), maxLedgerLine)
	line := 0
	var obj map[string]any
	get := func(c int) string {
		switch v := obj[col(LedgerColumns[c])].(type) {
		case string:
			return strings.TrimSpace(v)
		case json.Number: // decoded with UseNumber: the number's own text, exact
			return v.String()
		}
		return ""
	}
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		obj = nil
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			return nil, fmt.Errorf("%s:%d: %w: %v", path, line, ErrLedger, err)
		}
		if err := lr.add(line, get); err != nil {
			return nil, fmt.Errorf("%s:%d: %w: %v", path, line, ErrLedger, err)
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, fmt.Errorf("%s:%d: %w: the line is longer than %d bytes", path, line+1, ErrLedger, maxLedgerLine)
	} else if err != nil {
		return nil, fmt.Errorf("%s:%d: %w: %v", path, line+1, ErrLedger, err)
	}
	return lr.done(), nil
}

// add reads an entry from its columns (get: a column's value, trimmed) and appends it.
func (lr *ledgerReader) add(line int, get func(column int) string) error {
	e := entry{line: int32(line)}
	pay, bill, parent := get(lPaymentID), get(lBillID), get(lParent)
	if pay == "" && bill == "" {
		return errors.New("neither paymentId nor billId")
	}
	for _, id := range [...][2]string{{"paymentId", pay}, {"billId", bill}} {
		if len(id[1]) > math.MaxUint16 {
			return fmt.Errorf("%s: %d bytes, longer than the %d an ID may have", id[0], len(id[1]), math.MaxUint16)
		}
	}
	e.payLen, e.billLen = uint16(len(pay)), uint16(len(bill))
	if int64(len(lr.ids))+int64(len(pay)+len(bill)+len(parent)) > math.MaxUint32 {
		return fmt.Errorf("the ledger's IDs pass %s together", size(math.MaxUint32+1))
	}
	var err error
	if e.currency, err = lr.name(strings.ToUpper(get(lCurrency))); err != nil {
		return err
	}
	if e.status, err = lr.name(strings.ToUpper(get(lStatus))); err != nil {
		return err
	}
	switch kind := get(lKind); {
	case kind == "" || strings.EqualFold(kind, KindPayment):
	case strings.EqualFold(kind, KindRefund):
		e.refund = true
	default:
		return fmt.Errorf("kind %s: want payment or refund", quoteShort(strings.ToLower(kind)))
	}
	amount, err := ParseAmount(get(lAmount))
	if err != nil {
		return fmt.Errorf("amount: %w", err)
	}
	e.minor = amount.Minor()
	e.day = lr.day(get(lDateTime))
	// The IDs copied into the ledger's own: the record's text is not kept.
	e.off = uint32(len(lr.ids))
	lr.ids = append(append(append(lr.ids, pay...), bill...), parent...)
	lr.entries = append(lr.entries, e)
	return nil
}
