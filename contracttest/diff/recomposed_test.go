package diff_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/diff"
)

// composed is levelled with a Cheque schema that Bill (a request) and Answer (an answer)
// refer to, and a digit code that is a string or an integer.
var composed = strings.NewReplacer(
	"        method: {$ref: '#/components/schemas/Method'}\n",
	"        method: {$ref: '#/components/schemas/Method'}\n        cheque: {$ref: '#/components/schemas/Cheque'}\n",
	"    Spare:\n",
	`    Cheque:
      type: object
      required: [sellerId]
      properties:
        sellerId: {type: string}
        positions: {type: array, items: {type: string}}
    Code:
      x-go-type: qiwiruntime.NumericCode
      nullable: true
      oneOf:
        - type: string
        - type: integer
    Spare:
`).Replace(levelled)

// A schema written otherwise with the same values (a $ref wrapped in allOf, a schema moved
// into allOf, a $ref for an inline copy) is compared resolved: no wire change. It breaks a
// Go client only where the type oapi-codegen writes changes (checked through
// generator.Run: an allOf of one $ref is the referred type; an allOf of several is one
// struct of their members; an inline object is an anonymous struct; an inline request body
// is a type of the operation's own unless the generator drops its variants).
func TestRecomposed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		edits []string // from, to, ...
		rules []string
		level diff.Level
	}{
		{"member's $ref wrapped in allOf", []string{
			"cheque: {$ref: '#/components/schemas/Cheque'}", "cheque: {allOf: [{$ref: '#/components/schemas/Cheque'}]}",
		}, []string{"schema-recomposed"}, diff.Info},
		{"schema moved into allOf", []string{
			"    Cheque:\n      type: object\n      required: [sellerId]\n      properties:\n        sellerId: {type: string}\n        positions:",
			"    Seller:\n      type: object\n      required: [sellerId]\n      properties:\n        sellerId: {type: string}\n    Cheque:\n      allOf:\n        - {$ref: '#/components/schemas/Seller'}\n        - type: object\n          properties:\n            positions:",
		}, []string{"schema-added", "schema-recomposed"}, diff.Info},
		{"member's $ref for an inline copy", []string{
			"cheque: {$ref: '#/components/schemas/Cheque'}", "cheque: {type: object, required: [sellerId], properties: {sellerId: {type: string}, positions: {type: array, items: {type: string}}}}",
		}, []string{"schema-reshaped"}, diff.BreakingGo},
		{"schema made an allOf of one $ref", []string{
			"    Cheque:\n      type: object\n      required: [sellerId]\n      properties:\n        sellerId: {type: string}\n        positions: {type: array, items: {type: string}}\n",
			"    Seller:\n      type: object\n      required: [sellerId]\n      properties:\n        sellerId: {type: string}\n        positions: {type: array, items: {type: string}}\n    Cheque:\n      allOf: [{$ref: '#/components/schemas/Seller'}]\n",
		}, []string{"schema-added", "schema-reshaped"}, diff.BreakingGo},
		{"member in allOf that adds a required member", []string{
			"cheque: {$ref: '#/components/schemas/Cheque'}", "cheque: {allOf: [{$ref: '#/components/schemas/Cheque'}, {required: [positions]}]}",
		}, []string{"request-member-made-required"}, diff.BreakingWire},
		{"request body wrapped in allOf, variants marked", []string{
			"            schema: {$ref: '#/components/schemas/Bill'}", "            schema: {x-qiwi-variants: r, allOf: [{$ref: '#/components/schemas/Bill'}]}",
		}, []string{"schema-recomposed"}, diff.Info},
		{"request body wrapped in allOf", []string{
			"            schema: {$ref: '#/components/schemas/Bill'}", "            schema: {allOf: [{$ref: '#/components/schemas/Bill'}]}",
		}, []string{"schema-reshaped"}, diff.BreakingGo},
		{"request body wrapped in allOf that requires a member", []string{
			"            schema: {$ref: '#/components/schemas/Bill'}", "            schema: {x-qiwi-variants: r, allOf: [{$ref: '#/components/schemas/Bill'}], required: [comment]}",
		}, []string{"request-member-made-required"}, diff.BreakingWire},
		{"answer member made a nullable string or integer", []string{
			"        billId: {type: string}\n", "        billId: {nullable: true, allOf: [{$ref: '#/components/schemas/Code'}]}\n",
		}, []string{"response-constraint-relaxed", "response-type-widened", "schema-reshaped"}, diff.BreakingGo},
		{"answer member retyped through allOf", []string{
			"        billId: {type: string}\n", "        billId: {allOf: [{type: integer}]}\n",
		}, []string{"type-changed"}, diff.BreakingWire},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edited := strings.NewReplacer(tc.edits...).Replace(composed)
			require.NotEqual(t, composed, edited)
			r, err := diff.Compare([]byte(composed), []byte(edited))
			require.NoError(t, err)
			var rules []string
			top := diff.Info
			for _, c := range r.Changes {
				if !slices.Contains(rules, c.Rule) {
					rules = append(rules, c.Rule)
				}
				if slices.Index(diff.Levels, c.Level) < slices.Index(diff.Levels, top) {
					top = c.Level
				}
			}
			slices.Sort(rules)
			assert.Equal(t, tc.rules, rules, "%v", r.Changes)
			assert.Equal(t, tc.level, top)
		})
	}
}

// The spec's own history: commits that wrapped members in allOf (8042d5d, a797586,
// 0e2835f) break no Go client and are reported by what they change on the wire; a666da1's
// rrn and authCode, made a nullable string or integer in answers, are warnings on the wire
// and a Go type changed. Skipped where the clone lacks the history.
func TestHistoryRecomposed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rev  string
		want map[string]int // rule: count
	}{
		{"8042d5d", map[string]int{"request-constraint-narrowed": 1, "schema-recomposed": 1}},
		{"0e2835f", map[string]int{"request-member-made-required": 2}},
		{"a797586", map[string]int{"request-constraint-narrowed": 1, "request-member-made-required": 2, "schema-recomposed": 1}},
		{"a666da1", map[string]int{"response-type-widened": 2, "response-constraint-relaxed": 2, "schema-reshaped": 3,
			"request-enum-value-removed": 3, "request-member-removed": 1}},
	} {
		t.Run(tc.rev, func(t *testing.T) {
			t.Parallel()
			old, err := diff.ReadInput("../..", tc.rev+"^1:spec/qiwi.resolved.yaml")
			if errors.Is(err, diff.ErrRevision) {
				t.Skipf("no history: %v", err)
			}
			require.NoError(t, err)
			new, err := diff.ReadInput("../..", tc.rev+":spec/qiwi.resolved.yaml")
			require.NoError(t, err)
			r, err := diff.Compare(old, new)
			require.NoError(t, err)
			got := map[string]int{}
			for _, c := range r.Changes {
				if c.Level != diff.Info || c.Rule == "schema-recomposed" {
					got[c.Rule]++
				}
			}
			assert.Equal(t, tc.want, got, "%v", r.Changes)
		})
	}
}
