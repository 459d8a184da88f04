package payform

import (
	"net/url"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPayFormURL(t *testing.T) {
	amount, _ := wiretype.ParseMoney("100")
	link, err := PayForm{
		PublicKey:  "5nAq6abtyCz4tcDj89e5w7Y5i524LAFmzrsN6bQTQ3ceEvMvCq55ToeErzhvK6rVkQLaCrYUQcYF5QkS8nCrjnPsLQgsLxqrpQgJ7hg2ZHmEHXFjaG8qjvgcep",
		Amount:     &amount,
		Comment:    "some comment",
		Extras:     map[string]string{"cf1": "Order_123", "cf3": "winnie@pooh.ru"},
		ReadOnly:   []string{"cf1"},
		SuccessURL: "http://test.ru/",
	}.URL()
	require.NoError(t, err)
	u, err := url.Parse(link)
	require.NoError(t, err)
	assert.Equal(t, "payment.qiwi.com", u.Host)
	q := u.Query()
	// The docs' example link: extras[cf1]=Order_123&extras[cf3]=winnie@pooh.ru&readonly=cf1&comment=some%20comment&amount=100.00
	assert.Equal(t, "Order_123", q.Get("extras[cf1]"))
	assert.Equal(t, "winnie@pooh.ru", q.Get("extras[cf3]"))
	assert.Equal(t, "cf1", q.Get("readonly"))
	assert.Equal(t, "some comment", q.Get("comment"))
	assert.Equal(t, "100.00", q.Get("amount"))
	assert.Equal(t, "http://test.ru/", q.Get("successUrl"))

	bill, err := PayForm{BaseURL: BillPayFormURL, PublicKey: "k", BillID: "893794793973"}.URL()
	require.NoError(t, err)
	assert.Equal(t, "https://oplata.qiwi.com/create?billId=893794793973&publicKey=k", bill)

	for name, f := range map[string]PayForm{
		"no public key":       {},
		"zero amount":         {PublicKey: "k", Amount: &wiretype.Money{}},
		"read-only not extra": {PublicKey: "k", ReadOnly: []string{"cf2"}},
		"bad extra name":      {PublicKey: "k", Extras: map[string]string{"a]": "x"}},
		"bad base":            {PublicKey: "k", BaseURL: "::"},
	} {
		_, err := f.URL()
		assert.ErrorIs(t, err, ErrPayForm, name)
	}
}

// The Bill Payments form takes customFields[...], account and lifetime (YYYY-MM-DDThhmm,
// Moscow time), and refuses the payin form's parameters.
func TestBillPayFormURL(t *testing.T) {
	amount, _ := wiretype.ParseMoney("100")
	lifetime := time.Date(2019, 4, 4, 12, 40, 0, 0, time.UTC) // 15:40 in Moscow
	link, err := PayForm{
		Kind:       BillForm,
		PublicKey:  "Fnzr1yTebUiQaBLDnebLMMxL8nc6FF5zfmGQnypc",
		Amount:     &amount,
		BillID:     "893794793973",
		SuccessURL: "http://test.ru?",
		Email:      "m@ya.ru",
		Account:    "client-7",
		Lifetime:   lifetime,
		Extras:     map[string]string{"themeCode": "codeStyle"},
	}.URL()
	require.NoError(t, err)
	u, err := url.Parse(link)
	require.NoError(t, err)
	assert.Equal(t, "oplata.qiwi.com", u.Host)
	q := u.Query()
	// The docs' example: publicKey=...&amount=100&billId=893794793973&successUrl=http%3A%2F%2Ftest.ru%3F&email=m@ya.ru
	assert.Equal(t, "893794793973", q.Get("billId"))
	assert.Equal(t, "http://test.ru?", q.Get("successUrl"))
	assert.Equal(t, "m@ya.ru", q.Get("email"))
	assert.Equal(t, "client-7", q.Get("account"))
	assert.Equal(t, "2019-04-04T1540", q.Get("lifetime"), "the docs' lifetime form")
	assert.Equal(t, "codeStyle", q.Get("customFields[themeCode]"))
	assert.Empty(t, q.Get("extras[themeCode]"))

	for name, f := range map[string]PayForm{
		"currency on the bill form":      {Kind: BillForm, PublicKey: "k", Currency: "RUB"},
		"readonly on the bill form":      {BaseURL: BillPayFormURL, PublicKey: "k", Extras: map[string]string{"cf1": "x"}, ReadOnly: []string{"cf1"}},
		"paymentMethod on the bill form": {Kind: BillForm, PublicKey: "k", PaymentMethod: "SBP"},
		"lifetime on the payin form":     {PublicKey: "k", Lifetime: lifetime},
		"account on the payin form":      {PublicKey: "k", Account: "a"},
		"unknown kind":                   {Kind: 7, PublicKey: "k"},
	} {
		_, err := f.URL()
		assert.ErrorIs(t, err, ErrPayForm, name)
	}
	_, err = PayForm{PublicKey: "k", Lifetime: lifetime}.URL()
	assert.ErrorContains(t, err, "the payin form takes no lifetime")
}

func TestAddPayURLOptions(t *testing.T) {
	// The docs' example: https://oplata.qiwi.com/form?invoiceUid=606a5f75-...&allowedPaySources=card
	link, err := AddPayURLOptions("https://oplata.qiwi.com/form?invoiceUid=606a5f75-4f8e-4ce2-b400-967179502275",
		PayURLOptions{AllowedPaySources: []string{"card"}})
	require.NoError(t, err)
	assert.Equal(t, "https://oplata.qiwi.com/form?allowedPaySources=card&invoiceUid=606a5f75-4f8e-4ce2-b400-967179502275", link)

	link, err = AddPayURLOptions("https://payment.qiwi.com/form?invoiceUid=3b39ad6d",
		PayURLOptions{SuccessURL: "https://shop.example/ok", Lang: "en", PaymentMethod: "SBP"})
	require.NoError(t, err)
	q := query(t, link)
	assert.Equal(t, "en", q.Get("lang"))
	assert.Equal(t, "SBP", q.Get("paymentMethod"))
	assert.Equal(t, "3b39ad6d", q.Get("invoiceUid"))

	link, err = AddPayURLOptions("https://oplata.qiwi.com/form?invoiceUid=1",
		PayURLOptions{PaySource: "qw", AllowedPaySources: []string{"qw", "card"}, Lifetime: time.Date(2019, 4, 4, 15, 40, 0, 0, time.FixedZone("MSK", 3*3600))})
	require.NoError(t, err)
	q = query(t, link)
	assert.Equal(t, "qw", q.Get("paySource"))
	assert.Equal(t, "qw,card", q.Get("allowedPaySources"))
	assert.Equal(t, "2019-04-04T1540", q.Get("lifetime"))

	for name, o := range map[string]PayURLOptions{
		"language":        {Lang: "de"},
		"payment method":  {PaymentMethod: "cash"},
		"pay source":      {PaySource: "QW"},
		"allowed sources": {AllowedPaySources: []string{"card", "crypto"}},
		"success URL":     {SuccessURL: "/relative"},
	} {
		_, err := AddPayURLOptions("https://oplata.qiwi.com/form?invoiceUid=1", o)
		assert.ErrorIs(t, err, ErrPayForm, name)
	}
}

func query(t *testing.T, link string) url.Values {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	return u.Query()
}

func TestAddSuccessURL(t *testing.T) {
	link, err := AddSuccessURL("https://payment.qiwi.com/form?invoiceUid=3b39ad6d", "https://shop.example/ok?order=1")
	require.NoError(t, err)
	u, _ := url.Parse(link)
	assert.Equal(t, "3b39ad6d", u.Query().Get("invoiceUid"))
	assert.Equal(t, "https://shop.example/ok?order=1", u.Query().Get("successUrl"))
	_, err = AddSuccessURL("not a url", "https://x")
	assert.ErrorIs(t, err, ErrPayForm)
	_, err = AddSuccessURL("https://payment.qiwi.com/form?invoiceUid=1", "")
	assert.ErrorIs(t, err, ErrPayForm, "an empty successUrl is a mistake, not a no-op")
}

// PayForm.URL and AddSuccessURL take the same success URLs: absolute http or https with a
// host. A javascript: or data: URL, a scheme-relative //host or a relative path is refused
// by both, with an error naming successUrl.
func TestSuccessURLOneRule(t *testing.T) {
	for _, bad := range []string{
		"javascript:alert(1)", "javascript://shop.example/%0aalert(1)", "JavaScript:alert(1)",
		"data:text/html,<script>alert(1)</script>", "//evil.example/ok", "/relative", "ftp://shop.example/",
		"https:///nohost", "http:opaque", "vbscript:msgbox", "::",
	} {
		_, err := PayForm{PublicKey: "k", SuccessURL: bad}.URL()
		require.ErrorIs(t, err, ErrPayForm, "PayForm.URL with %q", bad)
		assert.ErrorContains(t, err, "successUrl", bad)
		_, err = AddSuccessURL("https://payment.qiwi.com/form?invoiceUid=1", bad)
		assert.ErrorIs(t, err, ErrPayForm, "AddSuccessURL with %q", bad)
	}
	for _, good := range []string{"https://shop.example/ok?order=1", "HTTP://shop.example/", "http://127.0.0.1:8080/back"} {
		_, err := PayForm{PublicKey: "k", SuccessURL: good}.URL()
		assert.NoError(t, err, good)
		_, err = AddSuccessURL("https://payment.qiwi.com/form?invoiceUid=1", good)
		assert.NoError(t, err, good)
	}
}
