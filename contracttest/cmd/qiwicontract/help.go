package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/qiwigen/qiwigen/contracttest/reconcile"
)

// command is a subcommand's help: everything but its flags, which come from its FlagSet.
type command struct {
	name     string
	args     string   // the synopsis after the name
	summary  string   // one line in the command list
	about    string   // what it does, a few lines
	examples []string // command lines
	exit1    string   // what its findings (exit status 1) are
	operands bool     // it takes arguments besides its flags
}

// exitConvention is the exit status every subcommand keeps.
const exitConvention = "0 ok, 1 findings, 2 bad usage or unreadable input"

// commands are the subcommands, in the order the command list shows them.
func commands() []command {
	return []command{
		{
			name:     "replay",
			operands: true,
			args:     "[flags] PATH...",
			summary:  "judge recorded interactions by the spec and by the generated client",
			about: `Judges each recorded interaction twice, by the spec and by the generated client, and
prints one line per interaction with its verdict and reasons, then "N passed, M failed".
PATH is a fixture file (.json), a HAR 1.2 file (.har), a go-vcr cassette (.yaml), or a
directory searched for them. Undocumented fields are warnings unless --strict. Examples
the docs themselves get wrong are reported apart (counted as skipped). Finding no
interaction is an error (exit 2), not a pass. Interactions are read and judged one at a
time, on every CPU, so memory does not grow with the corpus.
With --against URL the recorded requests are sent, in order, to a live target (the
sandbox; QIWI with the key in QIWI_API_KEY, never printed) and each answer that differs
from the recorded one is listed: its status, members dropped or added, types, values that
are no identifier or time, and the live exchange's failed verdicts; then "N same, M
differ, K skipped" (notifications and doc defects are not sent).`,
			examples: []string{
				"qiwicontract replay fixtures/ traffic.har",
				"qiwicontract replay --strict --junit junit.xml --markdown summary.md fixtures/",
				"qiwicontract replay --against http://127.0.0.1:8080 docs.json",
			},
			exit1: "an interaction failed, or with --against a live answer differs",
		},
		{
			name:    "extract",
			args:    "--docs DIR [flags]",
			summary: "write the fixtures extracted from QIWI's documentation pages",
			about: `Writes the request, response and notification examples of QIWI's documentation pages
under DIR (*.md, *.md.erb, *.txt) as a fixture file that replay reads, scrubbed like
recordings unless --no-scrub. Examples the docs get wrong are kept, tagged with the defect.
A folder that yields no example (no page, or pages without one) is an error (exit 2).
The --vectors file is tab-separated, one vector a line (blank lines and lines starting
with # are skipped), five columns: notification type (PAYMENT, BILL, ...), the example's
source as page#anchor relative to DIR, the secret, the signed text (fields joined with |),
and the lower-case hex HMAC-SHA256. A vector gives the first notification example of its
type in that section its secret and signature header, so replay checks the signature;
signature checks need --no-scrub.`,
			examples: []string{
				"qiwicontract extract --docs ../shared/docs/qiwi --out docs.json",
				"qiwicontract extract --docs ../shared/docs/qiwi --vectors gen/qiwi/testdata/signatures.tsv --no-scrub --out raw.json",
			},
			exit1: "none: it reports no finding",
		},
		{
			name:     "diff",
			operands: true,
			args:     "[flags] OLD NEW",
			summary:  "compare two OpenAPI documents (files or REV:path); breaking changes exit 1",
			about: `Compares two OpenAPI documents (libopenapi what-changed): operations removed, added, moved
or renamed (matched by method and full path, by the recorded upstream place, or by
operationId), parameters, bodies, answer statuses, schemas, members, types, required members,
constraints and enum values. Each change has a level: breaking-wire (breaks any client: a
request member made required, an answer member or a request's enum value removed, a type
changed, a request constraint narrowed, a closed answer enum grown), breaking-go (breaks a Go
client generated from OLD, not the wire), warning or info; a value added to an
x-extensible-enum is info. Each change has a stable ID (rule and hash), its JSON pointer and
line in both documents, and the overlay file:line that writes it.
OLD and NEW are files or REV:path, read with git show in the current folder's repository
(path from the repository's top, ./path from here). --ignore FILE accepts changes by ID, each
with its reason, in drift's baseline shape ({"findings": [{"id", "kind", "subject", "reason"}]});
an entry that matches no change is reported stale. --format changelog writes a summary per
operation, in English or (--lang ru) Russian.`,
			examples: []string{
				"qiwicontract diff HEAD~5:spec/qiwi.resolved.yaml spec/qiwi.resolved.yaml",
				"qiwicontract diff --format markdown --fail-on warning origin/main:spec/qiwi.resolved.yaml spec/qiwi.resolved.yaml",
				"qiwicontract diff --format sarif --ignore spec/diff-ignore.json old.yaml new.yaml",
				"qiwicontract diff ../shared/upstream/crawled-openapi.yaml spec/qiwi.yaml",
			},
			exit1: "a change at the --fail-on level or above that --ignore does not accept",
		},
		{
			name:    "drift",
			args:    "--docs DIR [flags]",
			summary: "compare QIWI's documentation pages with the spec",
			about: `Reads QIWI's pages under DIR (English and Russian, rendered .md, .erb sources, website
pages) and compares what they document with the spec: operations, in-doc conflicts,
example fields against the schemas (missing, case, type), status and code tables against
the enums, notification signature headers and signed fields, the redelivery schedule and
the sender networks. Each finding has a stable ID; the baseline (default: the bundled
spec/drift-baseline.json, with the bundled spec) lists accepted ones with their reason.
--write-baseline keeps the old reasons; new entries need theirs written by hand.
--suggest FILE writes an Overlay 1.0 file, for review and qiwigen -overlay, whose actions
make the spec say what the pages say for each new finding with a mechanical fix (a member
added, renamed, retyped or made (not) required, an enum value, a moved or retired
operation, signed fields, the retry schedule); each action's description names the page
and line. The findings it cannot fix are listed on standard error with why.`,
			examples: []string{
				"qiwicontract drift --docs ../shared/docs/qiwi",
				"qiwicontract drift --docs ../shared/docs/qiwi --format sarif",
				"qiwicontract drift --docs ../shared/docs/qiwi --suggest fixes.yaml",
			},
			exit1: "ones the baseline does not accept",
		},
		{
			name:     "reconcile",
			operands: true,
			args:     "--report FILE... --ledger FILE [flags] [REPORT...]",
			summary:  "check QIWI's daily report against the merchant's ledger",
			about: `Matches QIWI's daily report against the merchant's ledger and names each difference:
missing-in-ledger, missing-in-report, amount-mismatch, currency-mismatch, status-mismatch,
unknown-parent, duplicate, settlement-mismatch, bad-row, empty-report (no row covers a day:
"N settled ledger entries unchecked"); then per-day totals.

The report: QIWI's ;-separated file or mailed zip (each .csv in it), UTF-8 or Windows-1251;
a header row names the columns (any order or case); amounts 1530,00; dates dd.mm.yyyy
[H:MM[:SS]], Moscow time. A line over ` + mib(reconcile.DefaultLineLimit) + `, or an ID over ` + fmt.Sprint(reconcile.MaxIDBytes) + ` bytes, is a bad row.
  required:         ` + strings.Join(reportRequired(), ", ") + `
  read if present:  ` + wrapList(reportOptional(), 20) + `
  not read:         any other column (USER_INFO, the masked card number, among them)
  PURPOSE:          ` + wrapList(purposes(), 20) + ` (any case)

The ledger: CSV (comma-separated, with a header row) or JSON Lines (one object a line),
with these names, case-sensitive (--ledger-columns maps yours to them):
  ` + strings.Join(reconcile.LedgerColumns, ",") + `
The header needs ` + strings.Join(reconcile.LedgerRequiredColumns(), " and ") + ` (1530 or 1530.00); each line a paymentId or a billId;
kind is payment (the default) or refund, naming its payment in parentPaymentId; a status of
COMPLETED, SUCCESS, PAID or SETTLED (any case) is settled: another, or none, differs.`,
			examples: []string{
				"qiwicontract reconcile --report report_20201101.zip --ledger ledger.csv",
				"qiwicontract reconcile --ledger orders.csv --ledger-columns paymentId=order_id,amount=total --format json report.csv",
				"QIWI_API_KEY=... qiwicontract reconcile --report report.csv --ledger ledger.jsonl --api --api-cache api.db",
			},
			exit1: "differences",
		},
		{
			name:    "sandbox",
			args:    "[flags]",
			summary: "serve a stateful emulator of QIWI's APIs in test mode",
			about: `Serves QIWI's APIs in test mode under /partner, with state per siteId: the payin API
(card payments and 3-D Secure, captures, refunds, invoices, SBP QR codes, card
verifications, payment tokens, payouts signed with X-Digital-Sign), the tokenization API
(refused, as the test mode refuses it) and the Bill Payments API (bills, their pay form,
refunds). Requests are routed and validated by the spec; errors have QIWI's shape; the
test-mode rules apply (RUB only, at most 10.00, 100 operations a day; 3-D Secure on CVV 849;
expiry month 02 or 04 declines). An operation it does not emulate answers 501.
With --notify-secret, PAYMENT, CAPTURE, REFUND, PAYOUT and CHECK_CARD notifications are
signed as QIWI signs them and posted to the operation's callbackUrl (or --notify-url); BILL
notifications go to --notify-url. Each is redelivered until answered 200. With --state,
each write is in the file before its answer: killing the process (even kill -9) loses
nothing answered, while a power loss or an OS crash may lose the last writes or damage the
file; --state-fsync also survives those, at an fsync (milliseconds) per commit. GET / is a
status page; SIGTERM or SIGINT drains in-flight requests and exits 0.`,
			examples: []string{
				"qiwicontract sandbox --addr 127.0.0.1:8080 --key test-01=test-key",
				"qiwicontract sandbox --notify-secret s3cret --notify-url http://127.0.0.1:9000/qiwi --state sandbox.db --time-scale 60",
			},
			exit1: "none: it reports no finding",
		},
		{
			name:    "probe",
			args:    "--base-url URL --key SITE=KEY... [flags]",
			summary: "walk the spec's flows against a live endpoint (the sandbox, a staging key) and judge it",
			about: `Sends requests built from the spec (required members always, optional ones as the seed
picks them; formats, enums, money and the test-mode rules respected; unique IDs) and walks
the flows the spec declares (x-qiwi-flows: invoice, payment, 3-D Secure, capture, refunds;
token binding and payment by token; payout and completion; card verification; SBP; Bill
Payments bill, pay form, refunds), feeding each answer's members into the next step. Every
exchange is judged by both verdicts, as replay judges; one line per exchange and per flow,
then "N passed, M failed" and the coverage of operations and flows. --negative also sends
requests the spec refuses (a required member dropped, a wrong type, a bad amount form) and
expects QIWI's error with a 4xx. With --callback-listen, the notifications the flows cause
are verified by the generated handler with --notify-secret, judged, and checked against the
status request the spec names for them. The same --seed sends the same requests (times
derive from the clock); --max-requests and --duration bound a run, a flow cut short is
reported stopped, not failed. --har writes the flows' exchanges scrubbed, for replay.`,
			examples: []string{
				"qiwicontract probe --base-url http://127.0.0.1:8080 --key test-01=test-key --seed 1 --har probe.har",
				"qiwicontract probe --base-url http://127.0.0.1:8080 --key test-01=test-key --payout-key test-01=payout.pem --negative --notify-secret s3cret --callback-listen 127.0.0.1:9000 --junit junit.xml",
			},
			exit1: "an exchange or a flow failed",
		},
		{
			name:    "proxy",
			args:    "--upstream URL [flags]",
			summary: "a reverse proxy that records and judges the traffic through it",
			about: `Forwards every request to the upstream (QIWI, a staging key, the sandbox) and its answer
back unchanged, and judges each exchange as it passes, by the spec and by the generated
client as replay does, for an application in any language: point its QIWI base URL at
--listen. Each exchange is one line on standard output, scrubbed (no key, card number,
CVV, token or signature). SIGTERM or SIGINT drains in-flight requests and ends it with
"N passed, M failed", the HAR (scrubbed, for replay) and the JUnit report. An upstream
that cannot be reached is a failed exchange (the application gets 502); no exchange at
all is a finding too.`,
			examples: []string{
				"qiwicontract proxy --listen 127.0.0.1:8081 --upstream http://127.0.0.1:8080 --har traffic.har",
				"qiwicontract proxy --upstream https://api.qiwi.com --strict --junit junit.xml",
			},
			exit1: "an exchange failed, or none passed through",
		},
	}
}

// lookup returns the subcommand of that name.
func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// writeUsage writes the command list: what qiwicontract -h shows.
func writeUsage(w io.Writer) {
	fmt.Fprint(w, `qiwicontract: judge QIWI API interactions by the spec and by the generated client.

usage: qiwicontract COMMAND [flags] [arguments]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
"qiwicontract help COMMAND" or "qiwicontract COMMAND -h" shows a command's flags and
examples. Flags may come before or after the arguments; -- ends them.

Exit status: `+exitConvention+`.
`)
}

// writeHelp writes a subcommand's help, its flags from fs.
func writeHelp(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: qiwicontract %s %s\n\n%s\n\nFlags:\n", c.name, c.args, c.about)
	writeFlags(w, fs)
	if c.operands {
		fmt.Fprint(w, "\nFlags may come before or after the arguments; -- ends them.\n")
	}
	fmt.Fprint(w, "\nExamples:\n")
	for _, e := range c.examples {
		fmt.Fprintf(w, "  %s\n", e)
	}
	fmt.Fprintf(w, "\nExit status: %s.\n", strings.Replace(exitConvention, "1 findings", "1 findings ("+c.exit1+")", 1))
}

// writeFlags lists fs's flags as flag.PrintDefaults does, with two dashes: the name and the
// value's name (the usage's back-quoted word), then the usage and a non-zero default.
func writeFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		switch f.DefValue {
		case "", "0", "false":
		default:
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "%s\n        %s\n", line, usage)
	})
}

// parseArgs parses a subcommand's flags, which may come before, between or after its
// arguments ("--" ends them), and returns the arguments. ok false means the run ends with
// status: 0 after -h (the help on stdout), 2 for a bad flag (said on stderr, briefly).
func parseArgs(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (rest []string, status int, ok bool) {
	c, _ := lookup(fs.Name())
	fs.SetOutput(io.Discard) // the errors are said here, the help written whole
	fs.Usage = func() {}
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				writeHelp(stdout, c, fs)
				return nil, 0, false
			}
			fmt.Fprintf(stderr, "qiwicontract %s: %v\nusage: qiwicontract %s %s\n(\"qiwicontract help %s\" lists the flags)\n", c.name, err, c.name, c.args, c.name)
			return nil, 2, false
		}
		left := fs.Args()
		if n := len(args) - len(left); n > 0 && args[n-1] == "--" {
			return append(rest, left...), 0, true
		}
		if len(left) == 0 {
			return rest, 0, true
		}
		rest, args = append(rest, left[0]), left[1:]
	}
}

// noArguments says that a subcommand taking no arguments got some, naming the first and the
// flag it was likely meant for; it returns the exit status, 2.
func noArguments(stderr io.Writer, name string, args []string, hint func(arg string) string) int {
	msg := fmt.Sprintf("qiwicontract %s takes no arguments: got %q", name, args[0])
	if h := hint(args[0]); h != "" {
		msg += "; did you mean " + h + " " + args[0] + "?"
	}
	fmt.Fprintln(stderr, msg)
	return 2
}

// isDir reports whether path names a directory.
func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

// mib writes a byte count in MiB.
func mib(n int) string { return fmt.Sprintf("%d MiB", n>>20) }

// reportRequired and reportOptional are the report's columns, as the reader reads them.
func reportRequired() []string { r, _ := reconcile.ReportColumns(); return r }
func reportOptional() []string { _, o := reconcile.ReportColumns(); return o }

// purposes are the report's PURPOSE values.
func purposes() []string {
	return []string{reconcile.PurposePayment, reconcile.PurposeRefund, reconcile.PurposeChargeback, reconcile.PurposeRevertChargeback,
		reconcile.PurposeOperationPlus, reconcile.PurposeOperationMinus, reconcile.PurposeSettlement}
}

// wrapList joins names with ", ", starting a new line indented by indent spaces before the
// line would pass 90 columns.
func wrapList(names []string, indent int) string {
	var b strings.Builder
	width := indent
	for i, n := range names {
		if i > 0 {
			b.WriteString(",")
			width++
			if width+len(n)+1 > 90 {
				b.WriteString("\n" + strings.Repeat(" ", indent))
				width = indent
			} else {
				b.WriteString(" ")
				width++
			}
		}
		b.WriteString(n)
		width += len(n)
	}
	return b.String()
}
