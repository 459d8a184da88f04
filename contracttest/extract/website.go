package extract

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/fixture"
)

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
