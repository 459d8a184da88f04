package reconcile

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/qiwigen/qiwigen/gen/qiwi"
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
	EmptyReport        = "empty-report"        // no report row covers a day, and settled ledger entries go unchecked
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

// StatusSettled is a ledger status of the merchant's own, not QIWI's, that counts as settled.
const StatusSettled = "SETTLED"

// settled reports whether a ledger status is of an operation the report should carry: QIWI's
// statuses of a completed payment (the API's COMPLETED and, for an invoice, PAID; a
// notification's SUCCESS), or StatusSettled.
func settled(status string) bool {
	switch qiwi.StatusValue(status) {
	case qiwi.StatusValueCompleted, qiwi.StatusValuePaid, qiwi.StatusValueSuccess, StatusSettled:
		return true
	}
	return false
}

// Reconciler matches report rows, fed one at a time, against a ledger. Its memory is the
// ledger, the set of transaction IDs seen, one entry per bank document and day, and the
// differences found, each holding its own copy of the few IDs it names: not the report's
// rows or lines.
type Reconciler struct {
	ledger    *Ledger
	byPayment *ledgerIndex // by paymentId
	byBill    *ledgerIndex
	matched   []int32         // ledger index → the report line that matched it, 0 if none
	txSeen    *idLines        // transaction ID → first report line
	refunds   []pendingRefund // parents checked at the end
	documents map[string]*document
	days      map[int]*DayTotal // by yyyymmdd
	diffs     []Difference
	ctx       context.Context // for api
	api       API             // nil: the ledger only
	limits    Limits          // of the reports read, and of the differences listed
	rows      int             // report rows matched or recorded bad
	counts    map[string]int  // differences by kind, listed or not
	unlisted  int             // differences past the limit, counted only
	spare     Difference      // what record returns for a difference it does not list
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

// New returns a reconciler for a ledger (nil: an empty one).
func New(ledger *Ledger) *Reconciler {
	if ledger == nil {
		ledger = &Ledger{names: []string{""}}
	}
	n := ledger.Len()
	r := &Reconciler{ledger: ledger, matched: make([]int32, n),
		txSeen: newIDLines(n), documents: map[string]*document{}, days: map[int]*DayTotal{}, counts: map[string]int{}}
	r.byPayment = newLedgerIndex(n, ledger.paymentID, func(i, j int) {
		if e, first := &ledger.entries[i], &ledger.entries[j]; first.refund == e.refund {
			id := strings.Clone(ledger.paymentID(i))
			r.record(Difference{Kind: Duplicate, PaymentID: id, LedgerLine: int(e.line), FirstLedgerLine: int(first.line),
				Message: fmt.Sprintf("the ledger lists %s %s twice (lines %d and %d)", ledger.kind(i), id, first.line, e.line)})
		}
	})
	r.byBill = newLedgerIndex(n, ledger.billID, func(int, int) {})
	return r
}

// WithLimits bounds what ReadReport reads (zero fields: the defaults).
func (r *Reconciler) WithLimits(l Limits) *Reconciler {
	r.limits = l
	return r
}

// Bad records a report row that cannot be read.
func (r *Reconciler) Bad(e *RowError) error {
	r.rows++
	msg := e.Err.Error()
	if e.Column != "" {
		msg = "column " + e.Column + ": " + msg
	}
	r.record(Difference{Kind: BadRow, File: e.File, ReportLine: e.Line, Message: msg})
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
// it returns the difference recorded, valid until the next one, for its other fields. The
// row's IDs are copied: the difference does not keep the row's line.
func (r *Reconciler) differ(row *Row, kind, msg string, ledger int) *Difference {
	d := Difference{Kind: kind, PaymentID: strings.Clone(row.PaymentID), TransactionID: strings.Clone(row.TransactionID),
		BillID: strings.Clone(row.BillID), File: row.File, ReportLine: row.Line, Message: msg}
	if ledger >= 0 {
		d.LedgerLine = int(r.ledger.entries[ledger].line)
	}
	return r.record(d)
}

// record keeps a difference, and counts it; past the limit of those listed it only counts
// it (returning a spare for the caller's other fields), so that a report of a million bad
// lines does not make a million differences to hold.
func (r *Reconciler) record(d Difference) *Difference {
	r.counts[d.Kind]++
	if len(r.diffs) >= r.limits.withDefaults().Differences {
		r.unlisted++
		r.spare = d
		return &r.spare
	}
	r.diffs = append(r.diffs, d)
	return &r.diffs[len(r.diffs)-1]
}

// Row matches one report row.
func (r *Reconciler) Row(row Row) error { return r.match(&row) }

// cloneIDs makes the row's strings its own: a row kept past its match does not keep its line.
func (row *Row) cloneIDs() {
	for _, s := range []*string{&row.TransactionID, &row.ParentTransactionID, &row.PaymentID, &row.BillID, &row.SiteID, &row.Method, &row.Document, &row.Currency} {
		*s = strings.Clone(*s)
	}
}

// ReadReport reads the report at path (or every .csv entry of a zip archive, as OpenReport
// does, within r's Limits) and matches each good row; each bad row goes to bad (r.Bad records
// it as a difference).
func (r *Reconciler) ReadReport(path string, enc Encoding, watch Watch, bad func(*RowError) error) error {
	return openReport(path, enc, watch, handlers{row: r.match, bad: bad, limits: r.limits})
}

// match matches one report row; the row is not kept past the call, but for a refund's copy.
func (r *Reconciler) match(row *Row) error {
	r.rows++
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
		kept := *row
		kept.cloneIDs()
		r.refunds = append(r.refunds, pendingRefund{row: kept, ledger: idx})
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
	e := &r.ledger.entries[idx]
	if prev := int(r.matched[idx]); prev != 0 {
		r.differ(row, Duplicate, fmt.Sprintf("ledger line %d matches report lines %d and %d", e.line, prev, row.Line), idx).FirstReportLine = prev
		return nil
	}
	r.matched[idx] = int32(row.Line)
	if amount := r.ledger.amount(idx); !abs(amount).Equal(abs(row.Sum)) {
		r.differ(row, AmountMismatch, fmt.Sprintf("the report says %s, the ledger %s", row.Sum, amount), idx)
	}
	if currency := r.ledger.names[e.currency]; row.Currency != "" && currency != "" && row.Currency != currency {
		r.differ(row, CurrencyMismatch, fmt.Sprintf("the report says %s, the ledger %s", row.Currency, currency), idx)
	}
	if status := r.ledger.status(idx); !settled(status) {
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
	for _, by := range []struct {
		index *ledgerIndex
		key   string
	}{{r.byPayment, row.PaymentID}, {r.byBill, row.BillID}} {
		if by.key == "" {
			continue
		}
		// An entry of the kind not matched yet; else a matched one (a duplicate).
		unmatched, any := -1, -1
		by.index.each(by.key, func(i int) bool {
			if r.ledger.kind(i) != kind {
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
		r.documents[strings.Clone(row.Document)] = d
	}
	if row.Purpose == PurposeSettlement {
		if row.HasSum && !row.Sum.Equal(wiretype.Money{}.Sub(row.SumBank)) {
			r.differ(row, SettlementMismatch, fmt.Sprintf("document %s: the SETTLEMENT row's SUM %s is not the negated SUM_BANK %s", row.Document, row.Sum, row.SumBank), -1).Document = strings.Clone(row.Document)
		}
		return
	}
	if !d.sumBank.Equal(row.SumBank) {
		diff := r.differ(row, SettlementMismatch, fmt.Sprintf("document %s: SUM_BANK %s here, %s at line %d", row.Document, row.SumBank, d.sumBank, d.firstLine), -1)
		diff.Document, diff.FirstReportLine = strings.Clone(row.Document), d.firstLine
	}
}

// Result is a finished reconciliation.
type Result struct {
	// Differences are the differences listed: the first Limits.Differences found.
	Differences []Difference `json:"differences"`
	Days        []DayTotal   `json:"days"`
	Rows        int          `json:"rows"`
	// Unlisted counts the differences found past the limit, which Counts counts but
	// Differences does not list.
	Unlisted int `json:"unlisted,omitempty"`

	counts map[string]int // every difference by kind; nil: those listed
}

// Counts returns the number of differences by kind, listed or not.
func (res *Result) Counts() map[string]int {
	out := map[string]int{}
	if res.counts != nil {
		maps.Copy(out, res.counts)
		return out
	}
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
			found = !r.ledger.entries[i].refund
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
		if p.ledger >= 0 && ledgerPayment(r.ledger.parentID(p.ledger)) {
			continue
		}
		d := Difference{Kind: UnknownParent, PaymentID: p.row.PaymentID, TransactionID: p.row.TransactionID, BillID: p.row.BillID,
			ParentTransactionID: p.row.ParentTransactionID, File: p.row.File, ReportLine: p.row.Line, Message: fmt.Sprintf("refund of parent transaction %q, which is in neither the report nor the ledger", p.row.ParentTransactionID)}
		if p.ledger >= 0 {
			d.ParentPaymentID = strings.Clone(r.ledger.parentID(p.ledger))
			d.LedgerLine = int(r.ledger.entries[p.ledger].line)
		}
		r.record(d)
	}
	unchecked := 0 // settled ledger entries of days the report does not cover
	for i := range r.ledger.entries {
		e := &r.ledger.entries[i]
		if r.matched[i] != 0 || !settled(r.ledger.status(i)) {
			continue
		}
		if e.day != 0 && r.days[int(e.day)] == nil {
			unchecked++
			continue
		}
		id := strings.Clone(r.ledger.paymentID(i))
		r.record(Difference{Kind: MissingInReport, PaymentID: id, BillID: strings.Clone(r.ledger.billID(i)), LedgerLine: int(e.line),
			Message: fmt.Sprintf("%s %s of %s, %s in the ledger, is not in the report", r.ledger.kind(i), id, r.ledger.amount(i), r.ledger.status(i))})
	}
	// A report that covers no day checks no dated ledger entry: an empty report, or one
	// whose rows have no date, is a finding, not a pass.
	covered := false
	for day := range r.days {
		covered = covered || day != 0
	}
	if !covered && unchecked > 0 {
		msg := fmt.Sprintf("the report has no rows; %d settled ledger entries unchecked", unchecked)
		if r.rows > 0 {
			msg = fmt.Sprintf("the report's %d rows cover no day (none has a readable TRANS_DATE or BANK_VALUE_DOC); %d settled ledger entries unchecked", r.rows, unchecked)
		}
		r.record(Difference{Kind: EmptyReport, Message: msg})
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
	res := &Result{Differences: r.diffs, Rows: r.txSeen.len(), Unlisted: r.unlisted, counts: r.counts}
	for _, d := range r.days {
		res.Days = append(res.Days, *d)
	}
	sort.Slice(res.Days, func(i, j int) bool { return res.Days[i].Day < res.Days[j].Day })
	return res
}

// abs is the amount without its sign: a ledger may write a refund negative, the report
// positive.
func abs(m wiretype.Money) wiretype.Money {
	if m.Minor() < 0 {
		return wiretype.Money{}.Sub(m)
	}
	return m
}
