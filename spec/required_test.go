package spec_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/drift"
	"github.com/qiwigen/qiwigen/spec/ext"
)

// requiredTable says which schemas the field table(s) of a doc section describe: every
// table of the section (nth < 0) or its nth table.
type requiredTable struct {
	file, anchor string
	nth          int
	schemas      []string // a field belongs to the first schema that has it
}

// The places where the docs say which request and model fields are required: a "Req." or
// "Required" column, a "**Required**" or "**Обязательный параметр**" description, a
// "name<br>**required**" cell. The Russian models page defines each payout receiver variant
// in its own table.
var requiredTables = []requiredTable{
	{"payments/_54fz-data_en.html.md", "cheque-model", -1, []string{"Cheque", "ChequePosition"}},
	{"payments-ru/_54fz-data_ru.html.md", "cheque-model", -1, []string{"Cheque", "ChequePosition"}},
	{"payments-ru/_models_ru.html.md", "payout-receiver-data-request", 0, []string{"PayoutReceiverDataCardRequest"}},
	{"payments-ru/_models_ru.html.md", "payout-receiver-data-request", 1, []string{"PayoutReceiverDataSbpRequest"}},
	{"payments-ru/_models_ru.html.md", "payout-receiver-data-response", 0, []string{"PayoutReceiverDataCardResponse"}},
	{"payments-ru/_models_ru.html.md", "payout-receiver-data-response", 1, []string{"PayoutReceiverDataSbpResponse"}},
	{"payments-ru/_models_ru.html.md", "payout-receiver-data-callback", 0, []string{"PayoutReceiverDataCardResponse"}},
	{"payments-ru/_models_ru.html.md", "payout-receiver-data-callback", 1, []string{"PayoutReceiverDataSbpResponse"}},
	{"bill-payments/bill-payments_en.html.md", "create", 0, []string{"CreateBillRequest"}},
	{"bill-payments/bill-payments_ru.html.md", "create", 0, []string{"CreateBillRequest"}},
}

// requiredProse are requirements the docs state in sentences: the sentence (a regular
// expression over one line) must still be on the page, and the schema must require the
// fields it names.
var requiredProse = []struct {
	file, sentence, schema string
	fields                 []string
}{
	{"payments/_qiwi-form_en.html.md", `The date before which the invoice must be paid \(` + "`expirationDateTime`" + `\)`, "CreateInvoiceRequest", []string{"expirationDateTime"}},
	{"payments/_qiwi-form_en.html.md", `The amount of the invoice \(` + "`amount`" + `\)`, "CreateInvoiceRequest", []string{"amount"}},
	{"payments/_card-check_en.html.md", `Required parameters — PAN, card expiration date, and CVV2`, "CardData", []string{"pan", "expiryDate", "cvv2"}},
	{"payments-ru/_card-check_ru.html.md", `Обязательные параметры — PAN, срок действия и CVV2`, "CardData", []string{"pan", "expiryDate", "cvv2"}},
}

// requiredExceptions are fields the docs call required that the spec leaves optional, each
// with the doc statement that makes it conditional.
var requiredExceptions = map[string]string{
	"CreateInvoiceRequest.amount": "payments/_card-check_en: an invoice for card verification (CHECK_CARD) must not carry an amount (one of the schema's x-qiwi-variants requires it)",
}

// requiredByVariants reports whether every oneOf/anyOf branch of a schema requires name: a
// requirement the spec states as validation-only variants (x-qiwi-variants), which leave
// the Go model's member optional.
func requiredByVariants(s *openapi3.SchemaRef, name string) bool {
	if s == nil || s.Value == nil {
		return false
	}
	for _, list := range []openapi3.SchemaRefs{s.Value.OneOf, s.Value.AnyOf} {
		if len(list) > 0 && !slices.ContainsFunc(list, func(b *openapi3.SchemaRef) bool {
			return b.Value == nil || !slices.Contains(b.Value.Required, name)
		}) {
			return true
		}
	}
	return false
}

// schemaRequires finds a dotted field in a schema, through $refs, allOf and (for a name
// the schema lacks at its top) the object properties one level down, and reports whether
// every step of it is required.
func schemaRequires(doc *openapi3.T, schema, field string) (required, found bool) {
	s := doc.Components.Schemas[schema]
	required = true
	for i, part := range strings.Split(field, ".") {
		parent, child := findProperty(s, part, i == 0)
		if child == nil {
			return false, false
		}
		required = required && (slices.Contains(parent.Value.Required, part) || requiredByVariants(parent, part))
		s = child
	}
	return required, true
}

// findProperty returns the (parent, property) for name, looking one level deeper when
// deep is set and the schema lacks it.
func findProperty(s *openapi3.SchemaRef, name string, deep bool) (*openapi3.SchemaRef, *openapi3.SchemaRef) {
	if s == nil || s.Value == nil {
		return nil, nil
	}
	if p := s.Value.Properties[name]; p != nil {
		return s, p
	}
	for _, sub := range s.Value.AllOf {
		if parent, p := findProperty(sub, name, false); p != nil {
			return parent, p
		}
	}
	if deep {
		for _, key := range slices.Sorted(mapsKeys(s.Value.Properties)) {
			if parent, p := findProperty(s.Value.Properties[key], name, false); p != nil {
				return parent, p
			}
		}
	}
	return nil, nil
}

func mapsKeys(m openapi3.Schemas) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// What the docs say is required, the spec requires, and what they say is optional, it
// does not require; fields they list are modelled.
func TestRequiredFieldsFollowTheDocs(t *testing.T) {
	doc, _ := load(t, "qiwi.resolved.yaml")
	rows, exceptionsUsed := 0, map[string]bool{}
	check := func(where, schema, field string, docRequired bool) {
		rows++
		required, found := schemaRequires(doc, schema, field)
		if !assert.True(t, found, "%s: %s is not a field of %s", where, field, schema) {
			return
		}
		key := schema + "." + field
		if reason, ok := requiredExceptions[key]; ok && docRequired && !required {
			exceptionsUsed[key] = true
			t.Logf("%s: %s is required by the docs, optional in the spec: %s", where, key, reason)
			return
		}
		if docRequired {
			assert.True(t, required, "%s: the docs require %s, the spec does not", where, key)
		} else {
			assert.False(t, required, "%s: the spec requires %s, the docs call it optional", where, key)
		}
	}
	for _, rt := range requiredTables {
		page, err := docs.ParseFile(docsDir + "/" + rt.file)
		require.NoError(t, err)
		// The required-ness of table rows is read by drift's inventory, the one reader of it.
		inv := drift.Build(docsDir, []*docs.Page{page})
		n := 0
		for _, req := range inv.Requirements {
			if req.Section != rt.anchor || rt.nth >= 0 && req.Table != rt.nth {
				continue
			}
			n++
			owner := ""
			for _, s := range rt.schemas {
				if _, found := schemaRequires(doc, s, req.Name); found {
					owner = s
					break
				}
			}
			if owner == "" && req.Name == "billId" {
				continue // a path parameter, not a body member
			}
			if owner == "" {
				owner = rt.schemas[0]
			}
			check(req.Pos.String(), owner, req.Name, req.Required)
		}
		assert.Positive(t, n, "%s#%s: the docs reader found no required-ness in table %d", rt.file, rt.anchor, rt.nth)
	}
	for _, p := range requiredProse {
		page, err := docs.ParseFile(docsDir + "/" + p.file)
		require.NoError(t, err)
		re := regexp.MustCompile(p.sentence)
		line := 0
		for i, l := range page.Lines {
			if re.MatchString(l) {
				line = i + 1
				break
			}
		}
		if !assert.NotZero(t, line, "%s: the sentence %q is gone: re-read the page", p.file, p.sentence) {
			continue
		}
		for _, f := range p.fields {
			check(fmt.Sprintf("%s:%d", p.file, line), p.schema, f, true)
		}
	}
	for key := range requiredExceptions {
		assert.True(t, exceptionsUsed[key], "exception %s is not needed any more: drop it", key)
	}
	assert.Greater(t, rows, 40, "the docs reader found the required-field statements")
}

// Every payin, payout and tokenization operation answers each HTTP error status of the docs'
// table (English and Russian), with the error body; the table has no status the spec lacks.
func TestHTTPErrorTableIsModelled(t *testing.T) {
	doc, _ := load(t, "qiwi.resolved.yaml")
	statuses := map[string]string{}
	for _, file := range []string{"payments/_statuses_en.html.md", "payments-ru/_statuses_ru.html.md.erb"} {
		page, err := docs.ParseFile(docsDir + "/" + file)
		require.NoError(t, err)
		for _, tb := range page.Tables {
			if tb.Section < 0 || page.Sections[tb.Section].Pos.Anchor != "http-errors" {
				continue
			}
			for i, row := range tb.Rows {
				if code := strings.TrimSpace(row[0]); regexp.MustCompile(`^[45]\d\d$`).MatchString(code) {
					statuses[code] = tb.RowPos[i].String()
				}
			}
		}
	}
	require.GreaterOrEqual(t, len(statuses), 11, "the docs reader found the HTTP error table")
	checked := 0
	for path, item := range doc.Paths.Map() {
		if !strings.HasPrefix(path, "/payin") {
			continue
		}
		for method, op := range item.Operations() {
			if _, undocumented, _ := ext.UndocumentedOf(op); undocumented {
				continue
			}
			checked++
			for code, where := range statuses {
				resp := op.Responses.Value(code)
				if assert.NotNil(t, resp, "%s: %s %s has no %s answer", where, method, path, code) {
					mt := resp.Value.Content.Get("application/json")
					assert.True(t, mt != nil && mt.Schema != nil && mt.Schema.Value.Properties["errorCode"] != nil,
						"%s %s %s: the answer carries the error body", method, path, code)
				}
			}
			for code := range op.Responses.Map() {
				if strings.HasPrefix(code, "4") && code != "4XX" || strings.HasPrefix(code, "5") && code != "5XX" {
					assert.Contains(t, statuses, code, "%s %s answers %s, which the docs' table does not list", method, path, code)
				}
			}
		}
	}
	assert.Greater(t, checked, 20)
}

// Every value an enumeration of the spec lists is on a page of the docs, or the schema says
// where else it comes from (x-qiwi-evidence): the spec claims nothing no source states.
func TestEnumValuesHaveASource(t *testing.T) {
	doc, _ := load(t, "qiwi.resolved.yaml")
	pages, err := docs.ParseDir(docsDir)
	require.NoError(t, err)
	var text strings.Builder
	for _, p := range pages {
		for _, l := range p.Lines {
			text.WriteString(l)
			text.WriteByte('\n')
		}
	}
	corpus := text.String()
	checked := 0
	for name, s := range doc.Components.Schemas {
		values, ok, err := ext.EnumValues(s.Value)
		require.NoError(t, err)
		if !ok {
			continue
		}
		evidence, err := ext.EvidenceOf(s.Value)
		require.NoError(t, err)
		for _, value := range values {
			checked++
			onPage := strings.Contains(corpus, value)
			reason, claimed := evidence[value]
			switch {
			case onPage && claimed:
				t.Errorf("%s: %s is on a page now: drop its x-qiwi-evidence (%v)", name, value, reason)
			case !onPage && !claimed:
				t.Errorf("%s: no page states %s and the schema gives no x-qiwi-evidence for it", name, value)
			}
		}
		for value := range evidence {
			assert.True(t, slices.Contains(values, value), "%s: x-qiwi-evidence names %s, which the enum does not list", name, value)
		}
	}
	assert.Greater(t, checked, 100)
}
