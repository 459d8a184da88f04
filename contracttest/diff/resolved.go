package diff

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pb33f/libopenapi/what-changed/model"
	"go.yaml.in/yaml/v3"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
)

// recomposing are the keywords whose change may recompose a schema without changing its
// values: a $ref given or dropped, a composition, a type given or dropped beside one.
var recomposing = map[string]bool{"$ref": true, "allOf": true, "oneOf": true, "anyOf": true, "not": true}

// recomposed reports whether a schema's own changes recompose it (see recomposing).
func recomposed(s *model.SchemaChanges) bool {
	for _, ch := range s.Changes {
		if recomposing[ch.Property] || ch.Property == "type" && (ch.Original == "" || ch.New == "") {
			return true
		}
	}
	return false
}

// structural are the keywords the resolved comparison judges; the other changes of a
// recomposed schema's own node (its description, an extension) are reported as they are.
var structural = map[string]bool{
	"$ref": true, "allOf": true, "oneOf": true, "anyOf": true, "not": true, "type": true, "format": true,
	"enum": true, "properties": true, "required": true, "items": true, "additionalProperties": true,
	"nullable": true, "maxLength": true, "maximum": true, "maxItems": true, "maxProperties": true,
	"minLength": true, "minimum": true, "minItems": true, "minProperties": true, "pattern": true,
	"multipleOf": true, "exclusiveMaximum": true, "exclusiveMinimum": true, "uniqueItems": true,
}

// compareRecomposed compares a recomposed schema by its resolved shapes: on the wire,
// member by member, what its $refs and allOf say in each document; for a Go client, the Go
// type the generator writes for it. A recomposition that changes neither is information.
// where names the change's place; oldPtr and newPtr are the schema in each document.
func (c *comparison) compareRecomposed(where, oldPtr, newPtr string, opName []string) {
	o, n := c.old.shapeAt(oldPtr), c.new.shapeAt(newPtr)
	if o == nil || n == nil {
		return
	}
	dir := directionOf(where, c.old, c.new)
	before := len(c.out)
	c.compareShapes(where, o, n, dir, opName)
	broken := false
	for _, ch := range c.out[before:] {
		broken = broken || ch.Breaking
	}
	// A Go type that changes is compareGoTypes's.
	if len(c.out) == before && c.old.goType(oldPtr) == c.new.goType(newPtr) {
		c.add("schema-recomposed", Change{Kind: OtherChange, Where: where, Detail: "the same values and Go type, composed otherwise",
			OldPointer: oldPtr, NewPointer: newPtr, Operations: opName}, where)
	}
}

// compareGoTypes reports, for every component schema in both documents, the places where
// the Go type the generator writes changes (a member's named type made an inline struct, a
// struct made an alias of another component, another component referred to) and no other
// change there already breaks a Go client. It follows inline objects, not $refs: a
// referred component is compared at its own place.
func (c *comparison) compareGoTypes() {
	oldS, newS := mapValue(mapValue(c.old.root, "components"), "schemas"), mapValue(mapValue(c.new.root, "components"), "schemas")
	if oldS == nil || newS == nil {
		return
	}
	for i := 0; i+1 < len(oldS.Content); i += 2 {
		name := oldS.Content[i].Value
		if n := mapValue(newS, name); n != nil {
			c.compareGoType(jsonpointer.Join("components", "schemas", name), oldS.Content[i+1], n, 0)
		}
	}
}

func (c *comparison) compareGoType(ptr string, o, n *yaml.Node, depth int) {
	og, ng := c.old.goTypeOf(o, 0), c.new.goTypeOf(n, 0)
	if og == ng || depth > maxShapeDepth {
		return
	}
	if strings.HasPrefix(og, "struct{") && strings.HasPrefix(ng, "struct{") {
		// The same struct type with other fields: the fields say which.
		oldP, newP := c.old.members(o), c.new.members(n)
		for _, name := range slices.Sorted(maps.Keys(oldP)) {
			if np, ok := newP[name]; ok {
				c.compareGoType(jsonpointer.Append(ptr+"/properties", name), oldP[name], np, depth+1)
			}
		}
		return
	}
	for _, ch := range c.out {
		if ch.Breaking && (ch.Where == ptr || strings.HasPrefix(ch.Where, ptr+"/")) {
			return // a change there already breaks the Go client
		}
	}
	c.add("schema-reshaped", Change{Kind: TypeChanged, Where: ptr, Detail: fmt.Sprintf("Go type %s is %s", goLabel(og), goLabel(ng)),
		OldPointer: ptr, NewPointer: ptr}, ptr)
}

// compareShapes reports what differs between two resolved shapes at where, with the rules
// the what-changed walk uses. A member that refers to the same component in both documents
// is left to that component's own comparison.
func (c *comparison) compareShapes(where string, o, n *shape, dir direction, opName []string) {
	if o.ref != "" && o.ref == n.ref {
		return
	}
	out := func(kind Kind, detail string) Change {
		return Change{Kind: kind, Where: where, Detail: detail, OldPointer: o.at, NewPointer: n.at, Operations: opName}
	}
	if !slices.Equal(o.types, n.types) {
		rule := "type-changed"
		switch {
		case widens(o.types, n.types) && dir&response != 0:
			rule = "response-type-widened"
		case widens(o.types, n.types):
			rule = "changed"
		}
		c.add(rule, out(TypeChanged, fmt.Sprintf("type %v is %v", o.types, n.types)), where+" type")
	}
	if o.format != n.format {
		c.add("format-changed", out(TypeChanged, fmt.Sprintf("format %q is %q", o.format, n.format)), where+" format")
	}
	if o.nullable != n.nullable {
		c.constraint(where, out(ConstraintChanged, ""), dir, &model.Change{Property: "nullable", Original: fmt.Sprint(o.nullable), New: fmt.Sprint(n.nullable), ChangeType: model.Modified})
	}
	for _, k := range slices.Sorted(maps.Keys(mergeKeys(o.limits, n.limits))) {
		a, b := o.limits[k], n.limits[k]
		if a == b {
			continue
		}
		ch := &model.Change{Property: k, Original: a, New: b, ChangeType: model.Modified}
		switch {
		case a == "":
			ch.ChangeType = model.PropertyAdded
		case b == "":
			ch.ChangeType = model.PropertyRemoved
		}
		c.constraint(where, out(ConstraintChanged, ""), dir, ch)
	}
	c.enumChanges(where, o.at, n.at, o.closed, o.open, n.closed, n.open, dir)
	for _, name := range o.required {
		if !slices.Contains(n.required, name) {
			rule := "member-made-optional"
			if dir&response != 0 {
				rule = "response-member-made-optional"
			}
			c.add(rule, out(RequiredChanged, fmt.Sprintf("%q was %q", name, "removed")), where+" "+name)
		}
	}
	for _, name := range n.required {
		if !slices.Contains(o.required, name) {
			rule := "member-made-required"
			if dir&request != 0 {
				rule = "request-member-made-required"
			}
			c.add(rule, out(RequiredChanged, fmt.Sprintf("%q was %q", name, "added")), where+" "+name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(o.props)) {
		member := jsonpointer.Append(where+"/properties", name)
		np, ok := n.props[name]
		if ok {
			c.compareShapes(member, o.props[name], np, dir, opName)
			continue
		}
		rule := "request-member-removed"
		if dir&response != 0 {
			rule = "optional-response-member-removed"
			if slices.Contains(o.required, name) {
				rule = "response-member-removed"
			}
		}
		c.add(rule, Change{Kind: FieldRemoved, Where: member, OldPointer: o.props[name].at, Operations: opName}, member)
	}
	for _, name := range slices.Sorted(maps.Keys(n.props)) {
		if _, ok := o.props[name]; !ok {
			member := jsonpointer.Append(where+"/properties", name)
			c.add("member-added", Change{Kind: FieldAdded, Where: member, NewPointer: n.props[name].at, Operations: opName}, member)
		}
	}
	for _, sub := range []struct {
		key  string
		a, b *shape
	}{{"items", o.items, n.items}, {"additionalProperties", o.extra, n.extra}} {
		switch {
		case sub.a != nil && sub.b != nil:
			c.compareShapes(where+"/"+sub.key, sub.a, sub.b, dir, opName)
		case sub.a != nil || sub.b != nil:
			c.add("changed", out(OtherChange, sub.key+" "+map[bool]string{true: "added", false: "removed"}[sub.b != nil]), where+" "+sub.key)
		}
	}
	if o.noExtra != n.noExtra {
		c.add("changed", out(OtherChange, fmt.Sprintf("additionalProperties: false %s", map[bool]string{true: "added", false: "removed"}[n.noExtra])), where+" closed")
	}
	if !slices.Equal(o.variants, n.variants) {
		c.add("changed", out(OtherChange, "oneOf, anyOf or not changed"), where+" variants")
	}
}

// widens reports whether the new types accept every value the old ones do: no type is any.
func widens(old, new []string) bool {
	if len(new) == 0 {
		return true
	}
	if len(old) == 0 {
		return false
	}
	for _, t := range old {
		if !slices.Contains(new, t) && !(t == "integer" && slices.Contains(new, "number")) {
			return false
		}
	}
	return true
}

func mergeKeys(a, b map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// constraint reports a constraint's change by the way the values travel, as schemaChange
// does.
func (c *comparison) constraint(where string, out Change, dir direction, ch *model.Change) {
	out.Detail = fmt.Sprintf("%s %s is %s", ch.Property, cmp.Or(ch.Original, "none"), cmp.Or(ch.New, "none"))
	rule, narrow := "changed", narrowed(ch)
	switch {
	case dir&request != 0 && narrow:
		rule = "request-constraint-narrowed"
	case dir&response != 0 && !narrow:
		rule = "response-constraint-relaxed"
	}
	c.add(rule, out, where+" "+ch.Property)
}

// enumChanges reports the values removed from and added to an enumeration (closed or
// extensible), by the way its values travel.
func (c *comparison) enumChanges(where, oldAt, newAt string, oldClosed, oldOpen, newClosed, newOpen []string, dir direction) {
	oldAll, newAll := append(slices.Clone(oldClosed), oldOpen...), append(slices.Clone(newClosed), newOpen...)
	for _, v := range oldAll {
		if slices.Contains(newAll, v) {
			continue
		}
		rule := "enum-value-removed"
		if dir&request != 0 {
			rule = "request-enum-value-removed"
		}
		c.add(rule, Change{Kind: EnumValueRemoved, Where: where, Detail: v, OldPointer: oldAt, NewPointer: newAt}, v)
	}
	for _, v := range newAll {
		if slices.Contains(oldAll, v) {
			continue
		}
		rule := "enum-value-added"
		switch {
		case slices.Contains(newOpen, v):
			rule = "extensible-enum-value-added"
		case dir&response != 0:
			rule = "response-enum-value-added"
		}
		c.add(rule, Change{Kind: EnumValueAdded, Where: where, Detail: v, OldPointer: oldAt, NewPointer: newAt}, v)
	}
}

// bodyRecomposed compares a request or answer body whose schema is written otherwise in
// the new document (a $ref for an inline schema, an allOf around it) by its resolved
// shape, and reports whether it did: when either side is no $ref or an allOf of one $ref,
// the schemas are compared member by member; two different $refs are a body changed. The
// body's Go type is the component's for a $ref, and for an allOf of one $ref in a schema
// marked x-qiwi-variants (the generator drops the variants); any other inline schema is a
// type of the operation's own (oapi-codegen's OperationJSONBody).
func (c *comparison) bodyRecomposed(oldPtr, newPtr string, opName []string) bool {
	o, n := c.old.shapeAt(oldPtr), c.new.shapeAt(newPtr)
	if o == nil || n == nil {
		return false
	}
	oldRef, _ := c.old.node(oldPtr + "/$ref")
	newRef, _ := c.new.node(newPtr + "/$ref")
	if oldRef != nil && newRef != nil {
		return false // another schema: request-body-changed
	}
	before := len(c.out)
	where := newPtr
	c.compareShapes(where, o, n, directionOf(where), opName)
	broken := false
	for _, ch := range c.out[before:] {
		broken = broken || ch.Breaking
	}
	og, ng := c.old.bodyGoType(oldPtr), c.new.bodyGoType(newPtr)
	switch {
	case og != ng && !broken:
		c.add("schema-reshaped", Change{Kind: TypeChanged, Where: where, Detail: fmt.Sprintf("the body's Go type %s is %s", og, ng),
			OldPointer: oldPtr, NewPointer: newPtr, Operations: opName}, where)
	case len(c.out) == before:
		c.add("schema-recomposed", Change{Kind: OtherChange, Where: where, Detail: "the same values and Go type, composed otherwise",
			OldPointer: oldPtr, NewPointer: newPtr, Operations: opName}, where)
	}
	return true
}
