package qiwi_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/generator/runtime/payform"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/docs"
)

// Every parameter the docs' pay form tables list (both forms, both languages) is one the
// builders write: PayForm for the form links, AddPayURLOptions for an invoice's payUrl.
func TestPayFormParametersFollowTheDocs(t *testing.T) {
	amount, err := wiretype.ParseMoney("100")
	require.NoError(t, err)
	lifetime := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	extras := map[string]string{"cf1": "a", "cf2": "b", "cf3": "c", "cf4": "d", "cf5": "e", "themeCode": "t", "contract_id": "c",
		"customer_last_name": "l", "customer_first_name": "f", "customer_middle_name": "m"}
	payin, err := payform.PayForm{PublicKey: "k", BillID: "b", Amount: &amount, Currency: "RUB", Phone: "p", Email: "e",
		Comment: "c", SuccessURL: "https://shop.example", PaymentMethod: "CARD", Extras: extras, ReadOnly: []string{"cf1"}}.URL()
	require.NoError(t, err)
	bill, err := payform.PayForm{Kind: payform.BillForm, PublicKey: "k", BillID: "b", Amount: &amount, Phone: "p",
		Email: "e", Account: "a", Comment: "c", SuccessURL: "https://shop.example", Lifetime: lifetime, Extras: extras}.URL()
	require.NoError(t, err)
	options, err := payform.AddPayURLOptions("https://oplata.qiwi.com/form?invoiceUid=1", payform.PayURLOptions{
		SuccessURL: "https://shop.example", Lang: "en", PaymentMethod: "SBP", PaySource: "card",
		AllowedPaySources: []string{"card"}, Lifetime: lifetime})
	require.NoError(t, err)

	written := map[string]url.Values{}
	for name, link := range map[string]string{"payin": payin, "bill": bill, "options": options} {
		u, err := url.Parse(link)
		require.NoError(t, err)
		written[name] = u.Query()
	}
	// Tables by page and section anchor; the checkout popup's tables describe a script's
	// options, not a link, and are not read.
	tables := []struct{ file, anchor, builder string }{
		{"payments/_qiwi-form_en", "https-qiwi-form", "payin"},
		{"payments-ru/_qiwi-form_ru", "https-qiwi-form", "payin"},
		{"payments/_qiwi-form_en", "qiwi-redirect", "options"},
		{"payments-ru/_qiwi-form_ru", "qiwi-redirect", "options"},
		{"bill-payments/bill-payments_en", "http", "bill"},
		{"bill-payments/bill-payments_ru", "http", "bill"},
		{"bill-payments/bill-payments_en", "option", "options"},
		{"bill-payments/bill-payments_ru", "option", "options"},
	}
	pages, err := docs.ParseDir(docsDir(t))
	require.NoError(t, err)
	for _, tt := range tables {
		checked := 0
		for _, p := range pages {
			if !strings.Contains(p.File, tt.file) {
				continue
			}
			for _, tb := range p.Tables {
				col := tb.Column("Parameter", "Параметр")
				if tb.Pos.Anchor != tt.anchor || col < 0 {
					continue
				}
				for i, row := range tb.Rows {
					name := strings.Trim(row[col], "` ")
					if name == "" {
						continue
					}
					checked++
					assert.True(t, writes(written[tt.builder], name), "%s: the %s builder does not write %s", tb.RowPos[i], tt.builder, name)
				}
			}
		}
		assert.Positive(t, checked, "no parameter table %s#%s", tt.file, tt.anchor)
	}
}

// writes reports whether a query holds the parameter the docs name: "extras[cf1]" as such,
// "customFields[]" as any customFields[...].
func writes(q url.Values, name string) bool {
	if prefix, ok := strings.CutSuffix(name, "[]"); ok {
		for k := range q {
			if strings.HasPrefix(k, prefix+"[") {
				return true
			}
		}
		return false
	}
	return q.Has(name)
}
