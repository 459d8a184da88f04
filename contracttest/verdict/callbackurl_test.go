package verdict_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

// callbackUrl is an absolute URL (format: uri), as QIWI's notification pages say: a relative
// one is refused, naming the member, as the sandbox refuses it; an absolute one passes.
func TestCallbackURLIsAbsolute(t *testing.T) {
	j := judge(t)
	path := "/partner/payin/v1/sites/s-1/payments/p-1/refunds/r-1"
	r := j.Judge(context.Background(), refund(path, `{"amount":{"value":5.00,"currency":"RUB"},"callbackUrl":"callbacks/refund"}`))
	assert.False(t, r.Passed(false), messages(r))
	assert.Contains(t, messages(r), "/callbackUrl")
	r = j.Judge(context.Background(), refund(path, `{"amount":{"value":5.00,"currency":"RUB"},"callbackUrl":"https://example.com/callbacks"}`))
	assert.True(t, r.Passed(true), messages(r))
}
