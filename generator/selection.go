package generator

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/generator/suggest"
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
			if near := suggest.Closest(n, slices.Sorted(maps.Keys(known)), 3); len(near) > 0 {
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
