package verdict

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
)

// match is the operation a recorded request matched.
type match struct {
	route  *routers.Route
	params map[string]string
}

func buildRequest(in fixture.Interaction) (*http.Request, error) {
	var body io.Reader
	if in.Request.Body != "" {
		body = strings.NewReader(in.Request.Body)
	}
	req, err := http.NewRequest(in.Request.Method, replayHost+in.Request.URL, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range in.Request.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if in.Request.Body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// authenticate accepts the credentials the spec asks for when they are present: fixtures
// carry scrubbed or masked values, never real ones.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	switch {
	case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
		if !strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
			return errors.New("no Authorization: Bearer header")
		}
	case s.Type == "apiKey" && s.In == "header":
		if in.RequestValidationInput.Request.Header.Get(s.Name) == "" {
			return fmt.Errorf("no %s header", s.Name)
		}
	}
	return nil
}

// specVerdict validates the request and the response against the spec; strict validation
// adds warnings for undocumented members.
func (j *Judge) specVerdict(ctx context.Context, in fixture.Interaction, b bodies) (*match, []Finding) {
	req, err := buildRequest(in)
	if err != nil {
		return nil, []Finding{{Severity: Fail, Verdict: "spec", Message: "unusable request: " + err.Error()}}
	}
	route, params, err := j.router.FindRoute(req)
	if err != nil {
		msg := fmt.Sprintf("%s %s: %v", in.Request.Method, in.Request.URL, errNoRoute)
		for _, other := range []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodPatch} {
			probe, _ := http.NewRequest(other, req.URL.String(), nil)
			if r, _, err := j.router.FindRoute(probe); err == nil && other != in.Request.Method {
				msg = fmt.Sprintf("%s %s: the spec has %s (%s), not %s", in.Request.Method, in.Request.URL, other, r.Operation.OperationID, in.Request.Method)
				break
			}
		}
		return nil, []Finding{{Severity: Fail, Verdict: "spec", Message: msg}}
	}
	findings, raw := j.validate(ctx, in, b, req, route, params, false)
	strictRoute, ok := j.strictRoute(route)
	if !ok {
		return nil, append(findings, Finding{Severity: Fail, Verdict: "spec", Message: "the strict spec lacks operation " + route.Operation.OperationID})
	}
	// Validation reads the request's body (and may write defaults into it): the strict run
	// reads its own.
	if req, err = buildRequest(in); err != nil {
		return nil, []Finding{{Severity: Fail, Verdict: "spec", Message: "unusable request: " + err.Error()}}
	}
	var strict []Finding
	if j.closedUnseen(strictRoute, req, in, b) {
		strict = raw.strictFindings(strictRoute, in, b.response)
	} else {
		strict, _ = j.validate(ctx, in, b, req, strictRoute, params, true)
	}
	return &match{route: route, params: params}, append(findings, strict...)
}

// validate validates req, the request of in, and in's response (their bodies b) against
// route, the operation of the published spec or (strict) of the strict one.
func (j *Judge) validate(ctx context.Context, in fixture.Interaction, b bodies, req *http.Request, route *routers.Route, params map[string]string, strict bool) ([]Finding, validation) {
	var raw validation
	// The router gives each path parameter as the URL carries it, escaped; the schema
	// (maxLength, pattern) is about the identifier itself.
	var findings []Finding
	values := make(map[string]string, len(params))
	for name, raw := range params {
		v, err := url.PathUnescape(raw)
		if err != nil {
			if !strict {
				findings = append(findings, Finding{Severity: Fail, Verdict: "spec",
					Message: fmt.Sprintf("request: path parameter %s: %q is not a valid escaped segment: %v", name, raw, err)})
			}
			v = raw
		}
		values[name] = v
	}
	opts := validateOptions
	input := &openapi3filter.RequestValidationInput{Request: req, PathParams: values, Route: route, Options: opts}
	add := func(where string, err error) { findings = append(findings, specFindings(where, err, strict)...) }
	var requestSchema *openapi3.SchemaRef
	if rb := route.Operation.RequestBody; rb != nil && rb.Value != nil {
		if mt := rb.Value.Content.Get("application/json"); mt != nil {
			requestSchema = mt.Schema
		}
	}
	hasBody := strings.TrimSpace(in.Request.Body) != ""
	requestOpts := *opts
	switch {
	case route.Operation.RequestBody == nil:
		if !strict {
			findings = append(findings, bodilessRequest(b.request)...)
		}
	case hasBody && !b.request.readable():
		// kin-openapi's decode error does not say what it read: the message names the bytes.
		requestOpts.ExcludeRequestBody = true
		if !strict {
			findings = append(findings, Finding{Severity: Fail, Verdict: "spec", Message: "request: " + b.request.unreadable()})
		}
	}
	requestInput := *input
	requestInput.Options = &requestOpts
	raw.request = openapi3filter.ValidateRequest(ctx, &requestInput)
	if err := raw.request; err != nil {
		var nulls map[string]bool
		if requestSchema != nil && !strict {
			nulls = nullOptionalMembers(requestSchema, b.request)
		}
		findings = append(findings, relaxNulls(specFindings("request", err, strict), nulls)...)
	}
	if requestSchema != nil && !strict && hasBody {
		findings = append(findings, requestAmountFindings(requestSchema, route.Path, b.request)...)
	}
	if in.Response != nil && in.Response.Status >= 400 && lenientErrorStatus(in.Response.Status) {
		if why := notErrorShaped(route, in.Response.Status, in.Response.Header, b.response); why != "" {
			if !strict {
				findings = append(findings, Finding{Severity: Warn, Verdict: "spec",
					Message: fmt.Sprintf("response %d: %s: %s", in.Response.Status, errorShapeMessage, why)})
			}
			return findings, raw
		}
	}
	if in.Response != nil && strings.TrimSpace(in.Response.Body) != "" {
		if !b.response.readable() {
			if !strict {
				findings = append(findings, Finding{Severity: Fail, Verdict: "spec", Message: fmt.Sprintf("response %d: %s", in.Response.Status, b.response.unreadable())})
			}
			return findings, raw
		}
	}
	if in.Response != nil {
		rvi := &openapi3filter.ResponseValidationInput{RequestValidationInput: input, Status: in.Response.Status,
			Header: responseHeader(in.Response), Options: opts}
		rvi.SetBodyBytes([]byte(in.Response.Body))
		where := fmt.Sprintf("response %d", in.Response.Status)
		raw.answered = true
		raw.response = openapi3filter.ValidateResponse(ctx, rvi)
		if err := raw.response; err != nil {
			add(where, err)
		}
		if strict {
			findings = append(findings, responseEnumFindings(route, in.Response.Status, b.response, where)...)
		}
	}
	return findings, raw
}

// responseHeader is the header a recorded answer is validated with: a JSON body without a
// Content-Type is taken as JSON.
func responseHeader(r *fixture.Response) http.Header {
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if r.Body != "" && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	return h
}

// responseEnumFindings checks the open enumerations of a JSON answer of status (its body):
// one that json.Unmarshal reads.
func responseEnumFindings(route *routers.Route, status int, body *recorded, where string) []Finding {
	schema := responseSchema(route, status)
	if schema == nil || !body.unmarshals() {
		return nil
	}
	return enumFindings(schema, body.value, where)
}

// specFindings turns a validation error into findings. A member the schema does not allow is
// an undocumented field: strict runs report only those, normal runs everything else.
func specFindings(where string, err error, strict bool) []Finding {
	var out []Finding
	for _, leaf := range leaves(err) {
		f := Finding{Severity: Fail, Verdict: "spec", Message: where + ": " + leafMessage(leaf)}
		var re *openapi3filter.RequestError
		var se *openapi3.SchemaError
		if errors.As(leaf, &re) && re.Parameter != nil {
			// A parameter's value, not the body: the finding names the parameter.
			f.Message = fmt.Sprintf("%s: %s parameter %s: %s", where, re.Parameter.In, re.Parameter.Name, leafMessage(leaf))
		} else if errors.As(leaf, &se) {
			f.Pointer = pointerOf(se)
			if name, ok := unsupportedProperty(se.Reason); ok {
				f.Severity, f.Undocumented, f.Message = Warn, true, where+": undocumented field"
				f.Pointer = jsonpointer.Append(strings.TrimSuffix(f.Pointer, "/"), name)
			}
		}
		if strict == f.Undocumented {
			out = append(out, f)
		}
	}
	return out
}

// relaxNulls turns the failures about the null optional members of a request (nulls) into
// one warning each, naming the member.
func relaxNulls(findings []Finding, nulls map[string]bool) []Finding {
	if len(nulls) == 0 {
		return findings
	}
	out := findings[:0:0]
	warned := map[string]bool{}
	for _, f := range findings {
		if f.Severity != Fail || !nulls[f.Pointer] {
			out = append(out, f)
			continue
		}
		if !warned[f.Pointer] {
			warned[f.Pointer] = true
			out = append(out, Finding{Severity: Warn, Verdict: "spec", Pointer: f.Pointer, Message: nullOptionalMessage})
		}
	}
	return out
}

// unsupportedProperty reads kin-openapi's reason for a member additionalProperties: false
// forbids: property "name" is unsupported.
func unsupportedProperty(reason string) (string, bool) {
	rest, ok := strings.CutPrefix(reason, "property ")
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(rest, " is unsupported")
	return strings.Trim(name, `"`), ok
}

// leaves flattens kin-openapi's nested multi-errors.
func leaves(err error) []error {
	// A parameter's errors keep their parameter, which errors.As below would unwrap away.
	if re, ok := err.(*openapi3filter.RequestError); ok && re.Parameter != nil && re.Err != nil {
		var out []error
		for _, leaf := range leaves(re.Err) {
			out = append(out, &openapi3filter.RequestError{Input: re.Input, Parameter: re.Parameter, Reason: re.Reason, Err: leaf})
		}
		return out
	}
	var me openapi3.MultiError
	if errors.As(err, &me) {
		var out []error
		for _, e := range me {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}

func leafMessage(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return se.Reason
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Err == nil {
		return re.Error()
	}
	var rs *openapi3filter.ResponseError
	if errors.As(err, &rs) && rs.Err == nil {
		return rs.Error()
	}
	msg := err.Error()
	if i := strings.Index(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// pointerOf is the pointer of the value a schema error is about, "/" for the whole body.
func pointerOf(se *openapi3.SchemaError) string {
	parts := se.JSONPointer()
	if len(parts) == 0 {
		return "/"
	}
	return jsonpointer.Join(parts...)
}

// validateOptions is how both verdicts validate an exchange with kin-openapi: every error (not
// the first), the answer's status checked against the documented ones. kin-openapi checks no
// "uri" format by itself; the spec gives it to members QIWI documents as URLs (callbackUrl).
// It is never changed: a call that needs other options copies it first.
var validateOptions = &openapi3filter.Options{AuthenticationFunc: authenticate, MultiError: true, IncludeResponseStatus: true,
	SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.WithStringFormatValidator("uri", openapi3.NewCallbackValidator(absoluteURI))}}
