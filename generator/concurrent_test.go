package generator

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Run may be called concurrently: oapi-codegen keeps package-global state, which Run guards.
// Two runs at once, with configurations that set that state differently (another package
// name, other operations), produce what each produces alone; under -race, the detector
// reports any access Run leaves unguarded.
func TestRunConcurrently(t *testing.T) {
	qiwi := bundledConfig(t, t.TempDir())
	other := bundledConfig(t, t.TempDir())
	other.PackageName = "payments"
	other.IncludeOperations = []string{"getPayment"}
	want := make([]*Output, 2)
	for i, cfg := range []Config{qiwi, other} {
		out, err := Run(context.Background(), cfg)
		require.NoError(t, err)
		want[i] = out
	}
	got := make([]*Output, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, cfg := range []Config{qiwi, other} {
		wg.Go(func() { got[i], errs[i] = Run(context.Background(), cfg) })
	}
	wg.Wait()
	for i := range got {
		require.NoError(t, errs[i])
		assert.Equal(t, want[i].Resolved, got[i].Resolved, "run %d", i)
		assert.Equal(t, want[i].Files, got[i].Files, "run %d", i)
	}
	assert.NotEqual(t, want[0].Files["client.gen.go"], want[1].Files["client.gen.go"], "the two configurations differ")
}
