package qiwiruntime

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type testAmount struct {
	Value    Money  `json:"value"`
	Currency string `json:"currency"`
}

type testSplit struct {
	Amount testAmount `json:"amount"`
}

type testRequest struct {
	Amount     *testAmount           `json:"amount,omitempty"`
	Expiration *Timestamp            `json:"expirationDateTime,omitempty"`
	Splits     []testSplit           `json:"splits,omitempty"`
	Extra      map[string]Money      `json:"extra,omitempty"`
	Anything   any                   `json:"anything,omitempty"`
	Fixed      [1]Money              `json:"fixed"`
	Comment    string                `json:"comment,omitempty"`
	Nested     map[string]*testSplit `json:"nested,omitempty"`
}

func TestRequestBody(t *testing.T) {
	// Everything decoded, as a caller passes back what QIWI sent.
	var req testRequest
	require.NoError(t, json.Unmarshal([]byte(`{
		"amount": {"value": "6.77", "currency": "RUB"},
		"expirationDateTime": "2024-03-20T16:29:58.963",
		"splits": [{"amount": {"value": 5, "currency": "RUB"}}, {"amount": {"value": "0.5", "currency": "RUB"}}],
		"extra": {"fee": 1},
		"fixed": [2.1],
		"comment": "as is",
		"nested": {"a": {"amount": {"value": "3", "currency": "RUB"}}, "b": null}
	}`), &req))
	req.Anything = testAmount{Value: mustMoney(t, `"7"`)}
	before, err := json.Marshal(req)
	require.NoError(t, err)

	out, err := json.Marshal(RequestBody(req))
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"amount": {"value": 6.77, "currency": "RUB"},
		"expirationDateTime": "2024-03-20T16:29:58+03:00",
		"splits": [{"amount": {"value": 5.00, "currency": "RUB"}}, {"amount": {"value": 0.50, "currency": "RUB"}}],
		"extra": {"fee": 1.00},
		"anything": {"value": 7.00, "currency": ""},
		"fixed": [2.10],
		"comment": "as is",
		"nested": {"a": {"amount": {"value": 3.00, "currency": "RUB"}}, "b": null}
	}`, string(out))
	assert.Contains(t, string(out), `"value":5.00`, "two fraction digits on the wire, not only by value")
	assert.Contains(t, string(out), `"value":6.77`, "a number, not a string")

	after, err := json.Marshal(req)
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after), "the caller's body is left as it was")

	// Nothing to change: the body comes back as it is.
	type plain struct{ A string }
	assert.Equal(t, plain{A: "x"}, RequestBody(plain{A: "x"}))
	var empty testRequest
	got, err := json.Marshal(RequestBody(empty))
	require.NoError(t, err)
	assert.JSONEq(t, `{"fixed":[0.00]}`, string(got))
}

func mustMoney(t *testing.T, wire string) Money {
	t.Helper()
	var m Money
	require.NoError(t, json.Unmarshal([]byte(wire), &m))
	return m
}

// A cycle built by hand ends the copy at a bounded depth instead of exhausting the stack.
func TestRequestBodyCycle(t *testing.T) {
	type node struct {
		Amount Money
		Next   *node
	}
	n := &node{Amount: mustMoney(t, "5")}
	n.Next = n
	out := RequestBody(n)
	assert.Equal(t, "5.00", out.Amount.WireText())
	assert.Equal(t, "5.00", out.Next.Amount.WireText())
	assert.Equal(t, "5", n.Amount.WireText(), "the original is unchanged")
}
