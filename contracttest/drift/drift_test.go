package drift_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v2/sarif"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/drift"
	"github.com/qiwigen/qiwigen/contracttest/internal/sarifschema"
	"github.com/qiwigen/qiwigen/overlays"
)

func testSpec(t testing.TB) *drift.Spec {
	t.Helper()
	data, err := os.ReadFile("testdata/spec.yaml")
	require.NoError(t, err)
	s, err := drift.LoadSpec(data, nil)
	require.NoError(t, err)
	return s
}

const english = "payments/_api_en.html.md"

func page(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/current", name))
	require.NoError(t, err)
	return string(data)
}

func findings(s *drift.Spec, name, text string) []drift.Finding {
	inv := drift.Build("", []*docs.Page{docs.Parse(name, []byte(text))})
	return drift.Compare(inv, s)
}

func describe(fs []drift.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("\n  " + string(f.Kind) + ": " + f.Message)
	}
	return b.String()
}

// Each change to a page the spec agrees with gives exactly one finding, of the right kind,
// at the changed line.
func TestOneChangeOneFinding(t *testing.T) {
	s := testSpec(t)
	base := page(t, english)
	require.Empty(t, findings(s, english, base), "the unchanged page")

	cases := []struct {
		name, old, new string
		kind           drift.Kind
		line           string // the changed page's line the finding must point at
	}{
		{"added field", `"comment": "Order 1"`, `"comment": "Order 1", "tip": "5.00"`, drift.FieldMissing, "~~~json"},
		{"renamed path", `"payin/v1/sites/{siteId}/payments/{paymentId}",`, `"payin/v1/sites/{siteId}/payment/{paymentId}",`, drift.OperationPathChanged, "window.requestUI("},
		{"changed type", `"comment": "Order 1"`, `"comment": 1`, drift.FieldType, "~~~json"},
		{"name differs in case", `"callbackUrl"`, `"callbackURL"`, drift.FieldCase, "~~~json"},
		{"new enum value", "`DECLINED` | Declined\n", "`DECLINED` | Declined\n`REFUNDED` | Refunded\n", drift.EnumMissing, "`REFUNDED` | Refunded"},
		{"changed signature header", "in the `Signature` header", "in the `X-Api-Signature-SHA256` header", drift.SignatureHeader, "* `PAYMENT` type"},
		{"table field differs in case", "payment.paymentId | Payment", "payment.paymentID | Payment", drift.FieldCase, "payment.paymentID | Payment"},
		{"table field added", "payment.amount.value | Amount | Number(6.2) | Always\n", "payment.amount.value | Amount | Number(6.2) | Always\npayment.fee | Fee | Number(6.2) | Always\n", drift.FieldMissing, "payment.fee"},
		{"table type changed", "| String(200) |", "| Number(6.2) |", drift.FieldType, "payment.paymentId | Payment"},
		{"new sender range", "* 91.232.230.0/23\n", "* 91.232.230.0/23\n* 185.71.76.0/27\n", drift.SenderNetwork, "185.71.76.0/27"},
		{"required-ness changed", "comment | Comment | N", "comment | Comment | Y", drift.RequiredDiffers, "comment | Comment | Y"},
		{"required field made optional", "amount | Payment amount | Y", "amount | Payment amount | N", drift.RequiredDiffers, "amount | Payment amount | N"},
		{"signed member made conditional", "payment.paymentId | Payment identifier | String(200) | Always", "payment.paymentId | Payment identifier | String(200) | When paid", drift.RequiredDiffers, "When paid"},
		{"changed retry schedule", "3 attempts delayed 5 minutes", "3 attempts delayed 10 minutes", drift.RetrySchedule, "* 1 attempt delayed 5 seconds"},
		{"changed signed fields", "`payment.paymentId|payment.amount.value`", "`payment.amount.value|payment.paymentId`", drift.SignedFields, "* `PAYMENT` type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, 1, strings.Count(base, c.old), "the change must apply once")
			changed := strings.Replace(base, c.old, c.new, 1)
			got := findings(s, english, changed)
			var failing []drift.Finding
			for _, f := range got {
				if !f.Kind.Info() {
					failing = append(failing, f)
				}
			}
			require.Len(t, failing, 1, describe(got))
			f := failing[0]
			assert.Equal(t, c.kind, f.Kind, f.Message)
			lines := strings.Split(changed, "\n")
			require.Positive(t, f.Doc.Line)
			assert.Contains(t, lines[f.Doc.Line-1], c.line, "the finding's line")
			assert.Equal(t, english, f.Doc.File)
			assert.Regexp(t, `^QD[0-9A-F]{10}$`, f.ID)
		})
	}
}

// The same page in English and in Russian documents the same things.
func TestEnglishAndRussianGiveTheSameInventory(t *testing.T) {
	type op struct{ Method, Path string }
	type sig struct {
		Type, Header string
		Fields       []string
	}
	type inventory struct {
		Ops      []op
		Sections []op
		Fields   []string
		Enums    []string
		Sigs     []sig
		Table    []string
		Networks []string
		Required []string
		Retries  []string
	}
	summary := func(name string) inventory {
		inv := drift.Build("", []*docs.Page{docs.Parse(name, []byte(page(t, name)))})
		var out inventory
		for _, ep := range inv.Operations {
			out.Ops = append(out.Ops, op{ep.Method, ep.Path})
		}
		for _, so := range inv.Sections {
			out.Sections = append(out.Sections, op{so.Reference.Method, so.Reference.Path})
			for _, f := range append(so.Request, so.Response...) {
				out.Fields = append(out.Fields, f.Pointer+" "+f.Type)
			}
		}
		for _, ev := range inv.EnumValues {
			out.Enums = append(out.Enums, ev.Value)
		}
		for _, tf := range inv.TableFields {
			out.Table = append(out.Table, fmt.Sprintf("%s %s always=%v", tf.Name, tf.Type, tf.Always()))
		}
		for _, n := range inv.Networks {
			out.Networks = append(out.Networks, n.Prefix)
		}
		for _, sg := range inv.Signatures {
			out.Sigs = append(out.Sigs, sig{sg.Type, sg.Header, sg.Fields})
		}
		for _, r := range inv.Retries {
			out.Retries = append(out.Retries, fmt.Sprint(r.Delays))
		}
		for _, r := range inv.Requirements {
			out.Required = append(out.Required, fmt.Sprintf("%s %v %s#%d %v", r.Name, r.Required, r.Section, r.Table, r.Operations[0].Method))
		}
		return out
	}
	en, ru := summary(english), summary("payments-ru/_api_ru.html.md")
	assert.NotEmpty(t, en.Ops)
	assert.NotEmpty(t, en.Fields)
	assert.Len(t, en.Enums, 3)
	assert.Len(t, en.Sigs, 1)
	assert.Len(t, en.Table, 2)
	assert.Len(t, en.Networks, 2)
	assert.Equal(t, []string{"[5s 5m0s 5m0s 5m0s]"}, en.Retries)
	assert.Equal(t, en, ru)
}

// What no page mentions (a spec operation, a schema member) is information, not a failure: a
// partial folder leaves things out.
func TestInformationFindings(t *testing.T) {
	s := testSpec(t)
	text := page(t, english)
	withoutStatus := text[:strings.Index(text, "## Payment status")] + text[strings.Index(text, "## Operation statuses"):]
	withoutComment := strings.Replace(strings.Replace(text, ",\n  \"comment\": \"Order 1\"", "", 1), "comment | Comment | N\n", "", 1)
	for _, c := range []struct {
		page string
		kind drift.Kind
		spec string
	}{
		{withoutStatus, drift.OperationUnmentioned, "/paths/~1payin~1v1~1sites~1{siteId}~1payments~1{paymentId}/get"},
		{withoutComment, drift.FieldUnlisted, "/components/schemas/PaymentRequest/properties/comment"},
	} {
		require.NotEqual(t, text, c.page)
		got := findings(s, english, c.page)
		require.Len(t, got, 1, describe(got))
		assert.Equal(t, c.kind, got[0].Kind)
		assert.Equal(t, c.spec, got[0].Spec)
		assert.Empty(t, drift.Failing(got))
	}
}

// A section whose example sends another method than it declares, or another path, is a
// conflict inside the docs.
func TestConflictsInsideThePage(t *testing.T) {
	s := testSpec(t)
	text := page(t, english)
	withExample := strings.Replace(text, "<!-- 200 -->", "~~~http\nGET /partner/payin/v1/sites/site-01/payments/p-1 HTTP/1.1\n~~~\n\n~~~http\nPUT /partner/payin/v1/sites/site-01/paymants/p-1 HTTP/1.1\n~~~\n\n<!-- 200 -->", 1)
	got := findings(s, english, withExample)
	kinds := map[drift.Kind]int{}
	for _, f := range got {
		kinds[f.Kind]++
	}
	assert.Equal(t, 1, kinds[drift.DocMethodConflict], describe(got))
	assert.Equal(t, 1, kinds[drift.DocPathConflict], describe(got))
	assert.Equal(t, 1, kinds[drift.OperationMissing], describe(got)) // the misspelt path is no operation either
}

// The baseline accepts findings by ID, reports entries that match nothing, and refuses an
// entry without its reason, naming it.
func TestBaseline(t *testing.T) {
	s := testSpec(t)
	got := drift.Failing(findings(s, english, strings.Replace(page(t, english), `"callbackUrl"`, `"callbackURL"`, 1)))
	require.Len(t, got, 1)
	b := drift.NewBaseline(got, nil, func(drift.Finding) string { return "" })
	require.Len(t, b.Findings, 1)
	assert.Equal(t, drift.Unreviewed, b.Findings[0].Reason)
	b.Findings[0].Reason = "QIWI's example spells it so"
	b.Findings = append(b.Findings, drift.Accepted{ID: "QD0000000000", Kind: drift.FieldMissing, Reason: "gone"})
	var buf bytes.Buffer
	require.NoError(t, b.Write(&buf))
	read, err := drift.ParseBaseline("b.json", buf.Bytes())
	require.NoError(t, err)
	stale := read.Apply(got)
	assert.Equal(t, "QIWI's example spells it so", got[0].Accepted)
	assert.Empty(t, drift.Failing(got))
	require.Len(t, stale, 1)
	assert.Equal(t, "QD0000000000", stale[0].ID)

	for _, bad := range []struct{ text, want string }{
		{`{"findings": [{"id": "QD1", "kind": "field-case", "subject": "x"}]}`, "b.json: /findings/0/reason"},
		{"{\"findings\": [\n  {\"id\": \"QD1\",\n  \"reason\": 5}]}", "b.json:3"},
		{"{\"findings\": [\n  {\"id\": \"QD1\",,}]}", "b.json:2"},
		{`{"findings": [], "extra": 1}`, "b.json"},
		{`{"findings": [{"id": "QD1", "reason": "a"}, {"id": "QD1", "reason": "b"}]}`, "b.json: /findings/1/id"},
	} {
		_, err := drift.ParseBaseline("b.json", []byte(bad.text))
		require.Error(t, err, bad.text)
		assert.ErrorIs(t, err, drift.ErrBaseline)
		assert.Contains(t, err.Error(), bad.want)
	}
}

// Content after the baseline's object is an error naming its line; it used to be dropped
// unread.
func TestBaselineRefusesContentAfterTheObject(t *testing.T) {
	_, err := drift.ParseBaseline("b.json", []byte("{\"findings\": []}\n\n  stray\n"))
	require.ErrorIs(t, err, drift.ErrBaseline)
	assert.ErrorContains(t, err, "b.json:3: ")
	assert.ErrorContains(t, err, "content after the object")
}

// A finding's message with a carriage return (a page saved with CRLF line ends) or a
// backslash before a pipe stays one row of the Markdown table; it used to break the row.
func TestMarkdownFindingStaysOneRow(t *testing.T) {
	r := &drift.Report{Pages: []string{"p.md"}, Findings: []drift.Finding{{ID: "QD1", Kind: drift.FieldMissing,
		Message: "the page's example\r\nsends `a\\|b`", Doc: docs.Position{File: "p.md", Line: 3}, Spec: "/x"}},
		Stale: []drift.Accepted{{ID: "QD2", Kind: drift.FieldMissing, Subject: "s\rt|u", Reason: "r"}}}
	var md bytes.Buffer
	require.NoError(t, r.WriteMarkdown(&md))
	assert.NotContains(t, md.String(), "\r")
	assert.Contains(t, md.String(), "\n| QD1 | NEW | 3 | the page's example\\x0d\\x0asends `a\\\\\\|b` | spec /x |\n")
	assert.Contains(t, md.String(), "\n- QD2 (field-missing s\\x0dt\\|u)\n")
}

// A stale baseline entry's ID and kind come from the baseline file, and a page's name from
// the docs folder: a newline in one of them cannot start a line of its own in the Markdown
// (a heading or a list item of a pull-request comment).
func TestMarkdownEscapesBaselineAndPageNames(t *testing.T) {
	r := &drift.Report{Pages: []string{"p\n## injected.md"}, Findings: []drift.Finding{{ID: "QD1", Kind: drift.FieldMissing,
		Message: "m", Doc: docs.Position{File: "p\n## injected.md", Line: 3}, Spec: "/x"}},
		Stale: []drift.Accepted{{ID: "QD2\n## injected", Kind: drift.Kind("k\n- item"), Subject: "s", Reason: "r"}}}
	var md bytes.Buffer
	require.NoError(t, r.WriteMarkdown(&md))
	assert.NotContains(t, md.String(), "\n## injected")
	assert.NotContains(t, md.String(), "\n- item")
	assert.Contains(t, md.String(), "\n- QD2\\x0a## injected (k\\x0a- item s)\n")
	assert.Contains(t, md.String(), "\n### `p\\x0a## injected.md` — ")
}

// A page the reader cannot read whole is an error naming the file and line.
func TestBrokenPages(t *testing.T) {
	for name, text := range map[string]string{
		"unclosed": "# T\n\n~~~json\n{\"a\": 1}\n",
		"not utf8": "# T\n\nbad \xff byte\n",
	} {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "p.md"), []byte(text), 0o644))
		_, err := drift.Read(dir)
		require.Error(t, err, name)
		assert.ErrorIs(t, err, drift.ErrPage)
		assert.Contains(t, err.Error(), filepath.Join(dir, "p.md")+":3", name)
	}
	_, err := drift.Read(t.TempDir())
	assert.ErrorIs(t, err, drift.ErrPage, "a folder without pages")
	_, err = drift.Read(filepath.Join(t.TempDir(), "missing"))
	assert.Error(t, err)
}

// A spec that does not parse, or whose extensions are ill-typed, is an error.
func TestBadSpec(t *testing.T) {
	_, err := drift.LoadSpec([]byte("openapi: [3"), nil)
	assert.ErrorContains(t, err, "spec:")
	_, err = drift.LoadSpec([]byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents: {}\nx-qiwi-doc-defects: 5\n"), nil)
	assert.ErrorContains(t, err, "x-qiwi-doc-defects")
}

// Every rendering carries every finding; SARIF parses back with one result per finding and
// accepted findings suppressed.
func TestRenderings(t *testing.T) {
	s := testSpec(t)
	text := strings.Replace(page(t, english), `"callbackUrl"`, `"callbackURL"`, 1)
	text = strings.Replace(text, "`DECLINED` | Declined\n", "`DECLINED` | Declined\n`REFUNDED` | Refunded\n", 1)
	got := drift.Failing(findings(s, english, text))
	require.Len(t, got, 2)
	got[0].Accepted = "known"
	r := &drift.Report{Pages: []string{english}, Findings: got}
	assert.Equal(t, 1, r.Failing())

	var txt, md, js, sr bytes.Buffer
	require.NoError(t, r.WriteText(&txt))
	require.NoError(t, r.WriteMarkdown(&md))
	require.NoError(t, r.WriteJSON(&js))
	require.NoError(t, r.WriteSARIF(&sr, "spec.yaml"))
	for _, f := range got {
		for name, out := range map[string]string{"text": txt.String(), "markdown": md.String(), "json": js.String(), "sarif": sr.String()} {
			assert.Contains(t, out, f.ID, name)
		}
	}
	assert.Contains(t, txt.String(), "payments/_api_en.html.md — field-case")
	assert.Contains(t, txt.String(), "field-case: 1 (1 accepted)\n")
	assert.Contains(t, txt.String(), "enum-missing: 1 (0 accepted)\n")
	assert.True(t, strings.HasSuffix(txt.String(), "2 findings, 1 new\n"), txt.String())

	var back drift.Report
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	assert.Equal(t, r.Findings, back.Findings)

	require.NoError(t, sarifschema.Validate(sr.Bytes()), "SARIF 2.1.0, an accepted finding's suppression included")
	rep, err := sarif.FromBytes(sr.Bytes())
	require.NoError(t, err)
	require.Len(t, rep.Runs, 1)
	require.Len(t, rep.Runs[0].Results, 2)
	suppressed := 0
	for _, res := range rep.Runs[0].Results {
		suppressed += len(res.Suppressions)
		require.Len(t, res.Locations, 1)
		assert.Equal(t, english, *res.Locations[0].PhysicalLocation.ArtifactLocation.URI)
	}
	assert.Equal(t, 1, suppressed)
}

// IDs depend on what disagrees, not on where: moving the page's lines keeps them.
func TestIDsSurviveLineMoves(t *testing.T) {
	s := testSpec(t)
	text := strings.Replace(page(t, english), `"callbackUrl"`, `"callbackURL"`, 1)
	a := drift.Failing(findings(s, english, text))
	b := drift.Failing(findings(s, english, "\n\nAn introduction added above.\n\n"+text))
	require.Len(t, a, 1)
	require.Len(t, b, 1)
	assert.Equal(t, a[0].ID, b[0].ID)
	assert.Equal(t, a[0].Doc.Line+4, b[0].Doc.Line)
}

func FuzzInventory(f *testing.F) {
	s := testSpec(f)
	for _, name := range []string{english, "payments-ru/_api_ru.html.md"} {
		f.Add([]byte(page(f, name)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := docs.Parse("fuzz.md", data)
		if drift.Check(p) != nil {
			return
		}
		for _, finding := range drift.Compare(drift.Build("", []*docs.Page{p}), s) {
			if finding.ID == "" || finding.Kind == "" {
				t.Fatalf("finding without ID or kind: %+v", finding)
			}
		}
	})
}

// A member of an operation's examples that the spec's x-qiwi-doc-defects records (the Bill
// Payments refund timestamp: the pages write "datetime", bill-payments/bill-payments_en.html.md
// lines 873 and 987, every official SDK reads "dateTime", bill-payments-java-sdk
// model/out/RefundResponse.java @9daeb534) is reported as a known doc defect, and the
// baseline takes the spec's reason for it.
func TestMemberDocDefectIsReported(t *testing.T) {
	data, err := os.ReadFile("testdata/spec.yaml")
	require.NoError(t, err)
	withDefect := string(data) + `x-qiwi-doc-defects:
  - method: PUT
    path: /payin/v1/sites/{siteId}/payments/{paymentId}
    operation: createPayment
    in: response
    member: /paymentId
    reason: the pages spell it so, the SDKs otherwise
`
	s, err := drift.LoadSpec([]byte(withDefect), nil)
	require.NoError(t, err)
	got := findings(s, english, page(t, english))
	var found *drift.Finding
	for i, f := range got {
		if f.Subject == "createPayment response /paymentId" {
			found = &got[i]
		}
	}
	require.NotNil(t, found, describe(got))
	assert.Equal(t, drift.FieldCase, found.Kind)
	assert.Contains(t, found.Message, "a doc defect the spec records")
	assert.Equal(t, "spec x-qiwi-doc-defects: the pages spell it so, the SDKs otherwise", s.SpecReason(*found))
	b := drift.NewBaseline(got, nil, s.SpecReason)
	for _, a := range b.Findings {
		if a.ID == found.ID {
			assert.Contains(t, a.Reason, "the pages spell it so")
		}
	}
	// Without the entry the page agrees with the spec.
	assert.Empty(t, findings(testSpec(t), english, page(t, english)))
}

// A conflict the spec records (x-qiwi-doc-defects with a pointer and both sources; issue 20:
// "record the conflict ... and make drift report it") is reported, information only, at the
// first page and line its sources cite among the pages read; a folder without that page
// leaves it out.
func TestRecordedConflictIsReported(t *testing.T) {
	data, err := os.ReadFile("testdata/spec.yaml")
	require.NoError(t, err)
	withConflict := string(data) + `x-qiwi-doc-defects:
  - pointer: /components/schemas/Payment
    sources:
      - 'website/other.txt line 3 says one thing'
      - 'payments/_api_en.html.md line 42 says another; an SDK a third'
    reason: the spec follows the SDK
`
	s, err := drift.LoadSpec([]byte(withConflict), nil)
	require.NoError(t, err)
	got := findings(s, english, page(t, english))
	var conflicts []drift.Finding
	for _, f := range got {
		if f.Kind == drift.DocConflict {
			conflicts = append(conflicts, f)
		}
	}
	require.Len(t, conflicts, 1, describe(got))
	c := conflicts[0]
	assert.True(t, c.Kind.Info())
	assert.Equal(t, english, c.Doc.File)
	assert.Equal(t, 42, c.Doc.Line)
	assert.Equal(t, "/components/schemas/Payment", c.Spec)
	assert.Contains(t, c.Message, "the spec follows the SDK")
	assert.Contains(t, c.Message, "website/other.txt line 3")

	// A page the conflict does not cite: nothing to report.
	assert.Empty(t, findings(s, "payments-ru/_api_ru.html.md", page(t, "payments-ru/_api_ru.html.md")))
}

// settlementSpec is testdata/spec.yaml with a notification type and an operation the drift
// code names nowhere: SETTLEMENT, declared as the spec declares the others, and getSettlement.
func settlementSpec(t testing.TB) *drift.Spec {
	t.Helper()
	data, err := os.ReadFile("testdata/spec.yaml")
	require.NoError(t, err)
	text := strings.Replace(string(data), "x-qiwi-notification-retries:", `  /payin/v1/sites/{siteId}/settlements/{settlementId}:
    parameters:
      - {name: siteId, in: path, required: true, schema: {type: string}}
      - {name: settlementId, in: path, required: true, schema: {type: string}}
    get:
      operationId: getSettlement
      responses:
        "200":
          description: the settlement
          content:
            application/json:
              schema: {$ref: "#/components/schemas/SettlementNotification"}
x-webhooks:
  SETTLEMENT:
    post:
      x-qiwi-notification: {type: SETTLEMENT, signatureHeader: Signature, signedFields: [/settlement/settlementId, /settlement/amount/value]}
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/SettlementNotification"}
      responses: {"200": {description: ok}}
x-qiwi-notification-retries:`, 1)
	text += `    SettlementNotification:
      type: object
      required: [settlement]
      properties:
        settlement:
          type: object
          properties:
            settlementId: {type: string}
            amount: {$ref: "#/components/schemas/Amount"}
`
	s, err := drift.LoadSpec([]byte(text), nil)
	require.NoError(t, err)
	return s
}

// settlementSection documents the extra type and operation as the pages document the others.
const settlementSection = "\n## Settlements {#settlements}\n\n~~~http\nGET /partner/payin/v1/sites/site-01/settlements/s-1 HTTP/1.1\nHost: api.qiwi.com\n~~~\n\n" +
	"Notification field | Description | Type | When present\n-------|------|------|------\n" +
	"settlement.settlementId | Settlement identifier | String(200) | Always\nsettlement.amount.value | Amount | Number(6.2) | Always\n\n" +
	"* `SETTLEMENT` type: `settlement.settlementId|settlement.amount.value`\n"

// A notification type and an operation that only the spec names are read from a page and
// compared like the others: the drift code lists no type of its own.
func TestAnExtraTypeAndOperationAreCompared(t *testing.T) {
	s := settlementSpec(t)
	base := page(t, english) + settlementSection
	inv := drift.Build("", []*docs.Page{docs.Parse(english, []byte(base))})
	var types []string
	for _, sig := range inv.Signatures {
		types = append(types, sig.Type)
	}
	assert.Equal(t, []string{"PAYMENT", "SETTLEMENT"}, types)
	got := findings(s, english, base)
	require.Empty(t, drift.Failing(got), describe(got))
	for _, f := range got {
		assert.NotContains(t, f.Subject, "getSettlement", "the page mentions the operation")
	}

	for _, c := range []struct {
		name, old, new string
		kind           drift.Kind
		subject        string
	}{
		{"signed fields", "`settlement.settlementId|settlement.amount.value`", "`settlement.amount.value|settlement.settlementId`", drift.SignedFields, "SETTLEMENT fields"},
		{"a type the spec lacks", "`SETTLEMENT` type", "`CLEARING` type", drift.SignedFields, "CLEARING type"},
		{"table field", "settlement.settlementId | Settlement", "settlement.settlementID | Settlement", drift.FieldCase, "SettlementNotification table /settlement/settlementID"},
		{"table type", "| Settlement identifier | String(200) |", "| Settlement identifier | Number(6.2) |", drift.FieldType, "SettlementNotification table /settlement/settlementId"},
		{"operation path", "/settlements/s-1 HTTP", "/settlement/s-1 HTTP", drift.OperationPathChanged, "GET /payin/v1/sites/site-01/settlement/s-1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, 1, strings.Count(base, c.old), "the change must apply once")
			got := drift.Failing(findings(s, english, strings.Replace(base, c.old, c.new, 1)))
			require.Len(t, got, 1, describe(got))
			assert.Equal(t, c.kind, got[0].Kind, got[0].Message)
			assert.Equal(t, c.subject, got[0].Subject)
		})
	}
}

// A finding about an operation's schema names the first overlay, in the order the overlays
// apply, whose text quotes the operation's path, at that line.
func TestFindingNamesTheOverlayLine(t *testing.T) {
	data, err := os.ReadFile("testdata/spec.yaml")
	require.NoError(t, err)
	path := "'/payin/v1/sites/{siteId}/payments/{paymentId}'"
	s, err := drift.LoadSpec(data, []overlays.File{
		{Name: "overlays/00-common.yaml", Data: []byte("overlay: 1.0.0\nactions: []\n")},
		{Name: "overlays/10-payin.yaml", Data: []byte("overlay: 1.0.0\nactions:\n- target: $.paths[" + path + "]\n")},
		{Name: "overlays/20-later.yaml", Data: []byte("- target: $.paths[" + path + "]\n")},
	})
	require.NoError(t, err)
	base := page(t, english)
	changed := strings.Replace(base, `"comment": "Order 1"`, `"comment": "Order 1", "tip": "5.00"`, 1)
	got := findings(s, english, changed)
	require.Len(t, got, 1, describe(got))
	assert.Equal(t, drift.FieldMissing, got[0].Kind)
	assert.Equal(t, "overlays/10-payin.yaml:3", got[0].Overlay)
}
