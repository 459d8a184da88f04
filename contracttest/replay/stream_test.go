package replay

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/spec"
)

// corpus yields n interactions, every third one failing, and counts how many it has yielded.
func corpus(n int, yielded *atomic.Int64, failAt int) iter.Seq2[fixture.Interaction, error] {
	return func(yield func(fixture.Interaction, error) bool) {
		for i := range n {
			if i == failAt {
				yield(fixture.Interaction{}, errors.New("broken file"))
				return
			}
			body := `{"paymentId":"p","status":{"value":"COMPLETED"}}`
			if i%3 == 2 {
				body = `{"paymentId":5}`
			}
			yielded.Add(1)
			if !yield(fixture.Interaction{Name: fmt.Sprintf("call %d", i), Kind: fixture.API,
				Request:  fixture.Request{Method: http.MethodGet, URL: "/partner/payin/v1/sites/s/payments/p", Header: http.Header{"Authorization": {"Bearer k"}}},
				Response: &fixture.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}}, nil) {
				return
			}
		}
	}
}

// Stream hands results on in the corpus's order whatever the workers, judged as Run judges
// them, with at most 4×workers interactions read ahead of the one handed on: memory does not
// grow with the corpus. A read error ends it after the results before it; so does an error
// of emit.
func TestStream(t *testing.T) {
	j, err := verdict.New(spec.Resolved)
	require.NoError(t, err)
	ctx := context.Background()
	const n, workers = 60, 3
	var yielded atomic.Int64
	var emitted, ahead int
	var names []string
	var failed int
	err = Stream(ctx, j, corpus(n, &yielded, -1), workers, func(res verdict.Result) error {
		emitted++
		ahead = max(ahead, int(yielded.Load())-emitted)
		names = append(names, res.Interaction.Name)
		if !res.Passed(false) {
			failed++
		}
		return nil
	})
	require.NoError(t, err)
	require.Len(t, names, n)
	for i, name := range names {
		assert.Equal(t, fmt.Sprintf("call %d", i), name)
	}
	assert.Equal(t, n/3, failed)
	assert.LessOrEqual(t, ahead, 4*workers+2, "interactions read ahead")

	yielded.Store(0)
	emitted = 0
	err = Stream(ctx, j, corpus(n, &yielded, 7), workers, func(verdict.Result) error { emitted++; return nil })
	assert.EqualError(t, err, "broken file")
	assert.Equal(t, 7, emitted)

	stop := errors.New("disk full")
	yielded.Store(0)
	emitted = 0
	err = Stream(ctx, j, corpus(n, &yielded, -1), workers, func(verdict.Result) error {
		emitted++
		if emitted == 5 {
			return stop
		}
		return nil
	})
	assert.ErrorIs(t, err, stop)
	assert.Less(t, int(yielded.Load()), n, "reading stops too")
}
