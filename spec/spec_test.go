package spec_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/drift"
	"github.com/qiwigen/qiwigen/spec"
	"github.com/qiwigen/qiwigen/spec/ext"
	"github.com/qiwigen/qiwigen/spec/notification"
	"github.com/qiwigen/qiwigen/spec/spectest"
)

// docsDir is the folder of QIWI's pages, set by TestMain from docs.Locate.
var docsDir string

func TestMain(m *testing.M) {
	dir, err := docs.Locate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "spec:", err)
		os.Exit(1)
	}
	docsDir = dir
	os.Exit(m.Run())
}

func load(t *testing.T, path string) (*openapi3.T, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(data)
	require.NoError(t, err)
	return doc, data
}

func TestBundledSpecIsTheFile(t *testing.T) {
	data, err := os.ReadFile("qiwi.yaml")
	require.NoError(t, err)
	assert.Equal(t, data, spec.QIWI)
}

func TestResolvedSpecValidates(t *testing.T) {
	doc, data := load(t, "qiwi.resolved.yaml")
	require.NoError(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()))
	assert.Equal(t, "3.0.3", doc.OpenAPI)
	for _, placeholder := range []string{"GenericRequest", "GenericResponse"} {
		assert.NotContains(t, string(data), placeholder, "the resolved spec still names a placeholder")
	}
}

// The base says what upstream publishes: every body is still a placeholder there.
func TestBaseSpecKeepsPlaceholders(t *testing.T) {
	doc, _ := load(t, "qiwi.yaml")
	require.NoError(t, doc.Validate(context.Background()), "the base is a valid document on its own")
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil {
				ref := op.RequestBody.Value.Content.Get("application/json").Schema.Ref
				assert.Equal(t, "#/components/schemas/GenericRequest", ref, "%s %s request", method, path)
			}
			for code, resp := range op.Responses.Map() {
				if resp.Ref != "" || resp.Value.Content == nil {
					continue
				}
				ref := resp.Value.Content.Get("application/json").Schema.Ref
				assert.Equal(t, "#/components/schemas/GenericResponse", ref, "%s %s %s", method, path, code)
			}
		}
	}
}

type specOp struct {
	method, path, id string
	docMethods       []string // other methods the docs show for it (x-qiwi-doc-methods)
	undocumented     bool
}

func operations(doc *openapi3.T) []specOp {
	var ops []specOp
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			o := specOp{method: method, path: path, id: op.OperationID}
			o.docMethods, _ = ext.DocMethodsOf(op) // ext.Check, in TestExtensionsAreWellFormed, refuses an ill-typed one
			_, o.undocumented, _ = ext.UndocumentedOf(op)
			ops = append(ops, o)
		}
	}
	return ops
}

type defect struct{ method, path, reason string }

func defects(t *testing.T, doc *openapi3.T) []defect {
	list, err := ext.DocDefectsOf(doc)
	require.NoError(t, err)
	require.NotEmpty(t, list, "x-qiwi-doc-defects missing")
	out := make([]defect, 0, len(list))
	for _, d := range list {
		if d.Member != "" || d.Pointer != "" {
			continue // a member of an operation's examples, or a conflict about a spec node: not a (method, path) the spec leaves out
		}
		out = append(out, defect{d.Method, d.Path, d.Reason})
	}
	return out
}

// Every extension of ours is known and well-typed, in the base and the resolved spec.
func TestExtensionsAreWellFormed(t *testing.T) {
	for _, file := range []string{"qiwi.yaml", "qiwi.resolved.yaml"} {
		doc, _ := load(t, file)
		assert.NoError(t, ext.Check(doc), file)
	}
}

// Every (method, path) the vendor docs mention must be an operation of the spec, or a doc
// defect the spec lists with its reason.
func TestEveryDocumentedOperationIsInSpec(t *testing.T) {
	doc, _ := load(t, "qiwi.resolved.yaml")
	ops := operations(doc)
	known := defects(t, doc)
	pages, err := docs.ParseDir(docsDir)
	require.NoError(t, err)

	usedDefects := map[int]bool{}
	covered := map[string]bool{}
	var missing []string
	count := 0
	for _, p := range pages {
		for _, ep := range p.Endpoints {
			count++
			found := false
			for _, op := range ops {
				if !docs.MatchTemplate(op.path, ep.Path) {
					continue
				}
				if strings.EqualFold(op.method, ep.Method) || contains(op.docMethods, ep.Method) {
					found = true
					covered[op.id] = true
				}
			}
			if found {
				continue
			}
			for i, d := range known {
				if d.method == ep.Method && docs.MatchTemplate(d.path, ep.Path) {
					found, usedDefects[i] = true, true
				}
			}
			if !found {
				missing = append(missing, fmt.Sprintf("%s %s (%s, %s)", ep.Method, ep.Path, ep.Source, ep.Pos))
			}
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "documented operations missing from the spec")
	assert.Greater(t, count, 100, "the docs parser found too few endpoints")
	for i, d := range known {
		assert.True(t, usedDefects[i], "doc defect %s %s matches nothing in the docs any more: drop it", d.method, d.path)
	}

	// And the other way: every operation the spec presents as documented has a doc example.
	for _, op := range ops {
		if op.undocumented {
			assert.False(t, covered[op.id], "%s is marked undocumented but the docs describe it", op.id)
			continue
		}
		assert.True(t, covered[op.id], "%s (%s %s) is in the spec but no doc mentions it", op.id, op.method, op.path)
	}
}

// Overlays must describe every field and name every schema's source.
func TestEverySchemaAndFieldIsDescribed(t *testing.T) {
	doc, _ := load(t, "qiwi.resolved.yaml")
	for name, s := range doc.Components.Schemas {
		assert.NotEmpty(t, s.Value.Description, "schema %s has no description", name)
		for prop, ps := range s.Value.Properties {
			if ps.Ref != "" {
				continue // described by the referenced schema
			}
			assert.NotEmpty(t, ps.Value.Description, "%s.%s has no description", name, prop)
		}
	}
}

// Every notification the docs document has a model and a signature description.
func TestNotificationsAreDescribed(t *testing.T) {
	doc, _ := load(t, "qiwi.resolved.yaml")
	decls, err := notification.Collect(doc)
	require.NoError(t, err)
	_, inv := driftFindings(t)
	assert.Empty(t, undescribed(decls, inv))
}

// undescribed lists the notifications whose declaration is incomplete (no signed fields, a
// body that is not a ...Notification component) and the types the pages sign that no
// declaration describes.
func undescribed(decls []notification.Declaration, inv *drift.Inventory) []string {
	var out []string
	declared := map[string]bool{}
	for _, d := range decls {
		if len(d.SignedFields) == 0 {
			out = append(out, d.Type+": no signed fields")
		}
		if !strings.HasSuffix(d.Component, "Notification") {
			out = append(out, fmt.Sprintf("%s: body is %q", d.Type, d.Component))
		}
		declared[d.Type] = true
	}
	for _, sig := range inv.Signatures {
		if !declared[sig.Type] {
			out = append(out, fmt.Sprintf("%s: %s is not described", sig.Pos, sig.Type))
		}
	}
	return out
}

// unsigned lists the declared notification types whose signed fields no page states.
func unsigned(decls []notification.Declaration, inv *drift.Inventory) []string {
	seen := map[string]bool{}
	for _, sig := range inv.Signatures {
		seen[sig.Type] = true
	}
	var out []string
	for _, d := range decls {
		if !seen[d.Type] {
			out = append(out, d.Type)
		}
	}
	return out
}

// The notification checks take their types from the spec and the pages: a type only a test
// spec declares is asked about, and a page signing it satisfies them.
func TestNotificationChecksFollowTheSpec(t *testing.T) {
	data, err := spectest.WithSettlement()
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(data)
	require.NoError(t, err)
	decls, err := notification.Collect(doc)
	require.NoError(t, err)
	_, inv := driftFindings(t)
	assert.Equal(t, []string{spectest.SettlementType}, unsigned(decls, inv), "the docs do not sign SETTLEMENT")
	assert.Empty(t, undescribed(decls, inv))

	page := "## Settlements {#settlements}\n\n* `SETTLEMENT` type: `settlement.settlementId|settlement.amount.value`\n* `CLEARING` type: `clearing.clearingId`\n"
	inv = drift.Build("", []*docs.Page{docs.Parse("s.md", []byte(page))})
	var others []string
	for _, d := range decls {
		if d.Type != spectest.SettlementType {
			others = append(others, d.Type)
		}
	}
	assert.Equal(t, others, unsigned(decls, inv), "the page signs SETTLEMENT, not the others")
	assert.Equal(t, []string{"s.md:4: CLEARING is not described"}, undescribed(decls, inv))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Every field the notification tables of the docs list is a property of the notification's
// model, with a type the model allows (drift's table comparison). A table that spells a member
// differently from the examples (changedDatetime against changedDateTime) is a doc defect the
// drift baseline accepts with its reason.
func TestNotificationTablesAreModelled(t *testing.T) {
	findings, inv := driftFindings(t)
	assert.Greater(t, len(inv.TableFields), 150, "the docs parser found the notification tables")
	for _, f := range findings {
		if strings.Contains(f.Subject, " table ") && f.Accepted == "" {
			t.Errorf("%s: %s", f.Doc, f.Message)
		}
	}
}

// driftFindings compares the docs folder with the resolved spec, the committed drift baseline
// applied.
func driftFindings(t *testing.T) ([]drift.Finding, *drift.Inventory) {
	t.Helper()
	s, err := drift.LoadSpec(spec.Resolved, nil)
	require.NoError(t, err)
	inv, err := drift.Read(docsDir)
	require.NoError(t, err)
	baseline, err := drift.ParseBaseline(spec.DriftBaselineName, spec.DriftBaseline)
	require.NoError(t, err)
	findings := drift.Compare(inv, s)
	baseline.Apply(findings)
	return findings, inv
}

// enumTable says where the docs list the values of one enum: the page, the section and the
// column (by header, in English or Russian).
type enumTable struct {
	file, section string
	columns       []string
	schema        string // the component schema whose x-extensible-enum lists the values
	// trimPrefix is a prefix the table writes before each value and the wire does not.
	trimPrefix string
	// byType: the table pairs an operation type with a status, and its header names the two
	// columns the other way round in one page (a doc defect); the status is the cell that is
	// not an operation type.
	byType bool
}

var enumTables = []enumTable{
	{file: "payments/_statuses_en", section: "API responses", schema: "StatusValue", byType: true},
	{file: "payments/_statuses_en", section: "Notifications", schema: "StatusValue", byType: true},
	{file: "payments-ru/_statuses_ru", section: "Ответы API", schema: "StatusValue", byType: true},
	{file: "payments-ru/_statuses_ru", section: "Уведомления", schema: "StatusValue", byType: true},
	{file: "payments/_statuses_en", section: "API errors reference", columns: []string{"API error"}, schema: "ReasonCode"},
	{file: "payments-ru/_statuses_ru", section: "Справочник ошибок API", columns: []string{"Ошибка API"}, schema: "ReasonCode"},
	{file: "payments/_statuses_en", section: "Error detail codes", columns: []string{"Code"}, schema: "PsErrorCode"},
	{file: "payments-ru/_statuses_ru", section: "Справочник кодов детализации ошибки", columns: []string{"Код"}, schema: "PsErrorCode"},
	{file: "bill-payments/_bill-payments-api_en", section: "Error Codes", columns: []string{"Code"}, schema: "ErrorCode", trimPrefix: "error.code."},
	{file: "payments/_card-check_en", section: "Card verification statuses", columns: []string{"Status"}, schema: "CardVerificationStatus"},
	{file: "payments-ru/_card-check_ru", section: "Статусы проверки карты", columns: []string{"Статус"}, schema: "CardVerificationStatus"},
	{file: "bill-payments/bill-payments_en", section: "Invoice Payment Statuses", columns: []string{"Status"}, schema: "BillStatusValue"},
	{file: "bill-payments/bill-payments_ru", section: "Статусы оплаты счетов", columns: []string{"Статус"}, schema: "BillStatusValue"},
	{file: "bill-payments/bill-payments_en", section: "Refund Statuses", columns: []string{"Status"}, schema: "BillRefundStatus"},
	{file: "bill-payments/bill-payments_ru", section: "Статусы операции возврата", columns: []string{"Статус"}, schema: "BillRefundStatus"},
}

// Every value the docs' status and code tables list is a value of its enum in the spec.
func TestDocumentedEnumValuesAreListed(t *testing.T) {
	doc, _ := load(t, "qiwi.resolved.yaml")
	values := func(schema string) map[string]bool {
		s := doc.Components.Schemas[schema]
		require.NotNil(t, s, "schema %s", schema)
		list, ok, err := ext.EnumValues(s.Value)
		require.NoError(t, err)
		require.True(t, ok, "%s has no x-extensible-enum", schema)
		out := map[string]bool{}
		for _, v := range list {
			out[fmt.Sprint(v)] = true
		}
		return out
	}
	types := values("NotificationType")
	pages, err := docs.ParseDir(docsDir)
	require.NoError(t, err)
	found := map[int]int{}
	for _, p := range pages {
		for _, tb := range p.Tables {
			if tb.Section < 0 {
				continue
			}
			for k, et := range enumTables {
				if !strings.Contains(p.File, et.file) || strings.TrimSpace(p.Sections[tb.Section].Title) != et.section {
					continue
				}
				known := values(et.schema)
				col := tb.Column(et.columns...)
				for i, row := range tb.Rows {
					var value string
					switch {
					case et.byType && len(row) >= 2:
						value = clean(row[0])
						if types[value] {
							value = clean(row[1])
						}
					case !et.byType && col >= 0 && col < len(row):
						value = clean(row[col])
					}
					if value == "" {
						continue
					}
					value = strings.TrimPrefix(value, et.trimPrefix)
					found[k]++
					assert.True(t, known[value], "%s: %s is not a value of %s", tb.RowPos[i], value, et.schema)
				}
			}
		}
	}
	for k, et := range enumTables {
		assert.Positive(t, found[k], "the docs parser found no table %q in %s", et.section, et.file)
	}
}

// clean strips Markdown code marks and spaces from a table cell.
func clean(cell string) string {
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(cell), "`*"))
}

// The fields each notification's signature covers, and the header it travels in, are the ones
// the docs state (drift's signature comparison): the payin pages' "`PAYMENT` type:
// `payment.paymentId|...`" lines (English and Russian) and the Bill Payments page's
// "{amount.currency}|{amount.value}|..." template, whose fields sit under "bill".
func TestSignedFieldsFollowTheDocs(t *testing.T) {
	findings, inv := driftFindings(t)
	doc, _ := load(t, "qiwi.resolved.yaml")
	decls, err := notification.Collect(doc)
	require.NoError(t, err)
	assert.Empty(t, unsigned(decls, inv), "the docs' signed fields of these types were not found")
	for _, f := range findings {
		if (f.Kind == drift.SignedFields || f.Kind == drift.SignatureHeader) && f.Accepted == "" {
			t.Errorf("%s: %s", f.Doc, f.Message)
		}
	}
}
