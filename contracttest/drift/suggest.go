package drift

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/qiwigen/qiwigen/contracttest/internal/textout"
	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/spec/ext"
)

// repair is what a suggested fix needs to settle a finding, recorded by Compare.
type repair struct {
	// why says the finding has no mechanical fix, when it is set.
	why string
	// at is where a field finding's member was looked up (field-missing, -case, -type);
	// member is the documented member's pointer and jsonType its documented JSON type.
	at       lookupResult
	member   string
	jsonType string
	// steps are the members passed down to a required-differs finding's member; required
	// is what the pages say.
	steps    []step
	required bool
	// op is the operation of an operation finding; docPath the path the pages use;
	// apiRead that some page read documents another operation of its API.
	op      *specOp
	docPath string
	apiRead bool
	// enum is the spec enum a table value belongs in (nil: none is clear, see why).
	enum *enumTarget
	// signed is the signature rule a page states.
	signed Signature
	// delays are the redelivery waits a page lists.
	delays []time.Duration
}

// enumTarget is a component schema's enum list: /components/schemas/NAME/KEY.
type enumTarget struct {
	schema, key string
}

// Mechanical reports whether findings of the kind can get an overlay action from Suggest,
// and, when they cannot, why.
func (k Kind) Mechanical() (bool, string) {
	switch k {
	case FieldMissing, FieldCase, FieldType, RequiredDiffers, EnumMissing, SignedFields, RetrySchedule, OperationPathChanged, OperationUnmentioned:
		return true, ""
	case OperationMissing:
		return false, "a new operation needs its operationId, request and answers written by hand"
	case DocMethodConflict, DocPathConflict:
		return false, "the pages disagree with themselves: a maintainer chooses what the spec follows and records the other in x-qiwi-doc-defects"
	case SignatureHeader:
		return false, "the header is declared both in x-qiwi-notification and in the signature parameter the notification operations share"
	case SenderNetwork:
		return false, "the sender ranges are Go code (webhook.QIWINetworks), not the spec"
	case EnumUnlisted, FieldUnlisted:
		return false, "information only: a page set that leaves it out does not show it is gone"
	case DocConflict:
		return false, "information only: the spec has settled it"
	}
	return false, "unknown kind"
}

// Action is one Overlay 1.0 action of a suggested overlay.
type Action struct {
	// Target is the JSONPath of the spec node the action changes.
	Target string
	// Description names the findings it settles, with their page and line.
	Description string
	// Update is the value merged into the target; nil for a removal.
	Update *yaml.Node
	// Remove removes the target.
	Remove bool
	// Findings are the IDs of the findings the action (with the others of its finding)
	// settles.
	Findings []string
}

// Unfixed is a finding a suggested overlay does not settle, and why.
type Unfixed struct {
	Finding Finding
	Why     string
}

// Suggestion is an overlay that settles the findings whose fix is mechanical, and the
// findings it leaves to a maintainer.
type Suggestion struct {
	// Actions are the overlay's actions, in the order they apply.
	Actions []Action
	// Fixed are the IDs of the findings the actions settle.
	Fixed []string
	// Unfixed are the findings considered that got no action.
	Unfixed []Unfixed
}

// ErrSuggest is wrapped by Suggest's errors: the spec text does not hold a node a finding
// points at.
var ErrSuggest = errors.New("drift: cannot suggest a fix")

// Suggest writes overlay actions that make the spec say what the pages say, for the failing
// findings (see Failing) and the operations no page of an API the pages document mentions
// (operation-unmentioned: a retired operation). Applied after the spec's own overlays
// (qiwigen -overlay), they make those findings disappear from the next run. Accepted and other
// information findings are left out; every other finding is listed in Unfixed with why.
// inv is the inventory the findings come from.
func (s *Spec) Suggest(inv *Inventory, findings []Finding) (*Suggestion, error) {
	fixes := map[string]*repair{}
	for _, f := range compare(inv, s) {
		fixes[f.ID] = f.fix
	}
	var root yaml.Node
	if err := yaml.Unmarshal(s.raw, &root); err != nil {
		return nil, fmt.Errorf("%w: the spec: %w", ErrSuggest, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%w: the spec is empty", ErrSuggest)
	}
	sg := &Suggestion{}
	retries := 0
	for _, f := range findings {
		if f.Kind == RetrySchedule && f.Accepted == "" {
			retries++
		}
	}
	seen := map[string]int{} // an action's key → its index
	for _, f := range findings {
		if f.Accepted != "" || f.Kind.Info() && f.Kind != OperationUnmentioned {
			continue
		}
		f.fix = fixes[f.ID]
		if ok, why := f.Kind.Mechanical(); !ok {
			sg.Unfixed = append(sg.Unfixed, Unfixed{f, why})
			continue
		}
		if f.fix == nil {
			sg.Unfixed = append(sg.Unfixed, Unfixed{f, "the finding does not say what the spec should hold"})
			continue
		}
		if f.Kind == RetrySchedule && retries > 1 {
			sg.Unfixed = append(sg.Unfixed, Unfixed{f, "the pages list more than one schedule"})
			continue
		}
		if f.Kind == OperationUnmentioned && !f.fix.apiRead {
			continue // information only: no page read documents its API (a partial folder)
		}
		b := &builder{spec: s, root: root.Content[0], words: inv.words}
		why, err := b.build(f)
		if err != nil {
			return nil, fmt.Errorf("%w: %s %s: %w", ErrSuggest, f.ID, f.Subject, err)
		}
		if why == "" && f.fix.why != "" {
			why = f.fix.why
		}
		if why == "" && len(b.actions) == 0 {
			why = "the spec needs no change"
		}
		if why != "" {
			sg.Unfixed = append(sg.Unfixed, Unfixed{f, why})
			continue
		}
		desc := fmt.Sprintf("%s %s at %s: %s", f.ID, f.Kind, docAt(f), f.Message)
		for _, a := range b.actions {
			key := a.Target + "\x00" + strconv.FormatBool(a.Remove) + "\x00" + encode(a.Update)
			if i, ok := seen[key]; ok {
				sg.Actions[i].Findings = append(sg.Actions[i].Findings, f.ID)
				sg.Actions[i].Description += "; " + desc
				continue
			}
			seen[key] = len(sg.Actions)
			a.Description, a.Findings = desc, []string{f.ID}
			sg.Actions = append(sg.Actions, a)
		}
		sg.Fixed = append(sg.Fixed, f.ID)
	}
	return sg, nil
}

func encode(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	out, err := yaml.Marshal(n)
	if err != nil {
		return fmt.Sprint(err)
	}
	return string(out)
}

// builder makes the actions of one finding.
type builder struct {
	spec    *Spec
	words   map[string]bool // the words of the pages read
	root    *yaml.Node
	actions []Action
}

// build adds the finding's actions; it returns why when the fix is not mechanical after all.
func (b *builder) build(f Finding) (string, error) {
	r := f.fix
	switch f.Kind {
	case FieldMissing:
		return b.addMember(f, r)
	case FieldCase:
		return b.rename(r)
	case FieldType:
		return b.retype(f, r)
	case RequiredDiffers:
		return b.require(r)
	case EnumMissing:
		if r.enum == nil {
			return "no spec enum holds the other values of its table, or two hold them equally", nil
		}
		return "", b.update(jsonpointer.Join("components", "schemas", r.enum.schema, r.enum.key), scalar(f.Subject))
	case SignedFields:
		return b.sign(r.signed)
	case RetrySchedule:
		return b.retries(r.delays)
	case OperationPathChanged:
		return b.move(r)
	case OperationUnmentioned:
		return b.retire(r)
	}
	return "not mechanical", nil
}

// addMember adds the member the pages show to the object schema that lacks it.
func (b *builder) addMember(f Finding, r *repair) (string, error) {
	typ := r.jsonType
	if tokens := jsonpointer.Split(r.member); len(tokens) > 0 && tokens[len(tokens)-1] != r.at.missing {
		typ = "object" // a member under it is documented
	}
	if typ == "" || typ == "null" {
		return "the pages give no type for it", nil
	}
	if why := composedOnly(r.at.last); why != "" {
		return why, nil
	}
	member := newMember(typ, fmt.Sprintf("Documented at %s (added by qiwicontract drift --suggest: describe it).", f.Doc))
	return "", b.update(r.at.last.ptr, mapping("properties", mapping(r.at.missing, member)))
}

// composedOnly says why a member cannot be added to an object made only of oneOf or anyOf
// parts: which part it belongs in is a maintainer's choice.
func composedOnly(obj schemaAt) string {
	if obj.ref == nil || obj.ref.Value == nil {
		return "the schema that lacks it is not found"
	}
	v := obj.ref.Value
	if len(v.Properties) == 0 && len(v.OneOf)+len(v.AnyOf) > 0 {
		return "the schema that lacks it is a oneOf or anyOf: which part it belongs in is a maintainer's choice"
	}
	return ""
}

// newMember is the schema of a member added or retyped: its JSON type and a description.
func newMember(typ, description string) *yaml.Node {
	m := mapping("type", scalar(typ))
	if typ == "array" {
		m.Content = append(m.Content, scalar("items"), &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle})
	}
	m.Content = append(m.Content, scalar("description"), scalar(description))
	return m
}

// rename gives the member the pages' spelling: the same schema under the new name, in every
// required list that names it.
func (b *builder) rename(r *repair) (string, error) {
	var st *step
	for i := range r.at.steps {
		if r.at.steps[i].name != r.at.steps[i].asked {
			st = &r.at.steps[i]
			break
		}
	}
	if st == nil {
		return "the member is spelt as the pages spell it", nil
	}
	if b.words[st.name] {
		return fmt.Sprintf("the pages also spell it %s elsewhere: which spelling is right is a maintainer's choice", st.name), nil
	}
	for _, d := range b.spec.decl {
		for _, p := range append(slices.Clip(d.SignedFields), d.AmountFields...) {
			for _, passed := range lookup(d.Body, jsonpointer.Join("components", "schemas", d.Component), p).steps {
				if passed.member.ptr == st.member.ptr {
					return fmt.Sprintf("the %s notification's x-qiwi-notification (%s) names it in %s: rename it there too", d.Type, d.Pointer, p), nil
				}
			}
		}
	}
	node, err := b.node(st.member.ptr)
	if err != nil {
		return "", err
	}
	if err := b.update(jsonpointer.Append(st.owner.ptr, "properties"), mapping(st.asked, clone(node))); err != nil {
		return "", err
	}
	if err := b.remove(st.member.ptr); err != nil {
		return "", err
	}
	for _, rq := range st.requiredBy {
		if err := b.unrequire(rq.ptr, st.name); err != nil {
			return "", err
		}
		if err := b.update(rq.ptr, mapping("required", sequence(scalar(st.asked)))); err != nil {
			return "", err
		}
	}
	return "", nil
}

// retype gives the member the documented JSON type, keeping its description.
func (b *builder) retype(f Finding, r *repair) (string, error) {
	if len(r.at.steps) == 0 || r.jsonType == "" || r.jsonType == "null" {
		return "the pages give no type for it", nil
	}
	st := r.at.steps[len(r.at.steps)-1]
	if st.member.ref == nil || st.member.ref.Ref != "" {
		return "the member's schema is a shared one ($ref): retyping it changes every member that uses it", nil
	}
	if v := st.member.ref.Value; v == nil || len(v.OneOf)+len(v.AnyOf)+len(v.AllOf) > 0 {
		return "the member's schema is composed (allOf, oneOf, anyOf): which part to retype is a maintainer's choice", nil
	}
	description := st.member.ref.Value.Description
	if description == "" {
		description = fmt.Sprintf("Documented at %s.", f.Doc)
	}
	if err := b.remove(st.member.ptr); err != nil {
		return "", err
	}
	return "", b.update(jsonpointer.Append(st.owner.ptr, "properties"), mapping(st.name, newMember(r.jsonType, description)))
}

// require makes each member on the way required, or the member optional, as the pages say.
func (b *builder) require(r *repair) (string, error) {
	if len(r.steps) == 0 {
		return "the member is not found", nil
	}
	if r.required {
		for _, st := range r.steps {
			if len(st.requiredBy) == 0 {
				if err := b.update(st.in.ptr, mapping("required", sequence(scalar(st.name)))); err != nil {
					return "", err
				}
			}
		}
		return "", nil
	}
	last := r.steps[len(r.steps)-1]
	for _, rq := range last.requiredBy {
		if err := b.unrequire(rq.ptr, last.name); err != nil {
			return "", err
		}
	}
	return "", nil
}

// sign replaces the signed fields of every declaration of the notification type.
func (b *builder) sign(sig Signature) (string, error) {
	var changed bool
	for _, d := range b.spec.decl {
		if d.Type != sig.Type {
			continue
		}
		for _, a := range d.AmountFields {
			if !slices.Contains(sig.Fields, a) {
				return fmt.Sprintf("the spec checks the amount %s, which the page does not sign", a), nil
			}
		}
		for _, p := range sig.Fields {
			if at := lookup(d.Body, jsonpointer.Join("components", "schemas", d.Component), p); !at.found || !at.exact {
				return fmt.Sprintf("the page signs %s, which %s lacks", p, d.Component), nil
			}
		}
		changed = true
	}
	// Every declaration of the type says the same (notification.Collect checks), the ones of
	// callbacks too: each is changed.
	for _, ptr := range declarations(b.root, "", sig.Type) {
		list := sequence()
		for _, p := range sig.Fields {
			list.Content = append(list.Content, scalar(p))
		}
		if err := b.remove(jsonpointer.Append(ptr, "signedFields")); err != nil {
			return "", err
		}
		if err := b.update(ptr, mapping("signedFields", list)); err != nil {
			return "", err
		}
	}
	if !changed {
		return "the spec declares no " + sig.Type + " notification", nil
	}
	return "", nil
}

// declarations are the pointers of the spec's x-qiwi-notification members of the type, in
// document order.
func declarations(n *yaml.Node, ptr, typ string) []string {
	var out []string
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i].Value, n.Content[i+1]
			if key == "x-qiwi-notification" && value.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(value.Content); j += 2 {
					if value.Content[j].Value == "type" && value.Content[j+1].Value == typ {
						out = append(out, jsonpointer.Append(ptr, key))
					}
				}
				continue
			}
			out = append(out, declarations(value, jsonpointer.Append(ptr, key), typ)...)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			out = append(out, declarations(item, jsonpointer.Append(ptr, strconv.Itoa(i)), typ)...)
		}
	}
	return out
}

// retries replaces the spec's redelivery delays.
func (b *builder) retries(delays []time.Duration) (string, error) {
	if b.spec.retry.Delays == nil {
		return "the spec declares no " + ext.NotificationRetries + ": write one with its source", nil
	}
	list := sequence()
	for _, d := range delays {
		list.Content = append(list.Content, scalar(d.String()))
	}
	ptr := jsonpointer.Join(ext.NotificationRetries)
	if err := b.remove(jsonpointer.Append(ptr, "delays")); err != nil {
		return "", err
	}
	return "", b.update(ptr, mapping("delays", list))
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// pathItem returns the node of the operation's path item and how many operations it holds.
func (b *builder) pathItem(op *specOp) (*yaml.Node, int, error) {
	item, err := b.node(jsonpointer.Join("paths", op.path))
	if err != nil {
		return nil, 0, err
	}
	n := 0
	for i := 0; i+1 < len(item.Content); i += 2 {
		if slices.Contains(httpMethods, item.Content[i].Value) {
			n++
		}
	}
	return item, n, nil
}

// move puts the operation at the path the pages use: its spec path with the one segment that
// differs spelt as the pages spell it.
func (b *builder) move(r *repair) (string, error) {
	segs := strings.Split(r.op.path, "/")
	doc := strings.Split(r.docPath, "/")
	if len(segs) != len(doc) {
		return "the documented path has another number of segments", nil
	}
	for i := range segs {
		if segs[i] != doc[i] && !strings.HasPrefix(segs[i], "{") {
			segs[i] = doc[i]
		}
	}
	newPath := strings.Join(segs, "/")
	if b.spec.doc.Paths.Value(newPath) != nil {
		return "the spec already has the path " + newPath, nil
	}
	item, n, err := b.pathItem(r.op)
	if err != nil {
		return "", err
	}
	if n != 1 {
		return fmt.Sprintf("the path %s holds %d operations: moving one is a maintainer's choice", r.op.path, n), nil
	}
	if err := b.update("/paths", mapping(newPath, clone(item))); err != nil {
		return "", err
	}
	return "", b.remove(jsonpointer.Join("paths", r.op.path))
}

// retire removes the operation (its path item when it is the only one there).
func (b *builder) retire(r *repair) (string, error) {
	if n := len(regexp.MustCompile(`\b`+regexp.QuoteMeta(r.op.id)+`\b`).FindAllIndex(b.spec.raw, 2)); n > 1 {
		return fmt.Sprintf("other parts of the spec name %s: remove them with it by hand", r.op.id), nil
	}
	_, n, err := b.pathItem(r.op)
	if err != nil {
		return "", err
	}
	if n == 1 {
		return "", b.remove(jsonpointer.Join("paths", r.op.path))
	}
	return "", b.remove(opPointer(r.op))
}

// update adds an action that merges value into the node at ptr.
func (b *builder) update(ptr string, value *yaml.Node) error {
	target, err := b.target(ptr)
	if err != nil {
		return err
	}
	b.actions = append(b.actions, Action{Target: target, Update: value})
	return nil
}

// remove adds an action that removes the node at ptr.
func (b *builder) remove(ptr string) error {
	target, err := b.target(ptr)
	if err != nil {
		return err
	}
	b.actions = append(b.actions, Action{Target: target, Remove: true})
	return nil
}

// unrequire adds an action that removes name from the required list of the schema at ptr.
func (b *builder) unrequire(ptr, name string) error {
	target, err := b.target(jsonpointer.Append(ptr, "required"))
	if err != nil {
		return err
	}
	b.actions = append(b.actions, Action{Target: target + "[?@ == " + quote(name) + "]", Remove: true})
	return nil
}

// node returns the spec's node at a JSON pointer.
func (b *builder) node(ptr string) (*yaml.Node, error) {
	n, _, err := walkYAML(b.root, ptr)
	return n, err
}

// target returns the JSONPath of the spec's node at a JSON pointer.
func (b *builder) target(ptr string) (string, error) {
	_, path, err := walkYAML(b.root, ptr)
	return path, err
}

// walkYAML follows a JSON pointer through a YAML document and returns the node and its
// JSONPath (RFC 9535, normalized but for shorthand member names: $.paths['/a'].get).
func walkYAML(root *yaml.Node, ptr string) (*yaml.Node, string, error) {
	cur, path := root, "$"
	for _, tok := range jsonpointer.Split(ptr) {
		for cur.Kind == yaml.AliasNode {
			cur = cur.Alias
		}
		switch cur.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for i := 0; i+1 < len(cur.Content); i += 2 {
				if cur.Content[i].Value == tok {
					next = cur.Content[i+1]
					break
				}
			}
			if next == nil {
				return nil, "", fmt.Errorf("%s: no member %q", ptr, tok)
			}
			cur = next
			if shorthand.MatchString(tok) {
				path += "." + tok
			} else {
				path += "[" + quote(tok) + "]"
			}
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(cur.Content) {
				return nil, "", fmt.Errorf("%s: no item %q", ptr, tok)
			}
			cur = cur.Content[i]
			path += "[" + tok + "]"
		default:
			return nil, "", fmt.Errorf("%s: %q is below a scalar", ptr, tok)
		}
	}
	return cur, path, nil
}

// shorthand is a member name JSONPath takes after a dot.
var shorthand = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// quote writes a JSONPath string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func scalar(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
}

func sequence(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
}

// mapping is a YAML mapping of one key and value.
func mapping(key string, value *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{scalar(key), value}}
}

// clone copies a node of the spec for an overlay: aliases followed, comments and positions
// dropped.
func clone(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	c := &yaml.Node{Kind: n.Kind, Style: n.Style, Tag: n.Tag, Value: n.Value}
	for _, child := range n.Content {
		c.Content = append(c.Content, clone(child))
	}
	return c
}

// enumOf finds the component enum a table value belongs in: the one that holds the most of
// the other values of its table (the values of its column within a few lines of each other),
// and of those the one with the fewest other values; nil when none or two equally do.
func (s *Spec) enumOf(ev EnumValue, all []EnumValue) *enumTarget {
	var table []string
	for i, o := range all {
		if o.Pos.File != ev.Pos.File || o.Column != ev.Column || o.Pos.Line != ev.Pos.Line {
			continue
		}
		// the run of rows around it
		lo, hi := i, i
		for lo > 0 && sameTable(all[lo-1], all[lo]) {
			lo--
		}
		for hi+1 < len(all) && sameTable(all[hi], all[hi+1]) {
			hi++
		}
		for _, t := range all[lo : hi+1] {
			if t.Value != ev.Value {
				table = append(table, t.Value)
			}
		}
		break
	}
	names := make([]string, 0, len(s.doc.Components.Schemas))
	for name := range s.doc.Components.Schemas {
		names = append(names, name)
	}
	sort.Strings(names)
	var best *enumTarget
	most, extra, tie := 0, 0, false
	for _, name := range names {
		ref := s.doc.Components.Schemas[name]
		if ref.Value == nil {
			continue
		}
		list, ok, _ := ext.EnumValues(ref.Value)
		key := ext.ExtensibleEnum
		if !ok {
			if len(ref.Value.Enum) == 0 || ref.Value.Type == nil || !ref.Value.Type.Is("string") {
				continue
			}
			key = "enum"
			for _, v := range ref.Value.Enum {
				list = append(list, fmt.Sprint(v))
			}
		}
		n := 0
		for _, v := range table {
			if slices.Contains(list, v) {
				n++
			}
		}
		// the most of the table's values, then the fewest others
		switch x := len(list) - n; {
		case n > most || n == most && n > 0 && x < extra:
			best, most, extra, tie = &enumTarget{name, key}, n, x, false
		case n == most && n > 0 && x == extra:
			tie = true
		}
	}
	if tie {
		return nil
	}
	return best
}

// sameTable reports whether two enum values, in page order, are rows of one table.
func sameTable(a, b EnumValue) bool {
	return a.Pos.File == b.Pos.File && a.Column == b.Column && b.Pos.Line-a.Pos.Line >= 0 && b.Pos.Line-a.Pos.Line <= 3
}

// overlayFile is the YAML shape of an Overlay 1.0 document.
type overlayFile struct {
	Overlay string        `yaml:"overlay"`
	Info    overlayInfo   `yaml:"info"`
	Actions []overlayStep `yaml:"actions"`
}

type overlayInfo struct {
	Title       string `yaml:"title"`
	Version     string `yaml:"version"`
	Description string `yaml:"description,omitempty"`
}

type overlayStep struct {
	Target      string     `yaml:"target"`
	Description string     `yaml:"description"`
	Update      *yaml.Node `yaml:"update,omitempty"`
	Remove      bool       `yaml:"remove,omitempty"`
	Findings    []string   `yaml:"x-qiwi-findings,flow"`
}

// ErrNothingToSuggest is WriteOverlay's error when no action was found: an Overlay 1.0
// document without actions is not valid.
var ErrNothingToSuggest = errors.New("no finding has a mechanical fix")

// WriteOverlay writes the actions as an Overlay 1.0 document for qiwigen -overlay.
func (sg *Suggestion) WriteOverlay(w io.Writer) error {
	if len(sg.Actions) == 0 {
		return ErrNothingToSuggest
	}
	doc := overlayFile{Overlay: "1.0.0", Info: overlayInfo{
		Title:       "qiwicontract drift --suggest",
		Version:     "1.0.0",
		Description: fmt.Sprintf("Fixes for %d drift findings, for a maintainer to review; apply with qiwigen -overlay.", len(sg.Fixed)),
	}}
	for _, a := range sg.Actions {
		doc.Actions = append(doc.Actions, overlayStep(a))
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}

// WriteUnfixed lists the findings the overlay leaves to a maintainer, one a line, with why.
func (sg *Suggestion) WriteUnfixed(w io.Writer) error {
	ew := &textout.Writer{W: w}
	for _, u := range sg.Unfixed {
		ew.Printf("%s %s at %s: %s: %s\n", textout.Visible(u.Finding.ID), u.Finding.Kind,
			textout.Visible(docAt(u.Finding)), textout.Visible(u.Finding.Subject), textout.Visible(u.Why))
	}
	return ew.Err
}

// docAt is the page and line of a finding, or "the spec" for one no page states.
func docAt(f Finding) string {
	if f.Doc.File == "" {
		return "the spec (" + f.Spec + ")"
	}
	return f.Doc.String()
}
