package qiwi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// sent records the method, path and body of every request the client makes.
type sent struct {
	method, path string
	body         []byte
}

func recordingClient(t *testing.T, answer string) (*qiwi.Client, *[]sent) {
	t.Helper()
	var got []sent
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, sent{r.Method, r.URL.EscapedPath(), b})
		io.WriteString(w, answer)
	})
	return c, &got
}

// The wire bugs the spec-truth audit found, each through the request the client sends or the
// answer it decodes.
func TestWireFixes(t *testing.T) {
	ctx := context.Background()
	amount, err := wiretype.ParseMoney("500")
	require.NoError(t, err)
	split := qiwi.Split{Type: "MERCHANT_DETAILS", SiteUID: "shop_mst-01", SplitAmount: qiwi.Amount{Value: amount, Currency: qiwi.CurrencyRub}}

	t.Run("a payment request carries its splits as paymentSplits", func(t *testing.T) {
		// payments/_splits_en#use-splits-merchant-form: "send in API request Payment a JSON-array paymentSplits".
		c, got := recordingClient(t, `{"paymentId":"p1","status":{"value":"COMPLETED"}}`)
		_, err := c.CreatePayment(ctx, "p1", qiwi.CreatePaymentRequest{
			Amount:        qiwi.Amount{Value: amount, Currency: qiwi.CurrencyRub},
			PaymentMethod: qiwi.PaymentMethod{Type: qiwi.PaymentMethodTypeToken, PaymentToken: qiwi.Ptr("tok")},
			PaymentSplits: &[]qiwi.Split{split},
		})
		require.NoError(t, err)
		var body map[string]json.RawMessage
		require.NoError(t, json.Unmarshal((*got)[0].body, &body))
		assert.Contains(t, body, "paymentSplits")
		assert.NotContains(t, body, "splits")
	})

	t.Run("the invoice request still says splits", func(t *testing.T) {
		c, got := recordingClient(t, `{"billId":"b1","status":{"value":"CREATED"}}`)
		_, err := c.CreateInvoice(ctx, "b1", qiwi.CreateInvoiceRequest{
			Amount:             &qiwi.Amount{Value: amount, Currency: qiwi.CurrencyRub},
			ExpirationDateTime: wiretype.NewTimestamp(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)),
			Splits:             &[]qiwi.Split{split},
		})
		require.NoError(t, err)
		var body map[string]json.RawMessage
		require.NoError(t, json.Unmarshal((*got)[0].body, &body))
		assert.Contains(t, body, "splits")
	})

	t.Run("cardTokenPaymentType takes the request's values", func(t *testing.T) {
		// payments/_merchant-form_en: FIRST_PAYMENT, INITIATED_BY_CLIENT, INITIATED_BY_MERCHANT,
		// RECURRING_PAYMENT, INSTALLMENT; the notification's credentialOnFile.type is another enum.
		assert.Equal(t, []qiwi.CardTokenPaymentType{"FIRST_PAYMENT", "INITIATED_BY_CLIENT", "INITIATED_BY_MERCHANT", "RECURRING_PAYMENT", "INSTALLMENT"},
			qiwi.CardTokenPaymentTypeValues())
		assert.Equal(t, []qiwi.CredentialOnFileType{"CREDENTIAL_ON_FILE", "CREDENTIAL_CAPTURED", "RECURRING", "INSTALLMENT"},
			qiwi.CredentialOnFileTypeValues())
		c, got := recordingClient(t, `{"paymentId":"p1","status":{"value":"COMPLETED"}}`)
		_, err := c.CreatePayment(ctx, "p1", qiwi.CreatePaymentRequest{
			Amount: qiwi.Amount{Value: amount, Currency: qiwi.CurrencyRub},
			PaymentMethod: qiwi.PaymentMethod{Type: qiwi.PaymentMethodTypeToken, PaymentToken: qiwi.Ptr("tok"),
				CardTokenPaymentType: qiwi.Ptr(qiwi.CardTokenPaymentTypeFirstPayment),
				FirstTransaction:     &qiwi.FirstTransaction{PaymentID: qiwi.Ptr("p0"), TrnID: qiwi.Ptr("MCC0001")}},
		})
		require.NoError(t, err)
		assert.Contains(t, string((*got)[0].body), `"cardTokenPaymentType":"FIRST_PAYMENT"`)
		assert.Contains(t, string((*got)[0].body), `"trnId":"MCC0001"`)
	})

	t.Run("payout completion is PUT under the payment, without a body", func(t *testing.T) {
		// payments-ru/_api-methods_ru.html.md.erb#payout-complete.
		c, got := recordingClient(t, `{"status":{"value":"COMPLETED"},"amount":{"currency":"RUB","value":"40.00"}}`)
		p, err := c.CompletePayout(ctx, "1811", "bxwd8096")
		require.NoError(t, err)
		assert.Equal(t, "COMPLETED", string(p.Status.Value))
		require.Len(t, *got, 1)
		assert.Equal(t, http.MethodPut, (*got)[0].method)
		assert.Equal(t, "/partner/payin/v1/sites/test-01/payments/1811/payouts/bxwd8096/complete", (*got)[0].path)
		assert.Empty(t, (*got)[0].body)
	})

	t.Run("rrn and authCode arrive as strings, numbers or null", func(t *testing.T) {
		for _, pm := range []string{
			`{"type":"CARD","rrn":"001239598011","authCode":"0123342"}`, // _qiwi-form_en
			`{"type":"CARD","rrn":123,"authCode":181218}`,               // the tables' Number
			`{"type":"CARD","rrn":null,"authCode":null}`,                // _merchant-form_en
		} {
			body := `{"payment":{"paymentId":"p1","createdDateTime":"2022-08-05T11:34:42+03:00","amount":{"value":5,"currency":"RUB"},"status":{"value":"SUCCESS"},"paymentMethod":` + pm + `},"type":"PAYMENT","version":"1"}`
			n, err := qiwi.ParseNotification([]byte(body))
			require.NoError(t, err, pm)
			again, err := json.Marshal(n.(*qiwi.PaymentNotification).Payment.PaymentMethod)
			require.NoError(t, err)
			var want, have map[string]any
			require.NoError(t, json.Unmarshal([]byte(pm), &want))
			require.NoError(t, json.Unmarshal(again, &have))
			for k, v := range want {
				if v != nil {
					assert.Equal(t, v, have[k], "%s re-encodes as received", k)
				}
			}
		}
		m := n1(t, `{"type":"CARD","rrn":"001239598011"}`)
		assert.Equal(t, "001239598011", m.Rrn.String(), "leading zeros are kept")
		// An RRN with a fraction is no code: the member is left out (it is not signed, so the
		// notification still counts) rather than refusing the notification.
		n, err := qiwi.ParseNotification([]byte(`{"payment":{"paymentId":"p1","createdDateTime":"2022-08-05T11:34:42+03:00","amount":{"value":5,"currency":"RUB"},"status":{"value":"SUCCESS"},"paymentMethod":{"type":"CARD","rrn":1.5,"authCode":"1"}},"type":"PAYMENT","version":"1"}`))
		require.NoError(t, err)
		pm := n.(*qiwi.PaymentNotification).Payment.PaymentMethod
		assert.Nil(t, pm.Rrn)
		assert.Equal(t, "1", pm.AuthCode.String())
	})
}

func n1(t *testing.T, pm string) qiwi.PaymentMethod {
	t.Helper()
	var m qiwi.PaymentMethod
	require.NoError(t, json.Unmarshal([]byte(pm), &m))
	return m
}

// Nested amounts go out in request form too (generated requestForm methods, no reflection),
// and the caller's body, slices included, is left as it was.
func TestNestedRequestForm(t *testing.T) {
	c, got := recordingClient(t, `{"billId":"b1","status":{"value":"CREATED"}}`)
	var split qiwi.Split
	require.NoError(t, json.Unmarshal([]byte(`{"type":"MERCHANT_DETAILS","siteUid":"s1","splitAmount":{"value":"3","currency":"RUB"}}`), &split))
	splits := []qiwi.Split{split}
	body := qiwi.CreateInvoiceRequest{
		Amount:             &qiwi.Amount{Value: qiwi.NewMoneyFromMinor(300), Currency: qiwi.CurrencyRub},
		ExpirationDateTime: qiwi.NewTimestamp(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)),
		Splits:             &splits,
	}
	_, err := c.CreateInvoice(context.Background(), "b1", body)
	require.NoError(t, err)
	assert.Contains(t, string((*got)[0].body), `"splitAmount":{"currency":"RUB","value":3.00}`)
	kept, err := json.Marshal(splits[0].SplitAmount.Value)
	require.NoError(t, err)
	assert.Equal(t, `"3"`, string(kept), "the caller's split keeps its decoded form")

	splits[0].SplitAmount.Value = qiwi.NewMoneyFromMinor(0)
	_, err = c.CreateInvoice(context.Background(), "b1", body)
	assert.ErrorIs(t, err, qiwi.ErrArgument)
	assert.ErrorContains(t, err, "createInvoice: /splits/0/splitAmount/value: ")
	assert.Len(t, *got, 1, "nothing is sent for a refused body")
}
