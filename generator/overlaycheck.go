package generator

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	pbyaml "github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/utils"

	"github.com/qiwigen/qiwigen/generator/suggest"
)

// overlayVersion is the pattern of the Overlay 1.0 schema's overlay field.
var overlayVersion = regexp.MustCompile(`^1\.0\.\d+$`)

// The keys each object of an Overlay 1.0 document may hold besides x- extensions, from the
// Overlay 1.0 JSON schema (https://spec.openapis.org/overlay/1.0/schema/2024-10-22). The info
// object also takes description, which Overlay 1.1 adds and qiwigen's own overlays use: it
// changes nothing in the result.
var (
	overlayKeys = []string{"overlay", "info", "extends", "actions"}
	infoKeys    = []string{"title", "version", "description"}
	actionKeys  = []string{"target", "description", "update", "remove"}
)

// checkOverlayShape checks the parsed tree of an overlay against the Overlay 1.0 schema: the
// keys each object may hold (a misspelt key would otherwise be ignored, and its change lost
// without a word), the required ones and their types. Beyond the schema, each action must
// have update or remove: true, not both: an action that changes nothing is a mistake, and
// one with both would silently drop its update. libopenapi's overlay model ignores unknown
// keys and reports the rest without a position; this check runs first and gives the node at
// fault, so that the error names its line. It returns the first fault in document order.
func checkOverlayShape(root *pbyaml.Node) (*pbyaml.Node, error) {
	root = utils.ResolveMergeNodes(root)
	if n, err := checkKeys(root, "the overlay", overlayKeys); err != nil {
		return n, err
	}
	switch v := field(root, "overlay"); {
	case v == nil:
		return root, errors.New(`missing "overlay: 1.0.0"`)
	case v.Kind != pbyaml.ScalarNode:
		return v, fmt.Errorf("overlay must be the version 1.0.0, not %s", describe(v))
	case !isString(v) || !overlayVersion.MatchString(v.Value):
		return v, fmt.Errorf("overlay: %s is not a version qiwigen reads: it reads Overlay 1.0 documents (overlay: 1.0.0)", v.Value)
	}
	info := field(root, "info")
	if info == nil {
		return root, errors.New(`missing "info" (with title and version)`)
	}
	if info = utils.ResolveMergeNodes(info); info == nil || info.Kind != pbyaml.MappingNode {
		return info, fmt.Errorf("info must be a mapping with title and version, not %s", describe(info))
	}
	if n, err := checkKeys(info, "info", infoKeys); err != nil {
		return n, err
	}
	for _, k := range []string{"title", "version"} {
		if field(info, k) == nil {
			return info, fmt.Errorf("info has no %s", k)
		}
	}
	for _, k := range infoKeys {
		if n, err := checkString(info, k, "info."+k); err != nil {
			return n, err
		}
	}
	if n, err := checkString(root, "extends", "extends"); err != nil {
		return n, err
	}
	actions := field(root, "actions")
	switch {
	case actions == nil:
		return root, errors.New(`missing "actions"`)
	case actions.Kind != pbyaml.SequenceNode:
		return actions, fmt.Errorf("actions must be a list of actions, not %s", describe(actions))
	case len(actions.Content) == 0:
		return actions, errors.New("actions is empty: an overlay without actions changes nothing")
	}
	for i, a := range actions.Content {
		if n, err := checkAction(a, fmt.Sprintf("action %d", i+1)); err != nil {
			return n, err
		}
	}
	return nil, nil
}

// checkAction checks one Action Object.
func checkAction(a *pbyaml.Node, name string) (*pbyaml.Node, error) {
	a = utils.ResolveMergeNodes(a)
	if a == nil || a.Kind != pbyaml.MappingNode {
		return a, fmt.Errorf("%s must be a mapping with target and update or remove, not %s", name, describe(a))
	}
	if n, err := checkKeys(a, name, actionKeys); err != nil {
		return n, err
	}
	t := field(a, "target")
	switch {
	case t == nil:
		return a, fmt.Errorf("%s has no target", name)
	case !isString(t):
		return t, fmt.Errorf("%s: target must be a JSONPath string, not %s", name, describe(t))
	case !strings.HasPrefix(t.Value, "$"):
		return t, fmt.Errorf("%s: target %q is not a JSONPath expression (one starts with $)", name, t.Value)
	}
	if n, err := checkString(a, "description", name+": description"); err != nil {
		return n, err
	}
	update, remove := field(a, "update"), field(a, "remove")
	var removes bool
	if remove != nil && (remove.Kind != pbyaml.ScalarNode || remove.Tag != "!!bool" || remove.Decode(&removes) != nil) {
		return remove, fmt.Errorf("%s: remove must be true or false, not %s", name, describe(remove))
	}
	switch {
	case update != nil && remove != nil:
		return remove, fmt.Errorf("%s has both update and remove: give one (two actions to do both)", name)
	case update == nil && remove == nil:
		return a, fmt.Errorf("%s has neither update nor remove: it changes nothing", name)
	case remove != nil && !removes:
		return remove, fmt.Errorf("%s: remove: false without update changes nothing", name)
	}
	return nil, nil
}

// checkKeys refuses a key of m that is neither one of known nor an x- extension, naming the
// closest known key.
func checkKeys(m *pbyaml.Node, where string, known []string) (*pbyaml.Node, error) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Kind == pbyaml.ScalarNode && (strings.HasPrefix(k.Value, "x-") || slices.Contains(known, k.Value)) {
			continue
		}
		if k.Kind == pbyaml.ScalarNode && k.Tag == "!!merge" {
			continue // a << merge key: ResolveMergeNodes has brought its keys in
		}
		msg := fmt.Sprintf("%s: unknown key %q", where, k.Value)
		if near := suggest.Closest(k.Value, known, 1); len(near) > 0 {
			msg += fmt.Sprintf(" (did you mean %q?)", near[0])
		}
		msg += "; it takes " + strings.Join(known, ", ") + " and x- extensions"
		return k, errors.New(msg)
	}
	return nil, nil
}

// checkString refuses a value of key in m that is not a string; an absent key is fine.
func checkString(m *pbyaml.Node, key, name string) (*pbyaml.Node, error) {
	if v := field(m, key); v != nil && !isString(v) {
		return v, fmt.Errorf("%s must be a string, not %s", name, describe(v))
	}
	return nil, nil
}

// field returns the value of key in the mapping m, aliases resolved, or nil.
func field(m *pbyaml.Node, key string) *pbyaml.Node {
	if v := mappingValue(m, key); v != nil {
		return utils.NodeAlias(v)
	}
	return nil
}

func isString(n *pbyaml.Node) bool {
	return n != nil && n.Kind == pbyaml.ScalarNode && n.Tag == "!!str"
}

// describe names what a node is, for an error: a YAML user often writes a number or a date
// where a string is meant, and quoting it is the fix.
func describe(n *pbyaml.Node) string {
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == pbyaml.MappingNode:
		return "a mapping"
	case n.Kind == pbyaml.SequenceNode:
		return "a list"
	case n.Kind != pbyaml.ScalarNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!str":
		return fmt.Sprintf("%q", n.Value)
	case "!!null":
		return "null"
	case "!!bool":
		return fmt.Sprintf("the boolean %s", n.Value)
	case "!!int", "!!float":
		return fmt.Sprintf("the number %s (quote it to make it a string)", n.Value)
	}
	return fmt.Sprintf("%s (of type %s; quote it to make it a string)", n.Value, n.Tag)
}
