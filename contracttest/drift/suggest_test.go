package drift_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/overlay"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/drift"
)

// suggestOn runs drift on one page against the test spec and returns its failing findings,
// the suggestion and the spec text.
func suggestOn(t *testing.T, spec []byte, text string) ([]drift.Finding, *drift.Suggestion) {
	t.Helper()
	s, err := drift.LoadSpec(spec, nil)
	require.NoError(t, err)
	inv := drift.Build("", []*docs.Page{docs.Parse(english, []byte(text))})
	fs := drift.Compare(inv, s)
	sg, err := s.Suggest(inv, fs)
	require.NoError(t, err)
	return drift.Failing(fs), sg
}

// applied is the spec with the suggested overlay applied, as libopenapi's overlay engine
// (the generator's) applies it.
func applied(t *testing.T, spec []byte, sg *drift.Suggestion) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, sg.WriteOverlay(&buf))
	ov, err := libopenapi.NewOverlayDocument(buf.Bytes())
	require.NoError(t, err, buf.String())
	res, err := overlay.Apply(spec, ov)
	require.NoError(t, err, buf.String())
	require.Empty(t, res.Warnings, "every target matches:\n%s", buf.String())
	return res.Bytes
}

// Each kind of finding a one-line change makes gets the action that settles it: applied to
// the spec, the finding is gone and no other appears.
func TestSuggestPerKind(t *testing.T) {
	spec, err := os.ReadFile("testdata/spec.yaml")
	require.NoError(t, err)
	base := page(t, english)
	cases := []struct {
		name, old, new string
		kind           drift.Kind
		target         string // the target of the first action
	}{
		{"added field", `"comment": "Order 1"`, `"comment": "Order 1", "tip": "5.00"`, drift.FieldMissing, "$.components.schemas.PaymentRequest"},
		{"changed type", `"comment": "Order 1"`, `"comment": 1`, drift.FieldType, "$.components.schemas.PaymentRequest.properties.comment"},
		{"new enum value", "`DECLINED` | Declined\n", "`DECLINED` | Declined\n`REFUNDED` | Refunded\n", drift.EnumMissing, "$.components.schemas.StatusValue['x-extensible-enum']"},
		{"table field added", "payment.amount.value | Amount | Number(6.2) | Always\n", "payment.amount.value | Amount | Number(6.2) | Always\npayment.fee | Fee | Number(6.2) | Always\n", drift.FieldMissing, "$.components.schemas.PaymentNotification.properties.payment"},
		{"required-ness changed", "comment | Comment | N", "comment | Comment | Y", drift.RequiredDiffers, "$.components.schemas.PaymentRequest"},
		{"required field made optional", "amount | Payment amount | Y", "amount | Payment amount | N", drift.RequiredDiffers, "$.components.schemas.PaymentRequest.required[?@ == 'amount']"},
		{"changed retry schedule", "3 attempts delayed 5 minutes", "3 attempts delayed 10 minutes", drift.RetrySchedule, "$['x-qiwi-notification-retries'].delays"},
		{"changed signed fields", "`payment.paymentId|payment.amount.value`", "`payment.amount.value|payment.paymentId`", drift.SignedFields, "$.paths['/payin/v1/sites/{siteId}/payments/{paymentId}'].put.callbacks.payment['{$request.body#/callbackUrl}'].post['x-qiwi-notification'].signedFields"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			changed := strings.Replace(base, c.old, c.new, 1)
			failing, sg := suggestOn(t, spec, changed)
			require.Len(t, failing, 1)
			f := failing[0]
			require.Equal(t, c.kind, f.Kind, f.Message)
			require.Equal(t, []string{f.ID}, sg.Fixed, "unfixed: %v", sg.Unfixed)
			require.NotEmpty(t, sg.Actions)
			assert.Equal(t, c.target, sg.Actions[0].Target)
			for _, a := range sg.Actions {
				assert.Contains(t, a.Description, f.Doc.String(), "the action names the page and line")
				assert.Equal(t, []string{f.ID}, a.Findings)
			}
			after, _ := suggestOn(t, applied(t, spec, sg), changed)
			assert.Empty(t, after, "the overlay settles the finding and makes no other")
		})
	}
}

// Every kind either gets actions or says why it has none; a finding Suggest cannot fix is
// listed with why, and no action is written for it.
func TestSuggestListsWhatItCannotFix(t *testing.T) {
	for _, k := range drift.Kinds {
		ok, why := k.Mechanical()
		assert.True(t, ok != (why != ""), "%s: mechanical, or a reason why not", k)
	}
	spec, err := os.ReadFile("testdata/spec.yaml")
	require.NoError(t, err)
	base := page(t, english)
	cases := []struct {
		name, old, new string
		kind           drift.Kind
		why            string
	}{
		{"renamed path of a path with two operations", `"payin/v1/sites/{siteId}/payments/{paymentId}",`, `"payin/v1/sites/{siteId}/payment/{paymentId}",`, drift.OperationPathChanged, "holds 2 operations"},
		{"member the pages spell both ways", "payment.paymentId | Payment", "payment.paymentID | Payment", drift.FieldCase, "also spell it paymentId"},
		{"new sender range", "* 91.232.230.0/23\n", "* 91.232.230.0/23\n* 185.71.76.0/27\n", drift.SenderNetwork, "webhook.QIWINetworks"},
		{"changed signature header", "in the `Signature` header", "in the `X-Api-Signature-SHA256` header", drift.SignatureHeader, "signature parameter"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			failing, sg := suggestOn(t, spec, strings.Replace(base, c.old, c.new, 1))
			require.Len(t, failing, 1)
			require.Equal(t, c.kind, failing[0].Kind)
			assert.Empty(t, sg.Actions)
			assert.Empty(t, sg.Fixed)
			require.Len(t, sg.Unfixed, 1)
			assert.Equal(t, failing[0].ID, sg.Unfixed[0].Finding.ID)
			assert.Contains(t, sg.Unfixed[0].Why, c.why)
			var out bytes.Buffer
			assert.ErrorIs(t, sg.WriteOverlay(&out), drift.ErrNothingToSuggest)
			require.NoError(t, sg.WriteUnfixed(&out))
			assert.Contains(t, out.String(), failing[0].ID+" "+string(c.kind)+" at "+english)
		})
	}
}

// withRefunds is the test spec with a refund operation at a path of its own.
func withRefunds(t *testing.T) []byte {
	t.Helper()
	spec, err := os.ReadFile("testdata/spec.yaml")
	require.NoError(t, err)
	refunds := `  /payin/v1/sites/{siteId}/refunds/{refundId}:
    parameters:
      - {name: siteId, in: path, required: true, schema: {type: string}}
      - {name: refundId, in: path, required: true, schema: {type: string}}
    get:
      operationId: getRefund
      responses:
        "200": {description: the refund}
x-qiwi-notification-retries:`
	out := strings.Replace(string(spec), "x-qiwi-notification-retries:", refunds, 1)
	require.NotEqual(t, string(spec), out)
	return []byte(out)
}

// An operation the pages show at a path one segment away moves there; one no page mentions,
// while its API's other operations are documented, is retired.
func TestSuggestMovesAndRetiresOperations(t *testing.T) {
	spec := withRefunds(t)
	base := page(t, english)
	for _, c := range []struct {
		name, text string
		kind       drift.Kind
		targets    []string
	}{
		{"moved", strings.Replace(base, "## Operation statuses", "## Refund {#refund}\n\n~~~http\nGET /partner/payin/v1/sites/site-01/refund/r-1 HTTP/1.1\nHost: api.qiwi.com\n~~~\n\n## Operation statuses", 1),
			drift.OperationPathChanged, []string{"$.paths", "$.paths['/payin/v1/sites/{siteId}/refunds/{refundId}']"}},
		{"retired", base, drift.OperationUnmentioned, []string{"$.paths['/payin/v1/sites/{siteId}/refunds/{refundId}']"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := drift.LoadSpec(spec, nil)
			require.NoError(t, err)
			inv := drift.Build("", []*docs.Page{docs.Parse(english, []byte(c.text))})
			fs := drift.Compare(inv, s)
			var f drift.Finding
			for _, x := range fs {
				if x.Kind == c.kind {
					f = x
				}
			}
			require.Equal(t, c.kind, f.Kind, describe(fs))
			sg, err := s.Suggest(inv, fs)
			require.NoError(t, err)
			require.Equal(t, []string{f.ID}, sg.Fixed, "unfixed: %v", sg.Unfixed)
			var targets []string
			for _, a := range sg.Actions {
				targets = append(targets, a.Target)
			}
			assert.Equal(t, c.targets, targets)

			s2, err := drift.LoadSpec(applied(t, spec, sg), nil)
			require.NoError(t, err)
			for _, x := range drift.Compare(drift.Build("", []*docs.Page{docs.Parse(english, []byte(c.text))}), s2) {
				assert.NotEqual(t, f.ID, x.ID, "the finding is settled")
				assert.True(t, x.Kind.Info(), "no failing finding is left: %s", x.Message)
			}
		})
	}
}
