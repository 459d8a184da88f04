package main

import (
	"context"
	"crypto"
	"errors"
	"flag"
	"io"
	"strings"
	"time"

	"github.com/qiwigen/qiwigen/contracttest/probe"
)

// runProbe probes a live endpoint: the flows the spec declares, judged; exit 1 on a failure.
func runProbe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	baseURL := fs.String("base-url", "", "where the API answers, a `URL` as the client's WithBaseURL takes it (the sandbox: http://127.0.0.1:PORT; /partner is added); required")
	var keys, payoutKeys listFlag
	fs.Var(&keys, "key", "the API key of a siteId, as `SITE=KEY`; repeat for several (the first siteId in name order is probed)")
	fs.Var(&payoutKeys, "payout-key", "the RSA private key (PEM) that signs a site's payouts, as `SITE=FILE`")
	notifySecret := fs.String("notify-secret", "", "notification key `SECRET` that verifies the notifications received")
	callbackListen := fs.String("callback-listen", "", "receive notifications on `HOST:PORT` (needs --notify-secret)")
	callbackURL := fs.String("callback-url", "", "the callbackUrl `URL` requests carry (default: http://HOST:PORT/ of --callback-listen)")
	operations := fs.String("operations", "", "only flows that call one of these operationIds, and their negative requests: a comma-separated `LIST`")
	seed := fs.Uint64("seed", 0, "`N` makes the requests: the same seed sends the same requests (0: from the clock, printed)")
	maxRequests := fs.Int("max-requests", 1000, "send at most `N` requests")
	duration := fs.Duration("duration", 5*time.Minute, "stop after `D`")
	notifyWait := fs.Duration("notify-wait", 30*time.Second, "report a notification a flow's step causes missing when it has not arrived `D` after the step (with --callback-listen)")
	negative := fs.Bool("negative", false, "also send requests the spec refuses, expecting QIWI's error with a 4xx")
	harPath := fs.String("har", "", "write the flows' exchanges, scrubbed, as a HAR `FILE` that replay reads")
	junit := fs.String("junit", "", "also write JUnit XML to this `FILE`")
	markdown := fs.String("markdown", "", "also write a Markdown summary to this `FILE`")
	asJSON := fs.Bool("json", false, "write the results as JSON instead of text")
	rest, status, ok := parseArgs(fs, args, stdout, stderr)
	if !ok {
		return status
	}
	fail := failer(stderr, "probe")
	if len(rest) > 0 {
		return noArguments(stderr, "probe", rest, func(arg string) string {
			if strings.HasPrefix(arg, "http") && *baseURL == "" {
				return "--base-url"
			}
			return ""
		})
	}
	if *baseURL == "" {
		return fail(errors.New("--base-url URL is required"))
	}
	opts := probe.Options{BaseURL: *baseURL, NotifySecret: *notifySecret, CallbackListen: *callbackListen, CallbackURL: *callbackURL,
		Seed: *seed, MaxRequests: *maxRequests, Duration: *duration, Negative: *negative, NotifyWait: *notifyWait}
	var err error
	if opts.Keys, err = siteKeys("key", keys); err != nil {
		return fail(err)
	}
	if len(opts.Keys) == 0 {
		return fail(errors.New("--key SITE=KEY is required"))
	}
	if opts.PayoutKeys, err = siteKeyFiles("payout-key", payoutKeys, parseSigner); err != nil {
		return fail(err)
	}
	if *operations != "" {
		for _, op := range strings.Split(*operations, ",") {
			if op = strings.TrimSpace(op); op != "" {
				opts.Operations = append(opts.Operations, op)
			}
		}
	}
	if *maxRequests <= 0 {
		return fail(errors.New("--max-requests must be positive"))
	}
	if *duration <= 0 {
		return fail(errors.New("--duration must be positive"))
	}
	if *notifyWait <= 0 {
		return fail(errors.New("--notify-wait must be positive"))
	}
	if opts.Seed == 0 {
		opts.Seed = uint64(time.Now().UnixNano())
	}
	report, err := probe.Run(ctx, opts)
	if err != nil {
		return fail(err)
	}
	if *asJSON {
		err = report.WriteJSON(stdout)
	} else {
		err = report.WriteText(stdout)
	}
	if err != nil {
		return fail(err)
	}
	if *harPath != "" {
		if err := writeTo(*harPath, report.WriteHAR); err != nil {
			return fail(err)
		}
	}
	if *junit != "" {
		if err := writeTo(*junit, report.WriteJUnit); err != nil {
			return fail(err)
		}
	}
	if *markdown != "" {
		if err := writeTo(*markdown, report.WriteMarkdown); err != nil {
			return fail(err)
		}
	}
	if !report.OK() {
		return 1
	}
	return 0
}

// parseSigner reads a payout key (probe.ParsePayoutKey) as the signer the probe takes.
func parseSigner(data []byte) (crypto.Signer, error) {
	key, err := probe.ParsePayoutKey(data)
	if err != nil {
		return nil, err
	}
	return key, nil
}
