package reconcile

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLedgerIndexWithCollidingHashes: keys whose hashes collide (here, all of them) are still
// told apart, in ledger order, and only a repeated key is a duplicate.
func TestLedgerIndexWithCollidingHashes(t *testing.T) {
	ledger := []string{"a", "b", "", "a", "c", "b", "a"}
	for name, hash := range map[string]func(string) uint64{
		"all collide":   func(string) uint64 { return 7 },
		"by first byte": func(k string) uint64 { return uint64(k[0]) },
		"two hashes":    func(k string) uint64 { return uint64(k[0] % 2) },
	} {
		t.Run(name, func(t *testing.T) {
			var dups [][2]int
			x := buildLedgerIndex(len(ledger), func(i int) string { return ledger[i] }, hash, func(i, j int) { dups = append(dups, [2]int{i, j}) })
			entries := func(k string) []int {
				var out []int
				x.each(k, func(i int) bool { out = append(out, i); return true })
				return out
			}
			assert.Equal(t, []int{0, 3, 6}, entries("a"))
			assert.Equal(t, []int{1, 5}, entries("b"))
			assert.Equal(t, []int{4}, entries("c"))
			assert.Empty(t, entries("d"))
			assert.Empty(t, entries(""), "an empty key is never indexed")
			assert.Equal(t, [][2]int{{3, 0}, {5, 1}, {6, 0}, {6, 3}}, dups)

			var first []int
			x.each("a", func(i int) bool { first = append(first, i); return false })
			assert.Equal(t, []int{0}, first, "each stops when visit returns false")
		})
	}
}

// TestLedgerIndexReadsOnlyKeysOfItsTag: keys whose hashes share a run of slots but differ in
// their low bits are passed over without reading their keys (each a read from a random place
// of a large ledger); keys whose low bits agree are still told apart by their key.
func TestLedgerIndexReadsOnlyKeysOfItsTag(t *testing.T) {
	ledger := []string{"a", "b", "c", "d", "a", "e"}
	// Every key on one run; "e" has the low bits of "a".
	hash := func(k string) uint64 {
		low := uint64(k[0])
		if k == "e" {
			low = 'a'
		}
		return 7<<56 | low
	}
	x := buildLedgerIndex(len(ledger), func(i int) string { return ledger[i] }, hash, func(int, int) {})
	read := 0
	x.key = func(i int) string { read++; return ledger[i] }
	var found []int
	x.each("a", func(i int) bool { found = append(found, i); return true })
	assert.Equal(t, []int{0, 4}, found)
	assert.Equal(t, 3, read, "the keys of a, a and e, not those of b, c and d")
	read = 0
	x.each("f", func(int) bool { return true })
	assert.Zero(t, read, "no key shares f's tag")
}

// TestIDLines: the first line of each transaction ID is remembered past the table's first
// size, for numbers of every size (the largest uint64 among them, kept as a string) and for
// IDs that are not numbers or do not read back as one.
func TestIDLines(t *testing.T) {
	s := newIDLines(1)
	ids := []string{"1", "18446744073709551614", "18446744073709551615", "0", "01", "+1", "x", "4294967295", "4294967296"}
	for i := range 100 {
		ids = append(ids, strconv.Itoa(1_000_000+i))
	}
	for i, id := range ids {
		assert.Zero(t, s.get(id), id)
		assert.Zero(t, s.first(id, i+2), id)
	}
	for i, id := range ids {
		assert.Equal(t, i+2, s.first(id, 1000), id)
		assert.Equal(t, i+2, s.get(id), id)
	}
	assert.Equal(t, len(ids), s.len())
	assert.Zero(t, s.get("2"))
}
