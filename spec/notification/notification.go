// Package notification reads the notifications a QIWI spec declares: the callbacks and
// x-webhooks entries carrying an x-qiwi-notification extension, with their signature header,
// signed fields and body schema.
//
// It is the one reader of that extension: the generator emits signature code from it, and the
// contract harness finds the schema a recorded notification is judged against.
package notification

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/spec/ext"
)

// Extension is the name of the extension that marks an operation as a notification.
const Extension = ext.Notification

// WebhooksExtension is the root extension holding notifications that follow no operation's
// callbackUrl (OpenAPI 3.0 has no webhooks of its own).
const WebhooksExtension = ext.Webhooks

// ErrInvalid is wrapped by every error about a malformed notification declaration.
var ErrInvalid = errors.New("invalid notification declaration")

// Declaration is one notification a spec declares.
type Declaration struct {
	// Type is the notification type: PAYMENT, CAPTURE, ..., or BILL for the Bill Payments API.
	Type string
	// SignatureHeader is the header carrying the HMAC-SHA256 signature.
	SignatureHeader string
	// SignedFields are JSON pointers into the body, in the order they are signed.
	SignedFields []string
	// AmountFields are the signed fields formatted to two fraction digits before signing.
	AmountFields []string
	// Component is the name of the component schema of the body.
	Component string
	// Body is the body schema: the spec's component, references resolved as the spec's are.
	Body *openapi3.SchemaRef
	// Where says where the declaration stands, for people: "PUT /payments callback ...".
	Where string
	// Pointer is the JSON pointer of the extension in the spec.
	Pointer string
	// ConfirmedBy names the status request that confirms the notification (its status is
	// not signed), nil if none is declared.
	ConfirmedBy *Confirmation
}

// Confirmation is the status request that tells the current state of the operation a
// notification reports: the operation and, in the order of its path parameters other than
// siteId, the JSON pointers of the body's values to call it with.
type Confirmation struct {
	// OperationID is the operationId of the status request.
	OperationID string
	// Parameters are JSON pointers into the notification body, one per path parameter.
	Parameters []string
	// Status, when declared, says where the notification and the status answer carry the
	// operation's status and which answer statuses agree with each notification status.
	Status *StatusAgreement
}

// StatusAgreement pairs a notification's status with its status answer's: QIWI's
// notifications name some statuses otherwise (SUCCESS where answers say COMPLETED).
type StatusAgreement struct {
	// Notification is the JSON pointer of the status in the notification body.
	Notification string
	// Answer is the JSON pointer of the status in the status request's answer.
	Answer string
	// Agrees maps a notification status to the answer statuses that agree with it; a status
	// not listed agrees only with itself.
	Agrees map[string][]string
}

// Agree reports whether a notification's status agrees with the status answer's.
func (a *StatusAgreement) Agree(notified, answered string) bool {
	if list, ok := a.Agrees[notified]; ok {
		return slices.Contains(list, answered)
	}
	return notified == answered
}

// Error is a malformed declaration: where it stands and what is wrong. It wraps ErrInvalid.
type Error struct {
	// Where says where the declaration stands, as Declaration.Where does.
	Where string
	// Pointer is the JSON pointer of the faulty extension or member.
	Pointer string
	// Err says what is wrong.
	Err error
}

// Error formats the error as "where: what".
func (e *Error) Error() string { return e.Where + ": " + e.Err.Error() }

// Unwrap returns what is wrong, which wraps ErrInvalid.
func (e *Error) Unwrap() error { return e.Err }

// Collect returns the declarations of doc, one per type, sorted by type. A type may follow
// several operations if every declaration of it is the same. A malformed extension, a body that
// is not a JSON component schema or two differing declarations of one type is an error naming
// where it stands and wrapping ErrInvalid.
func Collect(doc *openapi3.T) ([]Declaration, error) {
	var out []Declaration
	seen := map[string]int{} // type → index in out
	add := func(op *openapi3.Operation, where, ptr string) error {
		raw, ok := op.Extensions[Extension]
		if !ok {
			return nil
		}
		ptr += "/" + Extension
		fail := func(err error) error { return &Error{Where: where, Pointer: ptr, Err: err} }
		d, err := parse(raw)
		if err != nil {
			return fail(fmt.Errorf("%s: %w", Extension, err))
		}
		d.Where, d.Pointer = where, ptr
		if d.Component, err = bodyComponent(op); err != nil {
			return fail(fmt.Errorf("notification %s: %w", d.Type, err))
		}
		if d.Body = doc.Components.Schemas[d.Component]; d.Body == nil {
			return fail(fmt.Errorf("notification %s: body schema %s does not exist: %w", d.Type, d.Component, ErrInvalid))
		}
		for _, field := range d.SignedFields {
			if !hasMember(d.Body, field) {
				return fail(fmt.Errorf("notification %s: signed field %s is not a member of %s: %w", d.Type, field, d.Component, ErrInvalid))
			}
		}
		if d.ConfirmedBy != nil {
			for _, field := range d.ConfirmedBy.Parameters {
				if !hasMember(d.Body, field) {
					return fail(fmt.Errorf("notification %s: confirmedBy parameter %s is not a member of %s: %w", d.Type, field, d.Component, ErrInvalid))
				}
			}
			if st := d.ConfirmedBy.Status; st != nil && !hasMember(d.Body, st.Notification) {
				return fail(fmt.Errorf("notification %s: confirmedBy.status.notification %s is not a member of %s: %w", d.Type, st.Notification, d.Component, ErrInvalid))
			}
		}
		if i, dup := seen[d.Type]; dup {
			// One notification may follow several operations' callbackUrl; it must be the same
			// notification each time.
			if !same(out[i], d) {
				return fail(fmt.Errorf("notification %s differs from its declaration at %s: %w", d.Type, out[i].Where, ErrInvalid))
			}
			return nil
		}
		seen[d.Type] = len(out)
		out = append(out, d)
		return nil
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, method := range slices.Sorted(maps.Keys(item.Operations())) {
			op := item.Operations()[method]
			for _, name := range slices.Sorted(maps.Keys(op.Callbacks)) {
				cb := op.Callbacks[name]
				if cb == nil || cb.Value == nil {
					continue
				}
				for _, expr := range slices.Sorted(maps.Keys(cb.Value.Map())) {
					cbItem := cb.Value.Value(expr)
					for _, cbMethod := range slices.Sorted(maps.Keys(cbItem.Operations())) {
						where := fmt.Sprintf("%s %s callback %s %s", strings.ToUpper(method), path, name, expr)
						ptr := pointer("paths", path, strings.ToLower(method), "callbacks", name, expr, strings.ToLower(cbMethod))
						if err := add(cbItem.Operations()[cbMethod], where, ptr); err != nil {
							return nil, err
						}
					}
				}
			}
		}
	}
	if raw, ok := doc.Extensions[WebhooksExtension]; ok {
		hooks, ok := raw.(map[string]any)
		if !ok {
			return nil, &Error{Where: WebhooksExtension, Pointer: pointer(WebhooksExtension), Err: fmt.Errorf("not an object: %w", ErrInvalid)}
		}
		for _, name := range slices.Sorted(maps.Keys(hooks)) {
			where := WebhooksExtension + " " + name
			item, err := webhookItem(hooks[name])
			if err != nil {
				return nil, &Error{Where: where, Pointer: pointer(WebhooksExtension, name), Err: err}
			}
			for _, method := range slices.Sorted(maps.Keys(item.Operations())) {
				if err := add(item.Operations()[method], where, pointer(WebhooksExtension, name, strings.ToLower(method))); err != nil {
					return nil, err
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out, nil
}

// pointer builds a JSON pointer from unescaped tokens.
func pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(jsonpointer.Escape(t))
	}
	return b.String()
}

// hasMember reports whether the JSON pointer ptr names a property reachable from schema,
// through nested properties and allOf. A schema that lists no properties (the upstream
// crawl's GenericRequest placeholder) says nothing about members and accepts any.
func hasMember(schema *openapi3.SchemaRef, ptr string) bool {
	cur := []*openapi3.SchemaRef{schema}
	for _, token := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		token = jsonpointer.Unescape(token)
		var next []*openapi3.SchemaRef
		for len(cur) > 0 {
			s := cur[0]
			cur = cur[1:]
			if s == nil || s.Value == nil {
				continue
			}
			if len(s.Value.Properties) == 0 && len(s.Value.AllOf) == 0 && !isScalar(s.Value) {
				return true
			}
			if p := s.Value.Properties[token]; p != nil {
				next = append(next, p)
			}
			cur = append(cur, s.Value.AllOf...)
		}
		if len(next) == 0 {
			return false
		}
		cur = next
	}
	return true
}

// isScalar reports whether a schema's type admits no members.
func isScalar(s *openapi3.Schema) bool {
	if s.Type == nil || len(*s.Type) == 0 {
		return false
	}
	for _, t := range *s.Type {
		if t == openapi3.TypeObject {
			return false
		}
	}
	return true
}

// webhookItem decodes one raw x-webhooks entry as a path item.
func webhookItem(raw any) (*openapi3.PathItem, error) {
	data, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	item := &openapi3.PathItem{}
	if err := item.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("not a path item: %w: %w", ErrInvalid, err)
	}
	return item, nil
}

// bodyComponent names the component schema of op's JSON request body.
func bodyComponent(op *openapi3.Operation) (string, error) {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return "", fmt.Errorf("no body: %w", ErrInvalid)
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return "", fmt.Errorf("no JSON body: %w", ErrInvalid)
	}
	name, ok := strings.CutPrefix(mt.Schema.Ref, "#/components/schemas/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("body must be a component schema, not %q: %w", mt.Schema.Ref, ErrInvalid)
	}
	return name, nil
}

func parse(raw any) (Declaration, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return Declaration{}, fmt.Errorf("not an object: %w", ErrInvalid)
	}
	typ, _ := m["type"].(string)
	header, _ := m["signatureHeader"].(string)
	if typ == "" || header == "" {
		return Declaration{}, fmt.Errorf("type and signatureHeader are required strings: %w", ErrInvalid)
	}
	d := Declaration{Type: typ, SignatureHeader: header}
	for key, dst := range map[string]*[]string{"signedFields": &d.SignedFields, "amountFields": &d.AmountFields} {
		if m[key] == nil {
			continue
		}
		list, ok := m[key].([]any)
		if !ok {
			return Declaration{}, fmt.Errorf("%s %s: not a list: %w", typ, key, ErrInvalid)
		}
		for i, v := range list {
			s, ok := v.(string)
			if !ok || !strings.HasPrefix(s, "/") {
				return Declaration{}, fmt.Errorf("%s %s[%d]: %v is not a JSON pointer: %w", typ, key, i, v, ErrInvalid)
			}
			*dst = append(*dst, s)
		}
	}
	if len(d.SignedFields) == 0 {
		return Declaration{}, fmt.Errorf("%s: signedFields is empty: %w", typ, ErrInvalid)
	}
	for _, a := range d.AmountFields {
		if !slices.Contains(d.SignedFields, a) {
			return Declaration{}, fmt.Errorf("%s: amount field %s is not signed: %w", typ, a, ErrInvalid)
		}
	}
	if raw, ok := m["confirmedBy"]; ok {
		c, ok := raw.(map[string]any)
		op, _ := c["operationId"].(string)
		params, _ := c["parameters"].([]any)
		if !ok || op == "" || len(params) == 0 {
			return Declaration{}, fmt.Errorf("%s confirmedBy: needs an operationId and a list of parameters: %w", typ, ErrInvalid)
		}
		d.ConfirmedBy = &Confirmation{OperationID: op}
		for i, v := range params {
			p, ok := v.(string)
			if !ok || !strings.HasPrefix(p, "/") {
				return Declaration{}, fmt.Errorf("%s confirmedBy.parameters[%d]: %v is not a JSON pointer: %w", typ, i, v, ErrInvalid)
			}
			d.ConfirmedBy.Parameters = append(d.ConfirmedBy.Parameters, p)
		}
		if raw, ok := c["status"]; ok {
			status, err := parseStatus(typ, raw)
			if err != nil {
				return Declaration{}, err
			}
			d.ConfirmedBy.Status = status
		}
	}
	return d, nil
}

// parseStatus reads confirmedBy.status: {notification: POINTER, answer: POINTER, agrees:
// {STATUS: [STATUS...]}}.
func parseStatus(typ string, raw any) (*StatusAgreement, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s confirmedBy.status: not an object: %w", typ, ErrInvalid)
	}
	a := &StatusAgreement{Agrees: map[string][]string{}}
	a.Notification, _ = m["notification"].(string)
	a.Answer, _ = m["answer"].(string)
	if !strings.HasPrefix(a.Notification, "/") || !strings.HasPrefix(a.Answer, "/") {
		return nil, fmt.Errorf("%s confirmedBy.status: notification and answer must be JSON pointers: %w", typ, ErrInvalid)
	}
	if m["agrees"] == nil {
		return a, nil
	}
	agrees, ok := m["agrees"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s confirmedBy.status.agrees: not an object: %w", typ, ErrInvalid)
	}
	for status, rawList := range agrees {
		list, ok := rawList.([]any)
		if !ok || len(list) == 0 {
			return nil, fmt.Errorf("%s confirmedBy.status.agrees.%s: not a non-empty list of statuses: %w", typ, status, ErrInvalid)
		}
		for i, v := range list {
			text, ok := v.(string)
			if !ok || text == "" {
				return nil, fmt.Errorf("%s confirmedBy.status.agrees.%s[%d]: %v is not a status: %w", typ, status, i, v, ErrInvalid)
			}
			a.Agrees[status] = append(a.Agrees[status], text)
		}
	}
	return a, nil
}

// CallbackTypes returns the notification types a callback declares (the type of each of its
// operations' x-qiwi-notification), sorted and without repeats. A callback's name is only a
// key: an operation whose callback is keyed INVOICE_PAYMENT sends PAYMENT notifications. A
// malformed declaration is left out; Collect reports it.
func CallbackTypes(cb *openapi3.CallbackRef) []string {
	if cb == nil || cb.Value == nil {
		return nil
	}
	var out []string
	for _, item := range cb.Value.Map() {
		for _, op := range item.Operations() {
			raw, ok := op.Extensions[Extension]
			if !ok {
				continue
			}
			if d, err := parse(raw); err == nil && !slices.Contains(out, d.Type) {
				out = append(out, d.Type)
			}
		}
	}
	slices.Sort(out)
	return out
}

// same reports whether two declarations describe the same notification.
func same(a, b Declaration) bool {
	return a.Type == b.Type && a.SignatureHeader == b.SignatureHeader && a.Component == b.Component &&
		slices.Equal(a.SignedFields, b.SignedFields) && slices.Equal(a.AmountFields, b.AmountFields) &&
		(a.ConfirmedBy == nil) == (b.ConfirmedBy == nil) &&
		(a.ConfirmedBy == nil || a.ConfirmedBy.OperationID == b.ConfirmedBy.OperationID && slices.Equal(a.ConfirmedBy.Parameters, b.ConfirmedBy.Parameters) &&
			reflect.DeepEqual(a.ConfirmedBy.Status, b.ConfirmedBy.Status))
}
