package reconcile

import (
	"hash/maphash"
	"sort"
	"strconv"
	"strings"
	"sync"
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

// ledgerIndex finds the ledger entries of a key. Its maps hold a hash of the key, not the key:
// a map without pointers, which the garbage collector does not scan and which hashes a number;
// the entries of one hash are chained in ledger order and compared by their key. The maps are
// shards by the hash's low bit, built in parallel.
type ledgerIndex struct {
	hash   func(string) uint64
	ledger []Entry
	key    func(*Entry) string
	shards [indexShards]map[uint64]int32 // hash → first entry + 1
	next   []int32                       // entry → next entry of the same hash + 1
}

// indexShards is how many maps an index is built in, one goroutine each.
const indexShards = 2

// newLedgerIndex indexes the entries of ledger with a non-empty key, in parallel; dup is called
// for every entry whose key an earlier entry has (entry, earlier), in ledger order.
func newLedgerIndex(ledger []Entry, key func(*Entry) string, dup func(entry, earlier int)) *ledgerIndex {
	seed := maphash.MakeSeed()
	return buildLedgerIndex(ledger, key, func(k string) uint64 { return maphash.String(seed, k) }, dup)
}

// buildLedgerIndex is newLedgerIndex with its hash function given (a test gives one that
// collides).
func buildLedgerIndex(ledger []Entry, key func(*Entry) string, hash func(string) uint64, dup func(entry, earlier int)) *ledgerIndex {
	x := &ledgerIndex{hash: hash, ledger: ledger, key: key}
	// The keys are hashed in parts of the ledger, one goroutine each, into a list of the
	// entries of each shard per part (in ledger order); then each shard's map is built from
	// its lists, part after part, so that its chains keep ledger order.
	type entry struct {
		index int32
		hash  uint64
	}
	var lists [indexShards][indexShards][]entry // [part][shard]
	var wg sync.WaitGroup
	part := (len(ledger) + indexShards - 1) / indexShards
	for p := range lists {
		wg.Go(func() {
			for s := range lists[p] { // an even spread of the hashes, with room to spare
				lists[p][s] = make([]entry, 0, part/indexShards+part/8)
			}
			for i := p * part; i < min((p+1)*part, len(ledger)); i++ {
				if k := key(&ledger[i]); k != "" {
					h := hash(k)
					lists[p][h%indexShards] = append(lists[p][h%indexShards], entry{int32(i), h})
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for p := range lists {
		for s := range lists[p] {
			total += len(lists[p][s])
		}
	}
	if total == 0 { // no entry has the key: nothing to build (a nil map finds nothing)
		return x
	}
	x.next = make([]int32, len(ledger))
	dups := [indexShards][][2]int{}
	for s := range x.shards {
		n := 0
		for p := range lists {
			n += len(lists[p][s])
		}
		x.shards[s] = make(map[uint64]int32, n)
		wg.Go(func() {
			m := x.shards[s]
			for p := range lists {
				for _, e := range lists[p][s] {
					i, h := int(e.index), e.hash
					head, ok := m[h]
					if !ok {
						m[h] = int32(i + 1)
						continue
					}
					// Append at the end of the chain, so that entries come in ledger order.
					j := int(head - 1)
					for {
						if key(&ledger[j]) == key(&ledger[i]) {
							dups[s] = append(dups[s], [2]int{i, j})
						}
						if x.next[j] == 0 {
							break
						}
						j = int(x.next[j] - 1)
					}
					x.next[j] = int32(i + 1)
				}
			}
		})
	}
	wg.Wait()
	var all [][2]int
	for _, d := range dups {
		all = append(all, d...)
	}
	sort.Slice(all, func(a, b int) bool { return all[a][0] < all[b][0] || all[a][0] == all[b][0] && all[a][1] < all[b][1] })
	for _, d := range all {
		dup(d[0], d[1])
	}
	return x
}

// head is the first entry of k's hash chain + 1, 0 for none: the lookup of each, which the
// reconciler may do ahead, on another goroutine (the index does not change after New).
func (x *ledgerIndex) head(k string) int32 {
	if k == "" {
		return 0
	}
	h := x.hash(k)
	return x.shards[h%indexShards][h]
}

// each calls visit with the entries of key, in ledger order, until it returns false.
func (x *ledgerIndex) each(k string, visit func(entry int) bool) {
	x.eachFrom(x.head(k), k, visit)
}

// eachFrom is each from the chain head head returned for k.
func (x *ledgerIndex) eachFrom(head int32, k string, visit func(entry int) bool) {
	for i := head; i != 0; i = x.next[i-1] {
		if x.key(&x.ledger[i-1]) == k && !visit(int(i-1)) {
			return
		}
	}
}
