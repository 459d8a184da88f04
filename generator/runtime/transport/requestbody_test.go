package transport

import (
	"encoding/json"
	"testing"

	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustMoney(t *testing.T, wire string) wiretype.Money {
	t.Helper()
	var m wiretype.Money
	require.NoError(t, json.Unmarshal([]byte(wire), &m))
	return m
}

// Amounts go out as numbers with two fraction digits, whatever form they arrived in; one
// that is not positive is refused.
func TestRequestMoney(t *testing.T) {
	for wire, want := range map[string]string{`5`: `5.00`, `"6.77"`: `6.77`, `0.5`: `0.50`, `"3"`: `3.00`} {
		m, err := RequestMoney(mustMoney(t, wire))
		require.NoError(t, err)
		out, err := json.Marshal(m)
		require.NoError(t, err)
		assert.Equal(t, want, string(out), wire)
	}
	for _, bad := range []wiretype.Money{wiretype.NewMoneyFromMinor(0), wiretype.NewMoneyFromMinor(-100)} {
		_, err := RequestMoney(bad)
		assert.ErrorIs(t, err, ErrArgument, bad.String())
	}
}

// Timestamps go out with an explicit offset and the same instant; one never set is refused.
func TestRequestTimestamp(t *testing.T) {
	for wire, want := range map[string]string{
		`"2024-03-20T16:29:58.963"`:      `"2024-03-20T16:29:58.963+03:00"`,
		`"2024-03-20T16:29:58+03"`:       `"2024-03-20T16:29:58+03:00"`,
		`"2024-03-20T13:29:58Z"`:         `"2024-03-20T13:29:58+00:00"`,
		`"2024-03-20T16:29:58.1+03:00"`:  `"2024-03-20T16:29:58.1+03:00"`,
		`"2024-03-20T16:29:58.120+0300"`: `"2024-03-20T16:29:58.12+03:00"`,
	} {
		var ts wiretype.Timestamp
		require.NoError(t, json.Unmarshal([]byte(wire), &ts))
		got, err := RequestTimestamp(ts)
		require.NoError(t, err)
		out, err := json.Marshal(got)
		require.NoError(t, err)
		assert.Equal(t, want, string(out), wire)
		assert.True(t, got.Time().Equal(ts.Time()), "the instant is unchanged")
	}
	_, err := RequestTimestamp(wiretype.Timestamp{})
	assert.ErrorIs(t, err, ErrArgument)
}
