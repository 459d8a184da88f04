package diff_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/qiwigen/qiwigen/contracttest/diff"
	"github.com/qiwigen/qiwigen/spec"
)

// mutation is one change applied to the resolved spec: prepare edits both documents (so
// that only the change differs), change edits the new one. want are the rules the diff
// reports it with (and no others).
type mutation struct {
	name    string
	prepare func(root *yaml.Node)
	change  func(root *yaml.Node)
	want    []string
}

// at returns the node at the path of mapping keys (or sequence indexes), failing the test's
// corpus when there is none.
func at(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n.Kind == yaml.DocumentNode {
			n = n.Content[0]
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			panic(fmt.Sprintf("corpus: no %q in %v", k, keys))
		}
		n = next
	}
	return n
}

// setKey sets (or adds) key in a mapping; value nil deletes it.
func setKey(m *yaml.Node, key string, value *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			if value == nil {
				m.Content = slices.Delete(m.Content, i, i+2)
			} else {
				m.Content[i+1] = value
			}
			return
		}
	}
	if value != nil {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, value)
	}
}

// renameKey renames a mapping's key in place.
func renameKey(m *yaml.Node, from, to string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == from {
			m.Content[i].Value = to
			return
		}
	}
	panic("corpus: no key " + from)
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }

func node(src string) *yaml.Node {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		panic(err)
	}
	return n.Content[0]
}

func appendValue(seq *yaml.Node, v string) { seq.Content = append(seq.Content, scalar(v)) }

func removeValue(seq *yaml.Node, v string) {
	seq.Content = slices.DeleteFunc(seq.Content, func(n *yaml.Node) bool { return n.Value == v })
}

const (
	billPath = "/bill/v1/bills/{billId}"
)

func schema(root *yaml.Node, name string) *yaml.Node {
	return at(root, "components", "schemas", name)
}

// closeStatus makes StatusValue a closed enumeration (enum instead of x-extensible-enum).
func closeStatus(root *yaml.Node) {
	s := schema(root, "StatusValue")
	values := at(s, "x-extensible-enum")
	setKey(s, "x-extensible-enum", nil)
	setKey(s, "enum", values)
}

// inlineBillID writes the bill path's parameter inline instead of by $ref.
func inlineBillID(root *yaml.Node) {
	item := at(root, "paths", billPath)
	setKey(item, "parameters", node("[{name: billId, in: path, required: true, schema: {type: string}}]"))
}

// mutations are the one-change pairs of the oasdiff comparison: each a change oasdiff has a
// rule for, on the real spec.
var mutations = []mutation{
	{name: "operation-removed", change: func(r *yaml.Node) { setKey(at(r, "paths", billPath), "get", nil) },
		want: []string{"operation-removed"}},
	{name: "operation-id-renamed", change: func(r *yaml.Node) { at(r, "paths", billPath, "put", "operationId").Value = "createBillV2" },
		want: []string{"operation-renamed"}},
	{name: "response-member-renamed", change: func(r *yaml.Node) { renameKey(at(schema(r, "Bill"), "properties"), "payUrl", "payURL") },
		want: []string{"member-added", "optional-response-member-removed"}},
	{name: "request-member-renamed", change: func(r *yaml.Node) { renameKey(at(schema(r, "CreateBillRequest"), "properties"), "comment", "note") },
		want: []string{"member-added", "request-member-removed"}},
	{name: "request-member-made-required", change: func(r *yaml.Node) { appendValue(at(schema(r, "CreateBillRequest"), "required"), "comment") },
		want: []string{"request-member-made-required"}},
	{name: "response-member-made-optional", change: func(r *yaml.Node) { removeValue(at(schema(r, "Bill"), "required"), "status") },
		want: []string{"response-member-made-optional"}},
	{name: "request-member-retyped", change: func(r *yaml.Node) {
		setKey(at(schema(r, "CreateBillRequest"), "properties"), "comment", node("{type: integer}"))
	}, want: []string{"changed", "type-changed"}},
	{name: "response-member-retyped", change: func(r *yaml.Node) { at(schema(r, "Bill"), "properties", "comment", "type").Value = "integer" },
		want: []string{"type-changed"}},
	{name: "request-max-length-decreased", change: func(r *yaml.Node) {
		at(schema(r, "CreateBillRequest"), "properties", "comment", "maxLength").Value = "100"
	},
		want: []string{"request-constraint-narrowed"}},
	{name: "request-member-removed", change: func(r *yaml.Node) { setKey(at(schema(r, "CreateBillRequest"), "properties"), "comment", nil) },
		want: []string{"request-member-removed"}},
	{name: "optional-response-member-removed", change: func(r *yaml.Node) { setKey(at(schema(r, "Bill"), "properties"), "payUrl", nil) },
		want: []string{"optional-response-member-removed"}},
	{name: "required-response-member-removed", change: func(r *yaml.Node) {
		setKey(at(schema(r, "Bill"), "properties"), "status", nil)
		removeValue(at(schema(r, "Bill"), "required"), "status")
	}, want: []string{"response-member-made-optional", "response-member-removed"}},
	{name: "optional-request-member-added", change: func(r *yaml.Node) {
		setKey(at(schema(r, "CreateBillRequest"), "properties"), "note", node("{type: string}"))
	}, want: []string{"member-added"}},
	{name: "required-request-member-added", change: func(r *yaml.Node) {
		setKey(at(schema(r, "CreateBillRequest"), "properties"), "note", node("{type: string}"))
		appendValue(at(schema(r, "CreateBillRequest"), "required"), "note")
	}, want: []string{"member-added", "request-member-made-required"}},
	{name: "extensible-enum-value-added", change: func(r *yaml.Node) { appendValue(at(schema(r, "StatusValue"), "x-extensible-enum"), "ON_HOLD") },
		want: []string{"extensible-enum-value-added"}},
	{name: "extensible-enum-value-removed", change: func(r *yaml.Node) { removeValue(at(schema(r, "StatusValue"), "x-extensible-enum"), "INIT") },
		want: []string{"enum-value-removed"}},
	{name: "request-extensible-enum-value-added", change: func(r *yaml.Node) { appendValue(at(schema(r, "PaymentMethodType"), "x-extensible-enum"), "MIR_PAY") },
		want: []string{"extensible-enum-value-added"}},
	{name: "request-extensible-enum-value-removed", change: func(r *yaml.Node) {
		removeValue(at(schema(r, "PaymentMethodType"), "x-extensible-enum"), "QIWI_WALLET")
	},
		want: []string{"request-enum-value-removed"}},
	{name: "member-extensible-enum-value-removed", change: func(r *yaml.Node) {
		removeValue(at(schema(r, "ChequePosition"), "properties", "tax", "x-extensible-enum"), "NDS_0")
	}, want: []string{"request-enum-value-removed"}},
	{name: "closed-enum-value-added", prepare: closeStatus, change: func(r *yaml.Node) { appendValue(at(schema(r, "StatusValue"), "enum"), "ON_HOLD") },
		want: []string{"response-enum-value-added"}},
	{name: "closed-enum-value-removed", prepare: closeStatus, change: func(r *yaml.Node) { removeValue(at(schema(r, "StatusValue"), "enum"), "INIT") },
		want: []string{"enum-value-removed"}},
	{name: "path-parameter-renamed", prepare: inlineBillID, change: func(r *yaml.Node) {
		renameKey(at(r, "paths"), billPath, "/bill/v1/bills/{bill}")
		at(r, "paths", "/bill/v1/bills/{bill}", "parameters").Content[0] = node("{name: bill, in: path, required: true, schema: {type: string}}")
	}, want: []string{"path-parameter-renamed"}},
	{name: "required-query-parameter-added", change: func(r *yaml.Node) {
		setKey(at(r, "paths", billPath, "get"), "parameters", node("[{name: lang, in: query, required: true, schema: {type: string}}]"))
	}, want: []string{"request-parameter-added"}},
}

// resolved is the resolved spec's YAML nodes, parsed once; each mutation edits a copy.
var resolved = sync.OnceValues(func() (*yaml.Node, error) {
	var doc yaml.Node
	err := yaml.Unmarshal(spec.Resolved, &doc)
	return &doc, err
})

// unprepared is the old document of every mutation without a prepare step, written and
// loaded once: the resolved spec as the corpus's encoder writes it.
var unprepared = sync.OnceValues(func() (*loaded, error) {
	doc, err := resolved()
	if err != nil {
		return nil, err
	}
	data, err := yaml.Marshal(doc)
	if err != nil {
		return nil, err
	}
	d, err := diff.Load(data)
	return &loaded{data, d}, err
})

// loaded is a document's text and its loaded form.
type loaded struct {
	data []byte
	doc  *diff.Document
}

// clone copies a YAML node tree.
func clone(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, child := range n.Content {
		c.Content[i] = clone(child)
	}
	return &c
}

// pair returns the mutation's old and new documents, both written by the same encoder;
// a mutation without a prepare step shares the old one (loaded is set).
func (m mutation) pair(t testing.TB) (old *loaded, new []byte) {
	t.Helper()
	base, err := resolved()
	require.NoError(t, err)
	doc := clone(base)
	if m.prepare != nil {
		m.prepare(doc)
		data, err := yaml.Marshal(doc)
		require.NoError(t, err)
		old = &loaded{data: data}
	} else {
		old, err = unprepared()
		require.NoError(t, err)
	}
	m.change(doc)
	new, err = yaml.Marshal(doc)
	require.NoError(t, err)
	require.NotEqual(t, string(old.data), string(new), m.name)
	return old, new
}

// Each one-change pair of the corpus gives the rules it should, at their levels; with
// QIWI_DIFF_CORPUS=DIR the pairs are written there (DIR/NAME/old.yaml, new.yaml) for the
// comparison with oasdiff (testdata/oasdiff/compare.sh). The pairs without a prepare step
// share one loaded old document.
func TestCorpusMutations(t *testing.T) {
	t.Parallel()
	out := os.Getenv("QIWI_DIFF_CORPUS")
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			old, new := m.pair(t)
			oldDoc, err := old.doc, error(nil)
			if oldDoc == nil {
				oldDoc, err = diff.Load(old.data)
				require.NoError(t, err)
			}
			newDoc, err := diff.Load(new)
			require.NoError(t, err)
			r, err := diff.CompareDocuments(oldDoc, newDoc, diff.Options{})
			require.NoError(t, err)
			var rules []string
			for _, c := range r.Changes {
				if !slices.Contains(rules, c.Rule) {
					rules = append(rules, c.Rule)
				}
			}
			slices.Sort(rules)
			assert.Equal(t, m.want, rules, "%v", r.Changes)
			if out != "" {
				dir := filepath.Join(out, m.name)
				require.NoError(t, os.MkdirAll(dir, 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(dir, "old.yaml"), old.data, 0o644))
				require.NoError(t, os.WriteFile(filepath.Join(dir, "new.yaml"), new, 0o644))
			}
		})
	}
}
