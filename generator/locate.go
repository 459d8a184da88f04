package generator

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/spec/ext"
	"github.com/qiwigen/qiwigen/spec/notification"
)

var (
	refInMessage = regexp.MustCompile(`"(#/[^"]+)"`)
	// badValueInMessage is kin-openapi's report of a schema keyword with a value it refuses:
	// unsupported 'type' value "strin".
	badValueInMessage = regexp.MustCompile(`'([A-Za-z]+)' value "([^"]*)"`)
)

// locateInvalid adds a location to a validation error of the spec produced by an overlay:
// for a reference that does not resolve, the JSON pointer of the $ref in the resolved spec
// and the line of the overlay that writes it; for a malformed notification declaration, the
// pointer of the declaration and the line of the overlay naming it.
func locateInvalid(ie *InputError, spec, overlay []byte) {
	var declErr *notification.Error
	if errors.As(ie.Err, &declErr) {
		// A notification declaration: its pointer, and the overlay line that touches the
		// extension, if one names it.
		ie.Pointer = declErr.Pointer
		if i := bytes.Index(overlay, []byte(notification.Extension)); i >= 0 {
			ie.Line = bytes.Count(overlay[:i], []byte("\n")) + 1
		}
		return
	}
	var extErr *ext.Error
	if errors.As(ie.Err, &extErr) {
		// An extension of ours: its pointer, and the overlay line that names it.
		ie.Pointer, ie.Err = extErr.Pointer, extErr.Err
		name := extErr.Pointer[strings.LastIndex(extErr.Pointer, "/")+1:]
		i := bytes.Index(overlay, []byte(name+":")) // the key, rather than a mention in a comment
		if i < 0 {
			i = bytes.Index(overlay, []byte(name))
		}
		if i >= 0 && name != "" {
			ie.Line = bytes.Count(overlay[:i], []byte("\n")) + 1
		}
		return
	}
	var extra *openapi3.ExtraSiblingFieldsError
	if errors.As(ie.Err, &extra) && len(extra.Fields) > 0 {
		// A key no schema has (propreties, tpye): find it where the overlay's update wrote it.
		locateUpdateKey(ie, spec, overlay, extra.Fields[0], extra)
		return
	}
	if m := badValueInMessage.FindStringSubmatch(ie.Err.Error()); m != nil {
		// kin-openapi names the schema it was validating (often one that merely refers to
		// the broken one): find the keyword itself in the spec and in the overlay.
		key, value := m[1], m[2]
		var root yaml.Node
		if yaml.Unmarshal(spec, &root) == nil && len(root.Content) > 0 {
			if ptr, ok := findPair(root.Content[0], key, value, ""); ok {
				// The pointer says where, and names the schema that holds it.
				ie.Pointer = ptr
				ie.Err = inSchema(ptr, errors.New("unsupported '"+key+"' value \""+value+"\""))
			}
		}
		var ov yaml.Node
		if overlay != nil && yaml.Unmarshal(overlay, &ov) == nil && len(ov.Content) > 0 {
			if line, ok := pairLine(ov.Content[0], key, value); ok {
				ie.Line = line
			}
		}
		return
	}
	m := refInMessage.FindStringSubmatch(ie.Err.Error())
	if m == nil {
		return
	}
	ref := m[1]
	var root yaml.Node
	if yaml.Unmarshal(spec, &root) == nil && len(root.Content) > 0 {
		if ptr, ok := findRef(root.Content[0], ref, ""); ok {
			ie.Pointer = ptr
		}
	}
	if overlay != nil {
		if i := bytes.Index(overlay, []byte(ref)); i >= 0 {
			ie.Line = bytes.Count(overlay[:i], []byte("\n")) + 1
		}
	}
}

// locateUpdateKey locates a key that kin-openapi refuses in a schema. kin-openapi validates
// each schema once, reached first through whichever component refers to it, and names that
// component: a misspelt key in CustomFields is reported in "Bill", which refers to it. The
// key is found instead where an action's update writes it (the path from the update's root
// to the key, looked for in the resolved spec, is below the node the action's target resolved
// to), and the error names the component schema that holds it, with the overlay line of the
// key.
func locateUpdateKey(ie *InputError, spec, overlay []byte, key string, cause error) {
	var ov yaml.Node
	var rel []string
	if overlay != nil && yaml.Unmarshal(overlay, &ov) == nil && len(ov.Content) > 0 {
		for _, a := range seqItems(yamlValue(ov.Content[0], "actions")) {
			if u := yamlValue(a, "update"); u != nil {
				if path, line, ok := keyPath(u, key); ok {
					rel, ie.Line = path, line
					break
				}
			}
		}
	}
	if rel == nil {
		rel = []string{key} // not in an update: the first such key in the spec
	}
	var root yaml.Node
	if yaml.Unmarshal(spec, &root) != nil || len(root.Content) == 0 {
		return
	}
	if ptr, ok := findPath(root.Content[0], rel, ""); ok {
		ie.Pointer = ptr
		ie.Err = inSchema(ptr, cause)
	}
}

// inSchema names, in front of err, the component schema that the JSON pointer ptr is in, if
// it is in one.
func inSchema(ptr string, err error) error {
	const prefix = "/components/schemas/"
	if !strings.HasPrefix(ptr, prefix) {
		return err
	}
	name, _, _ := strings.Cut(ptr[len(prefix):], "/")
	return fmt.Errorf("schema %q: %w", jsonpointer.Unescape(name), err)
}

// keyPath returns the path from n to the first mapping key named key under n (the key
// last), and the key's line.
func keyPath(n *yaml.Node, key string) ([]string, int, bool) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Value == key {
				return []string{key}, k.Line, true
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if p, line, ok := keyPath(n.Content[i+1], key); ok {
				return append([]string{n.Content[i].Value}, p...), line, true
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p, line, ok := keyPath(c, key); ok {
				return append([]string{strconv.Itoa(i)}, p...), line, true
			}
		}
	}
	return nil, 0, false
}

// findPath returns the JSON pointer of the first node under n (n included) from which path
// leads, key by key, to a node.
func findPath(n *yaml.Node, path []string, ptr string) (string, bool) {
	if follows(n, path) {
		for _, p := range path {
			ptr += "/" + escapePointer(p)
		}
		return ptr, true
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if p, ok := findPath(n.Content[i+1], path, ptr+"/"+escapePointer(n.Content[i].Value)); ok {
				return p, true
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p, ok := findPath(c, path, ptr+"/"+strconv.Itoa(i)); ok {
				return p, true
			}
		}
	}
	return "", false
}

// follows reports whether path leads from n to a node: each step a key of a mapping or an
// index of a sequence.
func follows(n *yaml.Node, path []string) bool {
	for _, p := range path {
		switch n.Kind {
		case yaml.MappingNode:
			if n = yamlValue(n, p); n == nil {
				return false
			}
		case yaml.SequenceNode:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(n.Content) {
				return false
			}
			n = n.Content[i]
		default:
			return false
		}
	}
	return true
}

// yamlValue returns the value of key in the mapping m, or nil.
func yamlValue(m *yaml.Node, key string) *yaml.Node {
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

// seqItems returns the items of a sequence node, or nil.
func seqItems(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// findRef returns the JSON pointer of the first {$ref: ref} under n.
func findRef(n *yaml.Node, ref, ptr string) (string, bool) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "$ref" && v.Value == ref {
				return ptr + "/$ref", true
			}
			if p, ok := findRef(v, ref, ptr+"/"+escapePointer(k.Value)); ok {
				return p, true
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p, ok := findRef(c, ref, ptr+"/"+strconv.Itoa(i)); ok {
				return p, true
			}
		}
	}
	return "", false
}

// findPair returns the JSON pointer of the first key: value pair under n.
func findPair(n *yaml.Node, key, value, ptr string) (string, bool) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == key && v.Kind == yaml.ScalarNode && v.Value == value {
				return ptr + "/" + escapePointer(k.Value), true
			}
			if p, ok := findPair(v, key, value, ptr+"/"+escapePointer(k.Value)); ok {
				return p, true
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p, ok := findPair(c, key, value, ptr+"/"+strconv.Itoa(i)); ok {
				return p, true
			}
		}
	}
	return "", false
}

// pairLine returns the line of the first key: value pair under n.
func pairLine(n *yaml.Node, key, value string) (int, bool) {
	for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		if k, v := n.Content[i], n.Content[i+1]; k.Value == key && v.Kind == yaml.ScalarNode && v.Value == value {
			return k.Line, true
		}
	}
	for _, c := range n.Content {
		if line, ok := pairLine(c, key, value); ok {
			return line, true
		}
	}
	return 0, false
}

func escapePointer(s string) string {
	return jsonpointer.Escape(s)
}
