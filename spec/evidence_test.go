package spec_test

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/spec/ext"
	"github.com/qiwigen/qiwigen/spec/notification"
)

// The smaller gaps of evidence brief 20, section 10.
func TestSmallerGapsFollowTheEvidence(t *testing.T) {
	doc, _ := load(t, "qiwi.resolved.yaml")
	op := func(path, method string) *openapi3.Operation {
		item := doc.Paths.Value(path)
		require.NotNil(t, item, path)
		o := item.GetOperation(method)
		require.NotNil(t, o, method+" "+path)
		return o
	}

	// "customFields.invoice_callback_url — in the Invoice API request"
	// (payments/_notifications_en.html.md.erb line 42): the invoice declares its PAYMENT callback.
	invoice := op("/payin/v1/sites/{siteId}/bills/{billId}", "PUT")
	var types []string
	for _, cb := range invoice.Callbacks {
		require.NotNil(t, cb.Value.Value("{$request.body#/customFields/invoice_callback_url}"), "the callback follows invoice_callback_url")
		types = append(types, notification.CallbackTypes(cb)...)
	}
	assert.Equal(t, []string{"PAYMENT"}, types)

	// "Already done" is evidenced for captures only (a public payin SDK's fixture of a repeated
	// capture; nothing for refunds).
	capture, err := ext.ResolveAlreadyDoneOf(op("/payin/v1/sites/{siteId}/payments/{paymentId}/captures/{captureId}", "PUT"))
	require.NoError(t, err)
	assert.Equal(t, "getCapture", capture)
	refund, err := ext.ResolveAlreadyDoneOf(op("/payin/v1/sites/{siteId}/payments/{paymentId}/refunds/{refundId}", "PUT"))
	require.NoError(t, err)
	assert.Empty(t, refund, "no source shows a repeated refund answered \"already done\"")

	// cheque on captures: payments/_54fz-data_en.html.md line 3 names invoice, payment and
	// refund only.
	cheque := doc.Components.Schemas["CreateCaptureRequest"].Value.Properties["cheque"]
	require.NotNil(t, cheque)
	assert.Contains(t, cheque.Value.Description, "Not documented for captures")
	assert.Contains(t, cheque.Value.Description, "_54fz-data_en.html.md line 3")

	// Documented ID lengths only: String(200) where a page gives it; siteId, qrCodeUid and the
	// Bill Payments refundId have no documented length (bill-payments_en lines 903, 1017: String).
	for name, limit := range map[string]uint64{"billId": 200, "paymentId": 200, "captureId": 200, "refundId": 200, "requestUid": 200, "payoutId": 200, "siteId": 0, "qrCodeUid": 0, "billRefundId": 0} {
		p := doc.Components.Parameters[name]
		require.NotNil(t, p, name)
		got := uint64(0)
		if p.Value.Schema.Value.MaxLength != nil {
			got = *p.Value.Schema.Value.MaxLength
		}
		assert.Equal(t, limit, got, "maxLength of %s", name)
	}
	bill := doc.Paths.Value("/bill/v1/bills/{billId}/refunds/{refundId}")
	var refs []string
	for _, p := range bill.Parameters {
		refs = append(refs, p.Ref)
	}
	assert.Contains(t, refs, "#/components/parameters/billRefundId")

	// info.description speaks of no placeholder schemas.
	assert.False(t, strings.Contains(doc.Info.Description, "placeholder"), doc.Info.Description)
}
