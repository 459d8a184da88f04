package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/qiwigen/qiwigen/contracttest/sandbox"
)

// runSandbox serves the sandbox until ctx ends or SIGTERM or SIGINT arrives; in-flight
// requests are drained, then it exits 0.
func runSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "the address to listen on, as `HOST:PORT`")
	var keys listFlag
	fs.Var(&keys, "key", "the API key of a siteId, as `SITE=KEY`; repeat for several (none: any non-empty key)")
	notifySecret := fs.String("notify-secret", "", "notification key `SECRET`: sign and post notifications to each operation's callbackUrl")
	notifyURL := fs.String("notify-url", "", "post every notification to this absolute http(s) `URL` instead of the callbackUrl")
	timeScale := fs.Float64("time-scale", 1, "divide every wait by `F`: redeliveries, and the 3-second answers to expiry months 03 and 04 (60: a minute is a second)")
	faultsPath := fs.String("faults", "", "JSON `FILE` listing faults to inject (operation, nth|every|probability, status|drop|delay)")
	var payoutKeys listFlag
	fs.Var(&payoutKeys, "payout-key", "the public key (PEM, or its base64) that checks a site's payout signatures, as `SITE=FILE`; repeat for several")
	statePath := fs.String("state", "", "keep the state in this bbolt `FILE`: it survives restarts, and each answer is written to it first, so killing the process loses nothing answered; default in memory")
	stateFsync := fs.Bool("state-fsync", false, "with --state, also fsync each write before answering: what was answered survives a power loss or an OS crash too, at a few milliseconds a write")
	quiet := fs.Bool("quiet", false, "log nothing: by default each request (method, path, operationId, status, latency) and each notification delivery attempt is logged on stderr, never a key, card number, CVV, token or signature")
	rest, status, ok := parseArgs(fs, args, stdout, stderr)
	if !ok {
		return status
	}
	fail := failer(stderr, "sandbox")
	if len(rest) > 0 {
		return noArguments(stderr, "sandbox", rest, func(arg string) string {
			if strings.Contains(arg, ":") {
				return "--addr"
			}
			return ""
		})
	}
	keysBySite, err := siteKeys("key", keys)
	if err != nil {
		return fail(err)
	}
	payoutKeysBySite, err := siteKeyFiles("payout-key", payoutKeys, sandbox.ParsePayoutKey)
	if err != nil {
		return fail(err)
	}
	if *stateFsync && *statePath == "" {
		return fail(errors.New("--state-fsync needs --state FILE"))
	}
	if *timeScale <= 0 {
		return fail(errors.New("--time-scale must be positive"))
	}
	if *notifyURL != "" {
		if err := sandbox.CheckNotifyURL(*notifyURL); err != nil {
			return fail(fmt.Errorf("--notify-url: %w", err))
		}
	}
	var logger *slog.Logger
	if !*quiet {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	var faults []sandbox.Fault
	if *faultsPath != "" {
		if faults, err = sandbox.ReadFaults(*faultsPath); err != nil {
			return fail(err)
		}
	}
	sb, err := sandbox.New(sandbox.Options{Faults: faults, FaultSeed: uint64(time.Now().UnixNano()), Keys: keysBySite, NotifySecret: *notifySecret, NotifyURL: *notifyURL, TimeScale: *timeScale, StatePath: *statePath, StateFsync: *stateFsync, PayoutKeys: payoutKeysBySite, Logger: logger})
	if errors.Is(err, sandbox.ErrFaults) {
		return fail(fmt.Errorf("--faults %s: %w", *faultsPath, err))
	}
	if err != nil {
		return fail(err)
	}
	defer func() {
		if err := sb.Close(); err != nil {
			fmt.Fprintln(stderr, "qiwicontract sandbox:", err)
		}
	}()
	if err := serve(ctx, "sandbox", *addr, sb, stdout); err != nil {
		return fail(err)
	}
	fmt.Fprintln(stdout, "qiwicontract sandbox: stopped")
	return 0
}
