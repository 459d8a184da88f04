package suggest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qiwigen/qiwigen/generator/suggest"
)

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"kitten", "sitting", 3}, {"getpaymnet", "getpayment", 2}, {"same", "same", 0}} {
		assert.Equal(t, c.want, suggest.Distance(c.a, c.b), "%q %q", c.a, c.b)
	}
}

func TestClosest(t *testing.T) {
	known := []string{"getPayment", "getRefund", "createPayment", "update", "remove"}
	assert.Equal(t, []string{"getPayment"}, suggest.Closest("getPaymnet", known, 1))
	assert.Equal(t, []string{"getPayment", "createPayment"}, suggest.Closest("GETPAYMENTS", known, 2), "case ignored, nearest first; getRefund is too far")
	assert.Equal(t, []string{"update", "remove"}, suggest.Closest("remdate", known, 2), "nearest first")
	assert.Equal(t, []string{"update"}, suggest.Closest("udpate", known, 3))
	assert.Empty(t, suggest.Closest("zzzzzzzzzz", known, 3), "nothing near")
	assert.Empty(t, suggest.Closest("getPayment", nil, 1))
}
