package generator

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"

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
	if m := badValueInMessage.FindStringSubmatch(ie.Err.Error()); m != nil {
		// kin-openapi names the schema it was validating (often one that merely refers to
		// the broken one): find the keyword itself in the spec and in the overlay.
		key, value := m[1], m[2]
		var root yaml.Node
		if yaml.Unmarshal(spec, &root) == nil && len(root.Content) > 0 {
			if ptr, ok := findPair(root.Content[0], key, value, ""); ok {
				// The pointer says where; the schema kin-openapi names would mislead.
				ie.Pointer = ptr
				ie.Err = errors.New("unsupported '" + key + "' value \"" + value + "\"")
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
