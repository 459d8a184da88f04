package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/qiwigen/qiwigen/contracttest/reconcile"
	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/runtime/redact"
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

// scrubber takes the API key and any Authorization value out of text that came from the
// API (its errors, the states it answers), in case the server repeats them.
type scrubber struct{ key string }

// authValue is an Authorization header's value, or a bearer token, in any text.
var authValue = regexp.MustCompile(`(?i)(authorization["']?\s*[:=]\s*["']?(?:bearer\s+|basic\s+|token\s+)?|bearer\s+)[^\s"',;]+`)

// text is t without the key (written as redact.Redact writes it) or an Authorization value.
func (s scrubber) text(t string) string {
	if s.key != "" {
		t = strings.ReplaceAll(t, s.key, redact.Redact(s.key))
	}
	return authValue.ReplaceAllString(t, "${1}***")
}

// err is e with its message scrubbed; errors.Is and errors.As still see what it wraps.
func (s scrubber) err(e error) error {
	if e == nil {
		return nil
	}
	return &scrubbedError{msg: s.text(e.Error()), err: e}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrubbedAPI is an API whose errors and states are scrubbed before anything prints, logs or
// caches them.
type scrubbedAPI struct {
	api reconcile.API
	s   scrubber
}

func (a scrubbedAPI) state(st reconcile.State, err error) (reconcile.State, error) {
	st.Status, st.Amount, st.Currency = a.s.text(st.Status), a.s.text(st.Amount), a.s.text(st.Currency)
	return st, a.s.err(err)
}

// Payment implements reconcile.API.
func (a scrubbedAPI) Payment(ctx context.Context, siteID, paymentID string) (reconcile.State, error) {
	return a.state(a.api.Payment(ctx, siteID, paymentID))
}

// Refund implements reconcile.API.
func (a scrubbedAPI) Refund(ctx context.Context, siteID, paymentID, refundID string) (reconcile.State, error) {
	return a.state(a.api.Refund(ctx, siteID, paymentID, refundID))
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
	format := fs.String("format", "text", "output `FORMAT`: text (control characters escaped), csv (no cell starts a formula: = + - @ get a leading ') or json (JSON Lines)")
	encoding := fs.String("encoding", "", "report `ENCODING`: utf-8 or windows-1251 (default: detected)")
	strict := fs.Bool("strict", false, "stop at the first report row that cannot be read (exit 2)")
	useAPI := fs.Bool("api", false, "also check each payment and refund against QIWI's state through the API (key in $QIWI_API_KEY, never printed)")
	apiURL := fs.String("api-url", "", "the API's scheme and host, as `URL` (default: QIWI's); a sandbox's address, for one")
	apiRate := fs.Float64("api-rate", 5, "at most `N` API calls a second")
	apiCache := fs.String("api-cache", "", "keep the final states fetched in this bbolt `FILE`, so a rerun does not fetch them again")
	maxEntry := fs.Int64("max-entry", reconcile.DefaultEntryLimit>>20, "refuse, before expanding it, a zip report whose .csv entry would expand past `MIB` MiB")
	maxArchive := fs.Int64("max-archive", reconcile.DefaultArchiveLimit>>20, "refuse, before expanding it, a zip report whose .csv entries would expand past `MIB` MiB together")
	rest, status, ok := parseArgs(fs, args, stdout, stderr)
	if !ok {
		return status
	}
	// Errors may quote the report, the ledger or the API: written Printable, and without the
	// API key.
	scrub := scrubber{key: os.Getenv("QIWI_API_KEY")}
	fail := func(err error) int {
		return failer(stderr, "reconcile")(errors.New(reconcile.Printable(scrub.text(err.Error()))))
	}
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
	const mib = 1 << 20
	for _, f := range []struct {
		name  string
		value int64
	}{{"--max-entry", *maxEntry}, {"--max-archive", *maxArchive}} {
		if f.value <= 0 || f.value > 1<<40/mib {
			return fail(fmt.Errorf("%s %d: want a number of MiB from 1 to %d", f.name, f.value, 1<<40/mib))
		}
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
	rec := reconcile.New(ledger).WithLimits(reconcile.Limits{Entry: *maxEntry * mib, Archive: *maxArchive * mib})
	if *useAPI {
		key := scrub.key
		if key == "" {
			return fail(errors.New("--api needs the API key in $QIWI_API_KEY"))
		}
		api := scrubbedAPI{api: &clientAPI{key: key, baseURL: *apiURL, clients: map[string]*qiwi.Client{}}, s: scrub}
		cached, err := reconcile.NewCachedAPI(api, *apiRate, *apiCache)
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
