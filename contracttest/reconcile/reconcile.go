package reconcile

import (
	"context"
	"fmt"
	"sort"

	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// The kinds of differences.
const (
	MissingInLedger    = "missing-in-ledger"   // a report operation the ledger lacks
	MissingInReport    = "missing-in-report"   // a settled ledger operation of a reported day the report lacks
	AmountMismatch     = "amount-mismatch"     // report and ledger amounts differ
	CurrencyMismatch   = "currency-mismatch"   // report and ledger currencies differ
	StatusMismatch     = "status-mismatch"     // settled in the report, declined or unknown in the ledger
	UnknownParent      = "unknown-parent"      // a refund whose payment is in neither the report nor the ledger
	Duplicate          = "duplicate"           // the same transaction twice
	SettlementMismatch = "settlement-mismatch" // a bank document's rows or its SETTLEMENT row disagree
	BadRow             = "bad-row"             // a report row that cannot be read
)

// Difference is one disagreement between the report and the ledger.
type Difference struct {
	Kind          string `json:"kind"`
	PaymentID     string `json:"paymentId,omitempty"`
	TransactionID string `json:"transactionId,omitempty"`
	BillID        string `json:"billId,omitempty"`
	// ParentTransactionID is the report's PARENT_TRANSACTION_ID of a refund no payment
	// matches (unknown-parent).
	ParentTransactionID string `json:"parentTransactionId,omitempty"`
	// ParentPaymentID is the payment the ledger names as a refund's parent (unknown-parent).
	ParentPaymentID string `json:"parentPaymentId,omitempty"`
	// Document is the bank document (BANK_AGR_CODE) whose rows disagree (settlement-mismatch).
	Document   string `json:"document,omitempty"`
	File       string `json:"file,omitempty"`       // the report file
	ReportLine int    `json:"reportLine,omitempty"` // the report row
	LedgerLine int    `json:"ledgerLine,omitempty"` // the ledger entry
	// FirstReportLine is the earlier report row a duplicate or a disagreeing document row
	// repeats (duplicate, settlement-mismatch).
	FirstReportLine int `json:"firstReportLine,omitempty"`
	// FirstLedgerLine is the earlier ledger entry a duplicate entry repeats (duplicate).
	FirstLedgerLine int    `json:"firstLedgerLine,omitempty"`
	Message         string `json:"message"`
}

// DayTotal sums one day of the report.
type DayTotal struct {
	Day        string         `json:"day"`        // yyyy-mm-dd, Moscow
	Operations int            `json:"operations"` // rows other than SETTLEMENT
	Amount     wiretype.Money `json:"amount"`     // payments and OPERATION+ minus refunds, chargebacks and OPERATION-
	Commission wiretype.Money `json:"commission"`
	Settlement wiretype.Money `json:"settlement"` // the SETTLEMENT rows' sums
}

// settledStatuses are the ledger statuses of an operation the report should carry.
var settledStatuses = map[string]bool{"COMPLETED": true, "SUCCESS": true, "PAID": true, "SETTLED": true}

// Reconciler matches report rows, fed one at a time, against a ledger. Its memory is the
// ledger, the set of transaction IDs seen and one entry per bank document and day, not the
// report's rows.
type Reconciler struct {
	ledger    []Entry
	byPayment *ledgerIndex // by paymentId
	byBill    *ledgerIndex
	matched   []int           // ledger index → the report line that matched it, 0 if none
	txSeen    *idLines        // transaction ID → first report line
	refunds   []pendingRefund // parents checked at the end
	documents map[string]*document
	days      map[int]*DayTotal // by yyyymmdd
	diffs     []Difference
	ctx       context.Context // for api
	api       API             // nil: the ledger only
}

type pendingRefund struct {
	row    Row
	ledger int // the ledger entry it matched, -1 if none
}

// document is what the reconciler remembers of a bank document (BANK_AGR_CODE): the
// SUM_BANK of its first row and where that row is.
type document struct {
	sumBank   wiretype.Money
	firstLine int
}

// New returns a reconciler for a ledger.
func New(ledger []Entry) *Reconciler {
	r := &Reconciler{ledger: ledger, matched: make([]int, len(ledger)),
		txSeen: newIDLines(len(ledger)), documents: map[string]*document{}, days: map[int]*DayTotal{}}
	r.byPayment = newLedgerIndex(ledger, func(e *Entry) string { return e.PaymentID }, func(i, j int) {
		if e := ledger[i]; ledger[j].Kind == e.Kind {
			r.diffs = append(r.diffs, Difference{Kind: Duplicate, PaymentID: e.PaymentID, LedgerLine: e.Line, FirstLedgerLine: ledger[j].Line,
				Message: fmt.Sprintf("the ledger lists %s %s twice (lines %d and %d)", e.Kind, e.PaymentID, ledger[j].Line, e.Line)})
		}
	})
	r.byBill = newLedgerIndex(ledger, func(e *Entry) string { return e.BillID }, func(int, int) {})
	return r
}

// Bad records a report row that cannot be read.
func (r *Reconciler) Bad(e *RowError) error {
	msg := e.Err.Error()
	if e.Column != "" {
		msg = "column " + e.Column + ": " + msg
	}
	r.diffs = append(r.diffs, Difference{Kind: BadRow, File: e.File, ReportLine: e.Line, Message: msg})
	return nil
}

func (r *Reconciler) day(row *Row) *DayTotal {
	t := row.Time
	if t.IsZero() {
		t = row.ValueDate
	}
	key := 0
	if !t.IsZero() {
		y, m, d := t.Date()
		key = y*10000 + int(m)*100 + d
	}
	total := r.days[key]
	if total == nil {
		total = &DayTotal{Day: row.Day()}
		r.days[key] = total
	}
	return total
}

// differ records a difference about a report row and, when ledger is not -1, a ledger entry;
// it returns the difference recorded, valid until the next one, for its other fields.
func (r *Reconciler) differ(row *Row, kind, msg string, ledger int) *Difference {
	d := Difference{Kind: kind, PaymentID: row.PaymentID, TransactionID: row.TransactionID, BillID: row.BillID, File: row.File, ReportLine: row.Line, Message: msg}
	if ledger >= 0 {
		d.LedgerLine = r.ledger[ledger].Line
	}
	r.diffs = append(r.diffs, d)
	return &r.diffs[len(r.diffs)-1]
}

// Row matches one report row.
func (r *Reconciler) Row(row Row) error { return r.match(&row) }

// ReadReport reads the report at path (or every .csv entry of a zip archive, as OpenReport
// does) and matches each good row; each bad row goes to bad (r.Bad records it as a
// difference). The rows' ledger lookups run on a goroutine of their own, between the reader
// and the matching: the three share the work of a large report.
func (r *Reconciler) ReadReport(path string, enc Encoding, watch Watch, bad func(*RowError) error) error {
	return openReport(path, enc, watch, stages{prepare: r.prepare, ahead: r.ahead, row: r.match, bad: bad})
}

// ahead looks up a row's transaction ID before its batch is matched, so that the lookups of
// a batch overlap their cache misses; the matching then finds the ID's entry cached.
func (r *Reconciler) ahead(row *Row) {
	r.txSeen.get(row.TransactionID)
}

// prepare looks up the ledger entries of a row ahead of its matching. It reads only the
// ledger indexes, which do not change after New.
func (r *Reconciler) prepare(row *Row) {
	row.paymentHead = r.byPayment.head(row.PaymentID)
	row.billHead = r.byBill.head(row.BillID)
	row.looked = true
}

// match matches one report row; the row is not kept past the call, but for a refund's copy.
func (r *Reconciler) match(row *Row) error {
	r.settlement(row)
	total := r.day(row)
	if row.Purpose == PurposeSettlement {
		total.Settlement = total.Settlement.Add(row.Sum)
		return nil
	}
	total.Operations++
	total.Commission = total.Commission.Add(row.Commission)
	switch row.Purpose {
	case PurposePayment, PurposeOperationPlus, PurposeRevertChargeback:
		total.Amount = total.Amount.Add(row.Sum)
	default:
		total.Amount = total.Amount.Sub(row.Sum)
	}

	if first := r.txSeen.first(row.TransactionID, row.Line); first != 0 {
		r.differ(row, Duplicate, fmt.Sprintf("transaction %s is in the report twice (lines %d and %d)", row.TransactionID, first, row.Line), -1).FirstReportLine = first
		return nil
	}
	var kind string // the ledger's kind of the row
	switch row.Purpose {
	case PurposePayment:
		kind = KindPayment
	case PurposeRefund:
		kind = KindRefund
	default:
		return nil // chargebacks and bank operations have no ledger entry of the merchant's
	}
	idx := r.find(row, kind)
	if row.Purpose == PurposeRefund {
		r.refunds = append(r.refunds, pendingRefund{row: *row, ledger: idx})
	}
	if r.api != nil {
		if err := r.checkAPI(row, idx); err != nil {
			return err
		}
	}
	if idx < 0 {
		r.differ(row, MissingInLedger, fmt.Sprintf("%s %s of %s (transaction %s) is not in the ledger", kind, ident(row), row.Sum, row.TransactionID), -1)
		return nil
	}
	e := r.ledger[idx]
	if prev := r.matched[idx]; prev != 0 {
		r.differ(row, Duplicate, fmt.Sprintf("ledger line %d matches report lines %d and %d", e.Line, prev, row.Line), idx).FirstReportLine = prev
		return nil
	}
	r.matched[idx] = row.Line
	if !abs(e.Amount).Equal(abs(row.Sum)) {
		r.differ(row, AmountMismatch, fmt.Sprintf("the report says %s, the ledger %s", row.Sum, e.Amount), idx)
	}
	if row.Currency != "" && e.Currency != "" && row.Currency != e.Currency {
		r.differ(row, CurrencyMismatch, fmt.Sprintf("the report says %s, the ledger %s", row.Currency, e.Currency), idx)
	}
	if !settledStatuses[e.Status] {
		status := e.Status
		if status == "" {
			status = "no status"
		}
		r.differ(row, StatusMismatch, fmt.Sprintf("settled in the report, %s in the ledger", status), idx)
	}
	return nil
}

func ident(row *Row) string {
	if row.PaymentID != "" {
		return row.PaymentID
	}
	return "bill " + row.BillID
}

// find returns the ledger entry of kind for a row: by paymentId, else by billId; -1 if none.
func (r *Reconciler) find(row *Row, kind string) int {
	if !row.looked {
		r.prepare(row)
	}
	for _, by := range []struct {
		index *ledgerIndex
		key   string
		head  int32
	}{{r.byPayment, row.PaymentID, row.paymentHead}, {r.byBill, row.BillID, row.billHead}} {
		if by.key == "" {
			continue
		}
		// An entry of the kind not matched yet; else a matched one (a duplicate).
		unmatched, any := -1, -1
		by.index.eachFrom(by.head, by.key, func(i int) bool {
			if r.ledger[i].Kind != kind {
				return true
			}
			if any < 0 {
				any = i
			}
			if r.matched[i] == 0 {
				unmatched = i
				return false
			}
			return true
		})
		if unmatched >= 0 {
			return unmatched
		}
		if any >= 0 {
			return any
		}
	}
	return -1
}

// settlement checks a row against its bank document: every row of a document carries the
// same SUM_BANK, and the document's SETTLEMENT row pays out its negation.
func (r *Reconciler) settlement(row *Row) {
	if row.Document == "" || !row.HasSumBank {
		return
	}
	d := r.documents[row.Document]
	if d == nil {
		d = &document{sumBank: row.SumBank, firstLine: row.Line}
		r.documents[row.Document] = d
	}
	if row.Purpose == PurposeSettlement {
		if row.HasSum && !row.Sum.Equal(wiretype.Money{}.Sub(row.SumBank)) {
			r.differ(row, SettlementMismatch, fmt.Sprintf("document %s: the SETTLEMENT row's SUM %s is not the negated SUM_BANK %s", row.Document, row.Sum, row.SumBank), -1).Document = row.Document
		}
		return
	}
	if !d.sumBank.Equal(row.SumBank) {
		diff := r.differ(row, SettlementMismatch, fmt.Sprintf("document %s: SUM_BANK %s here, %s at line %d", row.Document, row.SumBank, d.sumBank, d.firstLine), -1)
		diff.Document, diff.FirstReportLine = row.Document, d.firstLine
	}
}

// Result is a finished reconciliation.
type Result struct {
	Differences []Difference `json:"differences"`
	Days        []DayTotal   `json:"days"`
	Rows        int          `json:"rows"`
}

// Counts returns the number of differences by kind.
func (res *Result) Counts() map[string]int {
	out := map[string]int{}
	for _, d := range res.Differences {
		out[d.Kind]++
	}
	return out
}

// Finish checks what needs the whole report (refund parents, ledger operations the report
// lacks) and returns the differences, in report order, and the per-day totals.
func (r *Reconciler) Finish() *Result {
	// ledgerPayment reports whether the ledger has a payment of this ID.
	ledgerPayment := func(id string) bool {
		found := false
		r.byPayment.each(id, func(i int) bool {
			found = r.ledger[i].Kind == KindPayment
			return !found
		})
		return found
	}
	for _, p := range r.refunds {
		if p.row.ParentTransactionID != "" {
			if r.txSeen.get(p.row.ParentTransactionID) != 0 {
				continue
			}
		}
		if p.ledger >= 0 && ledgerPayment(r.ledger[p.ledger].ParentPaymentID) {
			continue
		}
		d := Difference{Kind: UnknownParent, PaymentID: p.row.PaymentID, TransactionID: p.row.TransactionID, BillID: p.row.BillID,
			ParentTransactionID: p.row.ParentTransactionID, File: p.row.File, ReportLine: p.row.Line, Message: fmt.Sprintf("refund of parent transaction %q, which is in neither the report nor the ledger", p.row.ParentTransactionID)}
		if p.ledger >= 0 {
			d.ParentPaymentID = r.ledger[p.ledger].ParentPaymentID
			d.LedgerLine = r.ledger[p.ledger].Line
		}
		r.diffs = append(r.diffs, d)
	}
	for i, e := range r.ledger {
		if r.matched[i] != 0 || !settledStatuses[e.Status] || !r.reportedDay(e.DateTime) {
			continue
		}
		r.diffs = append(r.diffs, Difference{Kind: MissingInReport, PaymentID: e.PaymentID, BillID: e.BillID, LedgerLine: e.Line,
			Message: fmt.Sprintf("%s %s of %s, %s in the ledger, is not in the report", e.Kind, e.PaymentID, e.Amount, e.Status)})
	}
	sort.SliceStable(r.diffs, func(i, j int) bool {
		a, b := r.diffs[i], r.diffs[j]
		if a.ReportLine == 0 || b.ReportLine == 0 {
			return a.ReportLine != 0 && b.ReportLine == 0
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.ReportLine < b.ReportLine
	})
	res := &Result{Differences: r.diffs, Rows: r.txSeen.len()}
	for _, d := range r.days {
		res.Days = append(res.Days, *d)
	}
	sort.Slice(res.Days, func(i, j int) bool { return res.Days[i].Day < res.Days[j].Day })
	return res
}

// reportedDay says whether a ledger timestamp falls on a day the report covers; a ledger entry
// without a readable date is counted in.
func (r *Reconciler) reportedDay(dateTime string) bool {
	t, err := wiretype.ParseTimestamp(dateTime)
	if err != nil {
		return true
	}
	y, m, d := t.Time().In(Moscow).Date()
	_, ok := r.days[y*10000+int(m)*100+d]
	return ok
}

// abs is the amount without its sign: a ledger may write a refund negative, the report
// positive.
func abs(m wiretype.Money) wiretype.Money {
	if m.Minor() < 0 {
		return wiretype.Money{}.Sub(m)
	}
	return m
}
