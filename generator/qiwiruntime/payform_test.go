package qiwiruntime

import (
	"net/url"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPayFormURL(t *testing.T) {
	amount, _ := ParseMoney("100")
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
		"zero amount":         {PublicKey: "k", Amount: &Money{}},
		"read-only not extra": {PublicKey: "k", ReadOnly: []string{"cf2"}},
		"bad extra name":      {PublicKey: "k", Extras: map[string]string{"a]": "x"}},
		"bad base":            {PublicKey: "k", BaseURL: "::"},
	} {
		_, err := f.URL()
		assert.ErrorIs(t, err, ErrPayForm, name)
	}
}

func TestAddSuccessURL(t *testing.T) {
	link, err := AddSuccessURL("https://payment.qiwi.com/form?invoiceUid=3b39ad6d", "https://shop.example/ok?order=1")
	require.NoError(t, err)
	u, _ := url.Parse(link)
	assert.Equal(t, "3b39ad6d", u.Query().Get("invoiceUid"))
	assert.Equal(t, "https://shop.example/ok?order=1", u.Query().Get("successUrl"))
	_, err = AddSuccessURL("not a url", "https://x")
	assert.ErrorIs(t, err, ErrPayForm)
}

func luhn(s string) bool {
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func TestTestCardsMatchTheDocs(t *testing.T) {
	doc, err := os.ReadFile("../../../shared/docs/qiwi/payments/_intro_en.html.md")
	require.NoError(t, err)
	want := regexp.MustCompile("`([0-9]{16})`").FindAllStringSubmatch(string(doc), -1)
	var documented []string
	for _, m := range want {
		documented = append(documented, m[1])
	}
	var ours []string
	for _, cards := range TestCards() {
		ours = append(ours, cards...)
	}
	assert.ElementsMatch(t, documented, ours)
	for _, c := range append(ours, TestCardMir, TestCardVisa, TestCardMastercard, TestCardUnionPay) {
		assert.True(t, luhn(c), "%s fails the Luhn check", c)
		assert.Contains(t, documented, c)
	}
}
