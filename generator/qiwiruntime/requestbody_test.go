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

	canonical, err := RequestBody(req)
	require.NoError(t, err)
	out, err := json.Marshal(canonical)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"amount": {"value": 6.77, "currency": "RUB"},
		"expirationDateTime": "2024-03-20T16:29:58.963+03:00",
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
	same, err := RequestBody(plain{A: "x"})
	require.NoError(t, err)
	assert.Equal(t, plain{A: "x"}, same)
	var empty struct {
		Amount *testAmount `json:"amount,omitempty"`
	}
	none, err := RequestBody(empty)
	require.NoError(t, err)
	assert.Nil(t, none.Amount, "an absent amount is no amount to check")
}

// A request never carries an amount that is not positive, nor a timestamp never set.
func TestRequestBodyRefusesWhatQIWIRefuses(t *testing.T) {
	for name, req := range map[string]testRequest{
		"zero amount":     {Amount: &testAmount{Value: NewMoneyFromMinor(0), Currency: "RUB"}, Fixed: [1]Money{NewMoneyFromMinor(1)}},
		"negative amount": {Amount: &testAmount{Value: NewMoneyFromMinor(-100), Currency: "RUB"}, Fixed: [1]Money{NewMoneyFromMinor(1)}},
		"negative split":  {Splits: []testSplit{{Amount: testAmount{Value: NewMoneyFromMinor(-1)}}}, Fixed: [1]Money{NewMoneyFromMinor(1)}},
		"zero timestamp":  {Expiration: &Timestamp{}, Fixed: [1]Money{NewMoneyFromMinor(1)}},
	} {
		_, err := RequestBody(req)
		assert.ErrorIs(t, err, ErrArgument, name)
	}
	_, err := RequestBody(testRequest{Fixed: [1]Money{NewMoneyFromMinor(1)}})
	assert.NoError(t, err)
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
	out, err := RequestBody(n)
	require.NoError(t, err)
	assert.Equal(t, "5.00", out.Amount.WireText())
	assert.Equal(t, "5.00", out.Next.Amount.WireText())
	assert.Equal(t, "5", n.Amount.WireText(), "the original is unchanged")
}
