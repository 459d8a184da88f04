package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/qiwigen/qiwigen/contracttest/reconcile"
)

// progressThreshold is the report size from which a terminal shows a progress bar.
const progressThreshold = 8 << 20

// progressBars returns a watch that shows a bar per large report file when w is a terminal,
// and the function that waits for the bars to finish; without a terminal, nothing shows.
func progressBars(w io.Writer) (reconcile.Watch, func()) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	p := mpb.New(mpb.WithOutput(w))
	var bars []*mpb.Bar
	watch := func(name string, size int64, r io.Reader) io.Reader {
		if size < progressThreshold {
			return r
		}
		bar := p.AddBar(size,
			mpb.PrependDecorators(decor.Name(filepath.Base(name), decor.WC{W: len(filepath.Base(name)) + 1, C: decor.DindentRight})),
			mpb.AppendDecorators(decor.CountersKibiByte("% .1f / % .1f"), decor.Percentage(decor.WC{W: 5})))
		bars = append(bars, bar)
		proxy, err := bar.ProxyReader(r)
		if err != nil {
			bar.Abort(true)
			return r
		}
		return proxy
	}
	// A read stopped early (a bad row under --strict, an error) leaves its bar short of its
	// total: abort it, or Wait would wait for it for ever.
	return watch, func() {
		for _, b := range bars {
			if !b.AbortedOrCompleted() {
				b.Abort(false)
			}
		}
		p.Wait()
	}
}

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func runReconcile(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reconcile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var reports listFlag
	fs.Var(&reports, "report", "QIWI daily report (.csv or the .zip QIWI mails); repeat for several")
	ledgerPath := fs.String("ledger", "", "the merchant's ledger: CSV with a header row, or JSON Lines")
	columns := fs.String("ledger-columns", "", "ledger column names: paymentId=order_id,amount=total,...")
	format := fs.String("format", "text", "text, csv or json (JSON Lines)")
	encoding := fs.String("encoding", "", "report encoding: utf-8 or windows-1251 (default: detected)")
	strict := fs.Bool("strict", false, "stop at the first report row that cannot be read (exit 2)")
	if status, ok := parseFlags(fs, args, stderr); !ok {
		return status
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "qiwicontract reconcile:", err)
		return 2
	}
	// Reports may also follow the flags.
	reports = append(reports, fs.Args()...)
	switch {
	case len(reports) == 0:
		return fail(errors.New("--report FILE is required"))
	case *ledgerPath == "":
		return fail(errors.New("--ledger FILE is required"))
	}
	switch *format {
	case "text", "csv", "json":
	default:
		return fail(fmt.Errorf("--format %q: want text, csv or json", *format))
	}
	rename := map[string]string{}
	if *columns != "" {
		for _, pair := range strings.Split(*columns, ",") {
			ours, theirs, ok := strings.Cut(pair, "=")
			if !ok || ours == "" || theirs == "" {
				return fail(fmt.Errorf("--ledger-columns: %q is not name=column", pair))
			}
			rename[strings.TrimSpace(ours)] = strings.TrimSpace(theirs)
		}
	}
	ledger, err := reconcile.ReadLedger(*ledgerPath, rename)
	if err != nil {
		return fail(err)
	}
	rec := reconcile.New(ledger)
	bad := rec.Bad
	if *strict {
		bad = func(e *reconcile.RowError) error { return e }
	}
	watch, done := progressBars(stderr)
	for _, path := range reports {
		if err := reconcile.OpenReportWatched(path, reconcile.Encoding(strings.ToLower(*encoding)), watch, rec.Row, bad); err != nil {
			done()
			return fail(err)
		}
	}
	done()
	res := rec.Finish()
	switch *format {
	case "csv":
		err = res.WriteCSV(stdout)
	case "json":
		err = res.WriteJSONLines(stdout)
	default:
		err = res.WriteText(stdout)
	}
	if err != nil {
		return fail(err)
	}
	if len(res.Differences) > 0 {
		return 1
	}
	return 0
}
