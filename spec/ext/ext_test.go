package ext_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/generator/runtime/transport"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
	"github.com/qiwigen/qiwigen/spec"
	"github.com/qiwigen/qiwigen/spec/ext"
)

func load(t *testing.T, data []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	return doc
}

// The bundled specs pass; their secret members are the card data and tokens.
func TestBundledSpecs(t *testing.T) {
	for name, data := range map[string][]byte{"base": spec.QIWI, "resolved": spec.Resolved} {
		assert.NoError(t, ext.Check(load(t, data)), name)
	}
	secrets, err := ext.SecretMembers(load(t, spec.Resolved))
	require.NoError(t, err)
	for _, want := range []string{"pan", "cvv2", "paymentToken", "token", "smsCode"} {
		assert.Contains(t, secrets, want)
	}
	assert.NotContains(t, secrets, "maskedPan")
}

func TestCheckNamesTheExtension(t *testing.T) {
	doc := func(schemaExt, opExt, rootExt string) []byte {
		return []byte(`openapi: 3.0.3
info: {title: t, version: '1'}
` + rootExt + `
paths:
  /a/{id}:
    get:
      operationId: getA
      ` + opExt + `
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
components:
  schemas:
    Card:
      type: object
      properties:
        pan: {type: string` + schemaExt + `}
`)
	}
	for _, tc := range []struct {
		name, schemaExt, opExt, rootExt, pointer, message string
	}{
		{"secret not a bool", ", x-qiwi-secret: yes please", "", "", "/components/schemas/Card/properties/pan/x-qiwi-secret", "must be true or false"},
		{"unknown extension", ", x-qiwi-secrets: true", "", "", "/components/schemas/Card/properties/pan/x-qiwi-secrets", "unknown extension x-qiwi-secrets"},
		{"in the wrong place", "", "x-qiwi-secret: true", "", "/paths/~1a~1{id}/get/x-qiwi-secret", "belongs on a schema, not on a operation"},
		{"resolver not a string", "", "x-qiwi-resolve-already-done: [getA]", "", "/paths/~1a~1{id}/get/x-qiwi-resolve-already-done", "must be a string"},
		{"doc defect without reason", "", "", "x-qiwi-doc-defects: [{method: GET, path: /b}]", "/x-qiwi-doc-defects", "needs a method, a path and a reason"},
		{"conflict with one source", "", "", "x-qiwi-doc-defects: [{pointer: /components/schemas/Card, sources: [a], reason: r}]", "/x-qiwi-doc-defects", "the sources on both sides"},
		{"conflict with a path", "", "", "x-qiwi-doc-defects: [{pointer: /components/schemas/Card, path: /a, sources: [a, b], reason: r}]", "/x-qiwi-doc-defects", "no method or path"},
		{"sources not strings", "", "", "x-qiwi-doc-defects: [{pointer: /components/schemas/Card, sources: [a, 1], reason: r}]", "/x-qiwi-doc-defects", "not a list of strings"},
		{"retry delay not a duration", "", "", "x-qiwi-notification-retries: {delays: [5s, soon], source: p#a}", "/x-qiwi-notification-retries", "delays[1] is not a positive duration"},
		{"retries without a source", "", "", "x-qiwi-notification-retries: {delays: [5s]}", "/x-qiwi-notification-retries", "source must name the page"},
		{"enum not a list", ", x-extensible-enum: CARD", "", "", "/components/schemas/Card/properties/pan/x-extensible-enum", "must be a list"},
		{"request amount form unknown", ", x-qiwi-request-amount: {/a/: {form: three-digits, source: s}}", "", "", "/components/schemas/Card/properties/pan/x-qiwi-request-amount", `form "three-digits" is not`},
		{"request amount without source", ", x-qiwi-request-amount: {/a/: {form: two-fraction-digits}}", "", "", "/components/schemas/Card/properties/pan/x-qiwi-request-amount", "source must name"},
		{"request amount not under a prefix", ", x-qiwi-request-amount: {a: {form: two-fraction-digits, source: s}}", "", "", "/components/schemas/Card/properties/pan/x-qiwi-request-amount", "under a path prefix"},
		{"doc defect member without its part", "", "", "x-qiwi-doc-defects: [{method: GET, path: '/a/{id}', operation: getA, member: /datetime, reason: r}]", "/x-qiwi-doc-defects", "in: request or in: response"},
		{"variants without a source", ", x-qiwi-variants: ''", "", "", "/components/schemas/Card/properties/pan/x-qiwi-variants", "must say where"},
		{"variants not a string", ", x-qiwi-variants: [a]", "", "", "/components/schemas/Card/properties/pan/x-qiwi-variants", "must be a string"},
		{"evidence for an unlisted value", ", x-extensible-enum: [CARD], x-qiwi-evidence: {SBP: a SDK}", "", "", "/components/schemas/Card/properties/pan/x-qiwi-evidence/SBP", "does not list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ext.Check(load(t, doc(tc.schemaExt, tc.opExt, tc.rootExt)))
			assertInvalid(t, err, tc.pointer, tc.message)
		})
	}
	assert.NoError(t, ext.Check(load(t, doc(", x-qiwi-secret: true, x-go-type: string", "x-qiwi-undocumented: crawl only", "x-qiwi-notification-retries: {delays: [5s, 1m], source: p#a}"))),
		"well-formed extensions and other tools' ones pass")
	schedule, ok, err := ext.NotificationRetriesOf(load(t, doc("", "", "x-qiwi-notification-retries: {delays: [5s, 1m], source: p#a}")))
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, ext.RetrySchedule{Delays: []time.Duration{5 * time.Second, time.Minute}, Source: "p#a"}, schedule)
}

// The spec declares one request amount rule per API on the Money schema, with its source:
// payin wants exactly two fraction digits (OnlinetoursGit/qiwi-kassa
// spec/fixtures/qiwi/resources/bills/create_validation_error.json: "Invalid money format. Should
// have 2 fraction digits" for 3.0), Bill Payments up to two (bill-payments/bill-payments_en.html.md
// line 798, the refund example's "value": 1).
func TestRequestAmountRules(t *testing.T) {
	doc := load(t, spec.Resolved)
	money := doc.Components.Schemas["Money"].Value
	rules, err := ext.RequestAmountRulesOf(money)
	require.NoError(t, err)
	byPrefix := map[string]ext.AmountRule{}
	for _, r := range rules {
		byPrefix[r.Prefix] = r
		assert.NotEmpty(t, r.Source, r.Prefix)
	}
	assert.Equal(t, wiretype.AmountTwoFractionDigits, byPrefix["/payin/"].Form)
	assert.Equal(t, wiretype.AmountUpToTwoFractionDigits, byPrefix["/bill/"].Form)
	assert.Contains(t, byPrefix["/payin/"].Source, "Should have 2 fraction digits")
	assert.Contains(t, byPrefix["/bill/"].Source, "bill-payments_en")
	for path, want := range map[string]wiretype.AmountForm{
		"/payin/v1/sites/{siteId}/payments/{paymentId}/refunds/{refundId}": wiretype.AmountTwoFractionDigits,
		"/bill/v1/bills/{billId}/refunds/{refundId}":                       wiretype.AmountUpToTwoFractionDigits,
		"/elsewhere": wiretype.AmountTwoFractionDigits,
	} {
		form, err := ext.RequestAmountForm(money, path)
		require.NoError(t, err)
		assert.Equal(t, want, form, path)
	}
	// Every API's rule accepts the one form the client sends.
	for _, r := range rules {
		assert.NoError(t, r.Form.Check(wiretype.NewMoneyFromMinor(100).String()), r.Prefix)
	}
	// Every path of the spec falls under a declared rule.
	for _, path := range doc.Paths.InMatchingOrder() {
		covered := false
		for _, r := range rules {
			covered = covered || strings.HasPrefix(path, r.Prefix)
		}
		assert.True(t, covered, "no request amount rule covers %s", path)
	}
}

// x-qiwi-config-param marks the path parameter the client's configuration fills, on a
// parameter component or inline, with a configuration value the client has; the spec marks
// siteId so.
func TestConfigParam(t *testing.T) {
	doc := func(componentExt, inlineExt, opExt string) []byte {
		return []byte(`openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /s/{siteId}/a/{id}:
    parameters:
    - $ref: '#/components/parameters/siteId'
    get:
      operationId: getA
      ` + opExt + `
      parameters: [{name: id, in: path, required: true, schema: {type: string}` + inlineExt + `}, {name: q, in: query, schema: {type: string}` + inlineExt + `}]
      responses: {'200': {description: ok}}
components:
  parameters:
    siteId: {name: siteId, in: path, required: true, schema: {type: string}` + componentExt + `}
`)
	}
	for _, tc := range []struct{ name, componentExt, inlineExt, opExt, pointer, message string }{
		{"unknown value", ", x-qiwi-config-param: shopId", "", "", "/components/parameters/siteId/x-qiwi-config-param", `"shopId" is no value of the client's configuration`},
		{"not a string", ", x-qiwi-config-param: [siteId]", "", "", "/components/parameters/siteId/x-qiwi-config-param", "must be a string"},
		{"on a query parameter", "", ", x-qiwi-config-param: siteId", "", "/paths/~1s~1{siteId}~1a~1{id}/get/parameters/1/x-qiwi-config-param", "stands on a path parameter, not on a query parameter"},
		{"on an operation", "", "", "x-qiwi-config-param: siteId", "/paths/~1s~1{siteId}~1a~1{id}/get/x-qiwi-config-param", "belongs on a parameter, not on a operation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ext.Check(load(t, doc(tc.componentExt, tc.inlineExt, tc.opExt)))
			assertInvalid(t, err, tc.pointer, tc.message)
		})
	}
	d := load(t, doc(", x-qiwi-config-param: siteId", "", ""))
	require.NoError(t, ext.Check(d))
	v, ok, err := ext.ConfigParamOf(d.Components.Parameters["siteId"].Value)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, transport.ConfigSiteID, v)
	_, ok, err = ext.ConfigParamOf(d.Paths.Value("/s/{siteId}/a/{id}").Get.Parameters[0].Value)
	require.NoError(t, err)
	assert.False(t, ok, "an unmarked parameter is the caller's")

	// The bundled spec marks siteId, once, on its component.
	base := load(t, spec.QIWI)
	v, ok, err = ext.ConfigParamOf(base.Components.Parameters["siteId"].Value)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, transport.ConfigSiteID, v)
}

// assertInvalid checks that err is an ext.ErrInvalid located at pointer and saying message.
func assertInvalid(t *testing.T, err error, pointer, message string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, ext.ErrInvalid)
	var e *ext.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, pointer, e.Pointer)
	assert.Contains(t, err.Error(), message)
}
