package diff_test

import (
	"bytes"
	_ "embed"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/diff"
	"github.com/qiwigen/qiwigen/contracttest/internal/gittest"
	"github.com/qiwigen/qiwigen/contracttest/internal/sarifschema"
	"github.com/qiwigen/qiwigen/overlays"
)

// levelled is a spec whose schemas travel one way each: Bill in requests (a body and a
// query parameter's enumeration), Answer in answers, Spare nowhere; the command's diff tests
// read it too.
//
//go:embed testdata/levelled.yaml
var levelled string

// Each edit gives its rule at its level: what breaks any client on the wire, what breaks
// only a Go client generated from the old spec, what may surprise a client, what breaks
// nothing.
func TestLevels(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		rules          []string
		level          diff.Level
	}{
		{"operation removed", "    put:\n      operationId: createBill", "    post:\n      operationId: newBill", []string{"operation-added", "operation-removed"}, diff.BreakingWire},
		{"request member made required", "required: [amount]", "required: [amount, comment]", []string{"request-member-made-required"}, diff.BreakingWire},
		{"answer member made optional", "required: [billId, status]", "required: [billId]", []string{"response-member-made-optional"}, diff.BreakingWire},
		{"required answer member removed", "        billId: {type: string}\n", "", []string{"response-member-removed"}, diff.BreakingWire},
		{"request enum value removed", "[CARD, SBP]", "[CARD]", []string{"request-enum-value-removed"}, diff.BreakingWire},
		{"closed answer enum value added", "[CREATED, PAID]", "[CREATED, PAID, EXPIRED]", []string{"response-enum-value-added"}, diff.BreakingWire},
		{"type narrowed", "        amount: {type: string}\n", "        amount: {type: integer}\n", []string{"type-changed"}, diff.BreakingWire},
		{"request constraint narrowed", "maxLength: 255", "maxLength: 100", []string{"request-constraint-narrowed"}, diff.BreakingWire},
		{"required query parameter added", "{name: lang, in: query, schema", "{name: lang, in: query, required: true, schema", []string{"request-parameter-made-required"}, diff.BreakingWire},
		{"operationId changed", "operationId: createBill", "operationId: issueBill", []string{"operation-renamed"}, diff.BreakingGo},
		{"request member removed", "        comment: {type: string, maxLength: 255}\n", "", []string{"request-member-removed"}, diff.BreakingGo},
		{"optional answer member removed", "        note: {type: string, maxLength: 10}\n", "", []string{"optional-response-member-removed"}, diff.BreakingGo},
		{"answer enum value removed", "[CREATED, PAID]", "[CREATED]", []string{"enum-value-removed"}, diff.BreakingGo},
		{"unused schema's member removed", "        code: {type: string}\n", "", []string{"request-member-removed"}, diff.BreakingGo},
		{"query parameter removed", "        - {name: lang, in: query, schema: {type: string}}\n", "", []string{"parameter-removed"}, diff.BreakingGo},
		{"answer constraint relaxed", "maxLength: 10", "maxLength: 20", []string{"response-constraint-relaxed"}, diff.Warning},
		{"answer status removed", "        '404': {description: none}\n", "", []string{"response-status-removed"}, diff.Warning},
		{"extensible enum value added", "[CARD, SBP]", "[CARD, SBP, QIWI_WALLET]", []string{"extensible-enum-value-added"}, diff.Info},
		{"optional request member added", "        amount: {type: string}\n", "        amount: {type: string}\n        extra: {type: string}\n", []string{"member-added"}, diff.Info},
		{"request constraint relaxed", "maxLength: 255", "maxLength: 300", []string{"changed"}, diff.Info},
		{"path parameter renamed", "bills/{billId}:\n    put:\n      operationId: createBill\n      parameters:\n        - {name: billId", "bills/{id}:\n    put:\n      operationId: createBill\n      parameters:\n        - {name: id", []string{"path-parameter-renamed"}, diff.Info},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edited := strings.Replace(levelled, tc.from, tc.to, 1)
			require.NotEqual(t, levelled, edited)
			r, err := diff.Compare([]byte(levelled), []byte(edited))
			require.NoError(t, err)
			var rules []string
			top := diff.Info
			for _, c := range r.Changes {
				rules = append(rules, c.Rule)
				if slices.Index(diff.Levels, c.Level) < slices.Index(diff.Levels, top) {
					top = c.Level
				}
				assert.Equal(t, c.Level.Breaking(), c.Breaking, "%s", c.Rule)
			}
			slices.Sort(rules)
			assert.Equal(t, tc.rules, rules, "%v", r.Changes)
			assert.Equal(t, tc.level, top)
		})
	}
}

// An ID names the same change whatever lines move; another change has another ID. Each
// change names its JSON pointer in both documents and its lines there.
func TestIDsAndPointers(t *testing.T) {
	edited := strings.Replace(levelled, "required: [amount]", "required: [amount, comment]", 1)
	r1, err := diff.Compare([]byte(levelled), []byte(edited))
	require.NoError(t, err)
	moved := strings.Replace(edited, "info: {title: t, version: '1'}\n", "info:\n  title: t\n  version: '1'\n  description: lines moved\n", 1)
	r2, err := diff.Compare([]byte(levelled), []byte(moved))
	require.NoError(t, err)
	require.Len(t, r1.Changes, 1)
	require.Len(t, r2.Changes, 1)
	c := r1.Changes[0]
	assert.Equal(t, c.ID, r2.Changes[0].ID, "the same change, lines moved")
	assert.NotEqual(t, c.NewLine, r2.Changes[0].NewLine)
	assert.True(t, strings.HasPrefix(c.ID, "request-member-made-required-"), c.ID)
	assert.Equal(t, "/components/schemas/Bill", c.OldPointer)
	assert.Equal(t, "/components/schemas/Bill", c.NewPointer)
	assert.Equal(t, 27, c.OldLine, "the line of Bill in the old document")
	assert.Equal(t, []string{"createBill"}, c.Operations)

	other := strings.Replace(levelled, "required: [amount]", "required: [amount, method]", 1)
	r3, err := diff.Compare([]byte(levelled), []byte(other))
	require.NoError(t, err)
	require.Len(t, r3.Changes, 1)
	assert.NotEqual(t, c.ID, r3.Changes[0].ID, "another member made required")

	movedOp := strings.Replace(levelled, "/payin/v1/bills/{billId}:", "/payin/v1/invoices/{billId}:", 1)
	r4, err := diff.Compare([]byte(levelled), []byte(movedOp))
	require.NoError(t, err)
	require.Len(t, r4.Changes, 1)
	assert.Equal(t, "/paths/~1payin~1v1~1bills~1{billId}/put", r4.Changes[0].OldPointer)
	assert.Equal(t, "/paths/~1payin~1v1~1invoices~1{billId}/put", r4.Changes[0].NewPointer)
	assert.Equal(t, 6, r4.Changes[0].OldLine)
}

// A change names the overlay line that writes its node: the deepest key of an update, the
// later overlay where two write it, the target of a remove action.
func TestOverlayLine(t *testing.T) {
	files := []overlays.File{
		{Name: "overlays/10-a.yaml", Data: []byte(`overlay: 1.0.0
info: {title: a, version: '1'}
actions:
  - target: $.components.schemas
    update:
      Bill:
        properties:
          comment: {type: string}
  - target: $.paths['/payin/v1/bills/{billId}'].put
    update:
      operationId: createBill
`)},
		{Name: "overlays/20-b.yaml", Data: []byte(`overlay: 1.0.0
info: {title: b, version: '1'}
actions:
  - target: $.components.schemas.Answer.properties
    update:
      note: {type: string}
  - target: $.components.schemas.Spare.properties.code
    remove: true
`)},
	}
	for _, tc := range []struct{ from, to, overlay string }{
		{"maxLength: 255", "maxLength: 100", "overlays/10-a.yaml:8"},
		{"operationId: createBill", "operationId: issueBill", "overlays/10-a.yaml:11"},
		{"note: {type: string, maxLength: 10}", "note: {type: string, maxLength: 20}", "overlays/20-b.yaml:6"},
		{"        code: {type: string}\n", "", "overlays/20-b.yaml:7"},
		{"required: [billId, status]", "required: [billId]", ""},
	} {
		r, err := diff.CompareWith([]byte(levelled), []byte(strings.Replace(levelled, tc.from, tc.to, 1)), diff.Options{Overlays: files})
		require.NoError(t, err)
		require.Len(t, r.Changes, 1, "%v", r.Changes)
		assert.Equal(t, tc.overlay, r.Changes[0].Overlay, tc.from)
	}
	_, err := diff.CompareWith([]byte(levelled), []byte(levelled), diff.Options{Overlays: []overlays.File{{Name: "bad.yaml", Data: []byte("actions: [")}}})
	assert.ErrorContains(t, err, "bad.yaml")
}

// OLD and NEW may be REV:path in a git work tree; a file of that name wins; outside a work
// tree, or with an unknown revision, the error says so.
func TestReadInput(t *testing.T) {
	dir := gittest.Repo(t, "spec/qiwi.resolved.yaml", "first\n", "second\n", "third\n")
	got, err := diff.ReadInput(dir, "HEAD~2:spec/qiwi.resolved.yaml")
	require.NoError(t, err)
	assert.Equal(t, "first\n", string(got))
	got, err = diff.ReadInput(dir, "spec/qiwi.resolved.yaml")
	require.NoError(t, err)
	assert.Equal(t, "third\n", string(got))

	_, err = diff.ReadInput(dir, "HEAD~9:spec/qiwi.resolved.yaml")
	assert.ErrorIs(t, err, diff.ErrRevision)
	assert.ErrorContains(t, err, `unknown revision "HEAD~9"`)
	_, err = diff.ReadInput(dir, "HEAD:spec/absent.yaml")
	assert.ErrorIs(t, err, diff.ErrRevision)
	assert.ErrorContains(t, err, "absent.yaml")

	plain := t.TempDir()
	_, err = diff.ReadInput(plain, "HEAD~1:spec/qiwi.resolved.yaml")
	assert.ErrorIs(t, err, diff.ErrRevision)
	assert.ErrorContains(t, err, "not in a git work tree")
	_, err = diff.ReadInput(plain, "absent.yaml")
	assert.ErrorIs(t, err, os.ErrNotExist)

	colon := filepath.Join(plain, "v1:old.yaml")
	require.NoError(t, os.WriteFile(colon, []byte("file\n"), 0o644))
	got, err = diff.ReadInput(plain, "v1:old.yaml")
	require.NoError(t, err)
	assert.Equal(t, "file\n", string(got), "a file named REV:path is the file")
}

// The ignore file accepts changes by ID with a reason each; an entry matching no change is
// stale; accepted changes fail no run. A bad file is an error naming the place.
func TestIgnore(t *testing.T) {
	edited := strings.Replace(levelled, "required: [amount]", "required: [amount, comment]", 1)
	edited = strings.Replace(edited, "[CARD, SBP]", "[CARD]", 1)
	r, err := diff.Compare([]byte(levelled), []byte(edited))
	require.NoError(t, err)
	require.Len(t, r.Changes, 2)
	assert.Equal(t, 2, r.Failing(diff.BreakingGo))
	ig, err := diff.ParseIgnore("ignore.json", []byte(`{"findings": [
  {"id": "`+r.Changes[0].ID+`", "kind": "x", "subject": "y", "reason": "announced in the changelog of May"},
  {"id": "type-changed-00000000", "reason": "long gone"}
]}`))
	require.NoError(t, err)
	ig.Apply(&r)
	assert.Equal(t, "announced in the changelog of May", r.Changes[0].Accepted)
	assert.Empty(t, r.Changes[1].Accepted)
	assert.Equal(t, 1, r.Failing(diff.BreakingGo))
	assert.Equal(t, 0, r.Failing(""), "never")
	require.Len(t, r.Stale, 1)
	assert.Equal(t, "type-changed-00000000", r.Stale[0].ID)

	for _, tc := range []struct{ data, want string }{
		{`{"findings": [{"id": "a"}]}`, "ignore.json: /findings/0/reason"},
		{`{"findings": [{"id": "a", "reason": "r"}, {"id": "a", "reason": "r"}]}`, "ignore.json: /findings/1/id"},
		{"{\"findings\": [\n  {\"id\": 1, \"reason\": \"r\"}]}", "ignore.json:2:"},
		{"{\"findings\": [\n\n  {\"id\": \"a\",]}", "ignore.json:3:"},
		{`{"changes": []}`, `unknown field "changes"`},
	} {
		_, err := diff.ParseIgnore("ignore.json", []byte(tc.data))
		assert.ErrorIs(t, err, diff.ErrIgnore, tc.data)
		assert.ErrorContains(t, err, tc.want)
	}
}

// Content after the ignore file's object (a second object pasted below, a stray line) is an
// error naming its line; it used to be dropped unread, its entries silently not applied.
func TestIgnoreRefusesContentAfterTheObject(t *testing.T) {
	_, err := diff.ParseIgnore("ignore.json", []byte("{\"findings\": []}\n{\"findings\": [{\"id\": \"a\", \"reason\": \"r\"}]}\n"))
	require.ErrorIs(t, err, diff.ErrIgnore)
	assert.ErrorContains(t, err, "ignore.json:2: ")
	assert.ErrorContains(t, err, "content after the object")
}

// A change's detail with a carriage return, or a backslash before a pipe (a pattern), stays
// one row of the Markdown table; it used to break the row.
func TestMarkdownChangeStaysOneRow(t *testing.T) {
	r := diff.Report{Changes: []diff.Change{{ID: "c-1", Level: diff.Warning, Kind: "pattern-changed", Where: "/components/schemas/A",
		Detail: "pattern `^a\\|b$` is `^a$`,\r\nnow"}},
		Stale: []diff.Accepted{{ID: "c-2", Kind: "k", Subject: "s\rt|u", Reason: "r"}}}
	var md bytes.Buffer
	require.NoError(t, r.WriteMarkdown(&md, diff.BreakingGo))
	assert.NotContains(t, md.String(), "\r")
	assert.Contains(t, md.String(), "\n| `c-1` | pattern-changed | `/components/schemas/A` | pattern `^a\\\\\\|b$` is `^a$`,\\x0d\\x0anow |  |\n")
	assert.Contains(t, md.String(), "\n- `c-2` (k s\\x0dt\\|u): matches no change\n")
}

// A stale ignore entry's ID and kind come from the ignore file: a newline in one of them
// cannot start a line of its own in the Markdown (a heading of a pull-request comment).
func TestMarkdownEscapesStaleEntryIDAndKind(t *testing.T) {
	r := diff.Report{Stale: []diff.Accepted{{ID: "c-2\n## injected", Kind: "k\n- item", Subject: "s", Reason: "r"}}}
	var md bytes.Buffer
	require.NoError(t, r.WriteMarkdown(&md, diff.BreakingGo))
	assert.NotContains(t, md.String(), "\n## injected")
	assert.NotContains(t, md.String(), "\n- item")
	assert.Contains(t, md.String(), "\n- `c-2\\x0a## injected` (k\\x0a- item s): matches no change\n")
}

// everyLevel is a report with a change at every level, an accepted one and a stale entry.
func everyLevel(t *testing.T) diff.Report {
	t.Helper()
	edited := strings.NewReplacer(
		"required: [amount]", "required: [amount, comment]", // breaking on the wire
		"operationId: createBill", "operationId: issueBill", // breaking for Go
		"maxLength: 10", "maxLength: 20", // warning
		"[CARD, SBP]", "[CARD, SBP, QIWI_WALLET]", // info
		"        code: {type: string}\n", "", // breaking for Go, accepted
	).Replace(levelled)
	r, err := diff.Compare([]byte(levelled), []byte(edited))
	require.NoError(t, err)
	r.Old, r.New = "HEAD:spec/qiwi.resolved.yaml", "spec/qiwi.resolved.yaml"
	var accept string
	for _, c := range r.Changes {
		if c.Where == "/components/schemas/Spare/properties/code" {
			accept = c.ID
		}
	}
	require.NotEmpty(t, accept)
	(&diff.Ignore{Findings: []diff.Accepted{{ID: accept, Reason: "Spare is unused"}, {ID: "gone-1", Reason: "old"}}}).Apply(&r)
	return r
}

// Every format names every change; SARIF validates against the SARIF 2.1.0 schema.
func TestFormats(t *testing.T) {
	r := everyLevel(t)
	levels := map[diff.Level]bool{}
	for _, c := range r.Changes {
		levels[c.Level] = true
	}
	require.Len(t, levels, 4, "a change at every level: %v", r.Changes)
	for _, format := range diff.Formats {
		var buf bytes.Buffer
		require.NoError(t, r.Write(&buf, format, diff.BreakingGo, "en"), format)
		out := buf.String()
		for _, c := range r.Changes {
			if format == "changelog" {
				assert.Contains(t, out, c.Where, format)
				continue
			}
			assert.Contains(t, out, c.ID, format)
		}
		if format != "changelog" && format != "sarif" {
			assert.Contains(t, out, "gone-1", "%s names the stale entry", format)
		}
	}
	var buf bytes.Buffer
	assert.Error(t, r.Write(&buf, "yaml", diff.BreakingGo, "en"))
	assert.Error(t, r.Write(&buf, "changelog", diff.BreakingGo, "fr"))
}

func TestSARIFSchema(t *testing.T) {
	r := everyLevel(t)
	var buf bytes.Buffer
	require.NoError(t, r.WriteSARIF(&buf))
	require.NoError(t, sarifschema.Validate(buf.Bytes()))
	assert.Contains(t, buf.String(), `"justification": "Spare is unused"`)
	assert.Contains(t, buf.String(), `"fullyQualifiedName": "/components/schemas/Bill"`)

	// The schema can fail: a result without a message is refused.
	bad := bytes.Replace(buf.Bytes(), []byte(`"message"`), []byte(`"massage"`), 1)
	assert.Error(t, sarifschema.Validate(bad))
}

// JUnit XML in the Ant/Jenkins shape: testsuites > testsuite (name, tests, failures,
// errors, skipped) > testcase (name, classname) with failure (message, type) or skipped;
// the counts add up; what fails the run fails a case, an accepted change is skipped.
func TestJUnitShape(t *testing.T) {
	r := everyLevel(t)
	var buf bytes.Buffer
	require.NoError(t, r.WriteJUnit(&buf, diff.BreakingGo))
	require.True(t, strings.HasPrefix(buf.String(), xml.Header))
	type message struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
	}
	var doc struct {
		XMLName  xml.Name
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Errors   int    `xml:"errors,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Cases    []struct {
				Name      string   `xml:"name,attr"`
				Classname string   `xml:"classname,attr"`
				Failure   *message `xml:"failure"`
				Skipped   *message `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	require.NoError(t, dec.Decode(&doc))
	assert.Equal(t, "testsuites", doc.XMLName.Local)
	tests, failures, skipped := 0, 0, 0
	for _, s := range doc.Suites {
		assert.NotEmpty(t, s.Name)
		assert.Equal(t, len(s.Cases), s.Tests, s.Name)
		f, k := 0, 0
		for _, c := range s.Cases {
			assert.NotEmpty(t, c.Name)
			assert.NotEmpty(t, c.Classname)
			assert.False(t, c.Failure != nil && c.Skipped != nil, c.Name)
			if c.Failure != nil {
				f++
				assert.NotEmpty(t, c.Failure.Message)
			}
			if c.Skipped != nil {
				k++
			}
		}
		assert.Equal(t, f, s.Failures, s.Name)
		assert.Zero(t, s.Errors, s.Name)
		assert.Equal(t, k, s.Skipped, s.Name)
		tests, failures, skipped = tests+s.Tests, failures+s.Failures, skipped+s.Skipped
	}
	assert.Equal(t, tests, doc.Tests)
	assert.Equal(t, failures, doc.Failures)
	assert.Equal(t, skipped, doc.Skipped)
	assert.Equal(t, r.Failing(diff.BreakingGo)+len(r.Stale), failures, "failing changes and stale entries fail")
	assert.Equal(t, 1, skipped, "the accepted change")
}

// The changelog groups changes by operation, in English or Russian, breaking ones marked.
func TestChangelog(t *testing.T) {
	r := everyLevel(t)
	var en, ru bytes.Buffer
	require.NoError(t, r.WriteChangelog(&en, "en"))
	require.NoError(t, r.WriteChangelog(&ru, "ru"))
	assert.Contains(t, en.String(), "## issueBill\n")
	assert.Contains(t, en.String(), "- **BREAKING** request member made required: `/components/schemas/Bill`")
	assert.Contains(t, en.String(), "## Other changes\n")
	assert.Contains(t, ru.String(), "# Список изменений")
	assert.Contains(t, ru.String(), "- **НЕСОВМЕСТИМО** поле запроса стало обязательным: `/components/schemas/Bill`")
	var none bytes.Buffer
	require.NoError(t, (&diff.Report{}).WriteChangelog(&none, "en"))
	assert.Contains(t, none.String(), "No changes.")
	assert.False(t, errors.Is(nil, diff.ErrIgnore))
}
