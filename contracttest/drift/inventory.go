// Package drift compares what QIWI's documentation pages say with the resolved spec. It builds
// an inventory of the pages (operations, example fields, enum values, notification signature
// rules), read by the project's one docs reader, compares it with the spec through the spec's
// extension reader, and reports findings with stable IDs, a doc location and a spec location.
// A baseline of accepted findings, each with its reason, lets CI fail on new drift only.
package drift

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/overlays"
)

// Inventory is what a folder of documentation pages documents.
type Inventory struct {
	// Pages are the files read, relative to the folder, sorted.
	Pages []string
	// Operations are the (method, path) pairs the pages mention, in page order.
	Operations []docs.Endpoint
	// Sections are the sections that name one operation (a request UI declaration or a
	// URL heading), with the examples they show.
	Sections []SectionOp
	// EnumValues are the values of the pages' status and code tables.
	EnumValues []EnumValue
	// Signatures are the notification signature rules the pages state.
	Signatures []Signature
	// TableFields are the dotted member names (payment.amount.value) of the pages' parameter
	// tables, with their documented type.
	TableFields []TableField
	// Networks are the address ranges (CIDR) the pages say notifications come from.
	Networks []Network
	// Requirements are the rows of the parameter tables that say whether their field is
	// required.
	Requirements []Requirement
	// Retries are the notification redelivery schedules the pages list.
	Retries []Retries
	// pages are the parsed pages, for word lookups.
	words map[string]bool
}

// SectionOp is a section that documents one operation.
type SectionOp struct {
	// Title is the section's heading, Anchor its {#anchor}.
	Title, Anchor string
	// Reference is the operation the section names.
	Reference docs.Endpoint
	// Others are the other endpoints the section's examples and curl lines use.
	Others []docs.Endpoint
	// Request and Response are the JSON members of the section's request body and 200
	// examples.
	Request, Response []Field
}

// Field is one JSON member of a documentation example.
type Field struct {
	// Pointer is the member's JSON pointer in the example; array items are /0.
	Pointer string
	// Type is the JSON type of its value: string, number, boolean, object, array, null.
	Type string
	// Pos is the opening line of the example.
	Pos docs.Position
}

// TableField is one row of a parameter table naming a dotted member.
type TableField struct {
	// Name is the member as the table writes it: payment.amount.value.
	Name string
	// Type is the type cell as written (Number(6.2), String(200), Object), "" if no column.
	Type string
	// Presence is the "when present" cell as written ("Always", "In case of operation
	// rejection", "Всегда"), "" if the table has no such column.
	Presence string
	// Pos is the row's position.
	Pos docs.Position
}

// Retries is a notification redelivery schedule a page lists: "1 попытка с отложенным
// временем 5 секунд", "3 попытки ... по 5 минут" (or "1 attempt delayed 5 seconds").
type Retries struct {
	// Delays are the waits before each new attempt, in order.
	Delays []time.Duration
	// Pos is the list's first line.
	Pos docs.Position
}

// Requirement is what a parameter table row says of its field: required or not.
type Requirement struct {
	// Name is the field as the row names it, without marks: pan, amount.value.
	Name string
	// Required is what the row says; a table that marks its required fields leaves the
	// others optional.
	Required bool
	// Section is the anchor of the table's section; Table is the table's index among that
	// section's tables.
	Section string
	Table   int
	// Operations are the requests the table's section shows (declared, in examples, in
	// curl lines): the operations whose request the table may describe.
	Operations []docs.Endpoint
	// Pos is the row's position.
	Pos docs.Position
}

// Always reports whether the row says its member is always present.
func (tf TableField) Always() bool {
	for _, a := range alwaysPresent {
		if strings.EqualFold(strings.TrimSpace(strings.Trim(tf.Presence, "*")), a) {
			return true
		}
	}
	return false
}

// Network is an address range a page lists.
type Network struct {
	// Prefix is the range as written: 79.142.16.0/20.
	Prefix string
	// Pos is where it is listed.
	Pos docs.Position
}

// EnumValue is a value a status or code table lists.
type EnumValue struct {
	// Value is the cell's text without code marks.
	Value string
	// Column is the table column's header.
	Column string
	// Pos is the row's position.
	Pos docs.Position
}

// Signature is a notification signature rule a page states.
type Signature struct {
	// Type is the notification type (PAYMENT, ..., BILL).
	Type string
	// Header is the signature header the page names for the type's family, "" if none.
	Header string
	// Fields are the signed fields as JSON pointers into the body, in signing order.
	Fields []string
	// Pos is where the field list stands.
	Pos docs.Position
}

var (
	enumCell = regexp.MustCompile(`^[A-Z][A-Z0-9_]{2,}$`)
	// enumColumns are the table headers, English and Russian, whose cells are enum values.
	enumColumns = []string{"Status", "Статус", "API error", "Ошибка API", "Type", "Тип"}
	// fieldColumns and typeColumns are the headers of a parameter table's name and type.
	fieldColumns = []string{"Notification field", "Поле уведомления", "Поле", "Parameter", "Параметр"}
	typeColumns  = []string{"Type", "Тип", "Формат", "Format"}
	// presenceColumns are the headers of a parameter table's "when present" column, and
	// alwaysPresent the cells that say a member is always there.
	presenceColumns = []string{"When present", "В каких случаях", "Когда присутствует"}
	alwaysPresent   = []string{"Always", "Всегда"}
	// requiredMark and optionalMark are a cell's "**required**" and "(optional)", English
	// and Russian; requiredColumns the headers of a required-ness column.
	requiredMark    = regexp.MustCompile(`(?i)\*\*(required|обязательный параметр)\*\*`)
	optionalMark    = regexp.MustCompile(`(?i)\((optional|необязательный)\)`)
	requiredColumns = []string{"Req.", "Required", "Обяз.", "Обязательное"}
	// retryLine is one line of a redelivery list: how many attempts, after how long.
	retryLine  = regexp.MustCompile(`(?i)^\s*[*-]\s*(\d+)\s+(?:попыт\S*\s+с отложенным временем|attempts?\s+(?:delayed|with a delay of))\s+(?:по\s+|by\s+)?(\d+)\s+(сек\S*|мин\S*|час\S*|seconds?|minutes?|hours?)`)
	cidrRe     = regexp.MustCompile(`\b(\d{1,3}(?:\.\d{1,3}){3}/\d{1,2})\b`)
	dottedName = regexp.MustCompile(`^[a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)+$`)
	fieldRe    = `[a-z][A-Za-z]*(?:\.[A-Za-z]+)+`
	// payinSigned is a back-quoted notification type, whichever the page names (the spec's
	// declarations judge it), then its back-quoted signed-field list.
	payinSigned = regexp.MustCompile("`([A-Z][A-Z0-9_]*)`[^`\n]*`(" + fieldRe + `(?:\|` + fieldRe + ")*)`")
	billSigned  = regexp.MustCompile("`invoice_parameters = ([^`]+)`")
	// headerName is a back-quoted signature header: Signature, X-Api-Signature-SHA256, any
	// other a page names with Signature in it (not the request signature X-Digital-Sign).
	headerName = regexp.MustCompile("`([A-Za-z0-9-]*Signature[A-Za-z0-9-]*)`")
	// fieldNameMarks are the marks FieldName drops from a cell.
	fieldNameMarks = strings.NewReplacer("<br>", "", "`", "", "[]", "")
)

// ErrPage is wrapped by the errors about a page the reader cannot read whole; it is
// docs.ErrUnreadable, so a page the docs reader refuses is one too.
var ErrPage = docs.ErrUnreadable

// Read parses every page under dir and builds its inventory. A folder without pages, a page
// that is not UTF-8 and a page with a code block never closed are errors naming the file.
func Read(dir string) (*Inventory, error) {
	files, err := docs.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	return inventory(dir, files)
}

// inventory parses the pages read from dir and builds their inventory.
func inventory(dir string, files []docs.File) (*Inventory, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: %w: no .md, .md.erb or .txt page in the folder", dir, ErrPage)
	}
	pages := docs.ParseFiles(files)
	for _, p := range pages {
		if err := Check(p); err != nil {
			return nil, err
		}
	}
	return Build(dir, pages), nil
}

// Run loads the spec and reads the pages under dir at the same time, then compares them:
// LoadSpec, Read and Compare in one call, as long as the longer of the first two.
// ovl are the overlays the spec was made with, as LoadSpec takes them.
func Run(dir string, spec []byte, ovl []overlays.File) (*Inventory, *Spec, []Finding, error) {
	return run(dir, spec, ovl, func() ([]docs.File, error) { return docs.ReadDir(dir) })
}

// run is Run with the pages read by read, which runs while the spec loads.
func run(dir string, spec []byte, ovl []overlays.File, read func() ([]docs.File, error)) (*Inventory, *Spec, []Finding, error) {
	var s *Spec
	var specErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		s, specErr = LoadSpec(spec, ovl)
	}()
	files, err := read()
	var inv *Inventory
	if err == nil {
		inv, err = inventory(dir, files)
	}
	<-done
	if err != nil {
		return nil, nil, nil, err
	}
	if specErr != nil {
		return nil, nil, nil, fmt.Errorf("%w: %w", ErrSpec, specErr)
	}
	return inv, s, Compare(inv, s), nil
}

// ErrSpec is wrapped by Run's error about a spec that does not load.
var ErrSpec = errors.New("the spec does not load")

// Check reports a page the reader cannot read whole: text that is not UTF-8, a code block
// never closed.
func Check(p *docs.Page) error {
	for i, line := range p.Lines {
		if !utf8.ValidString(line) {
			return fmt.Errorf("%s:%d: %w: not UTF-8", p.File, i+1, ErrPage)
		}
	}
	if p.Unclosed != nil {
		return fmt.Errorf("%s: %w: the code block opened here is never closed", p.Unclosed, ErrPage)
	}
	return nil
}

// Build makes the inventory of pages parsed from dir; positions become relative to dir.
func Build(dir string, pages []*docs.Page) *Inventory {
	inv := &Inventory{words: map[string]bool{}}
	for _, p := range pages {
		rel := relative(dir, p.File)
		inv.Pages = append(inv.Pages, rel)
		at := func(pos docs.Position) docs.Position { pos.File = rel; return pos }
		for _, ep := range p.Endpoints {
			ep.Pos = at(ep.Pos)
			inv.Operations = append(inv.Operations, ep)
		}
		for i := range p.Sections {
			if so, ok := sectionOp(p, i, at); ok {
				inv.Sections = append(inv.Sections, so)
			}
		}
		perSection := map[int]int{}
		for _, tb := range p.Tables {
			inv.TableFields = append(inv.TableFields, tableFields(tb, at)...)
			anchor := ""
			if tb.Section >= 0 {
				anchor = p.Sections[tb.Section].Pos.Anchor
			}
			reqs := requirements(tb, anchor, perSection[tb.Section], at)
			if len(reqs) > 0 {
				ops := sectionEndpoints(p, tb.Section, at)
				for i := range reqs {
					reqs[i].Operations = ops
				}
			}
			inv.Requirements = append(inv.Requirements, reqs...)
			perSection[tb.Section]++
		}
		for _, tb := range p.Tables {
			col := tb.Column(enumColumns...)
			if col < 0 {
				continue
			}
			for r, row := range tb.Rows {
				for c, cell := range row {
					v := strings.TrimSpace(strings.Trim(strings.TrimSpace(cell), "`*"))
					if (c == col || strings.Contains(cell, "`")) && enumCell.MatchString(v) {
						inv.EnumValues = append(inv.EnumValues, EnumValue{Value: v, Column: tb.Header[min(c, len(tb.Header)-1)], Pos: at(tb.RowPos[r])})
					}
				}
			}
		}
		inv.Signatures = append(inv.Signatures, signatures(p, at)...)
		inv.Retries = append(inv.Retries, retries(p, at)...)
		for n, line := range p.Lines {
			addWords(inv.words, line)
			if digitSlashDigit(line) {
				for _, m := range cidrRe.FindAllStringSubmatch(line, -1) {
					inv.Networks = append(inv.Networks, Network{Prefix: m[1], Pos: at(docs.Position{File: p.File, Line: n + 1})})
				}
			}
		}
	}
	sort.Strings(inv.Pages)
	return inv
}

// addWords adds the line's words to the set: runs of letters, digits and underscores, and
// dotted names (payin.resource.not.found) whole as well as by their parts. Letters are ASCII:
// every byte of a multi-byte character separates words.
func addWords(set map[string]bool, line string) {
	for i := 0; i < len(line); {
		if !wordByte(line[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(line) && wordByte(line[j]) {
			j++
		}
		tok := strings.Trim(line[i:j], ".")
		i = j
		if tok == "" {
			continue
		}
		set[tok] = true
		if strings.IndexByte(tok, '.') >= 0 {
			for part := range strings.SplitSeq(tok, ".") {
				set[part] = true
			}
		}
	}
}

// wordByte reports whether b belongs to a word: a letter, a digit, '_' or '.' (ASCII).
func wordByte(b byte) bool {
	return b == '_' || b == '.' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// digitSlashDigit reports whether the line holds a digit, a slash and a digit in a row, as
// every address range (79.142.16.0/20) does: lines without one skip cidrRe.
func digitSlashDigit(line string) bool {
	for i := 1; i+1 < len(line); i++ {
		if line[i] == '/' && isDigit(line[i-1]) && isDigit(line[i+1]) {
			return true
		}
	}
	return false
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func relative(dir, file string) string {
	if r, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(file)
}

// sectionOp reads section i when it names one operation: its request UI declaration, or
// else its first URL heading.
func sectionOp(p *docs.Page, i int, at func(docs.Position) docs.Position) (SectionOp, bool) {
	s := p.Sections[i]
	var ref *docs.Endpoint
	var inSection []docs.Endpoint
	for _, ep := range p.Endpoints {
		if p.SectionAt(ep.Pos.Line) != i {
			continue
		}
		ep.Pos = at(ep.Pos)
		inSection = append(inSection, ep)
	}
	if s.Declared != nil {
		d := *s.Declared
		ref = &d
	} else {
		for k, ep := range inSection {
			if ep.Source == docs.FromURLHeader {
				ref = &inSection[k]
				break
			}
		}
	}
	if ref == nil {
		return SectionOp{}, false
	}
	so := SectionOp{Title: s.Title, Anchor: s.Pos.Anchor, Reference: *ref}
	so.Reference.Pos = at(ref.Pos)
	for _, ep := range inSection {
		if ep.Source == ref.Source && ep.Pos.Line == ref.Pos.Line {
			continue
		}
		so.Others = append(so.Others, ep)
	}
	for _, b := range p.Blocks {
		if b.Section != i || !strings.EqualFold(b.Lang, "json") {
			continue
		}
		var fields *[]Field
		switch strings.ToLower(b.Marker) {
		case "request body", "тело запроса":
			fields = &so.Request
		case "200":
			fields = &so.Response
		default:
			continue
		}
		var v any
		if json.Unmarshal([]byte(b.Text), &v) != nil {
			continue // the replay harness reports examples that are not JSON
		}
		walk("", v, func(ptr, typ string) { *fields = append(*fields, Field{Pointer: ptr, Type: typ, Pos: at(b.Pos)}) })
	}
	return so, true
}

// tableFields reads a parameter table's dotted member names and their type cells.
func tableFields(tb docs.Table, at func(docs.Position) docs.Position) []TableField {
	name := tb.Column(fieldColumns...)
	if name < 0 {
		return nil
	}
	typ := -1
	for i, h := range tb.Header {
		for _, c := range typeColumns {
			if i != name && strings.EqualFold(strings.TrimSpace(h), c) {
				typ = i
			}
		}
	}
	presence := tb.Column(presenceColumns...)
	var out []TableField
	for r, row := range tb.Rows {
		if name >= len(row) {
			continue
		}
		field := strings.Trim(strings.ReplaceAll(row[name], "<br>", ""), "`* ")
		if !dottedName.MatchString(field) {
			continue
		}
		tf := TableField{Name: field, Pos: at(tb.RowPos[r])}
		if typ >= 0 && typ < len(row) {
			tf.Type = strings.TrimSpace(row[typ])
		}
		if presence >= 0 && presence < len(row) {
			tf.Presence = strings.TrimSpace(row[presence])
		}
		out = append(out, tf)
	}
	return out
}

// requirements reads what a table's rows say of their fields' required-ness: a Req. or
// Required column, or a "**required**" or "(optional)" mark in a cell. In a table that says
// it of some rows, a row that says nothing is optional. The field is the first cell.
func requirements(tb docs.Table, section string, nth int, at func(docs.Position) docs.Position) []Requirement {
	col := tb.Column(requiredColumns...)
	var out []Requirement
	marked := false
	for r, row := range tb.Rows {
		if len(row) == 0 {
			continue
		}
		required, ok := rowRequirement(col, row)
		marked = marked || ok
		name := FieldName(row[0])
		if name == "" {
			continue
		}
		out = append(out, Requirement{Name: name, Required: required, Section: section, Table: nth, Pos: at(tb.RowPos[r])})
	}
	if !marked {
		return nil
	}
	return out
}

// retries reads the redelivery lists of a page: runs of consecutive list lines each naming a
// number of attempts and their delay.
func retries(p *docs.Page, at func(docs.Position) docs.Position) []Retries {
	var out []Retries
	var cur *Retries
	for n, line := range p.Lines {
		var m []string
		if listedNumber(line) {
			m = retryLine.FindStringSubmatch(line)
		}
		if m == nil {
			cur = nil
			continue
		}
		count, _ := strconv.Atoi(m[1])
		amount, _ := strconv.Atoi(m[2])
		unit := time.Second
		switch r := []rune(strings.ToLower(m[3]))[0]; r {
		case 'м', 'm':
			unit = time.Minute
		case 'ч', 'h':
			unit = time.Hour
		}
		if cur == nil {
			out = append(out, Retries{Pos: at(docs.Position{File: p.File, Line: n + 1})})
			cur = &out[len(out)-1]
		}
		for range min(count, 100) {
			cur.Delays = append(cur.Delays, time.Duration(amount)*unit)
		}
	}
	return out
}

// listedNumber reports whether the line is a list item that starts with a number ("* 3
// attempts"), as every line retryLine matches is: other lines skip it.
func listedNumber(line string) bool {
	line = strings.TrimLeft(line, " \t")
	if line == "" || line[0] != '*' && line[0] != '-' {
		return false
	}
	line = strings.TrimLeft(line[1:], " \t")
	return line != "" && isDigit(line[0])
}

// sectionEndpoints are the distinct requests section i of a page declares or shows.
func sectionEndpoints(p *docs.Page, i int, at func(docs.Position) docs.Position) []docs.Endpoint {
	if i < 0 {
		return nil
	}
	var out []docs.Endpoint
	seen := map[string]bool{}
	add := func(ep docs.Endpoint) {
		if key := ep.Method + " " + ep.Path; !seen[key] {
			seen[key] = true
			ep.Pos = at(ep.Pos)
			out = append(out, ep)
		}
	}
	if d := p.Sections[i].Declared; d != nil {
		add(*d)
	}
	for _, ep := range p.Endpoints {
		if p.SectionAt(ep.Pos.Line) == i {
			add(ep)
		}
	}
	return out
}

// RowRequirement reads whether a table row says its field is required: from a required-ness
// column, or from a mark in any cell. ok is false when the row says nothing either way.
func RowRequirement(tb docs.Table, row []string) (required, ok bool) {
	return rowRequirement(tb.Column(requiredColumns...), row)
}

// rowRequirement is RowRequirement with the required-ness column found (-1: none).
func rowRequirement(col int, row []string) (required, ok bool) {
	if col >= 0 && col < len(row) {
		switch strings.TrimSpace(row[col]) {
		case "Y", "+", "Да", "да":
			return true, true
		case "N", "-", "Нет", "нет":
			return false, true
		}
	}
	for _, cell := range row {
		// The marks are bold or in parentheses: most cells hold neither.
		if strings.Contains(cell, "**") && requiredMark.MatchString(cell) {
			return true, true
		}
		if strings.Contains(cell, "(") && optionalMark.MatchString(cell) {
			return false, true
		}
	}
	return false, false
}

// FieldName is the member a row's name cell names: "pan<br>**required**" is pan,
// "customFields[]" is customFields, "amount.value" stays dotted.
func FieldName(cell string) string {
	if strings.Contains(cell, "**") {
		cell = requiredMark.ReplaceAllString(cell, "")
	}
	cell = fieldNameMarks.Replace(cell)
	return strings.TrimSpace(cell)
}

// walk visits every member of a decoded JSON value with its pointer and JSON type.
func walk(ptr string, v any, visit func(ptr, typ string)) {
	if ptr != "" {
		visit(ptr, jsonType(v))
	}
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walk(jsonpointer.Append(ptr, k), t[k], visit)
		}
	case []any:
		for _, item := range t {
			walk(ptr+"/0", item, visit)
		}
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

// signatures reads the signed-field lists and the signature header a page states: the payin
// pages' "`PAYMENT` type: `payment.paymentId|...`" lines and the Bill Payments page's
// "`invoice_parameters = {amount.currency}|...`" template, whose fields sit under "bill".
func signatures(p *docs.Page, at func(docs.Position) docs.Position) []Signature {
	header := ""
	for _, line := range p.Lines {
		if !strings.Contains(line, "Signature") {
			continue // every header headerName names holds Signature
		}
		if m := headerName.FindStringSubmatch(line); m != nil {
			header = m[1]
			break
		}
	}
	var out []Signature
	for n, line := range p.Lines {
		// Each pattern runs only on lines holding its literal part: a back-quoted dotted name
		// followed by a bar or back quote, or invoice_parameters.
		payin, bill := strings.Count(line, "`") >= 4 && strings.Contains(line, "."), strings.Contains(line, "`invoice_parameters = ")
		if !payin && !bill {
			continue
		}
		pos := at(docs.Position{File: p.File, Line: n + 1})
		for _, m := range payinSigned.FindAllStringSubmatch(line, -1) {
			out = append(out, Signature{Type: m[1], Header: header, Fields: pointers(m[2], ""), Pos: pos})
		}
		for _, m := range billSigned.FindAllStringSubmatch(line, -1) {
			out = append(out, Signature{Type: "BILL", Header: header, Fields: pointers(m[1], "/bill"), Pos: pos})
		}
	}
	return out
}

func pointers(list, prefix string) []string {
	var out []string
	for _, f := range strings.Split(list, "|") {
		out = append(out, prefix+"/"+strings.ReplaceAll(strings.Trim(f, "{} "), ".", "/"))
	}
	return out
}
