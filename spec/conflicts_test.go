package spec_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/spec/ext"
)

// docConflicts are the conflicts of the docs the spec must record with the sources on each
// side (evidence brief 20, section 8): the payin and Bill Payments signature encodings
// (base64-looking placeholders, hex in every SDK test), the Bill Payments HMAC argument order,
// the cheque item price (Number in the tables, an object in the example), serviceName
// (invoicing-api and invoicing), the Bill create table's flat phone/email/account, and the
// website's tokenData for CHECK_CARD against the tables' createdToken.
var docConflicts = []string{
	"/components/parameters/NotificationSignature",
	"/components/parameters/BillNotificationSignature",
	"/x-webhooks/BILL/post/x-qiwi-notification",
	"/components/schemas/ChequePosition/properties/price",
	"/components/schemas/Error/properties/serviceName",
	"/components/schemas/CreateBillRequest/properties/customer",
	"/components/schemas/CheckCardNotificationData/properties/createdToken",
}

// docPage finds the doc pages a source names.
var docPage = regexp.MustCompile(`\b((?:payments|payments-ru|bill-payments|website)/[\w.-]+\.(?:md|erb|txt))\b`)

// Every conflict names a node of the resolved spec and the sources on both sides; the doc
// pages it cites exist.
func TestDocConflictsAreRecorded(t *testing.T) {
	doc, data := load(t, "qiwi.resolved.yaml")
	var tree any
	require.NoError(t, yaml.Unmarshal(data, &tree))
	list, err := ext.DocDefectsOf(doc)
	require.NoError(t, err)
	recorded := map[string]bool{}
	for _, d := range list {
		if d.Pointer == "" {
			continue
		}
		recorded[d.Pointer] = true
		assert.True(t, resolves(tree, d.Pointer), "conflict %s names no node of the resolved spec", d.Pointer)
		pages := 0
		for _, src := range d.Sources {
			for _, m := range docPage.FindAllStringSubmatch(src, -1) {
				pages++
				_, err := os.Stat(filepath.Join(docsDir, m[1]))
				assert.NoError(t, err, "conflict %s cites %s, which is no doc page", d.Pointer, m[1])
			}
		}
		assert.Positive(t, pages, "conflict %s cites no doc page", d.Pointer)
	}
	for _, p := range docConflicts {
		assert.True(t, recorded[p], "the conflict about %s is not in x-qiwi-doc-defects", p)
	}
}

// resolves reports whether a JSON pointer names a node of a YAML tree of mappings.
func resolves(tree any, ptr string) bool {
	for _, tok := range jsonpointer.Split(ptr) {
		m, ok := tree.(map[string]any)
		if !ok {
			return false
		}
		if tree, ok = m[tok]; !ok {
			return false
		}
	}
	return true
}

// A baseline reason that says the upstream crawl agrees with the spec's method must be true
// of the crawl: the card verification entries once said the crawl had PUT, when it lists
// POST /partner/payin/v1/sites/{siteId}/check-card (crawled-openapi.yaml lines 201-211;
// evidence brief 20, section 8(g)).
func TestBaselineReasonsAgreeWithTheCrawl(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(docsDir, "..", "..", "upstream", "crawled-openapi.yaml"))
	require.NoError(t, err, "the upstream crawl sits beside the docs in shared/upstream")
	var crawl struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal(data, &crawl))
	var baseline struct {
		Findings []struct{ ID, Subject, Reason string } `json:"findings"`
	}
	raw, err := os.ReadFile("drift-baseline.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &baseline))
	operation := regexp.MustCompile(`\((GET|PUT|POST|DELETE|PATCH) (/[^)]+)\)$`)
	claim := regexp.MustCompile(`(?i)and the upstream crawl says?\b`)
	checked := 0
	for _, f := range baseline.Findings {
		m := operation.FindStringSubmatch(f.Subject)
		if m == nil {
			continue
		}
		checked++
		if !claim.MatchString(f.Reason) {
			continue
		}
		_, has := crawl.Paths["/partner"+m[2]][strings.ToLower(m[1])]
		assert.True(t, has, "baseline %s says the crawl agrees, but it has no %s /partner%s", f.ID, m[1], m[2])
	}
	assert.Positive(t, checked)
	_, post := crawl.Paths["/partner/payin/v1/sites/{siteId}/check-card"]["post"]
	assert.True(t, post, "the crawl's card check is POST .../check-card")
}
