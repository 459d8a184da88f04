package diff

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/spec/ext"
)

// shape is a schema as its values travel: its $refs followed, its allOf (and a oneOf or
// anyOf of one branch) merged, descriptions and other words left out. Two schemas of one
// shape accept the same values, however they are composed.
type shape struct {
	at       string   // the pointer of the node the shape is read from ($ref followed)
	ref      string   // the component it refers to ($ref, or an allOf of that one $ref alone)
	types    []string // sorted; none: any type
	format   string
	nullable bool
	closed   []string // enum
	open     []string // x-extensible-enum
	props    map[string]*shape
	required []string // sorted
	items    *shape
	extra    *shape // additionalProperties as a schema
	noExtra  bool   // additionalProperties: false
	limits   map[string]string
	variants []string // oneOf, anyOf (of more than one branch) and not, each in canonical form
}

// maxShapeDepth bounds how deep a shape is read (a recursive schema is cut off at its
// second visit anyway).
const maxShapeDepth = 48

// shapeAt reads the shape of the schema at the pointer; nil when there is none.
func (t *tree) shapeAt(ptr string) *shape {
	n, _, at := t.resolve(ptr)
	if n == nil {
		return nil
	}
	return t.shapeOf(n, at, map[string]bool{}, 0)
}

// shapeOf reads the shape of a schema node written at the pointer at; seen holds the
// $refs being read (a recursive schema stops at its second visit).
func (t *tree) shapeOf(n *yaml.Node, at string, seen map[string]bool, depth int) *shape {
	s := &shape{at: at, limits: map[string]string{}}
	if n == nil || n.Kind != yaml.MappingNode || depth > maxShapeDepth {
		return s
	}
	if ref := mapValue(n, "$ref"); ref != nil {
		s.ref = ref.Value
		if !strings.HasPrefix(ref.Value, "#/") || seen[ref.Value] {
			s.types = []string{"recursive " + ref.Value}
			return s
		}
		target, _, targetAt := t.resolve(ref.Value[1:])
		if target == nil {
			s.types = []string{"unresolved " + ref.Value}
			return s
		}
		seen[ref.Value] = true
		defer delete(seen, ref.Value)
		out := t.shapeOf(target, targetAt, seen, depth+1)
		out.ref = ref.Value
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, v := n.Content[i].Value, n.Content[i+1]
		switch key {
		case "type":
			if v.Kind == yaml.SequenceNode {
				for _, e := range v.Content {
					s.types = append(s.types, e.Value)
				}
			} else {
				s.types = []string{v.Value}
			}
		case "format":
			s.format = v.Value
		case "nullable":
			s.nullable = v.Value == "true"
		case "enum", ext.ExtensibleEnum:
			var values []string
			for _, e := range v.Content {
				values = append(values, e.Value)
			}
			if key == "enum" {
				s.closed = values
			} else {
				s.open = values
			}
		case "properties":
			s.props = map[string]*shape{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				name := v.Content[j].Value
				s.props[name] = t.shapeOf(v.Content[j+1], jsonpointer.Append(at+"/properties", name), seen, depth+1)
			}
		case "required":
			for _, e := range v.Content {
				s.required = append(s.required, e.Value)
			}
		case "items":
			s.items = t.shapeOf(v, at+"/items", seen, depth+1)
		case "additionalProperties":
			switch {
			case v.Kind == yaml.ScalarNode && v.Value == "false":
				s.noExtra = true
			case v.Kind == yaml.MappingNode:
				s.extra = t.shapeOf(v, at+"/additionalProperties", seen, depth+1)
			}
		case "not":
			s.variants = append(s.variants, "not "+t.shapeOf(v, at+"/not", seen, depth+1).canon())
		default:
			if _, ok := narrowing[key]; ok && key != "nullable" {
				s.limits[key] = v.Value
			}
		}
	}
	slices.Sort(s.types)
	// allOf merges; so does a oneOf or anyOf of one branch. A oneOf or anyOf of plain types
	// (string or integer) is a value of either type; other ones are variants, compared whole.
	for _, kind := range []string{"allOf", "oneOf", "anyOf"} {
		list := mapValue(n, kind)
		if list == nil || list.Kind != yaml.SequenceNode {
			continue
		}
		branches := make([]*shape, len(list.Content))
		for i, b := range list.Content {
			branches[i] = t.shapeOf(b, fmt.Sprintf("%s/%s/%d", at, kind, i), seen, depth+1)
		}
		if kind == "allOf" || len(branches) == 1 {
			for _, b := range branches {
				s.merge(b)
			}
			continue
		}
		if union, ok := typeUnion(branches); ok && s.types == nil {
			s.types, s.nullable = union, s.nullable || slices.ContainsFunc(branches, func(b *shape) bool { return b.nullable })
			continue
		}
		var parts []string
		same := true
		for _, b := range branches {
			parts = append(parts, b.canon())
			same = same && len(b.types) > 0 && slices.Equal(b.types, branches[0].types)
		}
		if same && s.types == nil {
			s.types = branches[0].types // variants of one type: that type
		}
		s.variants = append(s.variants, kind+" ["+strings.Join(parts, ", ")+"]")
	}
	if onlyFrom(n) {
		s.ref = mapValue(mapValue(n, "allOf").Content[0], "$ref").Value
	}
	slices.Sort(s.variants)
	return s
}

// onlyFrom reports whether a schema node is an allOf of one $ref and words (description,
// x-qiwi-variants beside validation-only variants): the referred schema under another
// description.
func onlyFrom(n *yaml.Node) bool {
	all := mapValue(n, "allOf")
	if all == nil || len(all.Content) != 1 || mapValue(all.Content[0], "$ref") == nil {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch key := n.Content[i].Value; {
		case key == "allOf", key == "description", key == "title", key == "example", key == "examples":
		case strings.HasPrefix(key, "x-") && key != ext.ExtensibleEnum:
		default:
			return false
		}
	}
	return true
}

// typeUnion is the types of a oneOf or anyOf whose branches are plain types.
func typeUnion(branches []*shape) ([]string, bool) {
	var out []string
	for _, b := range branches {
		if len(b.types) == 0 || b.props != nil || b.items != nil || b.extra != nil || len(b.closed)+len(b.open)+len(b.variants)+len(b.limits) > 0 {
			return nil, false
		}
		out = append(out, b.types...)
	}
	slices.Sort(out)
	return slices.Compact(out), true
}

// merge adds what b says to s, as allOf does: both hold.
func (s *shape) merge(b *shape) {
	switch {
	case s.types == nil:
		s.types = b.types
	case b.types != nil:
		s.types = slices.DeleteFunc(slices.Clone(s.types), func(t string) bool { return !slices.Contains(b.types, t) })
	}
	if s.format == "" {
		s.format = b.format
	}
	s.nullable = s.nullable || b.nullable
	s.closed = intersect(s.closed, b.closed)
	s.open = intersect(s.open, b.open)
	if b.props != nil {
		if s.props == nil {
			s.props = map[string]*shape{}
		}
		for name, p := range b.props {
			if mine, ok := s.props[name]; ok {
				mine.merge(p)
			} else {
				s.props[name] = p
			}
		}
	}
	s.required = append(s.required, b.required...)
	slices.Sort(s.required)
	s.required = slices.Compact(s.required)
	switch {
	case s.items == nil:
		s.items = b.items
	case b.items != nil:
		s.items.merge(b.items)
	}
	switch {
	case s.extra == nil:
		s.extra = b.extra
	case b.extra != nil:
		s.extra.merge(b.extra)
	}
	s.noExtra = s.noExtra || b.noExtra
	for k, v := range b.limits {
		old, ok := s.limits[k]
		if !ok {
			s.limits[k] = v
			continue
		}
		// Both hold: the narrower one.
		var a, bv float64
		if _, err := fmt.Sscan(old, &a); err != nil {
			continue
		}
		if _, err := fmt.Sscan(v, &bv); err != nil {
			continue
		}
		if sign := narrowing[k]; sign != 0 && (bv-a)*float64(sign) > 0 {
			s.limits[k] = v
		}
	}
	s.variants = append(s.variants, b.variants...)
}

// intersect is the values both lists allow; a list that is absent allows any.
func intersect(a, b []string) []string {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return slices.DeleteFunc(slices.Clone(a), func(v string) bool { return !slices.Contains(b, v) })
}

// canon writes the shape in one canonical line: two shapes are the same when their lines
// are.
func (s *shape) canon() string {
	if s == nil {
		return "none"
	}
	var b strings.Builder
	b.WriteString("{")
	fmt.Fprintf(&b, "type %v", s.types)
	if s.format != "" {
		b.WriteString(" format " + s.format)
	}
	if s.nullable {
		b.WriteString(" nullable")
	}
	if s.closed != nil {
		fmt.Fprintf(&b, " enum %v", sorted(s.closed))
	}
	if s.open != nil {
		fmt.Fprintf(&b, " open %v", sorted(s.open))
	}
	if s.props != nil {
		b.WriteString(" properties {")
		for _, name := range slices.Sorted(maps.Keys(s.props)) {
			b.WriteString(name + ": " + s.props[name].canon() + ", ")
		}
		b.WriteString("}")
	}
	if len(s.required) > 0 {
		fmt.Fprintf(&b, " required %v", s.required)
	}
	if s.items != nil {
		b.WriteString(" items " + s.items.canon())
	}
	if s.extra != nil {
		b.WriteString(" additional " + s.extra.canon())
	}
	if s.noExtra {
		b.WriteString(" closed")
	}
	for _, k := range slices.Sorted(maps.Keys(s.limits)) {
		b.WriteString(" " + k + " " + s.limits[k])
	}
	for _, v := range s.variants {
		b.WriteString(" " + v)
	}
	b.WriteString("}")
	return b.String()
}

func sorted(v []string) []string {
	out := slices.Clone(v)
	sort.Strings(out)
	return out
}

// goType names the Go type oapi-codegen (as the generator runs it) writes for the schema
// node at the pointer: a component's name for a $ref (and for an allOf of one $ref, which
// oapi-codegen writes as the referred type), x-go-type when given, a struct of the merged
// members for an inline object or an allOf of more, a union for a oneOf or anyOf the
// generator keeps (those of a schema marked x-qiwi-variants it drops), else the Go type of
// the JSON type. "" when there is no node.
func (t *tree) goType(ptr string) string {
	n, _, _ := t.resolve(ptr)
	if n == nil {
		return ""
	}
	return t.goTypeOf(n, 0)
}

func (t *tree) goTypeOf(n *yaml.Node, depth int) string {
	if n == nil || n.Kind != yaml.MappingNode || depth > maxShapeDepth {
		return "interface{}"
	}
	if ref := mapValue(n, "$ref"); ref != nil {
		// A component with x-go-type is that type.
		if target, _ := t.node(strings.TrimPrefix(ref.Value, "#")); target != nil {
			if g := mapValue(target, "x-go-type"); g != nil {
				return goTypeName(g.Value)
			}
		}
		return ref.Value[strings.LastIndex(ref.Value, "/")+1:]
	}
	if g := mapValue(n, "x-go-type"); g != nil {
		return goTypeName(g.Value)
	}
	variants := mapValue(n, ext.Variants) != nil
	all := mapValue(n, "allOf")
	if all != nil && len(all.Content) == 1 && mapValue(n, "properties") == nil {
		return t.goTypeOf(all.Content[0], depth+1)
	}
	if !variants {
		for _, kind := range []string{"oneOf", "anyOf"} {
			if list := mapValue(n, kind); list != nil && len(list.Content) > 0 {
				var parts []string
				for _, b := range list.Content {
					parts = append(parts, t.goTypeOf(b, depth+1))
				}
				return kind + "(" + strings.Join(parts, " | ") + ")"
			}
		}
	}
	if all != nil {
		// oapi-codegen merges the branches' members into one struct.
		var fields []string
		for _, b := range append([]*yaml.Node{n}, all.Content...) {
			fields = append(fields, t.goFields(b, depth+1)...)
		}
		slices.Sort(fields)
		return "struct{" + strings.Join(slices.Compact(fields), "; ") + "}"
	}
	typ := ""
	if v := mapValue(n, "type"); v != nil {
		typ = v.Value
	}
	format := ""
	if v := mapValue(n, "format"); v != nil {
		format = v.Value
	}
	switch {
	case typ == "array":
		return "[]" + t.goTypeOf(mapValue(n, "items"), depth+1)
	case mapValue(n, "properties") != nil:
		return "struct{" + strings.Join(t.goFields(n, depth+1), "; ") + "}"
	case typ == "object":
		if extra := mapValue(n, "additionalProperties"); extra != nil && extra.Kind == yaml.MappingNode {
			return "map[string]" + t.goTypeOf(extra, depth+1)
		}
		return "map[string]interface{}"
	case typ == "string" && format == "date-time":
		return "time.Time"
	case typ == "string" && format == "date":
		return "openapi_types.Date"
	case typ == "string":
		return "string"
	case typ == "integer" && (format == "int32" || format == "int64"):
		return format
	case typ == "integer":
		return "int"
	case typ == "number" && format == "double":
		return "float64"
	case typ == "number":
		return "float32"
	case typ == "boolean":
		return "bool"
	}
	return "interface{}"
}

// goFields lists the Go fields of an object node's own members, sorted: name and type, a
// pointer for a member that is optional or nullable. A $ref branch's members are the
// referred schema's.
func (t *tree) goFields(n *yaml.Node, depth int) []string {
	if ref := mapValue(n, "$ref"); ref != nil && strings.HasPrefix(ref.Value, "#/") && depth <= maxShapeDepth {
		target, _ := t.node(ref.Value[1:])
		return t.goFields(target, depth+1)
	}
	props := mapValue(n, "properties")
	if props == nil {
		return nil
	}
	var required []string
	if r := mapValue(n, "required"); r != nil {
		for _, v := range r.Content {
			required = append(required, v.Value)
		}
	}
	var out []string
	for i := 0; i+1 < len(props.Content); i += 2 {
		name, p := props.Content[i].Value, props.Content[i+1]
		typ := t.goTypeOf(p, depth+1)
		if nullable := mapValue(p, "nullable"); !slices.Contains(required, name) || nullable != nil && nullable.Value == "true" {
			typ = "*" + typ
		}
		out = append(out, name+" "+typ)
	}
	slices.Sort(out)
	return out
}

// goLabel shortens a Go type for a report line.
func goLabel(s string) string {
	switch {
	case s == "":
		return "none"
	case strings.HasPrefix(s, "struct{"):
		return "a struct"
	case len(s) > 60:
		return s[:57] + "..."
	}
	return s
}

// bodyGoType names the Go type of a request or answer body's schema (see bodyRecomposed).
func (t *tree) bodyGoType(ptr string) string {
	n, _, _ := t.resolve(ptr)
	if ref := mapValue(n, "$ref"); ref != nil {
		return ref.Value[strings.LastIndex(ref.Value, "/")+1:]
	}
	if all := mapValue(n, "allOf"); all != nil && len(all.Content) == 1 && mapValue(n, ext.Variants) != nil && mapValue(n, "properties") == nil {
		if ref := mapValue(all.Content[0], "$ref"); ref != nil {
			return ref.Value[strings.LastIndex(ref.Value, "/")+1:]
		}
	}
	return "the operation's own body type"
}

// members are the member nodes of an object node as oapi-codegen merges them: its own and
// those of its allOf branches ($refs followed).
func (t *tree) members(n *yaml.Node) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	var add func(n *yaml.Node, depth int)
	add = func(n *yaml.Node, depth int) {
		if n == nil || depth > maxShapeDepth {
			return
		}
		if ref := mapValue(n, "$ref"); ref != nil && strings.HasPrefix(ref.Value, "#/") {
			target, _ := t.node(ref.Value[1:])
			add(target, depth+1)
			return
		}
		if props := mapValue(n, "properties"); props != nil {
			for i := 0; i+1 < len(props.Content); i += 2 {
				out[props.Content[i].Value] = props.Content[i+1]
			}
		}
		if all := mapValue(n, "allOf"); all != nil {
			for _, b := range all.Content {
				add(b, depth+1)
			}
		}
	}
	add(n, 0)
	return out
}

// goTypeName is an x-go-type's name without its package: a type that moves to another
// package under the same name is taken for the same type (the generator's runtime packages
// keep aliases of the names they move).
func goTypeName(s string) string {
	return s[strings.LastIndex(s, ".")+1:]
}
