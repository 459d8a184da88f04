package main

import (
	"context"
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
	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// clientAPI asks QIWI through the generated client, one client per siteId.
type clientAPI struct {
	key, baseURL string
	clients      map[string]*qiwi.Client
}

func (c *clientAPI) client(siteID string) (*qiwi.Client, error) {
	if cl, ok := c.clients[siteID]; ok {
		return cl, nil
	}
	opts := []qiwi.Option{qiwi.WithSiteID(siteID)}
	if c.baseURL != "" {
		opts = append(opts, qiwi.WithBaseURL(c.baseURL))
	}
	cl, err := qiwi.New(c.key, opts...)
	if err != nil {
		return nil, err
	}
	c.clients[siteID] = cl
	return cl, nil
}

func state(status *qiwi.Status, amount *qiwi.Amount) reconcile.State {
	s := reconcile.State{Found: true}
	if status != nil {
		s.Status = string(status.Value)
	}
	if amount != nil {
		s.Amount, s.Currency = amount.Value.String(), string(amount.Currency)
	}
	return s
}

// Payment implements reconcile.API.
func (c *clientAPI) Payment(ctx context.Context, siteID, paymentID string) (reconcile.State, error) {
	cl, err := c.client(siteID)
	if err != nil {
		return reconcile.State{}, err
	}
	p, err := cl.GetPayment(ctx, paymentID)
	if errors.Is(err, qiwi.ErrNotFound) {
		return reconcile.State{}, nil
	}
	if err != nil && !(errors.Is(err, qiwi.ErrDeclined) && p != nil) { // a decline is a state
		return reconcile.State{}, err
	}
	return state(p.Status, p.Amount), nil
}

// Refund implements reconcile.API.
func (c *clientAPI) Refund(ctx context.Context, siteID, paymentID, refundID string) (reconcile.State, error) {
	cl, err := c.client(siteID)
	if err != nil {
		return reconcile.State{}, err
	}
	r, err := cl.GetRefund(ctx, paymentID, refundID)
	if errors.Is(err, qiwi.ErrNotFound) {
		return reconcile.State{}, nil
	}
	if err != nil && !(errors.Is(err, qiwi.ErrDeclined) && r != nil) { // a decline is a state
		return reconcile.State{}, err
	}
	return state(&r.Status, r.Amount), nil
}

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
	var reports listFlag
	fs.Var(&reports, "report", "QIWI's daily report `FILE` (.csv or the .zip QIWI mails); repeat for several")
	ledgerPath := fs.String("ledger", "", "the merchant's ledger `FILE`: CSV with a header row, or JSON Lines")
	columns := fs.String("ledger-columns", "", "the ledger's own names for its columns, as `NAME=COLUMN,...` (paymentId=order_id,amount=total)")
	format := fs.String("format", "text", "output `FORMAT`: text, csv or json (JSON Lines)")
	encoding := fs.String("encoding", "", "report `ENCODING`: utf-8 or windows-1251 (default: detected)")
	strict := fs.Bool("strict", false, "stop at the first report row that cannot be read (exit 2)")
	useAPI := fs.Bool("api", false, "also check each payment and refund against QIWI's state through the API (key in $QIWI_API_KEY)")
	apiURL := fs.String("api-url", "", "the API's scheme and host, as `URL` (default: QIWI's); a sandbox's address, for one")
	apiRate := fs.Float64("api-rate", 5, "at most `N` API calls a second")
	apiCache := fs.String("api-cache", "", "keep the final states fetched in this bbolt `FILE`, so a rerun does not fetch them again")
	rest, status, ok := parseArgs(fs, args, stdout, stderr)
	if !ok {
		return status
	}
	fail := failer(stderr, "reconcile")
	// Reports may also be given as arguments.
	reports = append(reports, rest...)
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
	if *useAPI {
		key := os.Getenv("QIWI_API_KEY")
		if key == "" {
			return fail(errors.New("--api needs the API key in $QIWI_API_KEY"))
		}
		cached, err := reconcile.NewCachedAPI(&clientAPI{key: key, baseURL: *apiURL, clients: map[string]*qiwi.Client{}}, *apiRate, *apiCache)
		if err != nil {
			return fail(err)
		}
		defer cached.Close()
		rec.WithAPI(context.Background(), cached)
	}
	bad := rec.Bad
	if *strict {
		bad = func(e *reconcile.RowError) error { return e }
	}
	watch, done := progressBars(stderr)
	for _, path := range reports {
		if err := rec.ReadReport(path, reconcile.Encoding(strings.ToLower(*encoding)), watch, bad); err != nil {
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
