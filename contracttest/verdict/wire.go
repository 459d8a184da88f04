package verdict

import (
	"fmt"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
)

// The forms of the wire that QIWI and its official SDKs are shown to send and that the spec's
// schemas alone would refuse: each is accepted with a warning, by both verdicts alike.

// maxQuoted bounds how much of a body a message quotes.
const maxQuoted = 120

// quoteBody returns body as a message shows it: its secrets scrubbed by the fixture
// scrubber (card numbers, the members the spec marks secret), cut to maxQuoted bytes at a
// character boundary, and quoted.
func quoteBody(body string) string {
	in := fixture.Interaction{Request: fixture.Request{Body: body}}
	fixture.Scrub(&in)
	s := in.Request.Body
	cut := ""
	if len(s) > maxQuoted {
		n := maxQuoted
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s, cut = s[:n], fmt.Sprintf("… (%d bytes)", len(body))
	}
	return fmt.Sprintf("%q%s", s, cut)
}

// bodilessRequest judges the body of a request to an operation that takes none. Nothing,
// blanks, and the JSON null pass: the official Node SDK sends the 4-byte body null with
// Content-Type application/json;charset=UTF-8 on GET and POST .../reject
// (QIWI-API/bill-payments-node-js-sdk lib/QiwiBillPaymentsAPI.js @8c549e72 _requestBuilder
// body = null, json: true), the Java SDK no body with a JSON Content-Type
// (bill-payments-java-sdk web/ApacheWebClient.java @1b593923), the .NET SDK an empty one
// (bill-payments-dotnet-sdk Web/NetClient.cs @9796a134 StringContent(entityOpt ?? "")). The
// null is a warning, so that a report shows it; any other body fails.
func bodilessRequest(body *recorded) []Finding {
	text := strings.TrimSpace(body.text)
	switch {
	case text == "":
		return nil
	case text == "null":
		return []Finding{{Severity: Warn, Verdict: "spec", Pointer: "/",
			Message: "request: the body null on an operation that takes none (the official Node SDK sends it)"}}
	}
	return []Finding{{Severity: Fail, Verdict: "spec", Pointer: "/",
		Message: fmt.Sprintf("request: body %s on an operation that takes none", body.quoted())}}
}

// nullOptionalMessage is the warning for a null optional request member; the client verdict
// finds the members by it.
const nullOptionalMessage = "request: null for an optional member (the .NET and Java SDKs write unset members as null)"

// nullOptionalMembers returns the JSON pointers of the request body's members that are null
// and optional (no schema at their object requires them). The .NET SDK writes every unset
// member as null (bill-payments-dotnet-sdk Model/In/CustomFields.cs @696b82f6 themeCode,
// Model/In/CreateBillRequest.cs @21fa5a70 comment and customer: DataMembers without
// EmitDefaultValue = false), the Java SDK "customer": null (bill-payments-java-sdk
// json/ObjectMapperFactory.java @9daeb534, default inclusion; BillPaymentsSdkTest.java
// @4b32cc36 newBillInfo). A null for a required member stays a failure.
func nullOptionalMembers(schema *openapi3.SchemaRef, body *recorded) map[string]bool {
	if body.err != nil {
		return nil
	}
	value := body.value
	nulls := map[string]bool{}
	required := map[string]bool{}
	walkValue(schema, value, func(s *openapi3.SchemaRef, v any, ptr string) {
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			p := jsonpointer.Append(ptr, k)
			if obj[k] == nil {
				nulls[p] = true
			}
			if slices.Contains(s.Value.Required, k) {
				required[p] = true
			}
		}
	})
	for p := range required {
		delete(nulls, p)
	}
	return nulls
}

// lenientErrorStatus reports whether QIWI is shown to answer the status with a body that is
// no error object, or none and no Content-Type: 401 (spec ClientError: "A 401 may come with
// an empty body"; the Java SDK's testClientWithIncorrectSecretKey expects BadResponseException,
// no readable error object: bill-payments-java-sdk
// src/test/java/com/qiwi/billpayments/sdk/BillPaymentsSdkNegativeScenariosTest.java
// @1b593923), 422 (the same file's testCreateIncorrectBill) and 5xx (a gateway's answer).
func lenientErrorStatus(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusUnprocessableEntity || status >= 500
}

// notErrorShaped returns why an error answer's body is not QIWI's error object ("" when it
// is one, or when it is broken JSON: that is no form QIWI is shown to send, and the spec
// verdict fails it): it is empty, not sent as JSON (another Content-Type, or none and a body
// that is no JSON), or a JSON value with none of the error schema's members.
func notErrorShaped(route *routers.Route, status int, header http.Header, body *recorded) string {
	if strings.TrimSpace(body.text) == "" {
		return "no body"
	}
	why := body.unreadable()
	ct := header.Get("Content-Type")
	if ct == "" && why != "" {
		return "no Content-Type, " + why
	}
	if ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return fmt.Sprintf("Content-Type %q, body %s", ct, body.quoted())
		}
	}
	if why != "" {
		return ""
	}
	obj, ok := body.value.(map[string]any)
	if !ok {
		return fmt.Sprintf("body %s is no JSON object", body.quoted())
	}
	schema := responseSchema(route, status)
	if schema == nil || schema.Value == nil || len(schema.Value.Properties) == 0 {
		return ""
	}
	for k := range obj {
		if _, known := schema.Value.Properties[k]; known {
			return ""
		}
	}
	return fmt.Sprintf("body %s has none of the error object's members", body.quoted())
}

// responseSchema is the JSON schema the operation declares for an answer's status (its own
// entry, else 4XX or 5XX), nil if none.
func responseSchema(route *routers.Route, status int) *openapi3.SchemaRef {
	resp := route.Operation.Responses.Status(status)
	if resp == nil {
		switch {
		case status >= 400 && status < 500:
			resp = route.Operation.Responses.Value("4XX")
		case status >= 500:
			resp = route.Operation.Responses.Value("5XX")
		}
	}
	if resp == nil || resp.Value == nil {
		return nil
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil {
		return nil
	}
	return mt.Schema
}

// errorShapeMessage starts the warning for such an answer; the client verdict finds it by it.
const errorShapeMessage = "the body is not QIWI's error object"
