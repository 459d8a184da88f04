package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/replay"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
)

// runAgainst sends the recorded requests of paths, one at a time and in order, to the live
// target and lists where its answers differ from the recorded ones; exit 1 when one does.
// QIWI_API_KEY, when set, is the key sent (never printed).
func runAgainst(ctx context.Context, judge *verdict.Judge, base string, paths []string, strict bool, stdout, stderr io.Writer) int {
	target, err := replay.NewTarget(base, os.Getenv("QIWI_API_KEY"), judge, strict, nil)
	if err != nil {
		fmt.Fprintf(stderr, "qiwicontract replay: --against: %v\n", err)
		return 2
	}
	fail := failer(stderr, "")
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	var same, differ, skipped int
	for in, err := range fixture.Each(paths...) {
		if err != nil {
			out.Flush()
			return fail(err)
		}
		c := target.Compare(ctx, in)
		switch {
		case c.Skipped != "":
			skipped++
		case c.Differs():
			differ++
		default:
			same++
		}
		if err := replay.WriteComparison(out, c); err != nil {
			return fail(err)
		}
	}
	if same+differ+skipped == 0 {
		out.Flush()
		return noInteractions(stderr, paths)
	}
	fmt.Fprintf(out, "%d same, %d differ, %d skipped\n", same, differ, skipped)
	if differ > 0 {
		return 1
	}
	return 0
}
