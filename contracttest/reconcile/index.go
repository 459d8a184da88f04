package reconcile

import (
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

// ledgerIndex finds the ledger entries of a key: one map entry per key and a chain through
// the entries, instead of a slice per key.
type ledgerIndex struct {
	first map[string]int32 // key → first entry + 1
	next  []int32          // entry → next entry with the key + 1
}

func newLedgerIndex(n int) *ledgerIndex {
	return &ledgerIndex{first: make(map[string]int32, n), next: make([]int32, n)}
}

func (x *ledgerIndex) add(key string, entry int) {
	// Append at the end of the chain, so that entries come in ledger order.
	head, ok := x.first[key]
	if !ok {
		x.first[key] = int32(entry + 1)
		return
	}
	i := int(head - 1)
	for x.next[i] != 0 {
		i = int(x.next[i] - 1)
	}
	x.next[i] = int32(entry + 1)
}

// each calls visit with the entries of key, in ledger order, until it returns false.
func (x *ledgerIndex) each(key string, visit func(entry int) bool) {
	for i := x.first[key]; i != 0; i = x.next[i-1] {
		if !visit(int(i - 1)) {
			return
		}
	}
}
