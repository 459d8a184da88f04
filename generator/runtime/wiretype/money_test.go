package wiretype

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in    string
		minor int64
		str   string
		err   bool
	}{
		{"200", 20000, "200.00", false},
		{"200.5", 20050, "200.50", false},
		{"3.00", 300, "3.00", false},
		{"0.02", 2, "0.02", false},
		{"-3.1", -310, "-3.10", false},
		{"1.230", 123, "1.23", false}, // trailing zeros are not precision
		{"1.005", 0, "", true},        // refused, never rounded
		{"", 0, "", true},
		{"1e3", 0, "", true},
		{"1.", 0, "", true},
		{".5", 0, "", true},
		{"12a", 0, "", true},
		{"92233720368547758.07", 9223372036854775807, "92233720368547758.07", false},
		{"92233720368547759", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := ParseMoney(tt.in)
			if tt.err {
				assert.ErrorIs(t, err, ErrInvalidMoney)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.minor, m.Minor())
			assert.Equal(t, tt.str, m.String())
		})
	}
}

func TestMoneyJSON(t *testing.T) {
	tests := []struct {
		name, in, str, out string
	}{
		{"response string", `"3.00"`, "3.00", `"3.00"`},
		{"notification whole number", `5`, "5.00", `5`},
		{"notification fraction", `0.2`, "0.20", `0.2`},
		{"request number with two digits", `200.00`, "200.00", `200.00`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Money
			require.NoError(t, json.Unmarshal([]byte(tt.in), &m))
			assert.Equal(t, tt.str, m.String())
			out, err := json.Marshal(m)
			require.NoError(t, err)
			assert.Equal(t, tt.out, string(out), "re-encoding keeps the wire text")
			canon, err := json.Marshal(m.Canonical())
			require.NoError(t, err)
			assert.Equal(t, tt.str, string(canon), "canonical form has two fraction digits")
		})
	}
	for _, bad := range []string{`"1.005"`, `1.005`, `null`, `"x"`, `true`, `{}`, `"1e2"`, `1e2`} {
		var m Money
		assert.ErrorIs(t, json.Unmarshal([]byte(bad), &m), ErrInvalidMoney, bad)
	}
	built, err := json.Marshal(NewMoneyFromMinor(250))
	require.NoError(t, err)
	assert.Equal(t, `2.50`, string(built), "amounts built in code carry two fraction digits")
}

func TestMoneyArithmetic(t *testing.T) {
	a, _ := ParseMoney("10.10")
	b, _ := ParseMoney("0.20")
	assert.Equal(t, "10.30", a.Add(b).String())
	assert.Equal(t, "9.90", a.Sub(b).String())
	assert.Equal(t, "-9.90", b.Sub(a).String())
	assert.Equal(t, 1, a.Cmp(b))
	assert.Equal(t, -1, b.Cmp(a))
	assert.Equal(t, 0, a.Cmp(a))
	var five, fiveStr Money
	require.NoError(t, json.Unmarshal([]byte(`5`), &five))
	require.NoError(t, json.Unmarshal([]byte(`"5.00"`), &fiveStr))
	assert.True(t, five.Equal(fiveStr), "equality is by value, whatever the wire form")
	assert.True(t, Money{}.IsZero())
	assert.Equal(t, "0.00", Money{}.String())
}

func FuzzMoney(f *testing.F) {
	for _, s := range []string{`"3.00"`, `5`, `0.2`, `200.00`, `"-1.5"`, `1.005`, `"92233720368547758.07"`, `1e3`, `""`, `"0"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var m Money
		if err := json.Unmarshal([]byte(in), &m); err != nil {
			return
		}
		// Whatever decodes re-encodes to the same value and the same wire text...
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal %q: %v", in, err)
		}
		var back Money
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decode %s (from %q): %v", out, in, err)
		}
		if !back.Equal(m) || back.WireText() != m.WireText() {
			t.Fatalf("%q -> %s -> %v", in, out, back)
		}
		// ...and its canonical text parses to the same value.
		p, err := ParseMoney(m.String())
		if err != nil || !p.Equal(m) {
			t.Fatalf("String %q of %q does not parse back: %v", m.String(), in, err)
		}
	})
}
