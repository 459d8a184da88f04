package docs

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseEndpoints(t *testing.T) {
	tests := []struct {
		name string
		page string
		want []Endpoint
	}{
		{
			name: "requestUI declaration sets the section's declared endpoint",
			page: "## Refund {#refund}\n\n<script>\n  window.requestUI(\n    data,\n    \"api\",\n    \"payin/v1/sites/{siteId}/payments/{paymentId}/refunds/{refundId}\",\n    \"put\",\n    ['RequestBody']\n  )\n</script>\n",
			want: []Endpoint{{Method: "PUT", Path: "/payin/v1/sites/{siteId}/payments/{paymentId}/refunds/{refundId}", Source: FromRequestUI, Pos: Position{File: "p.md", Line: 4, Anchor: "refund"}}},
		},
		{
			name: "HTTP request line in a block, /partner stripped",
			page: "~~~http\nGET /partner/payin/v1/sites/test-01/payments/1811 HTTP/1.1\nHost: b2b-api.qiwi.com\n~~~\n",
			want: []Endpoint{{Method: "GET", Path: "/payin/v1/sites/test-01/payments/1811", Source: FromHTTP, Pos: Position{File: "p.md", Line: 2}}},
		},
		{
			name: "HTTP request line to a merchant host is a notification, not an endpoint",
			page: "~~~http\nPOST /qiwi-notify.php HTTP/1.1\nHost: example.com\n~~~\n",
		},
		{
			name: "curl with -X on a continuation line",
			page: "~~~shell\ncurl https://api.qiwi.com/partner/bill/v1/bills/893794793973 \\\n-X PUT \\\n-H 'Accept: application/json'\n~~~\n",
			want: []Endpoint{{Method: "PUT", Path: "/bill/v1/bills/893794793973", Source: FromCurl, Pos: Position{File: "p.md", Line: 2},
				URL: "https://api.qiwi.com/partner/bill/v1/bills/893794793973", Header: http.Header{"Accept": {"application/json"}}}},
		},
		{
			name: "curl with a body over several lines",
			page: "~~~shell\ncurl https://api.qiwi.com/partner/bill/v1/bills/1/refunds/2 \\\n-X PUT \\\n-d '{\n  \"amount\": {\"value\": 1}\n}'\n~~~\n",
			want: []Endpoint{{Method: "PUT", Path: "/bill/v1/bills/1/refunds/2", Source: FromCurl, Pos: Position{File: "p.md", Line: 2},
				URL: "https://api.qiwi.com/partner/bill/v1/bills/1/refunds/2", Header: http.Header{}, Body: "{\n  \"amount\": {\"value\": 1}\n}"}},
		},
		{
			name: "curl without method or data is GET; payment-form hosts are ignored",
			page: "curl https://api.qiwi.com/partner/bill/v1/bills/1 \\\n-H 'Accept: application/json'\n\ncurl https://oplata.qiwi.com/create?publicKey=x\n",
			want: []Endpoint{{Method: "GET", Path: "/bill/v1/bills/1", Source: FromCurl, Pos: Position{File: "p.md", Line: 1},
				URL: "https://api.qiwi.com/partner/bill/v1/bills/1", Header: http.Header{"Accept": {"application/json"}}}},
		},
		{
			name: "URL heading takes the method of the preceding request heading",
			page: "<h3 class=\"request method\">Request → POST</h3>\n<li><h3>URL <span>https://api.qiwi.com/partner/bill/v1/bills/{billId}/reject</span></h3>\n",
			want: []Endpoint{{Method: "POST", Path: "/bill/v1/bills/{billId}/reject", Source: FromURLHeader, Pos: Position{File: "p.md", Line: 2},
				URL: "https://api.qiwi.com/partner/bill/v1/bills/{billId}/reject"}},
		},
		{
			name: "prose",
			page: "To end it, send a DELETE request to the URL https://api.qiwi.com/partner/payin/v1/sites/{siteId}/tokens. In the URL...\n",
			want: []Endpoint{{Method: "DELETE", Path: "/payin/v1/sites/{siteId}/tokens", Source: FromProse, Pos: Position{File: "p.md", Line: 1},
				URL: "https://api.qiwi.com/partner/payin/v1/sites/{siteId}/tokens"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Parse("p.md", []byte(tt.page))
			assert.Equal(t, tt.want, p.Endpoints)
		})
	}
}

func TestParseBlocksAndSections(t *testing.T) {
	page := "# Top {#top}\n\n## Invoice {#invoice_put}\n\n<!-- 200 -->\n~~~json\n{\"a\": 1}\n~~~\n\n<!-- 4xx -->\n~~~json\n{}\n~~~\n"
	p := Parse("p.md", []byte(page))
	require.Len(t, p.Sections, 2)
	assert.Equal(t, "Invoice", p.Sections[1].Title)
	assert.Equal(t, "invoice_put", p.Sections[1].Pos.Anchor)
	require.Len(t, p.Blocks, 2)
	assert.Equal(t, CodeBlock{Lang: "json", Marker: "200", Text: "{\"a\": 1}", Pos: Position{File: "p.md", Line: 6, Anchor: "invoice_put"}, Section: 1}, p.Blocks[0])
	assert.Equal(t, "4xx", p.Blocks[1].Marker)
}

func TestMatchTemplate(t *testing.T) {
	tests := []struct {
		template, path string
		want           bool
	}{
		{"/payin/v1/sites/{siteId}/bills/{billId}", "/payin/v1/sites/test-01/bills/1", true},
		{"/payin/v1/sites/{siteId}/bills/{billId}", "/payin/v1/sites/{siteId}/bills/{billId}", true},
		{"/payin/v1/sites/{siteId}/bills/{billId}", "/payin/v1/sites/test-01/bills/1/details", false},
		{"/payin/v1/sites/{siteId}/bills/{billId}/details", "/payin/v1/sites/s/bills/1/payments", false},
		{"/payin/v1/sites/{siteId}/bills/{billId}/details", "/payin/v1/sites/s/bills/1", false},
		{"/payin/v1/sites/{siteId}", "/payin/v1/sites/s/", true},
		{"/payin/v1/sites/{siteId}", "/payin/v1/sites//", false},
		{"/payin/v1/{siteId}/bills", "/payin/v1/bills", false},
		{"/", "/", true},
		{"/a", "/", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, MatchTemplate(tt.template, tt.path), "%s ~ %s", tt.template, tt.path)
	}
}

func TestParseVendorDocs(t *testing.T) {
	dir, err := Locate()
	require.NoError(t, err)
	pages, err := ParseDir(dir)
	require.NoError(t, err)
	require.NotEmpty(t, pages)
	var declared, blocks int
	for _, p := range pages {
		for _, s := range p.Sections {
			if s.Declared != nil {
				declared++
			}
		}
		blocks += len(p.Blocks)
	}
	// The English reference alone declares 22 sections; the corpus holds hundreds of blocks.
	assert.Greater(t, declared, 40)
	assert.Greater(t, blocks, 200)
}

func TestParseTables(t *testing.T) {
	page := "## Statuses {#statuses}\n\nStatus|Description|Final\n------|--------|---------\nWAITING | Invoice issued| -\n----|----|----\nPAID|Invoice paid|+\n\ntext\n"
	p := Parse("p.md", []byte(page))
	require.Len(t, p.Tables, 1)
	tb := p.Tables[0]
	assert.Equal(t, []string{"Status", "Description", "Final"}, tb.Header)
	assert.Equal(t, [][]string{{"WAITING", "Invoice issued", "-"}, {"PAID", "Invoice paid", "+"}}, tb.Rows)
	assert.Equal(t, 7, tb.RowPos[1].Line)
	assert.Equal(t, "statuses", tb.Pos.Anchor)
	assert.Equal(t, 2, tb.Column("final"))
}

// A heading that is only a link (bill-payments/_bill-payments-api_en.html.md puts
// "###### [Edit on Github](...)" under each heading) is no section: the table after it
// belongs to the heading before it.
func TestLinkOnlyHeadingIsNoSection(t *testing.T) {
	page := "## Error Codes {#err-codes}\n\n###### [Edit on Github](https://example.org/x.md)\n\nCode| Description\n---|----------\nerror.code.default|Error\n"
	p := Parse("p.md", []byte(page))
	require.Len(t, p.Tables, 1)
	require.Len(t, p.Sections, 1)
	assert.Equal(t, "Error Codes", p.Sections[p.Tables[0].Section].Title)
}

func TestVendorParameterTables(t *testing.T) {
	dir, err := Locate()
	require.NoError(t, err)
	p, err := ParseFile(filepath.Join(dir, "payments", "_notifications_en.html.md.erb"))
	require.NoError(t, err)
	found := false
	for _, tb := range p.Tables {
		col := tb.Column("Notification field")
		if col < 0 {
			continue
		}
		for _, row := range tb.Rows {
			if len(row) > col && row[col] == "payment.amount.value" {
				found = true
			}
		}
	}
	assert.True(t, found, "the PAYMENT field table lists payment.amount.value")
}
