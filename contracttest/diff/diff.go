// Package diff compares two OpenAPI documents (the upstream crawl against the curated base, or
// two versions of the resolved spec) with libopenapi's what-changed, and classifies each
// change as breaking or not for a Go client of this generator: what removes or changes a
// method, a type, a field or an enum constant breaks; what adds an optional one does not.
//
// Operations are compared by method and full path (the server's base path joined with the
// path), and matched by operationId when they moved, so that a crawl listing /partner in its
// paths and a spec listing it in its server are compared operation for operation.
package diff

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/what-changed/model"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/spec/ext"
)

// Kind names what changed.
type Kind string

// The kinds of change.
const (
	OperationRemoved Kind = "operation removed"
	OperationAdded   Kind = "operation added"
	OperationMoved   Kind = "operation moved"
	OperationRenamed Kind = "operation renamed"
	SchemaRemoved    Kind = "schema removed"
	SchemaAdded      Kind = "schema added"
	FieldRemoved     Kind = "field removed"
	FieldAdded       Kind = "field added"
	TypeChanged      Kind = "type changed"
	RequiredChanged  Kind = "required changed"
	EnumValueRemoved Kind = "enum value removed"
	EnumValueAdded   Kind = "enum value added"
	OtherChange      Kind = "changed"
)

// Change is one difference between the documents.
type Change struct {
	// Kind says what changed.
	Kind Kind `json:"kind"`
	// Breaking is set when the change breaks a Go client generated from the old document.
	Breaking bool `json:"breaking"`
	// Where names the operation ("PUT /partner/payin/...") or the JSON pointer of the schema
	// node.
	Where string `json:"where"`
	// Detail says what it was and what it is.
	Detail string `json:"detail,omitempty"`
	// OldLine and NewLine are the lines in each document, 0 when unknown.
	OldLine int `json:"oldLine,omitempty"`
	NewLine int `json:"newLine,omitempty"`
}

// String formats the change as one report line.
func (c Change) String() string {
	mark := "         "
	if c.Breaking {
		mark = "BREAKING "
	}
	s := mark + string(c.Kind) + ": " + c.Where
	if c.Detail != "" {
		s += ": " + c.Detail
	}
	return s
}

// Report is the comparison of two documents.
type Report struct {
	// Changes in a stable order: operations first, then schemas, by location.
	Changes []Change `json:"changes"`
}

// Breaking counts the breaking changes.
func (r Report) Breaking() int {
	n := 0
	for _, c := range r.Changes {
		if c.Breaking {
			n++
		}
	}
	return n
}

// Compare compares the old document with the new one.
func Compare(oldSpec, newSpec []byte) (Report, error) {
	oldDoc, err := libopenapi.NewDocument(oldSpec)
	if err != nil {
		return Report{}, fmt.Errorf("old document: %w", err)
	}
	newDoc, err := libopenapi.NewDocument(newSpec)
	if err != nil {
		return Report{}, fmt.Errorf("new document: %w", err)
	}
	oldModel, err := oldDoc.BuildV3Model()
	if err != nil {
		return Report{}, fmt.Errorf("old document: %w", err)
	}
	newModel, err := newDoc.BuildV3Model()
	if err != nil {
		return Report{}, fmt.Errorf("new document: %w", err)
	}
	var r Report
	r.Changes = append(r.Changes, compareOperations(&oldModel.Model, &newModel.Model)...)
	r.Changes = append(r.Changes, compareSchemas(&oldModel.Model, &newModel.Model)...)
	changes, err := libopenapi.CompareDocuments(oldDoc, newDoc)
	if err != nil {
		return Report{}, fmt.Errorf("what-changed: %w", err)
	}
	if changes != nil && changes.ComponentsChanges != nil {
		for _, name := range slices.Sorted(maps.Keys(changes.ComponentsChanges.SchemaChanges)) {
			walkSchema(&r, jsonpointer.Join("components", "schemas", name), changes.ComponentsChanges.SchemaChanges[name])
		}
	}
	sort.SliceStable(r.Changes, func(i, j int) bool {
		a, b := r.Changes[i], r.Changes[j]
		if strings.HasPrefix(a.Where, "/") != strings.HasPrefix(b.Where, "/") {
			return !strings.HasPrefix(a.Where, "/")
		}
		return a.Where < b.Where
	})
	return r, nil
}

// operation is one operation of a document: method and full path, and, when the document
// records it (x-qiwi-upstream), the method and path the operation had in the crawl it was
// curated from.
type operation struct {
	method, path, id string
	upstream         string // "METHOD /path" in the crawl, "" if not recorded
	line             int
}

var paramName = regexp.MustCompile(`\{[^}]*\}`)

// key is the operation's identity whatever its parameters are called.
func (o operation) key() string { return o.method + " " + paramName.ReplaceAllString(o.path, "{}") }

func operations(m *v3.Document) []operation {
	base := ""
	if len(m.Servers) > 0 {
		if u, err := url.Parse(paramName.ReplaceAllString(m.Servers[0].URL, "host")); err == nil {
			base = strings.TrimRight(u.Path, "/")
		}
	}
	var out []operation
	if m.Paths == nil {
		return nil
	}
	for path, item := range m.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			o := operation{method: strings.ToUpper(method), path: base + path, id: op.OperationId}
			if low := op.GoLow(); low != nil && low.KeyNode != nil {
				o.line = low.KeyNode.Line
			}
			if op.Extensions != nil {
				if n, ok := op.Extensions.Get(ext.Upstream); ok && n != nil {
					var up struct{ Method, Path string }
					if n.Decode(&up) == nil && up.Method != "" && up.Path != "" {
						o.upstream = operation{method: strings.ToUpper(up.Method), path: up.Path}.key()
					}
				}
			}
			out = append(out, o)
		}
	}
	return out
}

// compareOperations reports operations removed, added and moved (same operationId, another
// method or path).
func compareOperations(oldM, newM *v3.Document) []Change {
	oldOps, newOps := operations(oldM), operations(newM)
	newByKey, newByID, newByUpstream := map[string]operation{}, map[string]operation{}, map[string]operation{}
	for _, o := range newOps {
		newByKey[o.key()] = o
		if o.id != "" {
			newByID[o.id] = o
		}
		if o.upstream != "" {
			newByUpstream[o.upstream] = o
		}
	}
	matched := map[string]bool{}
	var out []Change
	for _, o := range oldOps {
		// The same method, path and operationId is the same operation; else where the new
		// document says the operation came from; else the same method and path (renamed);
		// else the same operationId (moved).
		same, sameKey := newByKey[o.key()]
		if sameKey && same.id == o.id {
			matched[same.key()] = true
			continue
		}
		n, ok := newByUpstream[o.key()]
		if !ok && sameKey {
			matched[same.key()] = true
			out = append(out, Change{Kind: OperationRenamed, Breaking: true, Where: o.method + " " + o.path,
				Detail: fmt.Sprintf("%s is %s", o.id, same.id), OldLine: o.line, NewLine: same.line})
			continue
		}
		if !ok && o.id != "" {
			n, ok = newByID[o.id]
		}
		if ok {
			matched[n.key()] = true
			out = append(out, Change{Kind: OperationMoved, Breaking: true, Where: o.method + " " + o.path,
				Detail: fmt.Sprintf("%s is %s %s (%s)", o.id, n.method, n.path, n.id), OldLine: o.line, NewLine: n.line})
			continue
		}
		out = append(out, Change{Kind: OperationRemoved, Breaking: true, Where: o.method + " " + o.path, Detail: o.id, OldLine: o.line})
	}
	for _, n := range newOps {
		if !matched[n.key()] {
			out = append(out, Change{Kind: OperationAdded, Where: n.method + " " + n.path, Detail: n.id, NewLine: n.line})
		}
	}
	return out
}

// compareSchemas reports component schemas added and removed, and the values each open or
// closed enumeration gains or loses (the Go constants of the generated client).
func compareSchemas(oldM, newM *v3.Document) []Change {
	oldS, newS := schemas(oldM), schemas(newM)
	var out []Change
	for _, name := range slices.Sorted(maps.Keys(oldS)) {
		ptr := jsonpointer.Join("components", "schemas", name)
		n, ok := newS[name]
		if !ok {
			out = append(out, Change{Kind: SchemaRemoved, Breaking: true, Where: ptr})
			continue
		}
		oldValues, newValues := enumValues(oldS[name]), enumValues(n)
		for _, v := range oldValues {
			if !slices.Contains(newValues, v) {
				out = append(out, Change{Kind: EnumValueRemoved, Breaking: true, Where: ptr, Detail: v})
			}
		}
		for _, v := range newValues {
			if !slices.Contains(oldValues, v) {
				out = append(out, Change{Kind: EnumValueAdded, Where: ptr, Detail: v})
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(newS)) {
		if _, ok := oldS[name]; !ok {
			out = append(out, Change{Kind: SchemaAdded, Where: jsonpointer.Join("components", "schemas", name)})
		}
	}
	return out
}

func schemas(m *v3.Document) map[string]*base.Schema {
	out := map[string]*base.Schema{}
	if m.Components == nil || m.Components.Schemas == nil {
		return out
	}
	for name, proxy := range m.Components.Schemas.FromOldest() {
		if s := proxy.Schema(); s != nil {
			out[name] = s
		}
	}
	return out
}

// enumValues are a schema's enum values and x-extensible-enum values, as text.
func enumValues(s *base.Schema) []string {
	var out []string
	for _, n := range s.Enum {
		out = append(out, n.Value)
	}
	if s.Extensions != nil {
		if n, ok := s.Extensions.Get("x-extensible-enum"); ok && n != nil {
			for _, item := range n.Content {
				out = append(out, item.Value)
			}
		}
	}
	return out
}

func line(c *model.Change, newSide bool) int {
	if c.Context == nil {
		return 0
	}
	if newSide && c.Context.NewLine != nil {
		return *c.Context.NewLine
	}
	if !newSide && c.Context.OriginalLine != nil {
		return *c.Context.OriginalLine
	}
	return 0
}

// walkSchema turns the changes of one schema, and of the schemas it holds, into report
// changes at their JSON pointers.
func walkSchema(r *Report, ptr string, s *model.SchemaChanges) {
	if s == nil {
		return
	}
	if s.PropertyChanges != nil {
		for _, c := range s.Changes {
			r.Changes = append(r.Changes, schemaChange(ptr, c))
		}
	}
	if s.ExtensionChanges != nil {
		for _, c := range s.ExtensionChanges.Changes {
			r.Changes = append(r.Changes, extensionChange(ptr, c)...)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.SchemaPropertyChanges)) {
		walkSchema(r, jsonpointer.Append(ptr+"/properties", name), s.SchemaPropertyChanges[name])
	}
	walkSchema(r, ptr+"/items", s.ItemsChanges)
	walkSchema(r, ptr+"/additionalProperties", s.AdditionalPropertiesChanges)
	for kind, list := range map[string][]*model.SchemaChanges{"allOf": s.AllOfChanges, "oneOf": s.OneOfChanges, "anyOf": s.AnyOfChanges} {
		for i, sub := range list {
			walkSchema(r, fmt.Sprintf("%s/%s/%d", ptr, kind, i), sub)
		}
	}
}

// schemaChange classifies one change of a schema's own keywords.
func schemaChange(ptr string, c *model.Change) Change {
	ch := Change{Where: ptr, OldLine: line(c, false), NewLine: line(c, true)}
	switch c.Property {
	case "properties":
		ch.Where = jsonpointer.Append(ptr+"/properties", firstNonEmpty(c.Original, c.New))
		if c.ChangeType == model.ObjectRemoved || c.ChangeType == model.PropertyRemoved {
			ch.Kind, ch.Breaking = FieldRemoved, true
		} else {
			ch.Kind = FieldAdded
		}
	case "type", "format":
		ch.Kind, ch.Breaking = TypeChanged, true
		ch.Detail = fmt.Sprintf("%s %q is %q", c.Property, c.Original, c.New)
	case "$ref":
		ch.Kind, ch.Breaking = TypeChanged, true
		ch.Detail = "it refers to another schema"
	case "required":
		// The Go field of a member that becomes required (or stops being) changes type
		// between a pointer and a value.
		ch.Kind, ch.Breaking = RequiredChanged, true
		ch.Detail = fmt.Sprintf("%q was %q", firstNonEmpty(c.New, c.Original), changeVerb(c))
	default:
		ch.Kind = OtherChange
		ch.Detail = fmt.Sprintf("%s %s", c.Property, changeVerb(c))
	}
	return ch
}

// extensionChange reports a change of a schema's extensions; the enumeration values of
// x-extensible-enum are compared apart (compareSchemas), and other extensions change no Go
// type.
func extensionChange(ptr string, c *model.Change) []Change {
	if c.Property == "x-extensible-enum" {
		return nil
	}
	return []Change{{Kind: OtherChange, Where: ptr, Detail: c.Property + " " + changeVerb(c), OldLine: line(c, false), NewLine: line(c, true)}}
}

func changeVerb(c *model.Change) string {
	switch c.ChangeType {
	case model.PropertyAdded, model.ObjectAdded:
		return "added"
	case model.PropertyRemoved, model.ObjectRemoved:
		return "removed"
	}
	return "modified"
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
