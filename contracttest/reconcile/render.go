package reconcile

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kinds lists the kinds of differences in report order.
var Kinds = []string{MissingInLedger, MissingInReport, AmountMismatch, CurrencyMismatch, StatusMismatch, UnknownParent, Duplicate, SettlementMismatch, BadRow, EmptyReport}

func (d Difference) where() string {
	switch {
	case d.ReportLine > 0 && d.LedgerLine > 0:
		return fmt.Sprintf("%s:%d, ledger line %d", d.File, d.ReportLine, d.LedgerLine)
	case d.ReportLine > 0:
		return fmt.Sprintf("%s:%d", d.File, d.ReportLine)
	case d.LedgerLine > 0:
		return fmt.Sprintf("ledger line %d", d.LedgerLine)
	}
	return ""
}

// Printable is s for a terminal: each control character (C0, DEL, C1), each character that
// reorders text (bidirectional overrides and isolates) and each byte that is not UTF-8 is
// written as an escape (\x1b, \u202e), so that an ID in a report cannot move the cursor,
// recolour, retitle or rewrite what a terminal shows. Any other text is unchanged.
func Printable(s string) string {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unprintable(r, n) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case unprintable(r, n) && r < 0x100:
			fmt.Fprintf(&b, "\\x%02x", r)
		case unprintable(r, n):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// unprintable reports whether the rune r, n bytes long, is one Printable escapes.
func unprintable(r rune, n int) bool {
	return r < 0x20 || r >= 0x7f && r <= 0x9f || r == utf8.RuneError && n == 1 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// WriteText writes the differences, one a line, the per-day totals and a count line per kind.
// What came from the report or the ledger is written Printable.
func (res *Result) WriteText(w io.Writer) error {
	var err error
	p := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	for _, d := range res.Differences {
		if where := d.where(); where != "" {
			p("%-19s %s: %s\n", d.Kind, Printable(where), Printable(d.Message))
		} else {
			p("%-19s %s\n", d.Kind, Printable(d.Message))
		}
	}
	if len(res.Days) > 0 {
		p("\n%-10s %10s %16s %14s %16s\n", "day", "operations", "amount", "commission", "settlement")
		for _, d := range res.Days {
			p("%-10s %10d %16s %14s %16s\n", d.Day, d.Operations, d.Amount, d.Commission, d.Settlement)
		}
	}
	counts := res.Counts()
	p("\n")
	for _, k := range Kinds {
		if counts[k] > 0 {
			p("%s: %d\n", k, counts[k])
		}
	}
	if res.Unlisted > 0 {
		p("%d differences not listed: only the first %d are\n", res.Unlisted, len(res.Differences))
	}
	p("%d report operations, %d differences\n", res.Rows, len(res.Differences)+res.Unlisted)
	return err
}

// WriteCSV writes one difference a row under a header, for spreadsheets. No cell is a
// formula: a cell starting with =, +, -, @, a tab or a carriage return gets a leading ' (the
// OWASP rule against CSV injection), so a spreadsheet shows the text and runs nothing; and
// every cell is Printable.
func (res *Result) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"kind", "paymentId", "transactionId", "billId", "parentTransactionId", "parentPaymentId", "document", "file", "reportLine", "ledgerLine", "firstReportLine", "firstLedgerLine", "message"}) // errors surface in cw.Error below
	for _, d := range res.Differences {
		row := []string{d.Kind, d.PaymentID, d.TransactionID, d.BillID, d.ParentTransactionID, d.ParentPaymentID, d.Document, d.File,
			itoa(d.ReportLine), itoa(d.LedgerLine), itoa(d.FirstReportLine), itoa(d.FirstLedgerLine), d.Message}
		for i, cell := range row {
			row[i] = csvCell(cell)
		}
		_ = cw.Write(row)
	}
	if res.Unlisted > 0 { // a last row says what is missing
		_ = cw.Write([]string{"unlisted", "", "", "", "", "", "", "", "", "", "", "", fmt.Sprintf("%d differences not listed: only the first %d are", res.Unlisted, len(res.Differences))})
	}
	cw.Flush()
	return cw.Error()
}

// csvCell is a cell a spreadsheet reads as text: Printable, with a leading ' when it starts
// as a formula would (the tab and carriage return are checked before they are escaped).
func csvCell(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		s = "'" + s
	}
	return Printable(s)
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// Summary is the last JSON line: the counts by kind and the per-day totals.
type Summary struct {
	Kind        string         `json:"kind"` // "summary"
	Rows        int            `json:"rows"`
	Differences int            `json:"differences"`
	Unlisted    int            `json:"unlisted,omitempty"` // differences counted, not listed
	ByKind      map[string]int `json:"byKind"`
	Days        []DayTotal     `json:"days"`
}

// WriteJSONLines writes one difference a line, then a summary line (kind "summary"). Strings
// are JSON's: control characters escaped by encoding/json, and the C1 controls and the
// characters that reorder text as \u escapes too, which decode to the same text but leave a
// terminal showing the file alone.
func (res *Result) WriteJSONLines(out io.Writer) error {
	w := &jsonEscaper{w: out}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, d := range res.Differences {
		if err := enc.Encode(d); err != nil {
			return err
		}
	}
	days := res.Days
	if days == nil {
		days = []DayTotal{}
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Day < days[j].Day })
	return enc.Encode(Summary{Kind: "summary", Rows: res.Rows, Differences: len(res.Differences) + res.Unlisted, Unlisted: res.Unlisted, ByKind: res.Counts(), Days: days})
}

// jsonEscaper writes encoding/json's output with the C1 controls and the characters that
// reorder text written as \u escapes. Each Write is one whole JSON value (json.Encoder writes
// each value at once), so no character is cut between writes.
type jsonEscaper struct{ w io.Writer }

func (j *jsonEscaper) Write(p []byte) (int, error) {
	s := string(p)
	var b strings.Builder
	last := 0
	for i, r := range s {
		if r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			b.WriteString(s[last:i])
			fmt.Fprintf(&b, "\\u%04x", r)
			last = i + utf8.RuneLen(r)
		}
	}
	if last == 0 {
		_, err := j.w.Write(p)
		return len(p), err
	}
	b.WriteString(s[last:])
	_, err := io.WriteString(j.w, b.String())
	return len(p), err
}
