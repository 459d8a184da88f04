// Package verdict judges recorded interactions twice: by the spec (kin-openapi's
// openapi3filter, with a strict mode that also reports undocumented fields) and by the
// generated client (the recorded call replayed through gen/qiwi, or the client WithClient
// names, answered in memory by a handler that checks the request and answers with the
// recorded response; the decoded model must re-encode to the recorded JSON). Notifications
// are parsed into their typed models and their signatures verified. Each recorded body is
// decoded once per interaction, and every check reads that decoding.
package verdict

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/qiwigen/qiwigen/spec/ext"
	specload "github.com/qiwigen/qiwigen/spec/load"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/internal/specroute"
	"github.com/qiwigen/qiwigen/spec/notification"
)

// Severity of a finding.
type Severity string

// Severities: a failure fails the interaction; a warning does unless nothing strict is asked
// (undocumented fields are warnings by default: QIWI adds fields without notice).
const (
	Fail Severity = "fail"
	Warn Severity = "warn"
)

// Finding is one problem an interaction has.
type Finding struct {
	// Severity says whether the finding fails the interaction or warns.
	Severity Severity `json:"severity"`
	// Verdict is "spec", "client" or "notification".
	Verdict string `json:"verdict"`
	// Pointer is a JSON pointer into the body concerned, when there is one.
	Pointer string `json:"pointer,omitempty"`
	// Message says what is wrong, for people.
	Message string `json:"message"`
	// Undocumented marks a finding about a field the spec does not describe (drift).
	Undocumented bool `json:"undocumented,omitempty"`
}

// String formats the finding as verdict: pointer: message.
func (f Finding) String() string {
	s := f.Verdict + ": "
	if f.Pointer != "" {
		s += f.Pointer + ": "
	}
	return s + f.Message
}

// Result is the judgement of one interaction.
type Result struct {
	// Interaction is what was judged.
	Interaction fixture.Interaction `json:"interaction"`
	// Operation is the operationId the request matched, "" if none.
	Operation string `json:"operation,omitempty"`
	// Status is the recorded response status (0 for notifications).
	Status int `json:"status,omitempty"`
	// Findings are the problems found; none means the interaction passed.
	Findings []Finding `json:"findings,omitempty"`
}

// Defect reports whether the example itself is known to be wrong; such results are
// reported apart from the pass count.
func (r Result) Defect() bool { return len(r.Interaction.Defects) > 0 }

// Passed reports whether the interaction passed; strict turns undocumented fields into
// failures.
func (r Result) Passed(strict bool) bool {
	for _, f := range r.Findings {
		if f.Severity == Fail || (strict && f.Undocumented) {
			return false
		}
	}
	return true
}

// Judge holds the resolved spec, in its published form and in the strict form that forbids
// undocumented members: a router finds an interaction's operation in the first, the table
// strict gives the same operation of the second.
type Judge struct {
	doc, strictDoc *openapi3.T
	router         *specroute.Router
	strict         map[*openapi3.Operation]strictOperation
	// whether each strict operation's parameters and answer headers hold no closed object
	openParameters map[*openapi3.Operation]bool
	// notification body schemas by type, published and strict
	notificationSchemas, strictNotificationSchemas map[string]*openapi3.SchemaRef

	client ClientPackage // the generated client the client verdict uses
}

// replayHost is where fixtures' paths are resolved: their URLs carry paths only.
const replayHost = "http://qiwi.replay"

// New loads the resolved spec (YAML or JSON) for judging. The client verdict uses gen/qiwi
// unless WithClient names another generated client.
func New(spec []byte, opts ...Option) (*Judge, error) {
	j := &Judge{client: BundledClient()}
	for _, o := range opts {
		o(j)
	}
	if j.client.New == nil || j.client.ParseNotification == nil || j.client.VerifyNotification == nil {
		return nil, errors.New("verdict: the client package lacks New, ParseNotification or VerifyNotification")
	}
	var err error
	if j.doc, err = loadDoc(spec); err != nil {
		return nil, fmt.Errorf("verdict: spec: %w", err)
	}
	if j.router, err = specroute.New(j.doc, j.doc.Servers); err != nil {
		return nil, fmt.Errorf("verdict: spec: %w", err)
	}
	if j.strictDoc, err = loadDoc(spec); err != nil {
		return nil, fmt.Errorf("verdict: spec: %w", err)
	}
	closeObjects(j.strictDoc)
	j.strict = strictOperations(j.doc, j.strictDoc)
	j.openParameters = openParameters(j.strictDoc)
	if j.notificationSchemas, err = notificationSchemas(j.doc); err != nil {
		return nil, fmt.Errorf("verdict: spec: %w", err)
	}
	if j.strictNotificationSchemas, err = notificationSchemas(j.strictDoc); err != nil {
		return nil, fmt.Errorf("verdict: spec: %w", err)
	}
	return j, nil
}

// loadDoc loads and validates the spec, its servers replaced by the replay host's, with and
// without /partner: fixtures record paths (the Bill Payments API's examples have no
// /partner), not servers, and are matched whatever the host.
func loadDoc(spec []byte) (*openapi3.T, error) {
	doc, err := specload.Spec(spec)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	doc.Servers = openapi3.Servers{{URL: replayHost + "/partner"}, {URL: replayHost}}
	return doc, nil
}

// strictOperation is an operation of the strict spec, with its path item.
type strictOperation struct {
	item *openapi3.PathItem
	op   *openapi3.Operation
}

// strictOperations maps each operation of doc to the same operation (same path, same
// method) of strict, a second load of the same spec.
func strictOperations(doc, strict *openapi3.T) map[*openapi3.Operation]strictOperation {
	out := map[*openapi3.Operation]strictOperation{}
	for path, item := range doc.Paths.Map() {
		twin := strict.Paths.Value(path)
		if twin == nil {
			continue
		}
		for method, op := range item.Operations() {
			if o := twin.GetOperation(method); o != nil {
				out[op] = strictOperation{item: twin, op: o}
			}
		}
	}
	return out
}

// strictRoute returns route (found in the published spec) in the strict spec.
func (j *Judge) strictRoute(route *routers.Route) (*routers.Route, bool) {
	twin, ok := j.strict[route.Operation]
	if !ok {
		return nil, false
	}
	r := *route
	r.Spec, r.PathItem, r.Operation = j.strictDoc, twin.item, twin.op
	return &r, true
}

// closeObjects sets additionalProperties: false on every object schema that lists its
// properties and says nothing about others: the strict check's view of the spec. A schema
// with oneOf or anyOf is left open, as its branches may bring members of their own, unless
// it marks them x-qiwi-variants: then the branches only refine its own members, so the
// schema is closed and the branches (and what they hold) are not, or every member a branch
// does not repeat would count as undocumented.
func closeObjects(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var visit func(s *openapi3.SchemaRef, refinement bool)
	visit = func(s *openapi3.SchemaRef, refinement bool) {
		if s == nil || s.Value == nil || seen[s.Value] {
			return
		}
		v := s.Value
		seen[v] = true
		_, variants, _ := ext.VariantsOf(v)
		if !refinement && len(v.Properties) > 0 && v.AdditionalProperties.Has == nil && v.AdditionalProperties.Schema == nil &&
			len(v.AllOf) == 0 && (variants || len(v.OneOf) == 0 && len(v.AnyOf) == 0) {
			no := false
			v.AdditionalProperties.Has = &no
		}
		for _, p := range v.Properties {
			visit(p, refinement)
		}
		visit(v.Items, refinement)
		visit(v.AdditionalProperties.Schema, refinement)
		for _, c := range v.AllOf {
			visit(c, refinement)
		}
		for _, l := range [][]*openapi3.SchemaRef{v.OneOf, v.AnyOf} {
			for _, c := range l {
				visit(c, refinement || variants)
			}
		}
	}
	for _, s := range doc.Components.Schemas {
		visit(s, false)
	}
}

// notificationSchemas maps notification types to their body schemas.
func notificationSchemas(doc *openapi3.T) (map[string]*openapi3.SchemaRef, error) {
	decls, err := notification.Collect(doc)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*openapi3.SchemaRef, len(decls))
	for _, d := range decls {
		out[d.Type] = d.Body
	}
	return out, nil
}

// Judge runs both verdicts on one interaction.
func (j *Judge) Judge(ctx context.Context, in fixture.Interaction) Result {
	res := Result{Interaction: in}
	if in.Response != nil {
		res.Status = in.Response.Status
	}
	b := readBodies(in)
	switch in.Kind {
	case fixture.Notification:
		res.Findings = append(res.Findings, j.notificationVerdict(in, b.request)...)
	default:
		m, findings := j.specVerdict(ctx, in, b)
		res.Findings = append(res.Findings, findings...)
		if m != nil {
			res.Operation = m.route.Operation.OperationID
			res.Findings = append(res.Findings, j.clientVerdict(ctx, in, b, m, undocumented(findings))...)
		}
	}
	return res
}

// bodies are an interaction's recorded bodies, each decoded once (response nil when the
// interaction has no answer).
type bodies struct{ request, response *recorded }

// readBodies decodes in's bodies.
func readBodies(in fixture.Interaction) bodies {
	b := bodies{request: readRecorded(in.Request.Body)}
	if in.Response != nil {
		b.response = readRecorded(in.Response.Body)
	}
	return b
}

var errNoRoute = errors.New("no operation of the spec has this method and path")

// undocumentedMembers are what the spec verdict found that the client verdict treats alike:
// the pointers strict validation found undocumented, in the request body and in the response
// body; the request's null optional members; and whether the error answer is not QIWI's
// error object.
type undocumentedMembers struct {
	request, response map[string]bool
	nulls             map[string]bool
	notErrorShaped    bool
}

// undocumented sorts the undocumented findings by the body they are about.
func undocumented(findings []Finding) undocumentedMembers {
	out := undocumentedMembers{request: map[string]bool{}, response: map[string]bool{}, nulls: map[string]bool{}}
	for _, f := range findings {
		switch {
		case f.Severity == Warn && f.Message == nullOptionalMessage:
			out.nulls[f.Pointer] = true
		case f.Severity == Warn && strings.Contains(f.Message, errorShapeMessage):
			out.notErrorShaped = true
		}
		if !f.Undocumented {
			continue
		}
		if strings.HasPrefix(f.Message, "request:") {
			out.request[f.Pointer] = true
		} else {
			out.response[f.Pointer] = true
		}
	}
	return out
}

// absoluteURI checks a "uri" format value: an absolute URI (a scheme, then the rest), as
// JSON Schema's format means it; a relative reference is refused.
func absoluteURI(value string) error {
	u, err := url.Parse(value)
	if err != nil {
		return fmt.Errorf("not a URI: %w", err)
	}
	if !u.IsAbs() || u.Opaque == "" && u.Host == "" && u.Path == "" {
		return errors.New("not an absolute URI")
	}
	return nil
}
