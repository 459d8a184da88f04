// Package extract turns the request, response and notification examples of QIWI's
// documentation into fixtures, through the one docs parser (contracttest/docs). Examples
// that are themselves wrong are kept and tagged with the defect, never repaired.
package extract

import (
	"bufio"

	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/fixture"
)

// Vector is a known signature of a documented notification: the secret it was signed with
// and the signature, for the notification example of Source ("file#anchor") and Type.
type Vector struct {
	Type       string // notification type: PAYMENT, BILL, ...
	Source     string // the example's provenance, "file#anchor"
	Secret     string // the key it was signed with
	SignedText string // the text the signature covers, fields joined with "|"
	Signature  string // the lower-case hex HMAC-SHA256
}

// ReadVectors reads a tab-separated vector table: type, source, secret, signed text, HMAC.
func ReadVectors(path string) ([]Vector, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Vector
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 5 {
			return nil, fmt.Errorf("%s:%d: want 5 tab-separated columns (type, source, secret, signed text, signature), have %d", path, n, len(cols))
		}
		for i, name := range []string{"type", "source", "secret", "signed text", "signature"} {
			if strings.TrimSpace(cols[i]) == "" {
				return nil, fmt.Errorf("%s:%d: column %d (%s) is empty", path, n, i+1, name)
			}
		}
		if !isLowerHexSHA256(cols[4]) {
			return nil, fmt.Errorf("%s:%d: column 5 (signature) %q is not 64 lower-case hex digits", path, n, cols[4])
		}
		out = append(out, Vector{Type: cols[0], Source: strings.Fields(cols[1])[0], Secret: cols[2], SignedText: cols[3], Signature: cols[4]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// isLowerHexSHA256 reports whether s is a SHA-256 digest in lower-case hex, as QIWI sends it.
func isLowerHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Dir extracts fixtures from every page under root. A rendered page (x.md) whose source
// (x.md.erb) is also present is skipped: the source holds the same examples and more.
func Dir(root string, vectors []Vector) ([]fixture.Interaction, error) {
	pages, err := docs.ParseDir(root)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, p := range pages {
		have[p.File] = true
	}
	var out []fixture.Interaction
	for _, p := range pages {
		if strings.HasSuffix(p.File, ".md") && have[p.File+".erb"] {
			continue
		}
		rel, err := filepath.Rel(root, p.File)
		if err != nil {
			rel = p.File
		}
		out = append(out, Page(p, filepath.ToSlash(rel), vectors)...)
	}
	return out, nil
}

// Page extracts the fixtures of one parsed page; name is the page's name in provenance.
func Page(p *docs.Page, name string, vectors []Vector) []fixture.Interaction {
	var out []fixture.Interaction
	for si, s := range p.Sections {
		blocks := sectionBlocks(p, si)
		if s.Declared != nil {
			out = append(out, declared(p, name, s, blocks)...)
		} else {
			out = append(out, curlSection(p, name, s, blocks)...)
		}
		out = append(out, notifications(name, s, blocks, vectors)...)
	}
	return append(out, exchanges(p, name)...)
}

// exchanges extracts request-response pairs written one after the other (a request line,
// headers, body, then a status line, headers, body), as the website pages show them, outside
// sections that declare their endpoint.
func exchanges(p *docs.Page, name string) []fixture.Interaction {
	var out []fixture.Interaction
	lines := p.Lines
	for i := 0; i < len(lines); i++ {
		m := requestLine.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		if si := p.SectionAt(i + 1); si >= 0 && p.Sections[si].Declared != nil {
			continue
		}
		req := parsedRequest{method: m[1], path: m[2], header: http.Header{}}
		j := i + 1
		j = readHeaders(lines, j, req.header)
		var body string
		body, j = readJSON(lines, j)
		req.body = body
		for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
			j++
		}
		if j >= len(lines) {
			continue
		}
		sm := statusLine.FindStringSubmatch(lines[j])
		if sm == nil {
			continue
		}
		status, _ := strconv.Atoi(sm[1])
		resp := &fixture.Response{Status: status, Header: http.Header{}}
		k := readHeaders(lines, j+1, resp.Header)
		resp.Body, _ = readJSON(lines, k)
		if status == http.StatusNoContent {
			resp.Body = ""
		}
		anchor := ""
		if si := p.SectionAt(i + 1); si >= 0 {
			anchor = p.Sections[si].Pos.Anchor
		}
		var defects []string
		defects = append(defects, requestDefects(req.body)...)
		defects = append(defects, jsonDefects(resp.Body)...)
		if req.method == http.MethodGet && req.body != "" {
			defects = append(defects, "a GET request with a body")
		}
		for _, ep := range p.Endpoints {
			if ep.Source == docs.FromProse && ep.Method != req.method &&
				docs.MatchTemplate(ep.Path, strings.TrimPrefix(pathOnly(req.path), "/partner")) {
				defects = append(defects, fmt.Sprintf("the example sends %s; the text at line %d says %s", req.method, ep.Pos.Line, ep.Method))
			}
		}
		out = append(out, apiInteraction(fmt.Sprintf("%s %s → %d (%s:%d)", req.method, req.path, status, name, i+1),
			fixture.Provenance{Source: "docs", File: name, Line: i + 1, Anchor: anchor}, req, resp, defects))
		i = j
	}
	return out
}

// readHeaders reads "Name: value" lines from j until a blank line; it returns the line after.
func readHeaders(lines []string, j int, h http.Header) int {
	for ; j < len(lines); j++ {
		t := strings.TrimSpace(lines[j])
		if t == "" {
			return j + 1
		}
		k, v, ok := strings.Cut(t, ":")
		if !ok || strings.HasPrefix(t, "{") || strings.ContainsAny(k, " \t") {
			return j
		}
		h.Add(k, strings.TrimSpace(v))
	}
	return j
}

// readJSON reads a JSON value starting at line j (after blank lines) until its brackets
// balance; it returns the text and the line after it. No value gives "".
func readJSON(lines []string, j int) (string, int) {
	for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
		j++
	}
	if j >= len(lines) {
		return "", j
	}
	t := strings.TrimSpace(lines[j])
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
		return "", j
	}
	depth := 0
	var buf []string
	for ; j < len(lines); j++ {
		l := lines[j]
		buf = append(buf, l)
		inString := false
		for k := 0; k < len(l); k++ {
			switch c := l[k]; {
			case c == '\\' && inString:
				k++
			case c == '"':
				inString = !inString
			case !inString && (c == '{' || c == '['):
				depth++
			case !inString && (c == '}' || c == ']'):
				depth--
			}
		}
		if depth <= 0 {
			return strings.TrimSpace(dedent(buf)), j + 1
		}
	}
	return strings.TrimSpace(dedent(buf)), j
}

// dedent removes the indentation common to all lines.
func dedent(lines []string) string {
	min := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if min < 0 || n < min {
			min = n
		}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		if len(l) >= min && min > 0 {
			l = l[min:]
		}
		out[i] = l
	}
	return strings.Join(out, "\n")
}

func sectionBlocks(p *docs.Page, section int) []docs.CodeBlock {
	var out []docs.CodeBlock
	for _, b := range p.Blocks {
		if b.Section == section {
			out = append(out, b)
		}
	}
	return out
}

// sample values for path templates of declarations without a concrete request line.
func fillTemplate(path string) string {
	return templateVar.ReplaceAllStringFunc(path, func(m string) string {
		if m == "{siteId}" {
			return "test-01"
		}
		return "example-" + strings.Trim(m, "{}")
	})
}

// declared extracts a section with a request UI declaration: its request block and one
// interaction per response block (200, 204, 4xx, 5xx).
func declared(p *docs.Page, name string, s docs.Section, blocks []docs.CodeBlock) []fixture.Interaction {
	decl := s.Declared
	var req *parsedRequest
	var reqBlock docs.CodeBlock
	for _, b := range blocks {
		if strings.EqualFold(b.Marker, "Request body") {
			r := parseRequestBlock(b)
			req, reqBlock = &r, b
			break
		}
	}
	if req == nil {
		req = &parsedRequest{method: decl.Method, path: "/partner" + fillTemplate(decl.Path)}
	}
	if req.header == nil {
		// The example shows the body only: the request line and the headers every API
		// request carries come from the declaration.
		req.header = http.Header{"Accept": {"application/json"}, "Authorization": {"Bearer masked-in-docs"}}
		if req.body != "" {
			req.header.Set("Content-Type", "application/json")
		}
	}
	var defects []string
	defects = append(defects, req.defects...)
	if req.method != "" && req.method != decl.Method {
		defects = append(defects, fmt.Sprintf("the example request is %s, the section declares %s", req.method, decl.Method))
	}
	if req.path != "" && !docs.MatchTemplate(decl.Path, strings.TrimPrefix(pathOnly(req.path), "/partner")) {
		defects = append(defects, fmt.Sprintf("the example path %s differs from the declared %s", req.path, decl.Path))
	}
	if req.method == "" {
		req.method = decl.Method
	}
	if req.path == "" {
		req.path = "/partner" + fillTemplate(decl.Path)
	}
	if req.method == http.MethodGet && strings.TrimSpace(req.body) != "" {
		defects = append(defects, "a GET request with a body")
	}
	if req.body != "" {
		defects = append(defects, requestDefects(req.body)...)
	}

	var out []fixture.Interaction
	for _, b := range blocks {
		status, ok := markerStatus(b.Marker)
		if !ok {
			continue
		}
		resp, respDefects := parseResponseBlock(b, status)
		in := apiInteraction(fmt.Sprintf("%s %s → %s (%s#%s)", decl.Method, decl.Path, b.Marker, name, s.Pos.Anchor),
			fixture.Provenance{Source: "docs", File: name, Line: b.Pos.Line, Anchor: s.Pos.Anchor}, *req, resp, defects, respDefects)
		if reqBlock.Pos.Line > 0 {
			in.Name += fmt.Sprintf(" request at line %d", reqBlock.Pos.Line)
		}
		out = append(out, in)
	}
	return out
}

// apiInteraction assembles an API fixture; each interaction gets its own copy of the defects.
func apiInteraction(name string, prov fixture.Provenance, req parsedRequest, resp *fixture.Response, defects ...[]string) fixture.Interaction {
	var all []string
	for _, d := range defects {
		all = append(all, d...)
	}
	return fixture.Interaction{
		Name:       name,
		Kind:       fixture.API,
		Provenance: prov,
		Request:    fixture.Request{Method: req.method, URL: req.path, Header: req.header.Clone(), Body: req.body},
		Response:   resp,
		Defects:    all,
	}
}

// markerStatus maps a response marker to the status the fixture records: 4xx examples are
// recorded as 400 and 5xx as 500, since the docs give the class only.
func markerStatus(marker string) (int, bool) {
	switch strings.ToLower(marker) {
	case "200":
		return 200, true
	case "204":
		return 204, true
	case "4xx":
		return 400, true
	case "5xx":
		return 500, true
	}
	return 0, false
}

type parsedRequest struct {
	method, path, body string
	header             http.Header
	defects            []string
}

var (
	templateVar = regexp.MustCompile(`\{([^}]+)\}`)
	jsonComment = regexp.MustCompile(`(?m)^\s*//|\s//\s|/\*`)
	typeMember  = regexp.MustCompile(`"type"\s*:\s*"(PAYMENT|CAPTURE|REFUND|CHECK_CARD|TOKEN|PAYOUT)"\s*,?\s*"version"`)
)

var requestLine = regexp.MustCompile(`^\s*(GET|PUT|POST|DELETE|PATCH)\s+(\S+)\s+HTTP/\d(?:\.\d)?\s*$`)

// parseRequestBlock reads an HTTP request block (caption lines, request line, headers, body)
// or a bare JSON body.
func parseRequestBlock(b docs.CodeBlock) parsedRequest {
	lines := strings.Split(b.Text, "\n")
	start := -1
	for i, l := range lines {
		if requestLine.MatchString(l) {
			start = i
			break
		}
	}
	if start < 0 {
		return parsedRequest{body: strings.TrimSpace(b.Text)}
	}
	m := requestLine.FindStringSubmatch(lines[start])
	r := parsedRequest{method: m[1], path: m[2], header: http.Header{}}
	i := start + 1
	for ; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			i++
			break
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok || strings.HasPrefix(l, "{") {
			break // the body starts without a blank line
		}
		r.header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	if i < len(lines) {
		r.body = strings.TrimSpace(strings.Join(lines[i:], "\n"))
	}
	return r
}

var statusLine = regexp.MustCompile(`^\s*HTTP/\d(?:\.\d)?\s+(\d{3})`)

// parseResponseBlock reads a response example: a JSON body with optional caption lines, or
// an HTTP status line.
func parseResponseBlock(b docs.CodeBlock, status int) (*fixture.Response, []string) {
	text := strings.TrimSpace(b.Text)
	resp := &fixture.Response{Status: status, Header: http.Header{"Content-Type": {"application/json"}}}
	var defects []string
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if m := statusLine.FindStringSubmatch(l); m != nil {
			resp.Status, _ = strconv.Atoi(m[1])
			rest := strings.TrimSpace(strings.Join(lines[i+1:], "\n"))
			if resp.Status == http.StatusNoContent {
				resp.Header = nil
			}
			if rest != "" {
				resp.Body = rest
			}
			return resp, defects
		}
	}
	resp.Body = stripCaption(text)
	text = resp.Body
	defects = append(defects, jsonDefects(text)...)
	if status == 400 {
		resp.Status = refineClientError(text)
	}
	return resp, defects
}

// stripCaption drops the prose lines the docs put before a JSON example ("Successful
// response ..."): they are not part of the body.
func stripCaption(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			return strings.Join(lines[i:], "\n")
		}
	}
	return text
}

// refineClientError picks the status a 4xx example most likely had from its error code.
func refineClientError(body string) int {
	var e struct {
		ErrorCode string `json:"errorCode"`
	}
	if json.Unmarshal([]byte(body), &e) != nil {
		return 400
	}
	switch {
	case strings.HasPrefix(e.ErrorCode, "auth."):
		return 401
	case strings.Contains(e.ErrorCode, "not.found"):
		return 404
	}
	return 400
}

// jsonDefects describes what makes a documented JSON example invalid.
func jsonDefects(text string) []string {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	var defects []string
	if jsonComment.MatchString(text) {
		defects = append(defects, "comments inside JSON")
	}
	dec := json.NewDecoder(strings.NewReader(text))
	var v any
	if err := dec.Decode(&v); err != nil {
		defects = append(defects, "invalid JSON: "+err.Error())
		return defects
	}
	if _, err := dec.Token(); err != io.EOF {
		defects = append(defects, "more than one JSON value (prose or a second example in the block)")
	}
	if dups := duplicateKeys(text); len(dups) > 0 {
		defects = append(defects, "duplicate keys: "+strings.Join(dups, ", "))
	}
	return defects
}

// requestDefects are jsonDefects plus what a request body may not carry: an amount (an
// object with value and currency) whose value is not written with exactly two fraction
// digits, which QIWI refuses in requests.
func requestDefects(text string) []string {
	defects := jsonDefects(text)
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return defects
	}
	var walk func(node any)
	walk = func(node any) {
		switch n := node.(type) {
		case map[string]any:
			if value, ok := n["value"]; ok && n["currency"] != nil {
				if text := fmt.Sprint(value); !twoFractionDigits.MatchString(text) {
					defects = append(defects, fmt.Sprintf("a request amount written %s, not with two fraction digits as QIWI requires", text))
				}
			}
			for _, k := range slices.Sorted(maps.Keys(n)) {
				walk(n[k])
			}
		case []any:
			for _, e := range n {
				walk(e)
			}
		}
	}
	walk(v)
	return defects
}

var twoFractionDigits = regexp.MustCompile(`^-?[0-9]+\.[0-9]{2}$`)

// duplicateKeys lists members that appear twice in one object, as JSON pointers.
func duplicateKeys(text string) []string {
	dec := json.NewDecoder(strings.NewReader(text))
	var dups []string
	var walk func(ptr string) error
	walk = func(ptr string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k := kt.(string)
				if seen[k] {
					dups = append(dups, ptr+"/"+k)
				}
				seen[k] = true
				if err := walk(ptr + "/" + k); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(ptr + "/" + strconv.Itoa(i)); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	if walk("") != nil {
		return nil
	}
	sort.Strings(dups)
	return dups
}

// curlSection extracts a section without a declaration whose first shell block is a curl
// call to the API: the request from curl, the first JSON block after it as the 200 answer
// and a JSON block with an errorCode as the error answer.
func curlSection(p *docs.Page, name string, s docs.Section, blocks []docs.CodeBlock) []fixture.Interaction {
	var req *parsedRequest
	reqAt := -1
	for _, ep := range p.Endpoints {
		si := p.SectionAt(ep.Pos.Line)
		if ep.Source != docs.FromCurl || si < 0 || p.Sections[si].Pos != s.Pos {
			continue
		}
		u, err := url.Parse(ep.URL)
		if err != nil {
			continue
		}
		req = &parsedRequest{method: ep.Method, path: u.RequestURI(), header: ep.Header.Clone(), body: ep.Body}
		for i, b := range blocks {
			if b.Pos.Line < ep.Pos.Line {
				reqAt = i
			}
		}
		break
	}
	if req == nil {
		return nil
	}
	var defects []string
	if req.body != "" {
		defects = append(defects, requestDefects(req.body)...)
	}
	for _, ep := range p.Endpoints {
		if ep.Source == docs.FromURLHeader && ep.Pos.Anchor == s.Pos.Anchor && ep.Method == req.method &&
			!docs.MatchTemplate(strings.ToLower(ep.Path), strings.ToLower(strings.TrimPrefix(pathOnly(req.path), "/partner"))) {
			defects = append(defects, fmt.Sprintf("the curl path %s differs from the section's URL heading %s", req.path, ep.Path))
		}
	}
	if strings.Contains(req.header.Get("Authorization"), "*") {
		req.header.Set("Authorization", "Bearer masked-in-docs")
	}
	var out []fixture.Interaction
	gotOK := false
	for _, b := range blocks[reqAt+1:] {
		if b.Lang != "json" {
			continue
		}
		status := 200
		if strings.Contains(b.Text, `"errorCode"`) {
			status = 400
		} else if gotOK {
			continue
		}
		resp, respDefects := parseResponseBlock(b, status)
		if status == 200 {
			gotOK = true
		}
		out = append(out, apiInteraction(fmt.Sprintf("%s %s → %d (%s#%s)", req.method, req.path, resp.Status, name, s.Pos.Anchor),
			fixture.Provenance{Source: "docs", File: name, Line: b.Pos.Line, Anchor: s.Pos.Anchor}, *req, resp, defects, respDefects))
	}
	return out
}

// notifications extracts notification examples: JSON bodies with a top-level "type" (payin)
// or "bill" (Bill Payments), from JSON blocks or HTTP request blocks of the section.
func notifications(name string, s docs.Section, blocks []docs.CodeBlock, vectors []Vector) []fixture.Interaction {
	var out []fixture.Interaction
	var header http.Header
	signed := map[string]bool{} // a vector describes the section's first example of its type
	for _, b := range blocks {
		text := strings.TrimSpace(b.Text)
		var body string
		if b.Lang == "http" {
			r := parseRequestBlock(b)
			if r.method != http.MethodPost {
				continue
			}
			header = r.header
			body = r.body
		} else if b.Lang == "json" {
			body = stripCaption(text)
		}
		typ := notificationType(body)
		if typ == "" {
			continue
		}
		h := http.Header{"Content-Type": {"application/json"}}
		for k, v := range header {
			if strings.EqualFold(k, "Host") {
				continue
			}
			h[k] = v
		}
		in := fixture.Interaction{
			Name:       fmt.Sprintf("%s notification (%s#%s)", typ, name, s.Pos.Anchor),
			Kind:       fixture.Notification,
			Provenance: fixture.Provenance{Source: "docs", File: name, Line: b.Pos.Line, Anchor: s.Pos.Anchor},
			Request:    fixture.Request{Method: http.MethodPost, URL: "/notifications", Header: h, Body: body},
			Defects:    jsonDefects(body),
		}
		for _, v := range vectors {
			if v.Type == typ && v.Source == name+"#"+s.Pos.Anchor && !signed[typ] {
				signed[typ] = true
				in.Secret = v.Secret
				hdr := "Signature"
				if typ == "BILL" {
					hdr = "X-Api-Signature-SHA256"
				}
				in.Request.Header.Set(hdr, v.Signature)
			}
		}
		out = append(out, in)
	}
	return out
}

func notificationType(body string) string {
	var top map[string]json.RawMessage
	if json.Unmarshal([]byte(body), &top) != nil {
		// Tolerate a defective body: look for the type member textually.
		if m := typeMember.FindStringSubmatch(body); m != nil {
			return m[1]
		}
		return ""
	}
	var t string
	if raw, ok := top["type"]; ok && json.Unmarshal(raw, &t) == nil && top["version"] != nil {
		return t
	}
	if top["bill"] != nil && top["version"] != nil {
		return "BILL"
	}
	return ""
}

func pathOnly(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i]
	}
	return u
}
