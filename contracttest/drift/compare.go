package drift

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/generator/runtime/webhook"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/overlays"
	"github.com/qiwigen/qiwigen/spec/ext"
	"github.com/qiwigen/qiwigen/spec/load"
	"github.com/qiwigen/qiwigen/spec/notification"
)

// Kind is what a finding says.
type Kind string

// The kinds of findings.
const (
	// OperationMissing: a page mentions a (method, path) no spec operation has.
	OperationMissing Kind = "operation-missing"
	// OperationPathChanged: a page mentions a path the spec lacks, and the one spec operation
	// no page mentions has the same method and differs in one path segment.
	OperationPathChanged Kind = "operation-path-changed"
	// OperationUnmentioned: a spec operation no page read mentions. Information only: a
	// partial folder leaves operations out.
	OperationUnmentioned Kind = "operation-unmentioned"
	// DocMethodConflict: a section names one method and its example or curl line another.
	DocMethodConflict Kind = "doc-method-conflict"
	// DocPathConflict: a section's example or curl line uses another path than the section.
	DocPathConflict Kind = "doc-path-conflict"
	// FieldMissing: an example's member the schema lacks.
	FieldMissing Kind = "field-missing"
	// FieldCase: an example's member whose name differs from the schema's only in case.
	FieldCase Kind = "field-case"
	// FieldType: an example's member whose JSON type the schema does not allow.
	FieldType Kind = "field-type"
	// EnumMissing: a value a status or code table lists that no spec enum has.
	EnumMissing Kind = "enum-missing"
	// EnumUnlisted: a spec enum value no page read mentions and no x-qiwi-evidence backs.
	// Information only, like OperationUnmentioned.
	EnumUnlisted Kind = "enum-unlisted"
	// SignatureHeader: a page names another signature header than the spec declares.
	SignatureHeader Kind = "signature-header"
	// SignedFields: a page lists other signed fields, or another order, than the spec.
	SignedFields Kind = "signed-fields"
	// FieldUnlisted: a schema member no page read mentions. Information only.
	FieldUnlisted Kind = "field-unlisted"
	// SenderNetwork: a page lists an address range notifications come from that the
	// runtime's sender check (webhook.QIWINetworks) does not cover.
	SenderNetwork Kind = "sender-network"
	// RetrySchedule: a page lists another notification redelivery schedule than the spec's
	// x-qiwi-notification-retries (or lists one the spec lacks).
	RetrySchedule Kind = "retry-schedule"
	// RequiredDiffers: a parameter table says a request field is required and the schema
	// leaves it optional, or the reverse; or the schema requires a notification member the
	// table says is there only under a condition.
	RequiredDiffers Kind = "required-differs"
	// DocConflict: a disagreement of the docs with themselves or with the wire (the official
	// SDKs, QIWI's own examples) that the spec records in x-qiwi-doc-defects, with both
	// sources, as a conflict (a JSON pointer) or a member defect, reported at the first page
	// it cites among the pages read. Information only: the spec has settled it.
	DocConflict Kind = "doc-conflict"
)

// Kinds lists every kind, in report order.
var Kinds = []Kind{OperationMissing, OperationPathChanged, OperationUnmentioned, DocMethodConflict, DocPathConflict,
	FieldMissing, FieldCase, FieldType, FieldUnlisted, RequiredDiffers, EnumMissing, EnumUnlisted, SignatureHeader, SignedFields, RetrySchedule, SenderNetwork, DocConflict}

// Info reports whether findings of the kind never fail a run: they depend on which pages were
// read.
func (k Kind) Info() bool {
	return k == OperationUnmentioned || k == EnumUnlisted || k == FieldUnlisted || k == DocConflict
}

// Finding is one disagreement between the pages and the spec, or inside the pages.
type Finding struct {
	// ID is stable across runs and line moves: a hash of the kind and the subject.
	ID string `json:"id"`
	// Kind says what the finding is.
	Kind Kind `json:"kind"`
	// Subject names what disagrees, without positions: "GET /bill/v1/...", "createBill
	// request /amount/value", ...
	Subject string `json:"subject"`
	// Message says it for people.
	Message string `json:"message"`
	// Doc is where the pages say it, empty for spec-side findings.
	Doc docs.Position `json:"doc"`
	// Spec is the JSON pointer of the spec node, "" when there is none.
	Spec string `json:"spec,omitempty"`
	// Overlay is the overlay file:line that writes the spec node, when one does.
	Overlay string `json:"overlay,omitempty"`
	// Accepted is the baseline's reason when the baseline lists the finding.
	Accepted string `json:"accepted,omitempty"`
	// Method and Path are the documented request of an operation or conflict finding.
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`

	// fix is what a suggested overlay needs to settle the finding, nil for a kind that has
	// no fix (see Suggest).
	fix *repair
}

func (f Finding) at(ep docs.Endpoint) Finding {
	f.Method, f.Path = ep.Method, ep.Path
	return f
}

func newFinding(kind Kind, subject, message string, doc docs.Position, specPtr string) Finding {
	sum := sha256.Sum256([]byte(string(kind) + "\x00" + subject))
	return Finding{ID: "QD" + strings.ToUpper(hex.EncodeToString(sum[:5])), Kind: kind, Subject: subject, Message: message, Doc: doc, Spec: specPtr}
}

// Spec is the resolved spec the inventory is compared with.
type Spec struct {
	doc  *openapi3.T
	ops  []specOp
	decl []notification.Declaration
	// overlays are the overlays the spec was made with, in the order they apply, for
	// Overlay locations.
	overlays []overlays.File
	// raw is the spec's text, for suggested fixes that copy its nodes.
	raw []byte
	// senders are the ranges the runtime accepts notifications from.
	senders []netip.Prefix
	// retry is the spec's notification redelivery schedule (none: no delays).
	retry ext.RetrySchedule
	// memberDefects are the x-qiwi-doc-defects entries that name a member of an operation's
	// examples, by the subject of the field finding about it ("getBillRefund response /datetime").
	memberDefects map[string]ext.DocDefect
	// recorded are the x-qiwi-doc-defects entries that are conflicts or member defects, in
	// spec order, for DocConflict findings.
	recorded []ext.DocDefect
}

type specOp struct {
	method, path, id string
	op               *openapi3.Operation
	docMethods       []string
}

// LoadSpec reads a resolved spec. files are the overlays it was made with, in the order they
// apply (as overlays.Bundled and overlays.Dir return them), which locate spec nodes; they may
// be nil.
func LoadSpec(data []byte, files []overlays.File) (*Spec, error) {
	doc, err := load.Spec(data)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	if err := ext.Check(doc); err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	decl, err := notification.Collect(doc)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	retry, _, err := ext.NotificationRetriesOf(doc)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	s := &Spec{raw: data, doc: doc, decl: decl, overlays: files, senders: webhook.QIWINetworks(), retry: retry, memberDefects: map[string]ext.DocDefect{}}
	defects, _ := ext.DocDefectsOf(doc) // ext.Check above refused an ill-typed one
	for _, d := range defects {
		if d.Member != "" {
			s.memberDefects[d.Operation+" "+d.In+" "+d.Member] = d
		}
		if d.Member != "" || d.Pointer != "" {
			s.recorded = append(s.recorded, d)
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			if _, undocumented, _ := ext.UndocumentedOf(op); undocumented {
				continue
			}
			m, _ := ext.DocMethodsOf(op) // ext.Check above refused an ill-typed one
			s.ops = append(s.ops, specOp{method: method, path: path, id: op.OperationID, op: op, docMethods: m})
		}
	}
	sort.Slice(s.ops, func(i, j int) bool { return s.ops[i].path+s.ops[i].method < s.ops[j].path+s.ops[j].method })
	return s, nil
}

func (s *Spec) find(ep docs.Endpoint, otherMethods bool) *specOp {
	for i, op := range s.ops {
		if docs.MatchTemplate(op.path, ep.Path) && (op.method == ep.Method || otherMethods && slices.Contains(op.docMethods, ep.Method)) {
			return &s.ops[i]
		}
	}
	return nil
}

func opPointer(op *specOp) string {
	return jsonpointer.Join("paths", op.path, strings.ToLower(op.method))
}

// Compare compares an inventory with the spec. Findings come sorted by page, line and kind.
func Compare(inv *Inventory, s *Spec) []Finding {
	out := compare(inv, s)
	for i := range out {
		out[i].fix = nil
	}
	return out
}

// compare is Compare with each finding's data for a suggested fix (Spec.Suggest).
func compare(inv *Inventory, s *Spec) []Finding {
	var out []Finding
	out = append(out, s.operations(inv)...)
	out = append(out, conflicts(inv)...)
	out = append(out, s.fields(inv)...)
	out = append(out, s.tableFields(inv)...)
	out = append(out, s.required(inv)...)
	out = append(out, s.enums(inv)...)
	out = append(out, s.signatures(inv)...)
	out = append(out, s.unlistedFields(inv)...)
	out = append(out, networks(inv, s.senders)...)
	out = append(out, s.retries(inv)...)
	out = append(out, s.recordedConflicts(inv)...)
	seen := map[string]bool{}
	kept := out[:0]
	for _, f := range out {
		if f.Overlay == "" {
			f.Overlay = s.schemaOverlay(f.Spec)
		}
		if !seen[f.ID] {
			seen[f.ID] = true
			kept = append(kept, f)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool {
		a, b := kept[i], kept[j]
		if a.Doc.File != b.Doc.File {
			return a.Doc.File < b.Doc.File
		}
		if a.Doc.Line != b.Doc.Line {
			return a.Doc.Line < b.Doc.Line
		}
		return a.Subject < b.Subject
	})
	return kept
}

func (s *Spec) operations(inv *Inventory) []Finding {
	mentioned := map[string]bool{}
	var missing []docs.Endpoint
	for _, ep := range inv.Operations {
		if op := s.find(ep, true); op != nil {
			mentioned[op.id] = true
			continue
		}
		missing = append(missing, ep)
	}
	var unmentioned []*specOp
	apis := map[string]bool{} // the APIs (first path segments) some page read documents
	for i := range s.ops {
		if !mentioned[s.ops[i].id] {
			unmentioned = append(unmentioned, &s.ops[i])
		} else {
			apis[api(s.ops[i].path)] = true
		}
	}
	var out []Finding
	moved := map[string]bool{}
	for _, ep := range missing {
		subject := ep.Method + " " + ep.Path
		if op := oneSegmentAway(ep, unmentioned); op != nil {
			moved[op.id] = true
			f := newFinding(OperationPathChanged, subject, fmt.Sprintf("the docs' %s %s is %s %s (%s) in the spec", ep.Method, ep.Path, op.method, op.path, op.id), ep.Pos, opPointer(op))
			f.Overlay = s.overlayOf(op.path)
			f.fix = &repair{op: op, docPath: ep.Path}
			out = append(out, f)
			continue
		}
		out = append(out, newFinding(OperationMissing, subject, fmt.Sprintf("%s %s (%s) is no operation of the spec", ep.Method, ep.Path, ep.Source), ep.Pos, "").at(ep))
	}
	for _, op := range unmentioned {
		if moved[op.id] {
			continue
		}
		f := newFinding(OperationUnmentioned, op.method+" "+op.path, fmt.Sprintf("%s (%s %s) is mentioned by no page read", op.id, op.method, op.path), docs.Position{}, opPointer(op))
		f.Overlay = s.overlayOf(op.path)
		f.fix = &repair{op: op, apiRead: apis[api(op.path)]}
		out = append(out, f)
	}
	return out
}

// api is the first segment of a path: the API it belongs to (payin, partner, bill, ...).
func api(path string) string {
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return first
}

// oneSegmentAway returns the one unmentioned operation with ep's method whose path differs
// from ep's in exactly one literal segment.
func oneSegmentAway(ep docs.Endpoint, ops []*specOp) *specOp {
	var found *specOp
	ps := strings.Split(strings.Trim(ep.Path, "/"), "/")
	for _, op := range ops {
		ts := strings.Split(strings.Trim(op.path, "/"), "/")
		if op.method != ep.Method || len(ts) != len(ps) {
			continue
		}
		diff := 0
		for i := range ts {
			if ts[i] != ps[i] && !strings.HasPrefix(ts[i], "{") {
				diff++
			}
		}
		if diff == 1 {
			if found != nil {
				return nil
			}
			found = op
		}
	}
	return found
}

// conflicts finds sections whose examples and curl lines disagree with the operation the
// section names.
func conflicts(inv *Inventory) []Finding {
	var out []Finding
	for _, so := range inv.Sections {
		ref := so.Reference
		for _, ep := range so.Others {
			switch {
			case docs.MatchTemplate(ref.Path, ep.Path) && ep.Method != ref.Method:
				subject := fmt.Sprintf("%s %s in %q (%s %s)", ep.Method, ep.Path, so.Title, ref.Method, ref.Path)
				out = append(out, newFinding(DocMethodConflict, subject, fmt.Sprintf("the section names %s %s (%s) but its %s example sends %s", ref.Method, ref.Path, ref.Pos, ep.Source, ep.Method), ep.Pos, "").at(ep))
			case !docs.MatchTemplate(ref.Path, ep.Path) && ep.Method == ref.Method && sameDepth(ref.Path, ep.Path):
				subject := fmt.Sprintf("%s %s in %q (%s %s)", ep.Method, ep.Path, so.Title, ref.Method, ref.Path)
				out = append(out, newFinding(DocPathConflict, subject, fmt.Sprintf("the section names %s (%s) but its %s example uses %s", ref.Path, ref.Pos, ep.Source, ep.Path), ep.Pos, "").at(ep))
			}
		}
	}
	// Prose that names a request, then the example right after it.
	for i := 0; i+1 < len(inv.Operations); i++ {
		prose, ex := inv.Operations[i], inv.Operations[i+1]
		if prose.Source != docs.FromProse || ex.Source == docs.FromProse || ex.Pos.File != prose.Pos.File ||
			ex.Pos.Line-prose.Pos.Line > proseReach || !docs.MatchTemplate(prose.Path, ex.Path) || ex.Method == prose.Method {
			continue
		}
		subject := fmt.Sprintf("%s %s after prose %s %s in %s", ex.Method, ex.Path, prose.Method, prose.Path, prose.Pos.File)
		out = append(out, newFinding(DocMethodConflict, subject, fmt.Sprintf("the text says %s %s (line %d) but the example after it sends %s", prose.Method, prose.Path, prose.Pos.Line, ex.Method), ex.Pos, "").at(ex))
	}
	return out
}

// proseReach is how many lines after a prose request its example may start.
const proseReach = 12

func sameDepth(a, b string) bool {
	return strings.Count(strings.Trim(a, "/"), "/") == strings.Count(strings.Trim(b, "/"), "/")
}

// fields compares each example's members with the schema of the section's operation.
func (s *Spec) fields(inv *Inventory) []Finding {
	var out []Finding
	for _, so := range inv.Sections {
		op := s.find(so.Reference, false)
		if op == nil {
			continue
		}
		if op.op.RequestBody != nil && op.op.RequestBody.Value != nil {
			if mt := op.op.RequestBody.Value.Content.Get("application/json"); mt != nil {
				out = append(out, s.compareFields(op, "request", opPointer(op)+"/requestBody/content/application~1json/schema", mt.Schema, so.Request)...)
			}
		}
		if r := op.op.Responses.Status(http.StatusOK); r != nil && r.Value != nil {
			if mt := r.Value.Content.Get("application/json"); mt != nil {
				out = append(out, s.compareFields(op, "response", opPointer(op)+"/responses/200/content/application~1json/schema", mt.Schema, so.Response)...)
			}
		}
	}
	return out
}

func (s *Spec) compareFields(op *specOp, part, base string, root *openapi3.SchemaRef, fields []Field) []Finding {
	var out []Finding
	bad := map[string]bool{} // members under a missing member are not reported again
	for _, f := range fields {
		parent := f.Pointer[:strings.LastIndex(f.Pointer, "/")]
		if bad[parent] {
			bad[f.Pointer] = true
			continue
		}
		at := lookup(root, base, f.Pointer)
		schema, name, found, exact := at.schema, at.name, at.found, at.exact
		subject := op.id + " " + part + " " + f.Pointer
		if _, known := s.memberDefects[subject]; known {
			// The spec keeps the member readable and records the pages' spelling as a doc
			// defect: reported, with the spec's reason (SpecReason) for the baseline.
			fc := s.located(newFinding(FieldCase, subject, fmt.Sprintf("%s %s: the example spells %s, a doc defect the spec records (x-qiwi-doc-defects)", op.id, part, f.Pointer), f.Pos, base), op)
			fc.fix = &repair{why: "the spec records the pages' spelling as a doc defect (x-qiwi-doc-defects) and keeps its own"}
			out = append(out, fc)
			continue
		}
		switch {
		case schema == nil && !found:
			// an open object (additionalProperties) or a schema without properties
		case !found:
			bad[f.Pointer] = true
			fm := s.located(newFinding(FieldMissing, subject, fmt.Sprintf("%s %s: the example's %s is no member of the schema", op.id, part, f.Pointer), f.Pos, base), op)
			fm.fix = &repair{at: at, jsonType: f.Type, member: f.Pointer}
			out = append(out, fm)
		case !exact:
			bad[f.Pointer] = true
			fc := s.located(newFinding(FieldCase, subject, fmt.Sprintf("%s %s: the example spells %s, the schema %s", op.id, part, f.Pointer, name), f.Pos, base), op)
			fc.fix = &repair{at: at}
			out = append(out, fc)
		default:
			if types := typesOf(schema); f.Type != "null" && len(types) > 0 && !allows(types, f.Type) {
				ft := s.located(newFinding(FieldType, subject, fmt.Sprintf("%s %s: the example's %s is a %s, the schema allows %s", op.id, part, f.Pointer, f.Type, strings.Join(types, " or ")), f.Pos, base), op)
				ft.fix = &repair{at: at, jsonType: f.Type}
				out = append(out, ft)
			}
		}
	}
	return out
}

// required compares the required-ness a parameter table states with the request schema of
// each operation its section shows. A field the schema does not have is left to the
// other kinds; a dotted field is required when each of its steps is.
func (s *Spec) required(inv *Inventory) []Finding {
	var out []Finding
	for _, r := range inv.Requirements {
		for _, ep := range r.Operations {
			op := s.find(ep, false)
			if op == nil || op.op.RequestBody == nil || op.op.RequestBody.Value == nil {
				continue
			}
			mt := op.op.RequestBody.Value.Content.Get("application/json")
			if mt == nil {
				continue
			}
			ptr := "/" + strings.ReplaceAll(r.Name, ".", "/")
			base := opPointer(op) + "/requestBody/content/application~1json/schema"
			required, found, steps := requiredIn(mt.Schema, base, ptr)
			if !found || required == r.Required {
				continue
			}
			subject := op.id + " request " + ptr + " required"
			msg := fmt.Sprintf("%s request: the table requires %s, the schema does not", op.id, r.Name)
			if !r.Required {
				msg = fmt.Sprintf("%s request: the schema requires %s, the table calls it optional", op.id, r.Name)
			}
			f := s.located(newFinding(RequiredDiffers, subject, msg, r.Pos, base), op)
			f.fix = &repair{steps: steps, required: r.Required}
			out = append(out, f)
		}
	}
	return out
}

// retries compares the redelivery schedules the pages list with the spec's.
func (s *Spec) retries(inv *Inventory) []Finding {
	var out []Finding
	for _, r := range inv.Retries {
		if slices.Equal(r.Delays, s.retry.Delays) {
			continue
		}
		msg := fmt.Sprintf("the page lists redeliveries after %v, the spec's %s %v", r.Delays, ext.NotificationRetries, s.retry.Delays)
		if s.retry.Delays == nil {
			msg = fmt.Sprintf("the page lists redeliveries after %v; the spec declares no %s", r.Delays, ext.NotificationRetries)
		}
		fr := newFinding(RetrySchedule, "notification retries "+fmt.Sprint(r.Delays), msg, r.Pos, "/"+ext.NotificationRetries)
		fr.fix = &repair{delays: r.Delays}
		out = append(out, fr)
	}
	return out
}

// requiredIn reports whether the member at ptr is found in the schema (root, at rootPtr in
// the spec), and whether it and every member above it is required. The steps are the members
// passed, for a suggested fix.
func requiredIn(root *openapi3.SchemaRef, rootPtr, ptr string) (required, found bool, steps []step) {
	cur := schemaAt{root, rootPtr}.follow()
	required = true
	for _, tok := range jsonpointer.Split(ptr) {
		if cur.ref == nil || cur.ref.Value == nil {
			return false, false, nil
		}
		st, _, ok := property(cur, tok)
		if !ok || st.name != tok {
			return false, false, nil
		}
		st.in, st.asked = cur, tok
		required = required && len(st.requiredBy) > 0
		steps = append(steps, st)
		cur = st.member.follow()
	}
	return required, true, steps
}

// schemaAt is a schema and the JSON pointer of its node in the spec.
type schemaAt struct {
	ref *openapi3.SchemaRef
	ptr string
}

// follow goes to the node a local $ref names.
func (a schemaAt) follow() schemaAt {
	if a.ref != nil && strings.HasPrefix(a.ref.Ref, "#/") {
		a.ptr = a.ref.Ref[1:]
	}
	return a
}

// sub is a schema below this one, at the member names (or indexes) tokens.
func (a schemaAt) sub(ref *openapi3.SchemaRef, tokens ...string) schemaAt {
	ptr := a.ptr
	for _, t := range tokens {
		ptr = jsonpointer.Append(ptr, t)
	}
	return schemaAt{ref, ptr}.follow()
}

// step is one member a walk down a schema passed.
type step struct {
	// in is the object schema the member was looked up in; asked the name looked up.
	in    schemaAt
	asked string
	// owner is the object schema (or allOf, oneOf, anyOf part) whose properties name the
	// member; name is its spelling there.
	owner schemaAt
	name  string
	// member is the member's schema node (a $ref not followed).
	member schemaAt
	// requiredBy are the schemas (the object and its allOf parts) whose required lists name it.
	requiredBy []schemaAt
}

// lookupResult is where a walk down a schema along a pointer ended.
type lookupResult struct {
	// schema is the member's schema; nil with found false when the schema does not
	// constrain the member.
	schema *openapi3.SchemaRef
	// name is the schema's spelling of the last name.
	name string
	// found says the member was found; exact, by its exact name.
	found, exact bool
	// steps are the members passed, the member itself last when found.
	steps []step
	// last is the object schema the walk stopped in: the one lacking the member when it was
	// not found.
	last schemaAt
	// missing is the name last lacks, when the member was not found.
	missing string
}

// lookup follows a pointer into a schema (root, at rootPtr in the spec): the one walk of
// schemas that drift's findings and suggested fixes share.
func lookup(root *openapi3.SchemaRef, rootPtr, ptr string) lookupResult {
	cur := schemaAt{root, rootPtr}.follow()
	res := lookupResult{exact: true}
	for _, tok := range jsonpointer.Split(ptr) {
		if cur.ref == nil || cur.ref.Value == nil {
			return lookupResult{}
		}
		if tok == "0" && slices.Contains(typesOf(cur.ref), "array") {
			cur = itemsAt(cur)
			continue
		}
		st, open, ok := property(cur, tok)
		if !ok {
			if open {
				return lookupResult{}
			}
			return lookupResult{schema: cur.ref, steps: res.steps, last: cur, missing: tok}
		}
		st.in, st.asked = cur, tok
		if st.name != tok {
			res.exact = false
		}
		res.steps = append(res.steps, st)
		res.name, res.last = st.name, cur
		cur = st.member.follow()
	}
	res.schema, res.found = cur.ref, true
	return res
}

// property finds a member of an object schema across allOf, oneOf and anyOf, exactly or else
// case-insensitively; open is true when the schema admits members it does not name.
func property(s schemaAt, name string) (st step, open, found bool) {
	var all []schemaAt
	var collect func(schemaAt)
	collect = func(r schemaAt) {
		if r.ref == nil || r.ref.Value == nil {
			return
		}
		all = append(all, r)
		for _, kind := range []string{"allOf", "oneOf", "anyOf"} {
			for i, sub := range composition(r.ref.Value, kind) {
				collect(r.sub(sub, kind, strconv.Itoa(i)))
			}
		}
	}
	collect(s)
	open = true
	found = false
	for _, v := range all {
		if p := v.ref.Value.Properties[name]; p != nil {
			return step{owner: v, name: name, member: schemaAt{p, jsonpointer.Append(jsonpointer.Append(v.ptr, "properties"), name)}, requiredBy: requirers(s, name)}, false, true
		}
		if len(v.ref.Value.Properties) > 0 && (v.ref.Value.AdditionalProperties.Has == nil || !*v.ref.Value.AdditionalProperties.Has) && v.ref.Value.AdditionalProperties.Schema == nil {
			open = false
		}
	}
	for _, v := range all {
		for n, p := range v.ref.Value.Properties {
			if strings.EqualFold(n, name) {
				return step{owner: v, name: n, member: schemaAt{p, jsonpointer.Append(jsonpointer.Append(v.ptr, "properties"), n)}, requiredBy: requirers(s, n)}, false, true
			}
		}
	}
	return step{}, open, false
}

func composition(s *openapi3.Schema, kind string) openapi3.SchemaRefs {
	switch kind {
	case "allOf":
		return s.AllOf
	case "oneOf":
		return s.OneOf
	}
	return s.AnyOf
}

// requirers are the schemas, an object schema or the ones it is made of with allOf, whose
// required lists name name: the object requires the member when there is one.
func requirers(s schemaAt, name string) []schemaAt {
	if s.ref == nil || s.ref.Value == nil {
		return nil
	}
	var out []schemaAt
	if slices.Contains(s.ref.Value.Required, name) {
		out = append(out, s)
	}
	for i, sub := range s.ref.Value.AllOf {
		out = append(out, requirers(s.sub(sub, "allOf", strconv.Itoa(i)), name)...)
	}
	return out
}

// itemsAt is the items schema of an array schema, or of the composition part that has one.
func itemsAt(s schemaAt) schemaAt {
	if s.ref.Value.Items != nil {
		return s.sub(s.ref.Value.Items, "items")
	}
	for _, kind := range []string{"allOf", "oneOf", "anyOf"} {
		for i, sub := range composition(s.ref.Value, kind) {
			if sub.Value != nil && sub.Value.Items != nil {
				return s.sub(sub, kind, strconv.Itoa(i)).sub(sub.Value.Items, "items")
			}
		}
	}
	return schemaAt{}
}

// typesOf returns the JSON types a schema allows, across oneOf, anyOf and allOf; none means
// any.
func typesOf(s *openapi3.SchemaRef) []string {
	if s == nil || s.Value == nil {
		return nil
	}
	var out []string
	if s.Value.Type != nil {
		out = append(out, s.Value.Type.Slice()...)
	}
	for _, sub := range s.Value.AllOf {
		out = append(out, typesOf(sub)...)
	}
	for _, sub := range append(slices.Clip(s.Value.OneOf), s.Value.AnyOf...) {
		t := typesOf(sub)
		if len(t) == 0 {
			return nil // a branch that allows anything
		}
		out = append(out, t...)
	}
	if len(out) == 0 && len(s.Value.Properties) > 0 {
		out = append(out, "object")
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func allows(types []string, jsonType string) bool {
	return slices.Contains(types, jsonType) || jsonType == "number" && slices.Contains(types, "integer")
}

// enums compares the tables' values with the spec's enums, both ways.
func (s *Spec) enums(inv *Inventory) []Finding {
	values := map[string]bool{}
	type owner struct{ schema, value string }
	var listed []owner
	for name, ref := range s.doc.Components.Schemas {
		if ref.Value == nil {
			continue
		}
		list, ok, _ := ext.EnumValues(ref.Value) // ext.Check in LoadSpec refused ill-typed ones
		evidence, _ := ext.EvidenceOf(ref.Value)
		if !ok {
			for _, v := range ref.Value.Enum {
				list = append(list, fmt.Sprint(v))
			}
		}
		for _, v := range list {
			if evidence[v] == "" {
				listed = append(listed, owner{name, v})
			}
		}
	}
	// Every enum value counts, the components' and the properties' own.
	walkEnums(s.doc, func(v string) { values[v] = true })
	var out []Finding
	for _, ev := range inv.EnumValues {
		if !values[ev.Value] {
			fe := newFinding(EnumMissing, ev.Value, fmt.Sprintf("%s (column %q) is a value of no spec enum", ev.Value, ev.Column), ev.Pos, "")
			fe.fix = &repair{enum: s.enumOf(ev, inv.EnumValues)}
			out = append(out, fe)
		}
	}
	sort.Slice(listed, func(i, j int) bool { return listed[i].schema+listed[i].value < listed[j].schema+listed[j].value })
	for _, o := range listed {
		if !inv.words[o.value] {
			out = append(out, newFinding(EnumUnlisted, o.schema+" "+o.value, fmt.Sprintf("%s of %s is mentioned by no page read", o.value, o.schema), docs.Position{}, "/components/schemas/"+o.schema))
		}
	}
	return out
}

func walkEnums(doc *openapi3.T, visit func(string)) {
	seen := map[*openapi3.Schema]bool{}
	var walkS func(*openapi3.SchemaRef)
	walkS = func(r *openapi3.SchemaRef) {
		if r == nil || r.Value == nil || seen[r.Value] {
			return
		}
		seen[r.Value] = true
		for _, v := range r.Value.Enum {
			visit(fmt.Sprint(v))
		}
		if list, ok, _ := ext.EnumValues(r.Value); ok {
			for _, v := range list {
				visit(v)
			}
		}
		for _, p := range r.Value.Properties {
			walkS(p)
		}
		walkS(r.Value.Items)
		for _, l := range [][]*openapi3.SchemaRef{r.Value.AllOf, r.Value.OneOf, r.Value.AnyOf} {
			for _, sub := range l {
				walkS(sub)
			}
		}
	}
	for _, r := range doc.Components.Schemas {
		walkS(r)
	}
}

// signatures compares the pages' signature rules with the spec's notification declarations.
func (s *Spec) signatures(inv *Inventory) []Finding {
	byType := map[string]notification.Declaration{}
	for _, d := range s.decl {
		byType[d.Type] = d
	}
	var out []Finding
	for _, sig := range inv.Signatures {
		d, ok := byType[sig.Type]
		if !ok {
			out = append(out, newFinding(SignedFields, sig.Type+" type", fmt.Sprintf("the page signs a %s notification the spec does not declare", sig.Type), sig.Pos, ""))
			continue
		}
		if !slices.Equal(sig.Fields, d.SignedFields) {
			fs := newFinding(SignedFields, sig.Type+" fields", fmt.Sprintf("%s: the page signs %s, the spec %s", sig.Type, strings.Join(sig.Fields, "|"), strings.Join(d.SignedFields, "|")), sig.Pos, d.Pointer)
			fs.fix = &repair{signed: sig}
			out = append(out, fs)
		}
		if sig.Header != "" && !strings.EqualFold(sig.Header, d.SignatureHeader) {
			out = append(out, newFinding(SignatureHeader, sig.Type+" header", fmt.Sprintf("%s: the page names the header %s, the spec %s", sig.Type, sig.Header, d.SignatureHeader), sig.Pos, d.Pointer))
		}
	}
	return out
}

// overlayOf returns file:line of the first overlay line that names needle.
func (s *Spec) overlayOf(needle string) string {
	for _, f := range s.overlays {
		text := string(f.Data)
		if i := strings.Index(text, "'"+needle+"'"); i >= 0 {
			return fmt.Sprintf("%s:%d", f.Name, strings.Count(text[:i], "\n")+1)
		}
	}
	return ""
}

// located adds the overlay line that writes the operation's schemas to a finding.
func (s *Spec) located(f Finding, op *specOp) Finding {
	f.Overlay = s.overlayOf(op.path)
	return f
}

// SpecReason returns the reason the spec itself records for a documented request a finding
// names: its x-qiwi-doc-defects entry, or the x-qiwi-doc-methods entry of the operation the
// docs meant; for a field finding, the x-qiwi-doc-defects entry that names the member; "" when
// the spec records none. The command's --write-baseline fills the baseline with it, so that a
// defect the spec explains is explained once.
func (s *Spec) SpecReason(f Finding) string {
	if d, ok := s.memberDefects[f.Subject]; ok && f.Kind == FieldCase {
		return "spec x-qiwi-doc-defects: " + d.Reason
	}
	if f.Method == "" {
		return ""
	}
	defects, _ := ext.DocDefectsOf(s.doc) // ext.Check in LoadSpec refused an ill-typed one
	for _, d := range defects {
		if d.Method == f.Method && docs.MatchTemplate(d.Path, f.Path) {
			return "spec x-qiwi-doc-defects: " + d.Reason
		}
	}
	for _, op := range s.ops {
		if !docs.MatchTemplate(op.path, f.Path) {
			continue
		}
		methods, _ := op.op.Extensions[ext.DocMethods].(map[string]any)
		for m, reason := range methods {
			if strings.EqualFold(m, f.Method) {
				return fmt.Sprintf("spec x-qiwi-doc-methods of %s: %v", op.id, reason)
			}
		}
	}
	return ""
}

// tableFields compares the parameter tables' dotted members rooted at a notification body's
// member (payment.amount.value under PaymentNotification's payment) with the body's schema:
// presence, spelling and the table's type.
func (s *Spec) tableFields(inv *Inventory) []Finding {
	roots := map[string]notification.Declaration{}
	for _, d := range s.decl {
		if d.Body == nil || d.Body.Value == nil {
			continue
		}
		for name, p := range d.Body.Value.Properties {
			if p.Value != nil && slices.Contains(typesOf(p), "object") {
				roots[name] = d
			}
		}
	}
	var out []Finding
	for _, tf := range inv.TableFields {
		d, ok := roots[tf.Name[:strings.Index(tf.Name, ".")]]
		if !ok {
			continue
		}
		ptr := "/" + strings.ReplaceAll(tf.Name, ".", "/")
		base := "/components/schemas/" + d.Component
		at := lookup(d.Body, base, ptr)
		schema, name, found, exact := at.schema, at.name, at.found, at.exact
		subject := d.Component + " table " + ptr
		switch {
		case schema == nil && !found:
		case !found:
			fm := newFinding(FieldMissing, subject, fmt.Sprintf("%s: the table's %s is no member of the schema", d.Component, tf.Name), tf.Pos, base)
			fm.fix = &repair{at: at, jsonType: docType(tf.Type), member: ptr}
			out = append(out, fm)
		case !exact:
			fc := newFinding(FieldCase, subject, fmt.Sprintf("%s: the table spells %s, the schema %s", d.Component, tf.Name, name), tf.Pos, base)
			fc.fix = &repair{at: at}
			out = append(out, fc)
		default:
			jt := docType(tf.Type)
			if types := typesOf(schema); jt != "" && len(types) > 0 && !allows(types, jt) {
				ft := newFinding(FieldType, subject, fmt.Sprintf("%s: the table types %s %s, the schema allows %s", d.Component, tf.Name, tf.Type, strings.Join(types, " or ")), tf.Pos, base)
				ft.fix = &repair{at: at, jsonType: jt}
				out = append(out, ft)
			}
			if tf.Presence == "" {
				break
			}
			// A member the table makes conditional must not be required: the handler would
			// refuse a notification QIWI sends without it, and a refused notification is a
			// payment the merchant never hears of. The reverse is the spec's choice, not drift:
			// notification schemas require only what verification and routing need (the signed
			// members, the status), so a notification lacking an "Always" member still arrives.
			if required, _, steps := requiredIn(d.Body, base, ptr); required && !tf.Always() {
				msg := fmt.Sprintf("%s: the schema requires %s, the table says it is there %q", d.Component, tf.Name, tf.Presence)
				fr := newFinding(RequiredDiffers, subject+" required", msg, tf.Pos, base)
				fr.fix = &repair{steps: steps, required: false}
				out = append(out, fr)
			}
		}
	}
	return out
}

// docType maps a table's type cell (Number(6.2), String(200), Строка, Object, Array of
// Objects) to a JSON type, "" when it names none.
func docType(cell string) string {
	c := strings.ToLower(strings.Trim(cell, "` "))
	for _, t := range []struct{ prefix, json string }{
		{"string", "string"}, {"строка", "string"}, {"number", "number"}, {"число", "number"}, {"integer", "number"},
		{"boolean", "boolean"}, {"bool", "boolean"}, {"object", "object"}, {"объект", "object"}, {"array", "array"}, {"массив", "array"},
	} {
		if strings.HasPrefix(c, t.prefix) {
			return t.json
		}
	}
	return ""
}

// unlistedFields reports the component schemas' members whose name no page read mentions.
func (s *Spec) unlistedFields(inv *Inventory) []Finding {
	names := make([]string, 0, len(s.doc.Components.Schemas))
	for name := range s.doc.Components.Schemas {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []Finding
	for _, name := range names {
		ref := s.doc.Components.Schemas[name]
		if ref.Value == nil {
			continue
		}
		members := make([]string, 0, len(ref.Value.Properties))
		for m := range ref.Value.Properties {
			members = append(members, m)
		}
		sort.Strings(members)
		for _, m := range members {
			if !inv.words[m] {
				out = append(out, newFinding(FieldUnlisted, name+" "+m, fmt.Sprintf("%s.%s is mentioned by no page read", name, m), docs.Position{}, "/components/schemas/"+name+"/properties/"+m))
			}
		}
	}
	return out
}

// networks reports listed address ranges the runtime's sender check does not cover.
func networks(inv *Inventory, senders []netip.Prefix) []Finding {
	var out []Finding
	for _, n := range inv.Networks {
		p, err := netip.ParsePrefix(n.Prefix)
		if err != nil {
			continue // a version number or a date that looks like one
		}
		covered := false
		for _, s := range senders {
			if s.Bits() <= p.Bits() && s.Contains(p.Addr()) {
				covered = true
			}
		}
		if !covered {
			out = append(out, newFinding(SenderNetwork, n.Prefix, fmt.Sprintf("notifications may come from %s, which webhook.QIWINetworks does not list", n.Prefix), n.Pos, ""))
		}
	}
	return out
}

// schemaOverlay returns file:line of the overlay line that defines the component schema a
// pointer /components/schemas/NAME/... stands in ("    NAME:" under a components target).
func (s *Spec) schemaOverlay(ptr string) string {
	rest, ok := strings.CutPrefix(ptr, "/components/schemas/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	for _, f := range s.overlays {
		for i, line := range strings.Split(string(f.Data), "\n") {
			if strings.TrimSpace(line) == name+":" && strings.HasPrefix(line, "  ") {
				return fmt.Sprintf("%s:%d", f.Name, i+1)
			}
		}
	}
	return ""
}

// citedPage finds a page and line a recorded conflict cites: "payments/_x_en.html.md line 9"
// or "... lines 873 and 907"; the page is named as read (relative to the folder) or as a
// path under a folder ("bill-payments_ru.html.md" after a named one is not matched).
var citedPage = regexp.MustCompile(`([a-z0-9-]+/[A-Za-z0-9_.-]+?\.(?:md|erb|txt)(?:\.erb)?)(?:[^;'"]*?\blines? (\d+))?`)

// recordedConflicts reports each conflict and member defect the spec records, at the first
// page among those read that one of its sources (or, for a member defect, its reason)
// cites; one that cites no page read is left out, as a partial folder leaves it unchecked.
func (s *Spec) recordedConflicts(inv *Inventory) []Finding {
	var out []Finding
	for _, d := range s.recorded {
		texts := d.Sources
		if len(texts) == 0 {
			texts = []string{d.Reason}
		}
		pos, ok := docs.Position{}, false
		for _, text := range texts {
			for _, m := range citedPage.FindAllStringSubmatch(text, -1) {
				for _, page := range inv.Pages {
					if page == m[1] || strings.HasPrefix(page, m[1]) {
						pos.File, ok = page, true
						pos.Line, _ = strconv.Atoi(m[2])
						break
					}
				}
				if ok {
					break
				}
			}
			if ok {
				break
			}
		}
		if !ok {
			continue
		}
		ptr, subject := d.Pointer, d.Pointer
		if d.Member != "" {
			subject = d.Operation + " " + d.In + " " + d.Member
			if op := s.byID(d.Operation); op != nil {
				ptr = opPointer(op)
			}
		}
		msg := "the spec records a doc conflict: " + d.Reason
		if len(d.Sources) > 0 {
			msg += " (sources: " + strings.Join(d.Sources, "; ") + ")"
		}
		out = append(out, newFinding(DocConflict, subject, msg, pos, ptr))
	}
	return out
}

// byID is the spec operation with the operationId, nil if none.
func (s *Spec) byID(id string) *specOp {
	for i := range s.ops {
		if s.ops[i].id == id {
			return &s.ops[i]
		}
	}
	return nil
}
