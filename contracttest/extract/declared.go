package extract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/fixture"
)

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

func pathOnly(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i]
	}
	return u
}
