// Package ext is the one reader of the spec's own extensions (x-qiwi-*, x-extensible-enum):
// their names as constants, a typed accessor for each, and Check, which walks a whole document
// and names, by JSON pointer, every extension it does not know or whose value has the wrong
// shape. The generator, the contract verdicts, the scrubber and the spec tests read the
// extensions through it. x-qiwi-notification has its own reader, spec/notification.
package ext

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/generator/runtime/transport"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// The extensions, by the object they stand on.
const (
	// Secret (property schema, true): a value never logged, printed or stored in clear.
	Secret = "x-qiwi-secret"
	// ExtensibleEnum (schema, list of values): the documented values of an open enumeration;
	// QIWI may send others.
	ExtensibleEnum = "x-extensible-enum"
	// Evidence (schema, value → source): where an enum value no doc page states comes from.
	Evidence = "x-qiwi-evidence"
	// ResolveAlreadyDone (operation, operationId): the GET that fetches the existing object
	// when QIWI answers a repeated call "already done".
	ResolveAlreadyDone = "x-qiwi-resolve-already-done"
	// Undocumented (operation, reason): an operation only the upstream crawl lists.
	Undocumented = "x-qiwi-undocumented"
	// DocMethods (operation, method → reason): other methods the docs show for it.
	DocMethods = "x-qiwi-doc-methods"
	// ExampleDefects (operation, reason): every doc example of the operation is wrong.
	ExampleDefects = "x-qiwi-example-defects"
	// Upstream (operation, object or string): where the operation stands in the crawl.
	Upstream = "x-qiwi-upstream"
	// DocDefects (document, list): documented (method, path) pairs the spec leaves out, with
	// the reason; and conflicts of the docs about the content of a spec node (a JSON
	// pointer), with the sources on each side and the spec's choice.
	DocDefects = "x-qiwi-doc-defects"
	// Notification (callback operation): read by spec/notification.
	Notification = "x-qiwi-notification"
	// Webhooks (document): notifications that follow no operation's callbackUrl.
	Webhooks = "x-webhooks"
	// UpstreamName (info): the crawl the base was curated from.
	UpstreamName = "x-upstream"
	// NotificationRetries (document, {delays, source}): the waits before each new delivery
	// of a notification that was not answered 200, in Go duration form, and the page that
	// states them.
	NotificationRetries = "x-qiwi-notification-retries"
	// RequestAmount (schema: the Money schema, API path prefix → {form, source}): how each
	// API wants the amounts of its requests written (a wiretype.AmountForm), and the source
	// that shows it.
	RequestAmount = "x-qiwi-request-amount"
	// Variants (schema, reason): the schema's oneOf/anyOf/not (and, beside a single allOf
	// reference, its required list) only say which combinations of the model's own members a
	// request may carry; validators enforce them, the generated Go model is the model alone.
	Variants = "x-qiwi-variants"
	// ConfigParam (path parameter, configuration value): the client's configuration fills the
	// parameter (siteId: transport.ConfigSiteID, set with WithSiteID), not the caller's
	// arguments.
	ConfigParam = "x-qiwi-config-param"
)

// ErrInvalid is wrapped by every error about an extension.
var ErrInvalid = errors.New("invalid spec extension")

// Error is an extension that is unknown or ill-typed, at a JSON pointer of the document.
type Error struct {
	// Pointer is the JSON pointer of the extension.
	Pointer string
	// Err says what is wrong; it wraps ErrInvalid.
	Err error
}

// Error formats the error as "pointer: what".
func (e *Error) Error() string { return e.Pointer + ": " + e.Err.Error() }

// Unwrap returns what is wrong.
func (e *Error) Unwrap() error { return e.Err }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// IsSecret reports whether a property schema is marked secret.
func IsSecret(s *openapi3.Schema) (bool, error) {
	v, ok := s.Extensions[Secret]
	if !ok {
		return false, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, invalid("%s must be true or false, not %v", Secret, v)
	}
	return b, nil
}

// EnumValues returns the documented values of an open enumeration, and whether the schema
// is one.
func EnumValues(s *openapi3.Schema) ([]string, bool, error) {
	v, ok := s.Extensions[ExtensibleEnum]
	if !ok {
		return nil, false, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, true, invalid("%s must be a list of values", ExtensibleEnum)
	}
	out := make([]string, 0, len(list))
	for i, x := range list {
		switch x.(type) {
		case string, float64, int, int64, bool:
			out = append(out, fmt.Sprint(x))
		default:
			return nil, true, invalid("%s[%d] is not a scalar", ExtensibleEnum, i)
		}
	}
	return out, true, nil
}

// EvidenceOf returns the sources of enum values no doc page states.
func EvidenceOf(s *openapi3.Schema) (map[string]string, error) {
	return stringMap(s.Extensions, Evidence)
}

// VariantsOf returns why a schema's combinators are validation-only variants, and whether
// they are.
func VariantsOf(s *openapi3.Schema) (string, bool, error) {
	if _, ok := s.Extensions[Variants]; !ok {
		return "", false, nil
	}
	reason, err := str(s.Extensions, Variants)
	if err == nil && reason == "" {
		err = invalid("%s must say where the variants come from", Variants)
	}
	return reason, true, err
}

// ConfigParamOf returns the configuration value that fills a path parameter, and whether
// the parameter is filled from the configuration.
func ConfigParamOf(p *openapi3.Parameter) (transport.ConfigValue, bool, error) {
	if _, ok := p.Extensions[ConfigParam]; !ok {
		return "", false, nil
	}
	v, err := str(p.Extensions, ConfigParam)
	switch {
	case err != nil:
		return "", true, err
	case p.In != openapi3.ParameterInPath:
		return "", true, invalid("%s stands on a path parameter, not on a %s parameter", ConfigParam, p.In)
	case !transport.ConfigValue(v).Known():
		return "", true, invalid("%s %q is no value of the client's configuration (%s)", ConfigParam, v, transport.ConfigSiteID)
	}
	return transport.ConfigValue(v), true, nil
}

// ResolveAlreadyDoneOf returns the operationId that fetches the existing object, "" if none.
func ResolveAlreadyDoneOf(op *openapi3.Operation) (string, error) {
	return str(op.Extensions, ResolveAlreadyDone)
}

// UndocumentedOf returns why an operation is undocumented, and whether it is.
func UndocumentedOf(op *openapi3.Operation) (string, bool, error) {
	if _, ok := op.Extensions[Undocumented]; !ok {
		return "", false, nil
	}
	reason, err := str(op.Extensions, Undocumented)
	return reason, true, err
}

// DocMethodsOf returns the other methods (upper case) the docs show for an operation, sorted.
func DocMethodsOf(op *openapi3.Operation) ([]string, error) {
	m, err := stringMap(op.Extensions, DocMethods)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, strings.ToUpper(k))
	}
	slices.Sort(out)
	return out, nil
}

// ExampleDefectsOf returns why every doc example of an operation is wrong, "" if none is.
func ExampleDefectsOf(op *openapi3.Operation) (string, error) {
	return str(op.Extensions, ExampleDefects)
}

// DocDefect is a (method, path) the docs show and the spec leaves out, or a conflict of the
// docs about a spec node (Pointer set, Method and Path empty).
type DocDefect struct {
	// Method and Path are what the docs show (the path without /partner).
	Method, Path string
	// Operation is the spec operation the docs meant, "" when none.
	Operation string
	// Pointer is the JSON pointer of the spec node a conflict is about, "" for a (method,
	// path) defect.
	Pointer string
	// Sources are the places on each side of a conflict (page and line, or an SDK file).
	Sources []string
	// Reason says what is wrong with the docs (and, for a conflict, what the spec follows).
	Reason string
	// Member, when set, narrows the defect to one member of the operation's documented
	// examples: a JSON pointer (/datetime) into the request or the response (In). The spec
	// keeps the operation; drift reports the member as a known doc defect.
	Member string
	// In is "request" or "response", for a Member.
	In string
}

// DocDefectsOf returns the document's doc defects.
func DocDefectsOf(doc *openapi3.T) ([]DocDefect, error) {
	raw, ok := doc.Extensions[DocDefects]
	if !ok {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, invalid("%s must be a list", DocDefects)
	}
	out := make([]DocDefect, 0, len(list))
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, invalid("%s[%d] is not an object", DocDefects, i)
		}
		var d DocDefect
		for key, dst := range map[string]*string{"method": &d.Method, "path": &d.Path, "operation": &d.Operation, "pointer": &d.Pointer,
			"reason": &d.Reason, "member": &d.Member, "in": &d.In} {
			if v, present := m[key]; present {
				s, ok := v.(string)
				if !ok {
					return nil, invalid("%s[%d].%s is not a string", DocDefects, i, key)
				}
				*dst = s
			}
		}
		if v, present := m["sources"]; present {
			list, ok := v.([]any)
			for j := 0; ok && j < len(list); j++ {
				var src string
				src, ok = list[j].(string)
				d.Sources = append(d.Sources, src)
			}
			if !ok {
				return nil, invalid("%s[%d].sources is not a list of strings", DocDefects, i)
			}
		}
		switch {
		case d.Pointer != "":
			if d.Method != "" || d.Path != "" || d.Reason == "" || len(d.Sources) < 2 {
				return nil, invalid("%s[%d]: a conflict needs a pointer, the sources on both sides and a reason, and no method or path", DocDefects, i)
			}
		case d.Method == "" || d.Path == "" || d.Reason == "":
			return nil, invalid("%s[%d] needs a method, a path and a reason", DocDefects, i)
		}
		if (d.Member != "" || d.In != "") && (!strings.HasPrefix(d.Member, "/") || (d.In != "request" && d.In != "response") || d.Operation == "") {
			return nil, invalid("%s[%d]: a member defect needs a JSON pointer member, in: request or in: response, and its operation", DocDefects, i)
		}
		out = append(out, d)
	}
	return out, nil
}

// RetrySchedule is the documented redelivery of notifications.
type RetrySchedule struct {
	// Delays are the waits before each new attempt, in order.
	Delays []time.Duration
	// Source is the page (file#anchor) that states them.
	Source string
}

// NotificationRetriesOf returns the document's notification retry schedule; ok is false
// when the document declares none.
func NotificationRetriesOf(doc *openapi3.T) (schedule RetrySchedule, ok bool, err error) {
	raw, present := doc.Extensions[NotificationRetries]
	if !present {
		return RetrySchedule{}, false, nil
	}
	m, isObject := raw.(map[string]any)
	if !isObject {
		return RetrySchedule{}, false, invalid("%s must be an object with delays and source", NotificationRetries)
	}
	list, isList := m["delays"].([]any)
	if !isList || len(list) == 0 {
		return RetrySchedule{}, false, invalid("%s.delays must be a list of durations", NotificationRetries)
	}
	for i, item := range list {
		text, isText := item.(string)
		d, perr := time.ParseDuration(text)
		if !isText || perr != nil || d <= 0 {
			return RetrySchedule{}, false, invalid("%s.delays[%d] is not a positive duration (5s, 1m)", NotificationRetries, i)
		}
		schedule.Delays = append(schedule.Delays, d)
	}
	if schedule.Source, _ = m["source"].(string); schedule.Source == "" {
		return RetrySchedule{}, false, invalid("%s.source must name the page that states the delays", NotificationRetries)
	}
	return schedule, true, nil
}

// AmountRule is one API's rule for the amounts of its requests.
type AmountRule struct {
	// Prefix is the start of the API's paths in the spec (/payin/, /bill/).
	Prefix string
	// Form is how the API wants request amounts written.
	Form wiretype.AmountForm
	// Source is what shows the rule (a page line, an SDK file, a fixture).
	Source string
}

// RequestAmountRulesOf returns the request amount rules a schema declares, longest prefix
// first (so that /payin-tokenization-api/ is tried before /payin).
func RequestAmountRulesOf(s *openapi3.Schema) ([]AmountRule, error) {
	raw, ok := s.Extensions[RequestAmount]
	if !ok {
		return nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok || len(m) == 0 {
		return nil, invalid("%s must be an object of API path prefixes", RequestAmount)
	}
	out := make([]AmountRule, 0, len(m))
	for _, prefix := range slices.Sorted(maps.Keys(m)) {
		rule, ok := m[prefix].(map[string]any)
		if !ok || !strings.HasPrefix(prefix, "/") {
			return nil, invalid("%s.%s must be an object with form and source, under a path prefix", RequestAmount, prefix)
		}
		form, _ := rule["form"].(string)
		source, _ := rule["source"].(string)
		switch {
		case !wiretype.AmountForm(form).Known():
			return nil, invalid("%s.%s.form %q is not %s or %s", RequestAmount, prefix, form,
				wiretype.AmountTwoFractionDigits, wiretype.AmountUpToTwoFractionDigits)
		case source == "":
			return nil, invalid("%s.%s.source must name what shows the rule", RequestAmount, prefix)
		case len(rule) != 2:
			return nil, invalid("%s.%s has members other than form and source", RequestAmount, prefix)
		}
		out = append(out, AmountRule{Prefix: prefix, Form: wiretype.AmountForm(form), Source: source})
	}
	slices.SortStableFunc(out, func(a, b AmountRule) int { return len(b.Prefix) - len(a.Prefix) })
	return out, nil
}

// RequestAmountForm returns the form the Money schema s declares for request amounts of the
// operation at path (a spec path, /bill/v1/bills/{billId}): the rule of the longest prefix
// of the path, else wiretype.AmountTwoFractionDigits, the form every API accepts.
func RequestAmountForm(s *openapi3.Schema, path string) (wiretype.AmountForm, error) {
	rules, err := RequestAmountRulesOf(s)
	if err != nil {
		return "", err
	}
	for _, r := range rules {
		if strings.HasPrefix(path, r.Prefix) {
			return r.Form, nil
		}
	}
	return wiretype.AmountTwoFractionDigits, nil
}

// SecretMembers returns the names of every property the document marks secret, sorted.
func SecretMembers(doc *openapi3.T) ([]string, error) {
	names := map[string]bool{}
	var failed error
	walkSchemas(doc, func(ptr string, s *openapi3.Schema) {
		for name, p := range s.Properties {
			if p == nil || p.Value == nil || failed != nil {
				continue
			}
			secret, err := IsSecret(p.Value)
			if err != nil {
				failed = &Error{Pointer: ptr + "/properties/" + escape(name) + "/" + Secret, Err: err}
			}
			if secret {
				names[name] = true
			}
		}
	})
	return slices.Sorted(maps.Keys(names)), failed
}

// known are the extensions this package reads, and where each may stand.
var known = map[string]string{
	Secret: "schema", ExtensibleEnum: "schema", Evidence: "schema", RequestAmount: "schema", Variants: "schema",
	ResolveAlreadyDone: "operation", Undocumented: "operation", DocMethods: "operation",
	ExampleDefects: "operation", Upstream: "operation", Notification: "operation",
	DocDefects: "document", Webhooks: "document", UpstreamName: "info", NotificationRetries: "document", Flows: "document",
	ConfigParam: "parameter",
}

// Check walks a document and returns the first extension of ours (x-qiwi-*, and
// x-extensible-enum) that is unknown, stands where it does not belong, or has a value of the
// wrong shape, as an *Error naming its JSON pointer. Other tools' extensions (x-go-type,
// x-oapi-codegen-*) are left alone.
func Check(doc *openapi3.T) error {
	var first error
	fail := func(ptr string, err error) {
		if first == nil {
			first = &Error{Pointer: ptr, Err: err}
		}
	}
	checkPlace := func(ptr, place string, exts map[string]any) {
		for _, name := range slices.Sorted(maps.Keys(exts)) {
			if !strings.HasPrefix(name, "x-qiwi-") && name != ExtensibleEnum && name != Webhooks && name != UpstreamName {
				continue
			}
			where, ok := known[name]
			switch {
			case !ok:
				fail(ptr+"/"+escape(name), invalid("unknown extension %s", name))
			case where != place:
				fail(ptr+"/"+escape(name), invalid("%s belongs on a %s, not on a %s", name, where, place))
			}
		}
	}
	checkPlace("", "document", doc.Extensions)
	if doc.Info != nil {
		checkPlace("/info", "info", doc.Info.Extensions)
	}
	if _, err := DocDefectsOf(doc); err != nil {
		fail("/"+DocDefects, err)
	}
	if _, _, err := NotificationRetriesOf(doc); err != nil {
		fail("/"+NotificationRetries, err)
	}
	if _, err := FlowsOf(doc); err != nil {
		fail("/"+Flows, err)
	}
	checkParams := func(ptr string, params openapi3.Parameters) {
		for i, p := range params {
			if p == nil || p.Value == nil || p.Ref != "" {
				continue // a reference: checked under its component's own pointer
			}
			at := fmt.Sprintf("%s/parameters/%d", ptr, i)
			checkPlace(at, "parameter", p.Value.Extensions)
			if _, _, err := ConfigParamOf(p.Value); err != nil {
				fail(at+"/"+ConfigParam, err)
			}
		}
	}
	if doc.Components != nil {
		for _, name := range slices.Sorted(maps.Keys(doc.Components.Parameters)) {
			p := doc.Components.Parameters[name]
			if p == nil || p.Value == nil {
				continue
			}
			at := "/components/parameters/" + escape(name)
			checkPlace(at, "parameter", p.Value.Extensions)
			if _, _, err := ConfigParamOf(p.Value); err != nil {
				fail(at+"/"+ConfigParam, err)
			}
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		checkParams("/paths/"+escape(path), item.Parameters)
		for method, op := range item.Operations() {
			ptr := "/paths/" + escape(path) + "/" + strings.ToLower(method)
			checkParams(ptr, op.Parameters)
			checkPlace(ptr, "operation", op.Extensions)
			if _, err := ResolveAlreadyDoneOf(op); err != nil {
				fail(ptr+"/"+ResolveAlreadyDone, err)
			}
			if _, _, err := UndocumentedOf(op); err != nil {
				fail(ptr+"/"+Undocumented, err)
			}
			if _, err := DocMethodsOf(op); err != nil {
				fail(ptr+"/"+DocMethods, err)
			}
			if _, err := ExampleDefectsOf(op); err != nil {
				fail(ptr+"/"+ExampleDefects, err)
			}
		}
	}
	walkSchemas(doc, func(ptr string, s *openapi3.Schema) {
		checkPlace(ptr, "schema", s.Extensions)
		if _, err := IsSecret(s); err != nil {
			fail(ptr+"/"+Secret, err)
		}
		if _, _, err := VariantsOf(s); err != nil {
			fail(ptr+"/"+Variants, err)
		}
		values, _, err := EnumValues(s)
		if err != nil {
			fail(ptr+"/"+ExtensibleEnum, err)
		}
		if _, err := RequestAmountRulesOf(s); err != nil {
			fail(ptr+"/"+RequestAmount, err)
		}
		evidence, err := EvidenceOf(s)
		if err != nil {
			fail(ptr+"/"+Evidence, err)
		}
		for v := range evidence {
			if !slices.Contains(values, v) {
				fail(ptr+"/"+Evidence+"/"+escape(v), invalid("%s names %s, which %s does not list", Evidence, v, ExtensibleEnum))
			}
		}
	})
	return first
}

// walkSchemas visits every schema of the components, through properties, items,
// additional properties and allOf/oneOf/anyOf, once each, with its JSON pointer.
func walkSchemas(doc *openapi3.T, visit func(ptr string, s *openapi3.Schema)) {
	if doc.Components == nil {
		return
	}
	seen := map[*openapi3.Schema]bool{}
	var walk func(ptr string, ref *openapi3.SchemaRef)
	walk = func(ptr string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		if ref.Ref != "" {
			return // a reference: visited under its component's own pointer
		}
		s := ref.Value
		seen[s] = true
		visit(ptr, s)
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			walk(ptr+"/properties/"+escape(name), s.Properties[name])
		}
		walk(ptr+"/items", s.Items)
		walk(ptr+"/additionalProperties", s.AdditionalProperties.Schema)
		for kind, list := range map[string][]*openapi3.SchemaRef{"allOf": s.AllOf, "oneOf": s.OneOf, "anyOf": s.AnyOf} {
			for i, sub := range list {
				walk(fmt.Sprintf("%s/%s/%d", ptr, kind, i), sub)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
		ref := doc.Components.Schemas[name]
		walk("/components/schemas/"+escape(name), &openapi3.SchemaRef{Value: ref.Value})
	}
}

func str(exts map[string]any, name string) (string, error) {
	v, ok := exts[name]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", invalid("%s must be a string, not %v", name, v)
	}
	return s, nil
}

func stringMap(exts map[string]any, name string) (map[string]string, error) {
	v, ok := exts[name]
	if !ok {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("%s must be an object", name)
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		s, ok := x.(string)
		if !ok {
			return nil, invalid("%s.%s must be a string", name, k)
		}
		out[k] = s
	}
	return out, nil
}

// escape escapes a JSON pointer token (RFC 6901).
func escape(s string) string {
	return jsonpointer.Escape(s)
}
