package qiwi_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/qiwigen/qiwigen/generator/runtime/testmode"
	"github.com/qiwigen/qiwigen/generator/runtime/webhook"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The runtime's facts that the vendor docs state, checked against the pages; the runtime's
// own unit tests need no docs.

// QIWINetworks is exactly the union of the ranges the notification pages of both APIs
// publish, in both languages.
func TestQIWINetworksMatchTheDocs(t *testing.T) {
	cidr := regexp.MustCompile(`\b\d{1,3}(?:\.\d{1,3}){3}/\d{1,2}\b`)
	published := map[netip.Prefix]bool{}
	for _, page := range []string{"payments/_notifications_en.html.md", "payments-ru/_notifications_ru.html.md", "bill-payments/_notification_en.html.md"} {
		data, err := os.ReadFile(filepath.Join(docsDir(t), page))
		require.NoError(t, err)
		found := cidr.FindAllString(string(data), -1)
		require.NotEmpty(t, found, "%s lists no ranges", page)
		for _, s := range found {
			p, err := netip.ParsePrefix(s)
			require.NoError(t, err, "%s: %s", page, s)
			published[p] = true
		}
	}
	ours := map[netip.Prefix]bool{}
	for _, p := range webhook.QIWINetworks() {
		ours[p] = true
	}
	assert.Equal(t, published, ours)
}

func TestTestCardsMatchTheDocs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(docsDir(t), "payments", "_intro_en.html.md"))
	require.NoError(t, err)
	want := regexp.MustCompile("`([0-9]{16})`").FindAllStringSubmatch(string(doc), -1)
	var documented []string
	for _, m := range want {
		documented = append(documented, m[1])
	}
	var ours []string
	for _, cards := range testmode.TestCards() {
		ours = append(ours, cards...)
	}
	assert.ElementsMatch(t, documented, ours)
	for _, c := range append(ours, testmode.TestCardMir, testmode.TestCardVisa, testmode.TestCardMastercard, testmode.TestCardUnionPay) {
		assert.True(t, luhn(c), "%s fails the Luhn check", c)
		assert.Contains(t, documented, c)
	}
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
