// Package suggest finds the known names nearest to a misspelt one, for the "did you mean"
// of an error message: the generator's selection flags and overlay keys, the sandbox's
// fault operations.
package suggest

import (
	"slices"
	"strings"
)

// Closest returns up to n of the known names nearest to name by edit distance, letter case
// ignored, nearest first (equals in the order given), among those within half the name's
// length (at least 2): a name far from every known one gets none.
func Closest(name string, known []string, n int) []string {
	type scored struct {
		name string
		d    int
	}
	var out []scored
	lower := strings.ToLower(name)
	for _, k := range known {
		if d := Distance(lower, strings.ToLower(k)); d <= max(2, len(name)/2) {
			out = append(out, scored{k, d})
		}
	}
	slices.SortStableFunc(out, func(a, b scored) int { return a.d - b.d })
	names := make([]string, 0, min(n, len(out)))
	for i := 0; i < len(out) && i < n; i++ {
		names = append(names, out[i].name)
	}
	return names
}

// Distance is the Levenshtein distance between a and b, by bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
