package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/qiwigen/qiwigen/contracttest/proxy"
	"github.com/qiwigen/qiwigen/contracttest/replay"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/spec"
)

// runProxy forwards to the upstream until ctx ends or SIGTERM or SIGINT arrives, judging every
// exchange; then it drains in-flight requests, writes the summary, the HAR and the JUnit
// report, and exits 1 when an exchange failed (or none passed through), 0 otherwise.
func runProxy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8081", "the address to listen on, as `HOST:PORT`")
	upstream := fs.String("upstream", "", "forward every request to this absolute http(s) `URL` (QIWI, the sandbox) (required)")
	harPath := fs.String("har", "", "write the exchanges, scrubbed, as a HAR 1.2 `FILE` that replay reads")
	strict := fs.Bool("strict", false, "undocumented fields fail instead of warn")
	junit := fs.String("junit", "", "also write JUnit XML to this `FILE`")
	rest, status, ok := parseArgs(fs, args, stdout, stderr)
	if !ok {
		return status
	}
	fail := failer(stderr, "proxy")
	if len(rest) > 0 {
		return noArguments(stderr, "proxy", rest, func(arg string) string {
			switch {
			case strings.Contains(arg, "://"):
				return "--upstream"
			case strings.Contains(arg, ":"):
				return "--listen"
			}
			return ""
		})
	}
	if *upstream == "" {
		return fail(errors.New("--upstream URL is required"))
	}
	judge, err := verdict.New(spec.Resolved)
	if err != nil {
		return fail(err)
	}
	p, err := proxy.New(ctx, proxy.Options{Upstream: *upstream, Judge: judge, Strict: *strict, Log: stdout})
	if err != nil {
		return fail(fmt.Errorf("--upstream: %w", err))
	}
	if err := serve(ctx, "proxy", *listen, p, stdout); err != nil {
		p.Close()
		return fail(err)
	}
	report := p.Close()
	passed, failed, defects := report.Counts()
	if err := replay.WriteTotals(stdout, passed, failed, defects); err != nil {
		return fail(err)
	}
	if *harPath != "" {
		if err := writeTo(*harPath, func(w io.Writer) error { return proxy.WriteHAR(w, *upstream, report) }); err != nil {
			return fail(err)
		}
	}
	if *junit != "" {
		if err := writeTo(*junit, report.WriteJUnit); err != nil {
			return fail(err)
		}
	}
	if len(report.Results) == 0 {
		fmt.Fprintln(stdout, "qiwicontract proxy: no exchange passed through: nothing was checked")
		return 1
	}
	if !report.OK() {
		return 1
	}
	return 0
}
