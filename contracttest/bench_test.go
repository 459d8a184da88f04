package contracttest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/replay"
)

// BenchmarkReplayScaling replays the doc corpus at 1x, 10x and 100x its size in every
// iteration and reports interactions per second at each size, and the cost of one
// interaction at 10x and 100x against 1x (1.0 is perfectly linear). Every size pays the
// same clock readings; nothing else is inside the timed loop.
func BenchmarkReplayScaling(b *testing.B) {
	base := docFixtures(b)
	j := theJudge(b)
	ctx := context.Background()
	sizes := []int{1, 10, 100}
	corpora := make(map[int][]fixture.Interaction, len(sizes))
	for _, n := range sizes {
		for range n {
			corpora[n] = append(corpora[n], base...)
		}
	}
	// One replay first, so the 1x baseline does not carry the first use's costs (the
	// replay signing key, lazily built routes).
	replay.Run(ctx, j, base, false)
	spent := make(map[int]time.Duration, len(sizes))
	for b.Loop() {
		for _, n := range sizes {
			start := time.Now()
			replay.Run(ctx, j, corpora[n], false)
			spent[n] += time.Since(start)
		}
	}
	perInteraction := func(n int) float64 {
		return spent[n].Seconds() / float64(b.N*len(corpora[n]))
	}
	for _, n := range sizes {
		b.ReportMetric(1/perInteraction(n), fmt.Sprintf("interactions/s@%dx", n))
	}
	b.ReportMetric(perInteraction(10)/perInteraction(1), "cost-10x/1x")
	b.ReportMetric(perInteraction(100)/perInteraction(1), "cost-100x/1x")
}
