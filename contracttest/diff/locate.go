package diff

import (
	"fmt"
	"strings"

	goyaml "github.com/pb33f/go-yaml"
	"go.yaml.in/yaml/v3"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/overlays"
)

// tree is one document's YAML nodes, for lines, enumeration values and where schemas are
// used.
type tree struct {
	root *yaml.Node
	// use maps a component's pointer (/components/schemas/Bill) to the directions it is used
	// in and the operations that use it.
	use map[string]*usage
}

// direction says which way a schema's values travel.
type direction int

const (
	request  direction = 1 << iota // the client sends it
	response                       // QIWI sends it: answers and notifications
)

type usage struct {
	dir direction
	ops map[string]bool // operationIds (METHOD /path when an operation has none)
}

// newTree reads a document's nodes (its document node) for lines, values and usage.
func newTree(doc *yaml.Node) *tree {
	t := &tree{use: map[string]*usage{}}
	if doc != nil && doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		t.root = doc.Content[0]
	} else if doc != nil && doc.Kind != yaml.DocumentNode {
		t.root = doc
	}
	t.collectUsage()
	return t
}

// copyNode copies libopenapi's YAML nodes (a fork of yaml.v3's, the same fields and kinds)
// into yaml.v3's; an alias keeps pointing at its anchor's copy.
func copyNode(n *goyaml.Node, seen map[*goyaml.Node]*yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if c, ok := seen[n]; ok {
		return c
	}
	c := &yaml.Node{Kind: yaml.Kind(n.Kind), Style: yaml.Style(n.Style), Tag: n.Tag, Value: n.Value, Anchor: n.Anchor,
		HeadComment: n.HeadComment, LineComment: n.LineComment, FootComment: n.FootComment, Line: n.Line, Column: n.Column}
	if n.Anchor != "" {
		seen[n] = c // an alias refers to it
	}
	c.Alias = copyNode(n.Alias, seen)
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, child := range n.Content {
			c.Content[i] = copyNode(child, seen)
		}
	}
	return c
}

// node returns the node a JSON pointer names and the line of its key (or of the node), nil
// when there is none. A pointer may pass through a $ref (what-changed compares a member of a
// referenced schema under the referring one's place).
func (t *tree) node(ptr string) (*yaml.Node, int) {
	n, line, _ := t.resolve(ptr)
	return n, line
}

// resolve is node, with the pointer of the node where it is written (the $refs followed).
func (t *tree) resolve(ptr string) (*yaml.Node, int, string) {
	if t == nil || t.root == nil {
		return nil, 0, ""
	}
	n, line, at := t.root, t.root.Line, ""
	for hops, toks := 0, jsonpointer.Split(ptr); len(toks) > 0; {
		tok := toks[0]
		switch n.Kind {
		case yaml.MappingNode:
			next, key := mapValue(n, tok), (*yaml.Node)(nil)
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == tok {
					key = n.Content[i]
				}
			}
			if next == nil {
				ref := mapValue(n, "$ref")
				if ref == nil || !strings.HasPrefix(ref.Value, "#/") || hops > 32 {
					return nil, 0, ""
				}
				hops++
				target, targetLine, targetAt := t.resolve(ref.Value[1:])
				if target == nil {
					return nil, 0, ""
				}
				n, line, at = target, targetLine, targetAt
				continue
			}
			n, line, at = next, key.Line, jsonpointer.Append(at, tok)
		case yaml.SequenceNode:
			var i int
			if _, err := fmt.Sscan(tok, &i); err != nil || i < 0 || i >= len(n.Content) {
				return nil, 0, ""
			}
			n, line, at = n.Content[i], n.Content[i].Line, jsonpointer.Append(at, tok)
		default:
			return nil, 0, ""
		}
		toks = toks[1:]
	}
	return n, line, at
}

// enum returns the closed (enum) and extensible (x-extensible-enum) values of the schema at
// the pointer.
func (t *tree) enum(ptr string) (closed, open []string) {
	n, _ := t.node(ptr)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		var list *[]string
		switch n.Content[i].Value {
		case "enum":
			list = &closed
		case "x-extensible-enum":
			list = &open
		default:
			continue
		}
		for _, v := range n.Content[i+1].Content {
			*list = append(*list, v.Value)
		}
	}
	return closed, open
}

// required lists the required members of the schema at the pointer.
func (t *tree) required(ptr string) []string {
	n, _ := t.node(ptr)
	var out []string
	if r := mapValue(n, "required"); r != nil {
		for _, v := range r.Content {
			out = append(out, v.Value)
		}
	}
	return out
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// collectUsage follows every $ref from each operation's parameters and request body (the
// request direction) and from its answers and callbacks (the response direction).
func (t *tree) collectUsage() {
	paths := mapValue(t.root, "paths")
	if paths == nil || paths.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(paths.Content); i += 2 {
		path, item := paths.Content[i].Value, paths.Content[i+1]
		for _, m := range methods {
			op := mapValue(item, m)
			if op == nil {
				continue
			}
			name := strings.ToUpper(m) + " " + path
			if id := mapValue(op, "operationId"); id != nil && id.Value != "" {
				name = id.Value
			}
			seen := map[string]bool{}
			for _, part := range []struct {
				key string
				dir direction
			}{{"parameters", request}, {"requestBody", request}, {"responses", response}, {"callbacks", response}} {
				t.walkRefs(mapValue(op, part.key), part.dir, name, seen)
			}
			t.walkRefs(mapValue(item, "parameters"), request, name, seen)
		}
	}
}

func (t *tree) walkRefs(n *yaml.Node, dir direction, op string, seen map[string]bool) {
	if n == nil {
		return
	}
	if n.Kind == yaml.MappingNode {
		if ref := mapValue(n, "$ref"); ref != nil && strings.HasPrefix(ref.Value, "#/") {
			ptr := ref.Value[1:]
			key := fmt.Sprint(dir, ptr)
			if !seen[key] {
				seen[key] = true
				u := t.use[ptr]
				if u == nil {
					u = &usage{ops: map[string]bool{}}
					t.use[ptr] = u
				}
				u.dir |= dir
				u.ops[op] = true
				target, _ := t.node(ptr)
				t.walkRefs(target, dir, op, seen)
			}
		}
	}
	for _, c := range n.Content {
		t.walkRefs(c, dir, op, seen)
	}
}

// component is the pointer of the component a pointer lies in ("" outside components).
func component(ptr string) string {
	toks := jsonpointer.Split(ptr)
	if len(toks) < 3 || toks[0] != "components" {
		return ""
	}
	return jsonpointer.Join(toks[:3]...)
}

// directionOf says which way the values at a pointer travel, in either document; 0 when
// no operation uses them.
func directionOf(ptr string, trees ...*tree) direction {
	var d direction
	if c := component(ptr); c != "" {
		for _, t := range trees {
			if u := t.use[c]; u != nil {
				d |= u.dir
			}
		}
		return d
	}
	toks := jsonpointer.Split(ptr)
	for _, tok := range toks {
		switch tok {
		case "callbacks", "responses":
			return response
		case "requestBody", "parameters":
			d = request
		}
	}
	return d
}

// operationsOf names the operations a change at a pointer touches, in either document.
func operationsOf(ptr string, trees ...*tree) []string {
	set := map[string]bool{}
	if c := component(ptr); c != "" {
		for _, t := range trees {
			if u := t.use[c]; u != nil {
				for op := range u.ops {
					set[op] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for op := range set {
		out = append(out, op)
	}
	return out
}

// overlayEntry is a node an overlay action writes (or removes): the JSON pointer tokens it
// resolves to ("*" for any token) and where it is written.
type overlayEntry struct {
	tokens []string
	where  string
}

// overlayIndex maps spec pointers to the overlay line that writes them.
type overlayIndex []overlayEntry

// newOverlayIndex reads each overlay's actions: the target (a JSONPath of names, wildcards and
// filters) and every key its update writes, at that key's line; a remove action at its
// target's line. An overlay that does not parse is an error naming it.
func newOverlayIndex(files []overlays.File) (overlayIndex, error) {
	var idx overlayIndex
	for _, f := range files {
		var doc yaml.Node
		if err := yaml.Unmarshal(f.Data, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		if len(doc.Content) == 0 {
			continue
		}
		actions := mapValue(doc.Content[0], "actions")
		if actions == nil {
			continue
		}
		for _, a := range actions.Content {
			target := mapValue(a, "target")
			if target == nil {
				continue
			}
			toks := targetTokens(target.Value)
			if rm := mapValue(a, "remove"); rm != nil && rm.Value == "true" {
				idx = append(idx, overlayEntry{toks, fmt.Sprintf("%s:%d", f.Name, target.Line)})
				continue
			}
			idx.addUpdate(f.Name, toks, mapValue(a, "update"))
		}
	}
	return idx, nil
}

func (idx *overlayIndex) addUpdate(file string, toks []string, n *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := append(append([]string{}, toks...), n.Content[i].Value)
		*idx = append(*idx, overlayEntry{k, fmt.Sprintf("%s:%d", file, n.Content[i].Line)})
		idx.addUpdate(file, k, n.Content[i+1])
	}
}

// targetTokens turns a JSONPath target ($.paths['/a/{b}'].put, $.paths.*.*.callbacks) into
// pointer tokens; a filter or a wildcard is "*".
func targetTokens(target string) []string {
	s := strings.TrimPrefix(strings.TrimSpace(target), "$")
	var out []string
	for s != "" {
		switch {
		case strings.HasPrefix(s, ".."):
			return append(out, "**")
		case strings.HasPrefix(s, "."):
			s = s[1:]
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			out = append(out, s[:end])
			s = s[end:]
		case strings.HasPrefix(s, "['") || strings.HasPrefix(s, `["`):
			q := s[1:2]
			end := strings.Index(s[2:], q+"]")
			if end < 0 {
				return append(out, "**")
			}
			out = append(out, s[2:2+end])
			s = s[2+end+2:]
		case strings.HasPrefix(s, "["):
			end := strings.Index(s, "]")
			if end < 0 {
				return append(out, "**")
			}
			inner := s[1:end]
			if inner == "*" || strings.HasPrefix(inner, "?") {
				out = append(out, "*")
			} else {
				out = append(out, inner)
			}
			s = s[end+1:]
		default:
			return append(out, "**")
		}
	}
	return out
}

// locate returns file:line of the overlay node that writes the pointer: the deepest entry
// whose tokens lead to it, the later of equals (a later overlay writes over an earlier one);
// "" when no overlay writes it.
func (idx overlayIndex) locate(ptr string) string {
	if ptr == "" {
		return ""
	}
	toks := jsonpointer.Split(ptr)
	best, bestLen := "", 0
	for _, e := range idx {
		n, ok := prefixLen(e.tokens, toks)
		if ok && n >= bestLen && n > 0 {
			best, bestLen = e.where, n
		}
	}
	if bestLen > 1 || !strings.HasPrefix(ptr, "/paths/") {
		return best
	}
	// No action writes an operation's node itself (or only one as wide as $.paths): the
	// first that writes inside it.
	for _, e := range idx {
		if len(e.tokens) > len(toks) {
			if _, ok := prefixLen(toks, e.tokens); ok {
				return e.where
			}
		}
	}
	return best
}

// prefixLen reports whether pattern leads to (is a prefix of) toks, and how many tokens it
// matched.
func prefixLen(pattern, toks []string) (int, bool) {
	if len(pattern) > len(toks) {
		return 0, false
	}
	for i, p := range pattern {
		switch p {
		case "**":
			return i, true
		case "*":
		default:
			if p != toks[i] {
				return 0, false
			}
		}
	}
	return len(pattern), true
}
