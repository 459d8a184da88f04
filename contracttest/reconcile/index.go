package reconcile

import (
	"hash/maphash"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// idLines remembers the first report line of each transaction ID. QIWI's IDs are numbers, kept
// as integers in a table of their own (12 bytes a slot, half the slots empty: a lookup is one
// read from it, where a Go map reads its control word and then its slot); any other ID is
// kept as a string.
type idLines struct {
	seed    maphash.Seed
	numeric []idSlot // an ID sits at the first free slot from its hash's place on
	used    int      // the numeric slots full
	other   map[string]int32
}

// idSlot is a numeric ID plus one (0 for an empty slot), in two halves, and its line.
type idSlot struct{ lo, hi, line uint32 }

func newIDLines(hint int) *idLines {
	return &idLines{seed: maphash.MakeSeed(), numeric: make([]idSlot, tableSize(hint)), other: map[string]int32{}}
}

// tableSize is the number of slots of a table for n keys: twice n, at least 2.
func tableSize(n int) int { return 2 * max(n, 1) }

// place is where a key of hash h starts its search in a table of size slots.
func place(h uint64, size int) int {
	hi, _ := bits.Mul64(h, uint64(size))
	return int(hi)
}

// numericID is id as a number, if it is one that reads back as id (and not the largest
// uint64, which idSlot cannot hold).
func numericID(id string) (uint64, bool) {
	if id == "" || id[0] == '0' && len(id) > 1 || id[0] == '+' {
		return 0, false // leading zeros or a sign would not survive the round trip
	}
	n, err := strconv.ParseUint(id, 10, 64)
	return n, err == nil && n != math.MaxUint64
}

// slot is the slot of the numeric ID n: its own, or the empty one where it would go.
func (s *idLines) slot(n uint64) *idSlot {
	lo, hi := uint32(n+1), uint32((n+1)>>32)
	for j := place(maphash.Comparable(s.seed, n), len(s.numeric)); ; j = next(j, len(s.numeric)) {
		if sl := &s.numeric[j]; sl.lo == lo && sl.hi == hi || sl.lo == 0 && sl.hi == 0 {
			return sl
		}
	}
}

// get returns the line of id, 0 if unseen.
func (s *idLines) get(id string) int {
	if n, ok := numericID(id); ok {
		return int(int32(s.slot(n).line))
	}
	return int(s.other[id])
}

// first records line as the first of id, unless id was seen: it returns the line id was
// first seen at, 0 if it was not. The ID is read and looked up once for both.
func (s *idLines) first(id string, line int) int {
	if n, ok := numericID(id); ok {
		if 2*(s.used+1) > len(s.numeric) {
			s.grow()
		}
		sl := s.slot(n)
		if sl.lo != 0 || sl.hi != 0 {
			return int(int32(sl.line))
		}
		*sl = idSlot{lo: uint32(n + 1), hi: uint32((n + 1) >> 32), line: uint32(int32(line))}
		s.used++
		return 0
	}
	if prev, seen := s.other[id]; seen {
		return int(prev)
	}
	s.other[strings.Clone(id)] = int32(line) // a clone: the row's strings share the reader's line
	return 0
}

// grow doubles the numeric table.
func (s *idLines) grow() {
	old := s.numeric
	s.numeric = make([]idSlot, 2*len(old))
	for _, sl := range old {
		if sl.lo != 0 || sl.hi != 0 {
			*s.slot(uint64(sl.hi)<<32 | uint64(sl.lo) - 1) = sl
		}
	}
}

func (s *idLines) len() int { return s.used + len(s.other) }

// ledgerIndex finds the ledger entries of a key: a table of entry numbers (4 bytes a slot,
// half the slots empty) where an entry sits at the first free slot from its key's hash's
// place on. The entries of a key lie on its run of slots in ledger order, read until an
// empty slot. A slot's high bits, those the entry number leaves free (12 for a million
// entries), hold the low bits of its key's hash (its place comes from the high bits): the
// entries of other keys on the run are passed over mostly without reading their keys, each
// a read from a random place of the ledger. Entries whose hashes agree are told apart by
// their key. A Go map of the keys would hold each key's string header and hash besides,
// several times the table's 8 bytes an entry.
type ledgerIndex struct {
	hash  func(string) uint64
	key   func(entry int) string // "" for an entry without the key
	slots []uint32               // tag<<bits | entry+1, 0 for an empty slot; nil when no entry has the key
	bits  uint                   // the bits of a slot that hold entry+1; the rest hold the tag
}

// newLedgerIndex indexes the n entries whose key is not empty; dup is called for every entry
// whose key an earlier entry has (entry, earlier), in ledger order.
func newLedgerIndex(n int, key func(int) string, dup func(entry, earlier int)) *ledgerIndex {
	seed := maphash.MakeSeed()
	return buildLedgerIndex(n, key, func(k string) uint64 { return maphash.String(seed, k) }, dup)
}

// buildLedgerIndex is newLedgerIndex with its hash function given (a test gives one that
// collides).
func buildLedgerIndex(n int, key func(int) string, hash func(string) uint64, dup func(entry, earlier int)) *ledgerIndex {
	x := &ledgerIndex{hash: hash, key: key, bits: uint(bits.Len(uint(n)))}
	keyed := 0
	for i := range n {
		if key(i) != "" {
			keyed++
		}
	}
	if keyed == 0 { // nothing to find
		return x
	}
	x.slots = make([]uint32, tableSize(keyed))
	for i := range n {
		k := key(i)
		if k == "" {
			continue
		}
		h := hash(k)
		j, tag := place(h, len(x.slots)), x.tag(h)
		for ; x.slots[j] != 0; j = next(j, len(x.slots)) {
			if earlier, ok := x.entry(x.slots[j], tag); ok && key(earlier) == k {
				dup(i, earlier)
			}
		}
		x.slots[j] = tag<<x.bits | uint32(i+1)
	}
	return x
}

// next is the slot after slot j in a table of size slots, the first after the last: both
// tables search on from a key's place this way.
func next(j, size int) int {
	if j++; j == size {
		return 0
	}
	return j
}

// tag is the low bits of a hash that a slot holds beside its entry (a slot's place comes
// from the high bits).
func (x *ledgerIndex) tag(h uint64) uint32 { return uint32(h) << x.bits >> x.bits }

// entry is the entry of a slot whose tag is tag; ok is false for a slot of another tag.
func (x *ledgerIndex) entry(slot, tag uint32) (int, bool) {
	if slot>>x.bits != tag {
		return 0, false
	}
	return int(slot&(1<<x.bits-1)) - 1, true
}

// each calls visit with the entries of k, in ledger order, until it returns false.
func (x *ledgerIndex) each(k string, visit func(entry int) bool) {
	if k == "" || x.slots == nil {
		return
	}
	h := x.hash(k)
	tag := x.tag(h)
	for j := place(h, len(x.slots)); x.slots[j] != 0; j = next(j, len(x.slots)) {
		if i, ok := x.entry(x.slots[j], tag); ok && x.key(i) == k && !visit(i) {
			return
		}
	}
}
