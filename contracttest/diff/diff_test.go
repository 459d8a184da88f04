package diff_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/qiwigen/qiwigen/contracttest/diff"
	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/spec"
)

// compare compares levelled with newSpec.
func compare(t *testing.T, newSpec string) diff.Report {
	t.Helper()
	r, err := diff.Compare([]byte(levelled), []byte(newSpec))
	require.NoError(t, err)
	return r
}

// Each edit gives exactly its change, classified for a Go client; no edit gives none.
func TestChangesAndTheirBreakage(t *testing.T) {
	assert.Empty(t, compare(t, levelled).Changes, "an unchanged document has no changes")
	for _, tc := range []struct {
		name, from, to string
		kind           diff.Kind
		breaking       bool
		where          string
	}{
		{"optional field added", "        comment: {type: string, maxLength: 255}\n", "        comment: {type: string, maxLength: 255}\n        note: {type: string}\n", diff.FieldAdded, false, "/components/schemas/Bill/properties/note"},
		{"field removed", "        comment: {type: string, maxLength: 255}\n", "", diff.FieldRemoved, true, "/components/schemas/Bill/properties/comment"},
		{"type changed", "        comment: {type: string, maxLength: 255}\n", "        comment: {type: integer, maxLength: 255}\n", diff.TypeChanged, true, "/components/schemas/Bill/properties/comment"},
		{"required added", "required: [amount]", "required: [amount, comment]", diff.RequiredChanged, true, "/components/schemas/Bill"},
		{"enum value added", "[CARD, SBP]", "[CARD, SBP, QIWI]", diff.EnumValueAdded, false, "/components/schemas/Method"},
		{"enum value removed", "[CARD, SBP]", "[CARD]", diff.EnumValueRemoved, true, "/components/schemas/Method"},
		{"operation moved", "  /payin/v1/bills/{billId}:", "  /payin/v1/invoices/{billId}:", diff.OperationMoved, true, "PUT /partner/payin/v1/bills/{billId}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edited := strings.Replace(levelled, tc.from, tc.to, 1)
			require.NotEqual(t, levelled, edited)
			r := compare(t, edited)
			require.Len(t, r.Changes, 1, "%v", r.Changes)
			c := r.Changes[0]
			assert.Equal(t, tc.kind, c.Kind)
			assert.Equal(t, tc.breaking, c.Breaking)
			assert.Equal(t, tc.where, c.Where)
		})
	}
}

// The upstream crawl against the curated base: every operation whose path or method the
// crawl gets wrong is named as moved from the crawl's place, and every operation the crawl
// lacks as added. The base records both (x-qiwi-upstream).
func TestCrawlAgainstTheBase(t *testing.T) {
	t.Parallel()
	dir, err := docs.Locate()
	require.NoError(t, err)
	crawl, err := os.ReadFile(dir + "/../../upstream/crawled-openapi.yaml")
	require.NoError(t, err)
	r, err := diff.Compare(crawl, spec.QIWI)
	require.NoError(t, err)
	report := map[string]diff.Change{}
	for _, c := range r.Changes {
		report[string(c.Kind)+" "+c.Where] = c
	}
	var base struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal(spec.QIWI, &base))
	moved, added := 0, 0
	for path, item := range base.Paths {
		for method, node := range item {
			if method == "parameters" {
				continue
			}
			var op struct {
				OperationID string `yaml:"operationId"`
				Upstream    any    `yaml:"x-qiwi-upstream"`
			}
			require.NoError(t, node.Decode(&op))
			full := strings.ToUpper(method) + " /partner" + path
			switch up := op.Upstream.(type) {
			case string: // absent from the crawl
				_, ok := report["operation added "+full]
				assert.True(t, ok, "%s (%s) lacks from the crawl: the diff names it added", full, op.OperationID)
				added++
			case map[string]any:
				crawlAt := strings.ToUpper(up["method"].(string)) + " " + up["path"].(string)
				if crawlAt == full {
					continue
				}
				c, ok := report["operation moved "+crawlAt]
				if assert.True(t, ok, "the crawl has %s at %s: the diff names it moved", op.OperationID, crawlAt) {
					assert.Contains(t, c.Detail, full)
					assert.True(t, c.Breaking)
				}
				moved++
			}
		}
	}
	assert.Greater(t, moved, 10)
	assert.Greater(t, added, 5)
}

// The resolved spec against itself (one loaded document) has no changes: operations that
// share a path with another's recorded upstream place are not taken for moved.
func TestSameDocumentHasNoChanges(t *testing.T) {
	t.Parallel()
	doc, err := diff.Load(spec.Resolved)
	require.NoError(t, err)
	r, err := diff.CompareDocuments(doc, doc, diff.Options{})
	require.NoError(t, err)
	assert.Empty(t, r.Changes)
}

// A document loaded once compares with many editions as Compare compares their texts
// (lines included, an aliased node read through its anchor); a missing or unreadable
// document is an error.
func TestLoadOnce(t *testing.T) {
	base, err := diff.Load([]byte(levelled))
	require.NoError(t, err)
	for _, edited := range []string{
		strings.Replace(levelled, "required: [amount]", "required: [amount, comment]", 1),
		strings.Replace(levelled, "[CARD, SBP]", "[CARD]", 1),
		strings.Replace(levelled, "    Bill:\n", "    Extra: &extra\n      type: object\n      properties: {code: {type: string}}\n    Copy: *extra\n    Bill:\n", 1),
	} {
		want, err := diff.Compare([]byte(levelled), []byte(edited))
		require.NoError(t, err)
		require.NotEmpty(t, want.Changes)
		doc, err := diff.Load([]byte(edited))
		require.NoError(t, err)
		got, err := diff.CompareDocuments(base, doc, diff.Options{})
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err = diff.CompareDocuments(base, nil, diff.Options{})
	assert.Error(t, err)
	_, err = diff.Load([]byte("openapi: [3"))
	assert.Error(t, err)
}
