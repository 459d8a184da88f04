package reconcile

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// TestShortAmountForms: the report's whole amounts ("25", a COMMISSION) and one-digit
// fractions ("1,5") are read the short way, without the long way's rewriting; what the short
// way cannot read it leaves to the long way.
func TestShortAmountForms(t *testing.T) {
	for s, minor := range map[string]int64{"25": 2500, "-3": -300, "0": 0, "1,5": 150, "-1.5": -150, "2165,46": 216546, "007,10": 710, "999999999999999,99": 99999999999999999} {
		m, ok := shortAmount(s)
		if assert.True(t, ok, s) {
			assert.Equal(t, minor, m.Minor(), s)
		}
	}
	for _, s := range []string{"", "-", "+1", ",5", "1,", "1,005", "1.5.0", "1 530,00", "12a", "1e5", "9999999999999999"} {
		_, ok := shortAmount(s)
		assert.False(t, ok, s)
	}
}

// FuzzShortAmount: whatever the short way reads, the long way reads alike.
func FuzzShortAmount(f *testing.F) {
	for _, s := range []string{"25", "-3", "1,5", "2165,46", "-10.00", "1,005", "+1", ",5", "007,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, ok := shortAmount(s)
		if !ok {
			return
		}
		want, err := wiretype.ParseMoney(strings.Replace(s, ",", ".", 1))
		if err != nil {
			t.Fatalf("%q: short %s, long %v", s, m, err)
		}
		if m != want {
			t.Fatalf("%q: short %s, long %s", s, m, want)
		}
	})
}
