package reconcile

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
)

// Kinds lists the kinds of differences in report order.
var Kinds = []string{MissingInLedger, MissingInReport, AmountMismatch, CurrencyMismatch, StatusMismatch, UnknownParent, Duplicate, SettlementMismatch, BadRow}

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

// WriteText writes the differences, one a line, the per-day totals and a count line per kind.
func (res *Result) WriteText(w io.Writer) error {
	var err error
	p := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	for _, d := range res.Differences {
		p("%-19s %s: %s\n", d.Kind, d.where(), d.Message)
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
	p("%d report operations, %d differences\n", res.Rows, len(res.Differences))
	return err
}

// WriteCSV writes one difference a row under a header, for spreadsheets.
func (res *Result) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"kind", "paymentId", "transactionId", "billId", "parentTransactionId", "parentPaymentId", "document", "file", "reportLine", "ledgerLine", "firstReportLine", "firstLedgerLine", "message"}) // errors surface in cw.Error below
	for _, d := range res.Differences {
		_ = cw.Write([]string{d.Kind, d.PaymentID, d.TransactionID, d.BillID, d.ParentTransactionID, d.ParentPaymentID, d.Document, d.File,
			itoa(d.ReportLine), itoa(d.LedgerLine), itoa(d.FirstReportLine), itoa(d.FirstLedgerLine), d.Message})
	}
	cw.Flush()
	return cw.Error()
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
	ByKind      map[string]int `json:"byKind"`
	Days        []DayTotal     `json:"days"`
}

// WriteJSONLines writes one difference a line, then a summary line (kind "summary").
func (res *Result) WriteJSONLines(w io.Writer) error {
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
	return enc.Encode(Summary{Kind: "summary", Rows: res.Rows, Differences: len(res.Differences), ByKind: res.Counts(), Days: days})
}
