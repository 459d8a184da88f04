package reconcile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
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

// Entry is one operation of the merchant's ledger.
type Entry struct {
	Line            int            // 1-based line in the ledger file
	PaymentID       string         // the merchant's paymentId (or refundId for a refund)
	BillID          string         // the invoice, when paid through one
	Amount          wiretype.Money // the operation's amount
	Currency        string         // ISO 4217 letter code
	Status          string         // the merchant's view: COMPLETED, SUCCESS, PAID, DECLINED, ...
	DateTime        string         // as the ledger writes it
	Kind            string         // KindPayment or KindRefund
	ParentPaymentID string         // a refund's payment
}

// ReadLedger reads a ledger: JSON Lines when the file's first non-blank byte is "{", else CSV
// with a header row. rename maps this package's column names to the file's (paymentId →
// order_id); names it does not map are read as they are.
func ReadLedger(path string, rename map[string]string) ([]Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
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
	if trimmed := bytes.TrimLeft(data, " \t\r\n\xEF\xBB\xBF"); len(trimmed) > 0 && trimmed[0] == '{' {
		return readJSONLines(path, data, col)
	}
	return readLedgerCSV(path, data, col)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func readLedgerCSV(path string, data []byte, col func(string) string) ([]Entry, error) {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: %w", path, ErrEmptyLedger)
	}
	if err != nil {
		return nil, fmt.Errorf("%s:1: %w: %v", path, ErrLedger, err)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.TrimSpace(h)] = i
	}
	for _, need := range requiredLedgerColumns {
		if _, ok := idx[col(need)]; !ok {
			return nil, fmt.Errorf("%s:1: %w: %s", path, ErrLedger, headerProblem(header, need, col))
		}
	}
	var out []Entry
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %v", path, ErrLedger, err)
		}
		get := func(name string) string {
			i, ok := idx[col(name)]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		e, err := newEntry(line, get)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w: %v", path, line, ErrLedger, err)
		}
		out = append(out, e)
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

func readJSONLines(path string, data []byte, col func(string) string) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var obj map[string]any
		get := func(name string) string {
			switch v := obj[col(name)].(type) {
			case string:
				return strings.TrimSpace(v)
			case json.Number: // decoded with UseNumber: the number's own text, exact
				return v.String()
			}
			return ""
		}
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			return nil, fmt.Errorf("%s:%d: %w: %v", path, line, ErrLedger, err)
		}
		e, err := newEntry(line, get)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w: %v", path, line, ErrLedger, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrLedger, err)
	}
	return out, nil
}

func newEntry(line int, get func(string) string) (Entry, error) {
	e := Entry{Line: line, PaymentID: get("paymentId"), BillID: get("billId"), Currency: strings.ToUpper(get("currency")),
		Status: strings.ToUpper(get("status")), DateTime: get("dateTime"), Kind: strings.ToLower(get("kind")), ParentPaymentID: get("parentPaymentId")}
	if e.PaymentID == "" && e.BillID == "" {
		return Entry{}, errors.New("neither paymentId nor billId")
	}
	if e.Kind == "" {
		e.Kind = KindPayment
	}
	if e.Kind != KindPayment && e.Kind != KindRefund {
		return Entry{}, fmt.Errorf("kind %q: want payment or refund", e.Kind)
	}
	amount, err := ParseAmount(get("amount"))
	if err != nil {
		return Entry{}, fmt.Errorf("amount: %w", err)
	}
	e.Amount = amount
	return e, nil
}
