package notification_test

import (
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/spec"
	"github.com/qiwigen/qiwigen/spec/notification"
)

func load(t *testing.T, data []byte) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background(), openapi3.DisableExamplesValidation()))
	return doc
}

// The bundled spec declares every notification of both APIs, each with its model.
func TestBundledSpec(t *testing.T) {
	decls, err := notification.Collect(load(t, spec.Resolved))
	require.NoError(t, err)
	var tree any
	require.NoError(t, yaml.Unmarshal(spec.Resolved, &tree))
	got := map[string]string{}
	for _, d := range decls {
		ext, ok := at(tree, d.Pointer).(map[string]any)
		require.True(t, ok, "%s: %s names the extension", d.Type, d.Pointer)
		assert.Equal(t, d.Type, ext["type"])
		got[d.Type] = d.SignatureHeader + " " + d.Component
		require.NotNil(t, d.Body.Value, "%s: body schema resolved", d.Type)
		for _, a := range d.AmountFields {
			assert.Contains(t, d.SignedFields, a)
		}
	}
	assert.Equal(t, map[string]string{
		"BILL":       "X-Api-Signature-SHA256 BillNotification",
		"CAPTURE":    "Signature CaptureNotification",
		"CHECK_CARD": "Signature CheckCardNotification",
		"PAYMENT":    "Signature PaymentNotification",
		"PAYOUT":     "Signature PayoutNotification",
		"REFUND":     "Signature RefundNotification",
		"TOKEN":      "Signature TokenNotification",
	}, got)
	assert.Equal(t, []string{"/refund/refundId", "/refund/createdDateTime", "/refund/amount/value"}, find(decls, "REFUND").SignedFields,
		"a REFUND is signed with the refund's ID, not the payment's")
	assert.Equal(t, []string{"/bill/amount/currency", "/bill/amount/value", "/bill/billId", "/bill/siteId", "/bill/status/value"}, find(decls, "BILL").SignedFields)

	// The statuses a notification and its status answer name alike, as QIWI's status tables
	// pair them (payments-ru/_statuses_ru.html.md.erb).
	for typ, pairs := range map[string][][2]string{
		"PAYMENT":    {{"SUCCESS", "COMPLETED"}, {"DECLINE", "DECLINED"}, {"DECLINE", "DECLINE"}},
		"CAPTURE":    {{"SUCCESS", "COMPLETED"}, {"DECLINE", "DECLINED"}},
		"REFUND":     {{"SUCCESS", "COMPLETED"}, {"DECLINE", "DECLINE"}},
		"BILL":       {{"PAID", "PAID"}, {"REJECTED", "REJECTED"}},
		"CHECK_CARD": {{"SUCCESS", "SUCCESS"}},
	} {
		st := find(decls, typ).ConfirmedBy.Status
		require.NotNil(t, st, typ)
		for _, pair := range pairs {
			assert.True(t, st.Agree(pair[0], pair[1]), "%s: %s agrees with %s", typ, pair[0], pair[1])
		}
		assert.False(t, st.Agree("SUCCESS", "WAITING"), typ)
	}
	assert.False(t, find(decls, "PAYMENT").ConfirmedBy.Status.Agree("SUCCESS", "SUCCESS"), "a payment's answer never says SUCCESS")
}

// at resolves a JSON pointer in a decoded YAML tree.
func at(tree any, ptr string) any {
	for _, token := range strings.Split(ptr, "/")[1:] {
		token = jsonpointer.Unescape(token)
		m, ok := tree.(map[string]any)
		if !ok {
			return nil
		}
		tree = m[token]
	}
	return tree
}

func find(decls []notification.Declaration, typ string) notification.Declaration {
	for _, d := range decls {
		if d.Type == typ {
			return d
		}
	}
	return notification.Declaration{}
}

// pathWithCallback is a path item whose PUT has a PAYMENT callback; ext is spliced in as YAML.
func pathWithCallback(path, ext string) string {
	return `  ` + path + `:
    put:
      responses: {"200": {description: ok}}
      callbacks:
        payment:
          "{$request.body#/callbackUrl}":
            post:
              ` + ext + `
              requestBody:
                content:
                  application/json:
                    schema: {$ref: "#/components/schemas/PaymentNotification"}
              responses: {"200": {description: ok}}
`
}

// doc builds a spec with a callback on /payments, an optional second path and webhooks.
func doc(callbackExt, second, hooks string) []byte {
	return []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
` + pathWithCallback("/payments", callbackExt) + second + `
components:
  schemas:
    Open:
      type: object
      description: a placeholder that lists no members, as the upstream crawl's are
    Amount:
      type: object
      properties: {value: {type: string}}
    PaymentNotification:
      type: object
      properties:
        payment:
          type: object
          properties:
            paymentId: {type: string}
            amount: {allOf: [{$ref: "#/components/schemas/Amount"}]}
        bill:
          type: object
          properties: {billId: {type: string}}
` + hooks)
}

const good = `x-qiwi-notification: {type: PAYMENT, signatureHeader: Signature, signedFields: [/payment/paymentId, /payment/amount/value], amountFields: [/payment/amount/value]}`

func TestCollect(t *testing.T) {
	webhook := func(ext, ref string) string {
		return `x-webhooks:
  BILL:
    post:
      ` + ext + `
      requestBody:
        content:
          application/json:
            schema: {$ref: "` + ref + `"}
      responses: {"200": {description: ok}}`
	}
	billExt := `x-qiwi-notification: {type: BILL, signatureHeader: X-Api-Signature-SHA256, signedFields: [/bill/billId]}`
	for _, tt := range []struct {
		name, ext, second, hooks string
		types                    []string
		err                      string // a fragment of the error; empty for success
		pointer                  string // the error's pointer
	}{
		{name: "callback", ext: good, types: []string{"PAYMENT"}},
		{name: "no extension", ext: "", types: nil},
		{name: "callback and webhook", ext: good, hooks: webhook(billExt, "#/components/schemas/PaymentNotification"), types: []string{"BILL", "PAYMENT"}},
		{name: "a placeholder body accepts any signed field", hooks: webhook(billExt, "#/components/schemas/Open"), types: []string{"BILL"}},
		{name: "the same notification twice", ext: good, second: pathWithCallback("/invoices", good), types: []string{"PAYMENT"}},
		{name: "two differing declarations", ext: good, second: pathWithCallback("/invoices", strings.Replace(good, "/payment/paymentId, ", "", 1)),
			err: "PUT /invoices callback payment {$request.body#/callbackUrl}: notification PAYMENT differs from its declaration at PUT /payments"},
		{name: "not an object", ext: `x-qiwi-notification: PAYMENT`, err: "PUT /payments callback payment {$request.body#/callbackUrl}: x-qiwi-notification: not an object",
			pointer: "/paths/~1payments/put/callbacks/payment/{$request.body#~1callbackUrl}/post/x-qiwi-notification"},
		{name: "signed field not in the body", ext: strings.Replace(good, "/payment/paymentId", "/payment/paymentUid", 1),
			err: "notification PAYMENT: signed field /payment/paymentUid is not a member of PaymentNotification"},
		{name: "signed field past a leaf", ext: strings.Replace(good, "/payment/paymentId", "/payment/paymentId/x", 1),
			err: "signed field /payment/paymentId/x is not a member"},
		{name: "no type", ext: `x-qiwi-notification: {signatureHeader: Signature, signedFields: [/a]}`, err: "type and signatureHeader are required"},
		{name: "no signed fields", ext: `x-qiwi-notification: {type: PAYMENT, signatureHeader: Signature}`, err: "PAYMENT: signedFields is empty"},
		{name: "signed fields not a list", ext: `x-qiwi-notification: {type: PAYMENT, signatureHeader: Signature, signedFields: /a}`, err: "PAYMENT signedFields: not a list"},
		{name: "not a pointer", ext: `x-qiwi-notification: {type: PAYMENT, signatureHeader: Signature, signedFields: [payment.paymentId]}`, err: "signedFields[0]: payment.paymentId is not a JSON pointer"},
		{name: "unsigned amount", ext: `x-qiwi-notification: {type: PAYMENT, signatureHeader: Signature, signedFields: [/a], amountFields: [/b]}`, err: "amount field /b is not signed"},
		{name: "confirmed by a status request", ext: strings.Replace(good, "]}", "], confirmedBy: {operationId: getPayment, parameters: [/payment/paymentId]}}", 1), types: []string{"PAYMENT"}},
		{name: "confirmedBy without parameters", ext: strings.Replace(good, "]}", "], confirmedBy: {operationId: getPayment}}", 1), err: "PAYMENT confirmedBy: needs an operationId and a list of parameters"},
		{name: "confirmedBy parameter not a pointer", ext: strings.Replace(good, "]}", "], confirmedBy: {operationId: getPayment, parameters: [paymentId]}}", 1), err: "confirmedBy.parameters[0]: paymentId is not a JSON pointer"},
		{name: "confirmedBy parameter not in the body", ext: strings.Replace(good, "]}", "], confirmedBy: {operationId: getPayment, parameters: [/payment/nope]}}", 1), err: "confirmedBy parameter /payment/nope is not a member of PaymentNotification"},
		{name: "confirmedBy status", ext: strings.Replace(good, "]}", "], confirmedBy: {operationId: getPayment, parameters: [/payment/paymentId], status: {notification: /payment/paymentId, answer: /status/value, agrees: {SUCCESS: [COMPLETED]}}}}", 1), types: []string{"PAYMENT"}},
		{name: "confirmedBy status not in the body", ext: strings.Replace(good, "]}", "], confirmedBy: {operationId: getPayment, parameters: [/payment/paymentId], status: {notification: /payment/nope, answer: /status/value}}}", 1), err: "confirmedBy.status.notification /payment/nope is not a member of PaymentNotification"},
		{name: "confirmedBy status not pointers", ext: strings.Replace(good, "]}", "], confirmedBy: {operationId: getPayment, parameters: [/payment/paymentId], status: {notification: status}}}", 1), err: "PAYMENT confirmedBy.status: notification and answer must be JSON pointers"},
		{name: "confirmedBy status agrees not lists", ext: strings.Replace(good, "]}", "], confirmedBy: {operationId: getPayment, parameters: [/payment/paymentId], status: {notification: /payment/paymentId, answer: /status/value, agrees: {SUCCESS: COMPLETED}}}}", 1), err: "PAYMENT confirmedBy.status.agrees.SUCCESS: not a non-empty list of statuses"},
		{name: "webhook body missing", hooks: webhook(billExt, "#/components/schemas/Nope"), err: "x-webhooks BILL: notification BILL: body schema Nope does not exist",
			pointer: "/x-webhooks/BILL/post/x-qiwi-notification"},
		{name: "webhook body inline", hooks: webhook(billExt, "other.yaml#/Bill"), err: `x-webhooks BILL: notification BILL: body must be a component schema, not "other.yaml#/Bill"`},
		{name: "webhooks not an object", hooks: `x-webhooks: [BILL]`, err: "x-webhooks: not an object", pointer: "/x-webhooks"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			decls, err := notification.Collect(load(t, doc(tt.ext, tt.second, tt.hooks)))
			if tt.err != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, notification.ErrInvalid)
				assert.Contains(t, err.Error(), tt.err)
				var declErr *notification.Error
				require.ErrorAs(t, err, &declErr)
				if tt.pointer != "" {
					assert.Equal(t, tt.pointer, declErr.Pointer)
				}
				return
			}
			require.NoError(t, err)
			var types []string
			for _, d := range decls {
				types = append(types, d.Type)
			}
			assert.Equal(t, tt.types, types)
		})
	}
}
