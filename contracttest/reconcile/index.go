package reconcile

import (
	"hash/maphash"
	"math/bits"
	"strconv"
	"strings"
)

// idLines remembers the first report line of each transaction ID. QIWI's IDs are numbers, kept
// as integers (no string per ID); any other ID is kept as a string.
type idLines struct {
	numeric map[uint64]int32
	other   map[string]int32
}

func newIDLines(hint int) *idLines {
	return &idLines{numeric: make(map[uint64]int32, hint), other: map[string]int32{}}
}

func numericID(id string) (uint64, bool) {
	if id == "" || id[0] == '0' && len(id) > 1 || id[0] == '+' {
		return 0, false // leading zeros or a sign would not survive the round trip
	}
	n, err := strconv.ParseUint(id, 10, 64)
	return n, err == nil
}

// get returns the line of id, 0 if unseen.
func (s *idLines) get(id string) int {
	if n, ok := numericID(id); ok {
		return int(s.numeric[n])
	}
	return int(s.other[id])
}

// first records line as the first of id, unless id was seen: it returns the line id was
// first seen at, 0 if it was not. The ID is read and hashed once for both.
func (s *idLines) first(id string, line int) int {
	if n, ok := numericID(id); ok {
		if prev, seen := s.numeric[n]; seen {
			return int(prev)
		}
		s.numeric[n] = int32(line)
		return 0
	}
	if prev, seen := s.other[id]; seen {
		return int(prev)
	}
	s.other[strings.Clone(id)] = int32(line) // a clone: the row's strings share the reader's line
	return 0
}

func (s *idLines) len() int { return len(s.numeric) + len(s.other) }

// ledgerIndex finds the ledger entries of a key: a table of entry numbers (4 bytes a slot, at
// least half the slots empty) where an entry sits at the first free slot from its key's hash
// on. The entries of a key lie on its run of slots in ledger order, read until an empty slot.
// A slot's high bits, those the entry number leaves free (12 for a million entries), hold
// the top bits of its key's hash: the entries of other keys on the run are passed over
// mostly without reading their keys, each of which is a read from a random place of the
// ledger. Entries whose hashes agree are told apart by their key. A Go map of the keys would
// hold each key's string header and hash besides, several times the table's 8 to 16 bytes an
// entry.
type ledgerIndex struct {
	hash  func(string) uint64
	key   func(entry int) string // "" for an entry without the key
	slots []uint32               // tag<<bits | entry+1, 0 for an empty slot; nil when no entry has the key
	mask  uint64                 // len(slots) - 1
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
	size := 2
	for size < 2*keyed {
		size *= 2
	}
	x.slots, x.mask = make([]uint32, size), uint64(size-1)
	for i := range n {
		k := key(i)
		if k == "" {
			continue
		}
		h := hash(k)
		j, tag := h&x.mask, x.tag(h)
		for ; x.slots[j] != 0; j = (j + 1) & x.mask {
			if earlier, ok := x.entry(x.slots[j], tag); ok && key(earlier) == k {
				dup(i, earlier)
			}
		}
		x.slots[j] = tag<<x.bits | uint32(i+1)
	}
	return x
}

// tag is the top bits of a hash that a slot holds beside its entry.
func (x *ledgerIndex) tag(h uint64) uint32 { return uint32(h >> (64 - (32 - x.bits))) }

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
	for j := h & x.mask; x.slots[j] != 0; j = (j + 1) & x.mask {
		if i, ok := x.entry(x.slots[j], tag); ok && x.key(i) == k && !visit(i) {
			return
		}
	}
}
