package generator

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// ErrUnknownSelection is wrapped by the error of a run whose -include-operations,
// -exclude-operations or -exclude-tags name something the spec does not have: a typo would
// otherwise generate a client without the operation, or with one meant to be left out.
var ErrUnknownSelection = errors.New("generator: unknown operation or tag")

// checkSelection refuses operationIds and tags the resolved document lacks, naming the
// closest known ones.
func checkSelection(doc *openapi3.T, cfg Config) error {
	ids, tags := map[string]bool{}, map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ids[op.OperationID] = true
			for _, t := range op.Tags {
				tags[t] = true
			}
		}
	}
	var problems []string
	check := func(flag string, names []string, known map[string]bool) {
		for _, n := range names {
			if known[n] {
				continue
			}
			msg := fmt.Sprintf("%s: %q is not in the spec", flag, n)
			if near := closest(n, slices.Sorted(maps.Keys(known)), 3); len(near) > 0 {
				msg += " (did you mean " + strings.Join(near, ", ") + "?)"
			}
			problems = append(problems, msg)
		}
	}
	check("include-operations", cfg.IncludeOperations, ids)
	check("exclude-operations", cfg.ExcludeOperations, ids)
	check("exclude-tags", cfg.ExcludeTags, tags)
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrUnknownSelection, strings.Join(problems, "; "))
	}
	return nil
}

// closest returns up to n of the known names nearest to name by edit distance (letter case
// ignored), nearest first, among those within half the name's length.
func closest(name string, known []string, n int) []string {
	type scored struct {
		name string
		d    int
	}
	var out []scored
	for _, k := range known {
		d := editDistance(strings.ToLower(name), strings.ToLower(k))
		if d <= max(2, len(name)/2) {
			out = append(out, scored{k, d})
		}
	}
	slices.SortStableFunc(out, func(a, b scored) int { return a.d - b.d })
	names := make([]string, 0, n)
	for i := 0; i < len(out) && i < n; i++ {
		names = append(names, out[i].name)
	}
	return names
}

// editDistance is the Levenshtein distance between two strings, by bytes.
func editDistance(a, b string) int {
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
