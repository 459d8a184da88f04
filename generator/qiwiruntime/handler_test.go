package qiwiruntime

import (
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// QIWINetworks is exactly the union of the ranges the notification pages of both APIs
// publish, in both languages.
func TestQIWINetworksMatchTheDocs(t *testing.T) {
	cidr := regexp.MustCompile(`\b\d{1,3}(?:\.\d{1,3}){3}/\d{1,2}\b`)
	published := map[netip.Prefix]bool{}
	for _, page := range []string{"payments/_notifications_en.html.md", "payments-ru/_notifications_ru.html.md", "bill-payments/_notification_en.html.md"} {
		data, err := os.ReadFile(filepath.Join("../../../shared/docs/qiwi", page))
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
	for _, p := range QIWINetworks() {
		ours[p] = true
	}
	assert.Equal(t, published, ours)
}
