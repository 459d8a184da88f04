// Package diff compares two OpenAPI documents (the upstream crawl against the curated base, or
// two versions of the resolved spec) with libopenapi's what-changed, and gives each change a
// level (see Rules): breaking on the wire for any client (a request member made required, a
// required answer member or a request's enum value removed, a type changed, ...), breaking
// for a Go client of this generator only (a method, type, field or enum constant goes or
// changes its Go type), a warning, or information. A schema's changes are judged by the way
// its values travel: in requests, in answers and notifications, or both.
//
// Operations are compared by method and full path (the server's base path joined with the
// path), and matched by operationId when they moved, so that a crawl listing /partner in its
// paths and a spec listing it in its server are compared operation for operation.
package diff

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	goyaml "github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/what-changed/model"
	"go.yaml.in/yaml/v3"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/overlays"
	"github.com/qiwigen/qiwigen/spec/ext"
)

// Kind names what changed.
type Kind string

// The kinds of change.
const (
	OperationRemoved  Kind = "operation removed"
	OperationAdded    Kind = "operation added"
	OperationMoved    Kind = "operation moved"
	OperationRenamed  Kind = "operation renamed"
	ParameterRemoved  Kind = "parameter removed"
	ParameterAdded    Kind = "parameter added"
	ParameterChanged  Kind = "parameter changed"
	BodyChanged       Kind = "body changed"
	StatusRemoved     Kind = "answer status removed"
	StatusAdded       Kind = "answer status added"
	SchemaRemoved     Kind = "schema removed"
	SchemaAdded       Kind = "schema added"
	FieldRemoved      Kind = "field removed"
	FieldAdded        Kind = "field added"
	TypeChanged       Kind = "type changed"
	RequiredChanged   Kind = "required changed"
	EnumValueRemoved  Kind = "enum value removed"
	EnumValueAdded    Kind = "enum value added"
	ConstraintChanged Kind = "constraint changed"
	OtherChange       Kind = "changed"
)

// Change is one difference between the documents.
type Change struct {
	// ID is stable across runs and line moves: the rule and a hash of the pointers and the
	// subject ("request-member-made-required-5c1f0a9e").
	ID string `json:"id"`
	// Rule names the rule that classified the change (see Rules).
	Rule string `json:"rule"`
	// Level says whom the change breaks.
	Level Level `json:"level"`
	// Kind says what changed.
	Kind Kind `json:"kind"`
	// Breaking is set when the change breaks a Go client generated from the old document
	// (Level BreakingWire or BreakingGo).
	Breaking bool `json:"breaking"`
	// Where names the operation ("PUT /partner/payin/...") or the JSON pointer of the schema
	// node.
	Where string `json:"where"`
	// Detail says what it was and what it is.
	Detail string `json:"detail,omitempty"`
	// OldPointer and NewPointer are the JSON pointers of the changed node in each document,
	// "" on the side it is absent from.
	OldPointer string `json:"oldPointer,omitempty"`
	NewPointer string `json:"newPointer,omitempty"`
	// OldLine and NewLine are the lines in each document, 0 when unknown.
	OldLine int `json:"oldLine,omitempty"`
	NewLine int `json:"newLine,omitempty"`
	// Overlay is the overlay file:line that writes the node (in the new document, else the
	// old), "" when no overlay does.
	Overlay string `json:"overlay,omitempty"`
	// Operations are the operationIds the change touches.
	Operations []string `json:"operations,omitempty"`
	// Accepted is the ignore file's reason when it accepts the change.
	Accepted string `json:"accepted,omitempty"`
}

// String formats the change as one report line.
func (c Change) String() string {
	mark := fmt.Sprintf("%-13s ", c.Level)
	if c.Breaking {
		mark = "BREAKING " + strings.TrimPrefix(string(c.Level), "breaking-") + " "
		mark = fmt.Sprintf("%-14s", mark)
	}
	s := mark + string(c.Kind) + ": " + c.Where
	if c.Detail != "" {
		s += ": " + c.Detail
	}
	return s
}

// Report is the comparison of two documents.
type Report struct {
	// Old and New name the documents compared (a file, or REV:path).
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	// Changes in a stable order: operations first, then schemas, by location.
	Changes []Change `json:"changes"`
	// Stale are the ignore file's entries that match no change.
	Stale []Accepted `json:"stale,omitempty"`
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

// Failing counts the changes at or above the level that no ignore entry accepts; "" (never)
// counts none.
func (r Report) Failing(at Level) int {
	if at == "" {
		return 0
	}
	n := 0
	for _, c := range r.Changes {
		if c.Accepted == "" && c.Level.rank() >= at.rank() {
			n++
		}
	}
	return n
}

// Options tune a comparison.
type Options struct {
	// Overlays are the overlays the new document was made with, in the order they apply, for
	// each change's overlay line (each named in reports as its Name: overlays/10-payin.yaml);
	// none leaves Overlay empty.
	Overlays []overlays.File
}

// Compare compares the old document with the new one.
func Compare(oldSpec, newSpec []byte) (Report, error) {
	return CompareWith(oldSpec, newSpec, Options{})
}

// CompareWith compares the old document with the new one, as Compare, with options.
func CompareWith(oldSpec, newSpec []byte, opts Options) (Report, error) {
	oldDoc, err := Load(oldSpec)
	if err != nil {
		return Report{}, fmt.Errorf("old document: %w", err)
	}
	newDoc, err := Load(newSpec)
	if err != nil {
		return Report{}, fmt.Errorf("new document: %w", err)
	}
	return CompareDocuments(oldDoc, newDoc, opts)
}

// Document is an OpenAPI document read once for comparisons: its libopenapi model and its
// YAML nodes. One Document may be compared with many (a base spec with each of its
// editions), one comparison at a time.
type Document struct {
	doc   libopenapi.Document
	model *libopenapi.DocumentModel[v3.Document]
	tree  *tree
}

// Load reads a document for CompareDocuments.
func Load(data []byte) (*Document, error) {
	// The index's metadata (descriptions, enums, paths of inline schemas) is for linters;
	// what-changed and the model do without it, at a fraction of the allocations.
	doc, err := libopenapi.NewDocumentWithConfiguration(data, &datamodel.DocumentConfiguration{SkipMetadataCollection: true})
	if err != nil {
		return nil, err
	}
	// The tree reads the nodes libopenapi parsed (before its model is built on them)
	// rather than parsing the text again.
	var root *goyaml.Node
	if info := doc.GetSpecInfo(); info != nil {
		root = info.RootNode
	}
	t := newTree(copyNode(root, map[*goyaml.Node]*yaml.Node{}))
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, err
	}
	return &Document{doc: doc, model: model, tree: t}, nil
}

// CompareDocuments compares two loaded documents, as CompareWith compares their texts.
func CompareDocuments(oldDoc, newDoc *Document, opts Options) (Report, error) {
	if oldDoc == nil || newDoc == nil {
		return Report{}, errors.New("compare: a document is missing")
	}
	var err error
	c := &comparison{old: oldDoc.tree, new: newDoc.tree}
	oldModel, newModel := oldDoc.model, newDoc.model
	if c.overlays, err = newOverlayIndex(opts.Overlays); err != nil {
		return Report{}, fmt.Errorf("overlay: %w", err)
	}
	c.compareOperations(&oldModel.Model, &newModel.Model)
	c.compareSchemas(&oldModel.Model, &newModel.Model)
	changes, err := libopenapi.CompareDocuments(oldDoc.doc, newDoc.doc)
	if err != nil {
		return Report{}, fmt.Errorf("what-changed: %w", err)
	}
	if changes != nil && changes.ComponentsChanges != nil {
		for _, name := range slices.Sorted(maps.Keys(changes.ComponentsChanges.SchemaChanges)) {
			c.walkSchema(jsonpointer.Join("components", "schemas", name), changes.ComponentsChanges.SchemaChanges[name])
		}
	}
	c.compareGoTypes()
	r := Report{Changes: c.out}
	if r.Changes == nil {
		r.Changes = []Change{} // [] in JSON, not null
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

// comparison holds what a comparison reads and what it found.
type comparison struct {
	old, new *tree
	overlays overlayIndex
	out      []Change
}

// add completes a change (its rule's level, ID, lines, overlay line and operations) and
// records it.
func (c *comparison) add(rule string, ch Change, subject string) {
	r := ruleByID(rule)
	ch.Rule, ch.Level, ch.Breaking = r.ID, r.Level, r.Level.Breaking()
	// The pointers name where each node is written: a member of a referenced schema at the
	// referenced schema's place.
	if ch.OldPointer != "" {
		if _, line, at := c.old.resolve(ch.OldPointer); at != "" {
			ch.OldPointer = at
			if ch.OldLine == 0 {
				ch.OldLine = line
			}
		}
	}
	if ch.NewPointer != "" {
		if _, line, at := c.new.resolve(ch.NewPointer); at != "" {
			ch.NewPointer = at
			if ch.NewLine == 0 {
				ch.NewLine = line
			}
		}
	}
	sum := sha256.Sum256([]byte(rule + "\x00" + ch.OldPointer + "\x00" + ch.NewPointer + "\x00" + subject))
	ch.ID = rule + "-" + hex.EncodeToString(sum[:4])
	if ch.Overlay = c.overlays.locate(ch.NewPointer); ch.Overlay == "" {
		ch.Overlay = c.overlays.locate(ch.OldPointer)
	}
	if len(ch.Operations) == 0 {
		ptr := cmp.Or(ch.NewPointer, ch.OldPointer)
		ch.Operations = operationsOf(ptr, c.old, c.new)
	}
	sort.Strings(ch.Operations)
	c.out = append(c.out, ch)
}

// operation is one operation of a document: method and full path, and, when the document
// records it (x-qiwi-upstream), the method and path the operation had in the crawl it was
// curated from.
type operation struct {
	method, path, id string
	rawPath          string // the path as the document's paths list it (no server base)
	upstream         string // "METHOD /path" in the crawl, "" if not recorded
	line             int
	op               *v3.Operation
	pathParams       []*v3.Parameter // the path item's own parameters
}

var paramName = regexp.MustCompile(`\{[^}]*\}`)

// key is the operation's identity whatever its parameters are called.
func (o operation) key() string { return o.method + " " + paramName.ReplaceAllString(o.path, "{}") }

// pointer is the operation's JSON pointer in its document.
func (o operation) pointer() string {
	return jsonpointer.Join("paths", o.rawPath, strings.ToLower(o.method))
}

// name is the operationId, or METHOD /path when there is none.
func (o operation) name() string {
	if o.id != "" {
		return o.id
	}
	return o.method + " " + o.rawPath
}

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
			o := operation{method: strings.ToUpper(method), path: base + path, rawPath: path, id: op.OperationId, op: op, pathParams: item.Parameters}
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

// compareOperations reports operations removed, added, moved (same operationId, another
// method or path) and renamed, and compares the parameters, bodies and answer statuses of
// each pair.
func (c *comparison) compareOperations(oldM, newM *v3.Document) {
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
	for _, o := range oldOps {
		// The same method, path and operationId is the same operation; else where the new
		// document says the operation came from; else the same method and path (renamed);
		// else the same operationId (moved).
		where := o.method + " " + o.path
		same, sameKey := newByKey[o.key()]
		if sameKey && same.id == o.id {
			matched[same.key()] = true
			c.compareOperation(o, same)
			continue
		}
		n, ok := newByUpstream[o.key()]
		if !ok && sameKey {
			matched[same.key()] = true
			c.add("operation-renamed", Change{Kind: OperationRenamed, Where: where,
				Detail:     fmt.Sprintf("%s is %s", o.id, same.id),
				OldPointer: o.pointer() + "/operationId", NewPointer: same.pointer() + "/operationId",
				Operations: []string{same.name()}}, "")
			c.compareOperation(o, same)
			continue
		}
		if !ok && o.id != "" {
			n, ok = newByID[o.id]
		}
		if ok {
			matched[n.key()] = true
			c.add("operation-moved", Change{Kind: OperationMoved, Where: where,
				Detail:     fmt.Sprintf("%s is %s %s (%s)", o.id, n.method, n.path, n.id),
				OldPointer: o.pointer(), NewPointer: n.pointer(), OldLine: o.line, NewLine: n.line,
				Operations: []string{n.name()}}, "")
			continue
		}
		c.add("operation-removed", Change{Kind: OperationRemoved, Where: where, Detail: o.id,
			OldPointer: o.pointer(), OldLine: o.line, Operations: []string{o.name()}}, "")
	}
	for _, n := range newOps {
		if !matched[n.key()] {
			c.add("operation-added", Change{Kind: OperationAdded, Where: n.method + " " + n.path, Detail: n.id,
				NewPointer: n.pointer(), NewLine: n.line, Operations: []string{n.name()}}, "")
		}
	}
}

// param is one parameter of an operation, with its pointer.
type param struct {
	p   *v3.Parameter
	ptr string
}

// params are an operation's parameters (its path item's and its own) by "in name"; path
// parameters by "path #i", their place in the path, since a path parameter is renamed
// without changing the call.
func params(o operation) map[string]param {
	out := map[string]param{}
	pathIndex := map[string]int{}
	for i, m := range paramName.FindAllString(o.rawPath, -1) {
		pathIndex[strings.Trim(m, "{}")] = i
	}
	add := func(list []*v3.Parameter, ptr string) {
		for i, p := range list {
			if p == nil {
				continue
			}
			key := p.In + " " + p.Name
			if i, ok := pathIndex[p.Name]; ok && p.In == "path" {
				key = fmt.Sprintf("path #%d", i)
			}
			out[key] = param{p, fmt.Sprintf("%s/parameters/%d", ptr, i)}
		}
	}
	add(o.pathParams, jsonpointer.Join("paths", o.rawPath))
	add(o.op.Parameters, o.pointer())
	return out
}

// schemaSignature names a body's or parameter's schema: its $ref, or its type (with its
// items' $ref or type).
func schemaSignature(p *base.SchemaProxy) string {
	if p == nil {
		return ""
	}
	if ref := p.GetReference(); ref != "" {
		return ref
	}
	s := p.Schema()
	if s == nil {
		return ""
	}
	sig := strings.Join(s.Type, "|")
	if s.Format != "" {
		sig += " (" + s.Format + ")"
	}
	if s.Items != nil && s.Items.IsA() {
		sig += " of " + schemaSignature(s.Items.A)
	}
	return sig
}

// compareOperation compares one operation's parameters, request body and answers.
func (c *comparison) compareOperation(o, n operation) {
	where, opName := n.method+" "+n.path, []string{n.name()}
	oldP, newP := params(o), params(n)
	for _, key := range slices.Sorted(maps.Keys(oldP)) {
		op := oldP[key]
		np, ok := newP[key]
		if !ok {
			c.add("parameter-removed", Change{Kind: ParameterRemoved, Where: where, Detail: op.p.In + " " + op.p.Name,
				OldPointer: op.ptr, Operations: opName}, key)
			continue
		}
		if op.p.In == "path" && op.p.Name != np.p.Name {
			c.add("path-parameter-renamed", Change{Kind: ParameterChanged, Where: where, Detail: fmt.Sprintf("{%s} is {%s}", op.p.Name, np.p.Name),
				OldPointer: op.ptr, NewPointer: np.ptr, Operations: opName}, key)
		}
		oldReq, newReq := op.p.Required != nil && *op.p.Required, np.p.Required != nil && *np.p.Required
		switch {
		case !oldReq && newReq:
			c.add("request-parameter-made-required", Change{Kind: ParameterChanged, Where: where, Detail: np.p.In + " " + np.p.Name + " made required",
				OldPointer: op.ptr, NewPointer: np.ptr, Operations: opName}, key)
		case oldReq && !newReq:
			c.add("parameter-made-optional", Change{Kind: ParameterChanged, Where: where, Detail: np.p.In + " " + np.p.Name + " made optional",
				OldPointer: op.ptr, NewPointer: np.ptr, Operations: opName}, key)
		}
		if a, b := schemaSignature(op.p.Schema), schemaSignature(np.p.Schema); a != b {
			c.add("parameter-type-changed", Change{Kind: ParameterChanged, Where: where, Detail: fmt.Sprintf("%s %s: %s is %s", np.p.In, np.p.Name, a, b),
				OldPointer: op.ptr + "/schema", NewPointer: np.ptr + "/schema", Operations: opName}, key)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(newP)) {
		if _, ok := oldP[key]; ok {
			continue
		}
		np := newP[key]
		rule := "parameter-added"
		if np.p.Required != nil && *np.p.Required {
			rule = "request-parameter-added"
		}
		c.add(rule, Change{Kind: ParameterAdded, Where: where, Detail: np.p.In + " " + np.p.Name, NewPointer: np.ptr, Operations: opName}, key)
	}
	// The request body's schema, per media type.
	oldB, newB := bodies(o.op.RequestBody), bodies(n.op.RequestBody)
	for _, mt := range slices.Sorted(maps.Keys(oldB)) {
		optr := jsonpointer.Join("paths", o.rawPath, strings.ToLower(o.method), "requestBody", "content", mt)
		nptr := jsonpointer.Join("paths", n.rawPath, strings.ToLower(n.method), "requestBody", "content", mt)
		a, b := oldB[mt], newB[mt]
		if a == b {
			continue
		}
		if _, ok := newB[mt]; ok && c.bodyRecomposed(optr+"/schema", nptr+"/schema", opName) {
			continue
		}
		c.add("request-body-changed", Change{Kind: BodyChanged, Where: where, Detail: fmt.Sprintf("%s: %s is %s", mt, cmp.Or(a, "none"), cmp.Or(b, "none")),
			OldPointer: optr, NewPointer: nptr, Operations: opName}, mt)
	}
	// The answers: statuses and each one's schema.
	oldR, newR := responses(o.op), responses(n.op)
	for _, code := range slices.Sorted(maps.Keys(oldR)) {
		optr := jsonpointer.Join("paths", o.rawPath, strings.ToLower(o.method), "responses", code)
		nptr := jsonpointer.Join("paths", n.rawPath, strings.ToLower(n.method), "responses", code)
		nb, ok := newR[code]
		if !ok {
			c.add("response-status-removed", Change{Kind: StatusRemoved, Where: where, Detail: code, OldPointer: optr, Operations: opName}, code)
			continue
		}
		for _, mt := range slices.Sorted(maps.Keys(oldR[code])) {
			if a, b := oldR[code][mt], nb[mt]; a != b {
				if _, ok := nb[mt]; ok && c.bodyRecomposed(jsonpointer.Join("paths", o.rawPath, strings.ToLower(o.method), "responses", code, "content", mt, "schema"),
					jsonpointer.Join("paths", n.rawPath, strings.ToLower(n.method), "responses", code, "content", mt, "schema"), opName) {
					continue
				}
				c.add("response-body-changed", Change{Kind: BodyChanged, Where: where, Detail: fmt.Sprintf("%s %s: %s is %s", code, mt, cmp.Or(a, "none"), cmp.Or(b, "none")),
					OldPointer: optr, NewPointer: nptr, Operations: opName}, code+" "+mt)
			}
		}
	}
	for _, code := range slices.Sorted(maps.Keys(newR)) {
		if _, ok := oldR[code]; !ok {
			c.add("response-status-added", Change{Kind: StatusAdded, Where: where, Detail: code,
				NewPointer: jsonpointer.Join("paths", n.rawPath, strings.ToLower(n.method), "responses", code), Operations: opName}, code)
		}
	}
}

func bodies(b *v3.RequestBody) map[string]string {
	out := map[string]string{}
	if b == nil || b.Content == nil {
		return out
	}
	for mt, m := range b.Content.FromOldest() {
		out[mt] = schemaSignature(m.Schema)
	}
	return out
}

func responses(op *v3.Operation) map[string]map[string]string {
	out := map[string]map[string]string{}
	if op.Responses == nil {
		return out
	}
	add := func(code string, r *v3.Response) {
		out[code] = map[string]string{}
		if r != nil && r.Content != nil {
			for mt, m := range r.Content.FromOldest() {
				out[code][mt] = schemaSignature(m.Schema)
			}
		}
	}
	if op.Responses.Codes != nil {
		for code, r := range op.Responses.Codes.FromOldest() {
			add(code, r)
		}
	}
	if op.Responses.Default != nil {
		add("default", op.Responses.Default)
	}
	return out
}

// compareSchemas reports component schemas added and removed.
func (c *comparison) compareSchemas(oldM, newM *v3.Document) {
	oldS, newS := schemas(oldM), schemas(newM)
	for _, name := range slices.Sorted(maps.Keys(oldS)) {
		if _, ok := newS[name]; !ok {
			ptr := jsonpointer.Join("components", "schemas", name)
			c.add("schema-removed", Change{Kind: SchemaRemoved, Where: ptr, OldPointer: ptr}, "")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(newS)) {
		if _, ok := oldS[name]; !ok {
			ptr := jsonpointer.Join("components", "schemas", name)
			c.add("schema-added", Change{Kind: SchemaAdded, Where: ptr, NewPointer: ptr}, "")
		}
	}
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

// walkSchema turns the changes of one schema, and of the schemas it holds, into report
// changes at their JSON pointers.
func (c *comparison) walkSchema(ptr string, s *model.SchemaChanges) {
	if s == nil {
		return
	}
	if recomposed(s) {
		// A $ref, a composition or a type given or dropped: what-changed compares the
		// nodes as written, the values are compared resolved.
		c.compareRecomposed(ptr, ptr, ptr, nil)
		for _, ch := range s.Changes {
			if !structural[ch.Property] {
				c.schemaChange(ptr, ch)
			}
		}
		c.extensionChanges(ptr, s)
		return
	}
	c.compareEnums(ptr)
	for _, ch := range s.Changes {
		c.schemaChange(ptr, ch)
	}
	c.extensionChanges(ptr, s)
	for _, name := range slices.Sorted(maps.Keys(s.SchemaPropertyChanges)) {
		c.walkSchema(jsonpointer.Append(ptr+"/properties", name), s.SchemaPropertyChanges[name])
	}
	c.walkSchema(ptr+"/items", s.ItemsChanges)
	c.walkSchema(ptr+"/additionalProperties", s.AdditionalPropertiesChanges)
	for _, kind := range []string{"allOf", "oneOf", "anyOf"} {
		list := map[string][]*model.SchemaChanges{"allOf": s.AllOfChanges, "oneOf": s.OneOfChanges, "anyOf": s.AnyOfChanges}[kind]
		for i, sub := range list {
			c.walkSchema(fmt.Sprintf("%s/%s/%d", ptr, kind, i), sub)
		}
	}
}

// extensionChanges reports the changes of a schema's extensions but x-extensible-enum's,
// whose values compareEnums compares.
func (c *comparison) extensionChanges(ptr string, s *model.SchemaChanges) {
	if s.ExtensionChanges != nil {
		for _, ch := range s.ExtensionChanges.Changes {
			if ch.Property == "x-extensible-enum" {
				continue // compareEnums compares the values
			}
			c.add("changed", Change{Kind: OtherChange, Where: ptr, Detail: ch.Property + " " + changeVerb(ch),
				OldPointer: ptr, NewPointer: ptr}, ch.Property)
		}
	}
}

// compareEnums compares the closed and extensible values of the schema at the pointer in
// both documents. A value removed breaks a request that sends it (and removes a Go
// constant); a value added to a closed enumeration of answers may surprise a client; one
// added to an extensible enumeration (x-extensible-enum) is expected by every client.
func (c *comparison) compareEnums(ptr string) {
	oldClosed, oldOpen := c.old.enum(ptr)
	newClosed, newOpen := c.new.enum(ptr)
	c.enumChanges(ptr, ptr, ptr, oldClosed, oldOpen, newClosed, newOpen, directionOf(ptr, c.old, c.new))
}

// narrowing says, for each constraint keyword, whether a larger value (+1) or a smaller one
// (-1) narrows what is allowed.
var narrowing = map[string]int{
	"maxLength": -1, "maximum": -1, "maxItems": -1, "maxProperties": -1,
	"minLength": +1, "minimum": +1, "minItems": +1, "minProperties": +1,
	"pattern": 0, "multipleOf": 0, "exclusiveMaximum": 0, "exclusiveMinimum": 0, "nullable": 0, "uniqueItems": 0,
}

// narrowed reports whether a constraint's change lets fewer values through.
func narrowed(ch *model.Change) bool {
	if ch.ChangeType == model.PropertyRemoved || ch.ChangeType == model.ObjectRemoved {
		return ch.Property == "nullable" && ch.Original == "true" // nullable: true removed
	}
	if ch.ChangeType == model.PropertyAdded || ch.ChangeType == model.ObjectAdded || ch.Original == "" {
		return ch.Property != "nullable" || ch.New == "false"
	}
	switch ch.Property {
	case "nullable":
		return ch.New == "false"
	case "uniqueItems", "exclusiveMaximum", "exclusiveMinimum":
		return ch.New == "true"
	}
	var a, b float64
	if _, err := fmt.Sscan(ch.Original, &a); err != nil {
		return true
	}
	if _, err := fmt.Sscan(ch.New, &b); err != nil {
		return true
	}
	if sign := narrowing[ch.Property]; sign != 0 {
		return (b-a)*float64(sign) > 0
	}
	return true // pattern, multipleOf: another rule
}

// schemaChange classifies one change of a schema's own keywords by the way the schema's
// values travel.
func (c *comparison) schemaChange(ptr string, ch *model.Change) {
	dir := directionOf(ptr, c.old, c.new)
	out := Change{Where: ptr, OldPointer: ptr, NewPointer: ptr}
	removed := ch.ChangeType == model.ObjectRemoved || ch.ChangeType == model.PropertyRemoved
	added := ch.ChangeType == model.ObjectAdded || ch.ChangeType == model.PropertyAdded
	switch ch.Property {
	case "enum":
		return // compareEnums
	case "properties":
		member := jsonpointer.Append(ptr+"/properties", cmp.Or(ch.Original, ch.New))
		out.Where = member
		if removed {
			out.Kind, out.NewPointer = FieldRemoved, ""
			out.OldPointer = member
			// A required member no answer carries any more breaks the clients that read
			// it; an optional one, or one no request takes any more, only removes the Go
			// field (and so does one of a schema no operation uses).
			rule := "request-member-removed"
			if dir&response != 0 {
				rule = "optional-response-member-removed"
				if slices.Contains(c.old.required(ptr), cmp.Or(ch.Original, ch.New)) {
					rule = "response-member-removed"
				}
			}
			c.add(rule, out, "")
			return
		}
		out.Kind, out.OldPointer, out.NewPointer = FieldAdded, "", member
		c.add("member-added", out, "")
	case "type":
		out.Kind = TypeChanged
		out.Detail = fmt.Sprintf("type %q is %q", ch.Original, ch.New)
		rule := "type-changed"
		if ch.Original == "" || ch.New == "" {
			rule = "schema-reshaped" // a type given or dropped for a composition: the values may be the same
		}
		c.add(rule, out, "type")
	case "format":
		out.Kind = TypeChanged
		out.Detail = fmt.Sprintf("format %q is %q", ch.Original, ch.New)
		c.add("format-changed", out, "format")
	case "$ref":
		out.Kind = TypeChanged
		out.Detail = "it refers to another schema"
		c.add("schema-reshaped", out, "$ref") // what-changed compares the schemas referred to
	case "required":
		// The Go field of a member that becomes required (or stops being) changes type
		// between a pointer and a value; on the wire, a request member made required is
		// refused when missing, an answer member made optional may be missing.
		member := cmp.Or(ch.New, ch.Original)
		out.Kind = RequiredChanged
		out.Detail = fmt.Sprintf("%q was %q", member, changeVerb(ch))
		rule := "member-made-optional"
		if added {
			rule = "member-made-required"
			if dir&request != 0 {
				rule = "request-member-made-required"
			}
		} else if dir&response != 0 {
			rule = "response-member-made-optional"
		}
		c.add(rule, out, member)
	default:
		if _, ok := narrowing[ch.Property]; ok {
			out.Kind = ConstraintChanged
			out.Detail = fmt.Sprintf("%s %s is %s", ch.Property, cmp.Or(ch.Original, "none"), cmp.Or(ch.New, "none"))
			// A request narrowed is refused where it passed; an answer relaxed may carry
			// what an old client refuses; the rest lets through what passed before.
			rule, narrow := "changed", narrowed(ch)
			switch {
			case dir&request != 0 && narrow:
				rule = "request-constraint-narrowed"
			case dir&response != 0 && !narrow:
				rule = "response-constraint-relaxed"
			}
			c.add(rule, out, ch.Property)
			return
		}
		out.Kind = OtherChange
		out.Detail = fmt.Sprintf("%s %s", ch.Property, changeVerb(ch))
		c.add("changed", out, ch.Property)
	}
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
