// Package docs is the project's one reader of QIWI's documentation pages (Markdown, the
// unrendered .md.erb sources and plain-text website pages). It finds, with file and line:
// sections and their anchors, the method and path each section declares to its request UI,
// fenced code blocks with the marker before them (<!-- 200 -->, <!-- 4xx -->, ...), and every
// API endpoint the page mentions (declarations, HTTP request lines, curl commands, URL
// headings and prose).
//
// It reports what the page says, defects included; judging it is the caller's business.
package docs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// Position is a place in a documentation file.
type Position struct {
	File   string // path as given to the parser
	Line   int    // 1-based
	Anchor string // the anchor of the enclosing section ({#...}), if any
}

// String formats the position as file:line (#anchor).
func (p Position) String() string {
	s := fmt.Sprintf("%s:%d", p.File, p.Line)
	if p.Anchor != "" {
		s += " (#" + p.Anchor + ")"
	}
	return s
}

// SectionAt returns the index of the section that holds line (1-based), -1 if none.
func (p *Page) SectionAt(line int) int {
	idx := -1
	for i, s := range p.Sections {
		if s.Pos.Line <= line {
			idx = i
		}
	}
	return idx
}

// Section is a Markdown heading.
type Section struct {
	Title string   // the heading's text
	Level int      // 1 for #, 2 for ##, ...
	Pos   Position // the heading's line
	// Declared is the method and path the section's request UI declares, if any.
	Declared *Endpoint
}

// EndpointSource says where in the page an endpoint was found.
type EndpointSource string

// The places an endpoint is read from.
const (
	FromRequestUI EndpointSource = "requestUI" // window.requestUI(data, kind, "path", "method")
	FromHTTP      EndpointSource = "http"      // PUT /partner/... HTTP/1.1
	FromCurl      EndpointSource = "curl"      // curl [-X PUT] https://api.qiwi.com/...
	FromURLHeader EndpointSource = "url"       // <h3>URL <span>https://...</span> after "Request → PUT"
	FromProse     EndpointSource = "prose"     // "send a DELETE request to the URL https://..."
)

// Endpoint is an API method and path mentioned by the docs. Path is as written, without
// scheme, host, query and the /partner prefix, starting with "/"; it may hold concrete
// identifiers (/payin/v1/sites/test-01/...) or templates ({siteId}).
type Endpoint struct {
	Method string         // upper case: GET, PUT, POST, DELETE
	Path   string         // as described above
	Source EndpointSource // the kind of text it was read from
	Pos    Position       // where that text is
	// URL is the URL as written (curl, URL headings, prose), with host and query.
	URL string `json:",omitempty"`
	// Header and Body are what a curl command sends (-H, -d), when it is one.
	Header http.Header `json:",omitempty"` // -H
	Body   string      `json:",omitempty"` // -d
}

// CodeBlock is a fenced code block.
type CodeBlock struct {
	Lang   string   // json, http, shell, ...
	Marker string   // the <!-- ... --> comment right before the block: "200", "4xx", "Request body"
	Text   string   // the block's content, without the fences
	Pos    Position // line of the opening fence
	// Section is the index into Page.Sections of the enclosing section, -1 if none.
	Section int
}

// Page is one parsed documentation file.
type Page struct {
	File string // the path the page was read from
	// Lines are the page's lines, for readers of text outside code blocks.
	Lines     []string
	Sections  []Section   // headings, in page order
	Blocks    []CodeBlock // fenced code blocks, in page order
	Endpoints []Endpoint  // every method and path the page mentions, in page order
	// Tables are the Markdown pipe tables: parameter tables (field, type, description) and
	// enum tables (value, description), with positions, for the docs-drift check.
	Tables []Table
	// Unclosed is the opening fence of a code block the page never closes, nil if none: the
	// block's text is lost to the reader, a broken page for the drift check.
	Unclosed *Position
}

// Table is a Markdown pipe table. Rows that only separate groups (----|----) are dropped;
// cells keep their text with <br> turned into nothing, so "payment.<br>amount" reads
// "payment.amount".
type Table struct {
	Header  []string   // the header row's cells
	Rows    [][]string // the body rows' cells
	RowPos  []Position // position of each row
	Pos     Position   // position of the header row
	Section int        // index into Page.Sections, -1 if none
}

// Column returns the index of the first header cell that contains any of the names
// (case-insensitive), -1 if none.
func (t Table) Column(names ...string) int {
	for i, h := range t.Header {
		for _, n := range names {
			if strings.Contains(strings.ToLower(h), strings.ToLower(n)) {
				return i
			}
		}
	}
	return -1
}

var (
	// linkOnly is a heading's text that is one link and nothing else: the Bill Payments page's
	// "###### [Edit on Github](...)" lines, a link set in small type, not a section (taken for
	// one, it hid the section "Error Codes" that its table belongs to).
	linkOnly    = regexp.MustCompile(`^\[[^\]]*\]\([^)]*\)$`)
	headingRe   = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*(?:\{#([^}]+)\})?\s*$`)
	fenceRe     = regexp.MustCompile("^\\s*(~~~|```)\\s*([A-Za-z0-9_+-]*)\\s*$")
	markerRe    = regexp.MustCompile(`^\s*<!--\s*(.*?)\s*-->\s*$`)
	quotedRe    = regexp.MustCompile(`"([^"]*)"`)
	httpLineRe  = regexp.MustCompile(`^\s*(GET|PUT|POST|DELETE|PATCH)\s+(/\S*)\s+HTTP/\d(?:\.\d)?\s*$`)
	curlRe      = regexp.MustCompile(`^\s*curl\b(.*)$`)
	urlRe       = regexp.MustCompile(`https?://[^\s'"<>\\]+`)
	curlMethod  = regexp.MustCompile(`(?:-X|--request)\s+['"]?([A-Z]+)`)
	curlData    = regexp.MustCompile(`(?:^|\s)(?:-d|--data|--data-raw)\b`)
	curlDataArg = regexp.MustCompile(`(?:^|\s)(?:-d|--data|--data-raw)\s+(['"])`)
	curlHeader  = regexp.MustCompile(`(?:-H|--header)\s+['"]([^'"]+)['"]`)
	requestHead = regexp.MustCompile(`(?:Request|Запрос)\s*→\s*(GET|PUT|POST|DELETE|PATCH)`)
	urlHeader   = regexp.MustCompile(`<h3>URL\s*<span>(.*?)</span>`)
	proseRe     = regexp.MustCompile(`\b(GET|PUT|POST|DELETE|PATCH) request\b.*?\bURL (https?://\S+)`)
	tagRe       = regexp.MustCompile(`<[^>]+>`)
	erbTag      = regexp.MustCompile(`^\s*<%[^%]*%>\s*$`)
	tableSep    = regexp.MustCompile(`^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$`)
)

// The matchers below run their pattern only on lines holding its literal part: most lines
// hold none, and the regexp engine costs more than the look.

func fenceMatch(line string, fenceLike bool) []string {
	if !fenceLike {
		return nil
	}
	return fenceRe.FindStringSubmatch(line)
}

func headingMatch(line string) []string {
	if !strings.HasPrefix(strings.TrimSpace(line), "#") {
		return nil
	}
	return headingRe.FindStringSubmatch(line)
}

func markerMatch(line string) []string {
	if !strings.Contains(line, "<!--") {
		return nil
	}
	return markerRe.FindStringSubmatch(line)
}

func requestHeadMatch(line string) []string {
	if !strings.Contains(line, "→") {
		return nil
	}
	return requestHead.FindStringSubmatch(line)
}

func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	line = strings.TrimSuffix(line, "|")
	cells := strings.Split(line, "|")
	for i, c := range cells {
		c = strings.ReplaceAll(c, "<br>", "")
		c = strings.ReplaceAll(c, "<br/>", "")
		cells[i] = strings.TrimSpace(c)
	}
	return cells
}

// apiHosts are the hosts whose URLs are API endpoints (payment-form hosts are not).
var apiHosts = map[string]bool{"api.qiwi.com": true, "b2b-api.qiwi.com": true}

// ParseFile reads and parses one page, with ReadDir's checks: a regular file (after
// symlinks) of at most MaxPageSize bytes.
func ParseFile(path string) (*Page, error) {
	data, err := readPage(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data), nil
}

// File is a page's path and content, as ReadDir reads them.
type File struct {
	Path string
	Data []byte
}

// IsPage reports whether a file name is a documentation page: *.md, *.md.erb or *.txt.
func IsPage(name string) bool {
	return strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".md.erb") || strings.HasSuffix(name, ".txt")
}

// MaxPageSize is the largest page the reader reads: QIWI's largest is under 200 KiB.
const MaxPageSize = 16 << 20

// ErrUnreadable is wrapped by the errors about a page the reader refuses or cannot read: a
// device, FIFO or socket named like a page, a symlink that leads out of the folder, a page
// over MaxPageSize. Each names the file.
var ErrUnreadable = errors.New("unreadable documentation page")

// ReadDir reads every page under root (see IsPage), sorted by path. Only regular files
// inside root are read: a page that is a symlink leading out of root (after resolving every
// link), a device, a FIFO or a socket, or one over MaxPageSize is an error wrapping
// ErrUnreadable that names it. Folders that are symlinks are not followed.
func ReadDir(root string) ([]File, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	var files []File
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !IsPage(d.Name()) {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := filepath.EvalSymlinks(path)
			if err != nil {
				return fmt.Errorf("%s: %w: %w", path, ErrUnreadable, err)
			}
			if rel, err := filepath.Rel(realRoot, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
				return fmt.Errorf("%s: %w: a symlink to %s, outside the folder %s", path, ErrUnreadable, target, root)
			}
		}
		files = append(files, File{Path: path})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	for i := range files {
		if files[i].Data, err = readPage(files[i].Path); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// readPage reads a regular file of at most MaxPageSize bytes. It opens without blocking (a
// FIFO's open waits for a writer otherwise) and checks the kind of what it opened, not of
// what the name was before.
func readPage(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w: not a regular file (%s)", path, ErrUnreadable, fileKind(info.Mode()))
	}
	if info.Size() > MaxPageSize {
		return nil, fmt.Errorf("%s: %w: %d bytes, over the %d a page may have", path, ErrUnreadable, info.Size(), MaxPageSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxPageSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > MaxPageSize {
		return nil, fmt.Errorf("%s: %w: over the %d bytes a page may have", path, ErrUnreadable, MaxPageSize)
	}
	return data, nil
}

// fileKind names the kind of a file that is not regular.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a folder"
	}
	return "mode " + m.String()
}

// ParseDir parses every page under root (see IsPage), sorted by path.
func ParseDir(root string) ([]*Page, error) {
	files, err := ReadDir(root)
	if err != nil {
		return nil, err
	}
	return ParseFiles(files), nil
}

// ParseFiles parses pages read by ReadDir, in their order. One worker per CPU parses them:
// they share nothing.
func ParseFiles(files []File) []*Page {
	pages := make([]*Page, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := range next {
				pages[i] = Parse(files[i].Path, files[i].Data)
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	return pages
}

// Parse parses a page's content; file names it in positions.
func Parse(file string, data []byte) *Page {
	p := &Page{File: file}
	// Lines are split here, not by a bufio.Scanner, whose limit on a line's length silently
	// ended the page at a long line: a line may be as long as the page.
	lines := strings.Split(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the text after the last newline, when empty, is no line
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}

	p.Lines = lines
	section := -1
	anchor := ""
	lastMarker := ""
	lastMethodHeading := ""
	inBlock := false
	var block *CodeBlock
	var body []string
	pos := func(i int) Position { return Position{File: file, Line: i + 1, Anchor: anchor} }

	for i := 0; i < len(lines); i++ {
		line := lines[i]
		fenceLike := strings.Contains(line, "~~~") || strings.Contains(line, "```")
		if inBlock {
			if m := fenceMatch(line, fenceLike); m != nil && m[2] == "" {
				block.Text = strings.Join(body, "\n")
				p.Blocks = append(p.Blocks, *block)
				inBlock, block, body = false, nil, nil
				continue
			}
			body = append(body, line)
			p.scanEndpointLine(lines, i, pos(i), "")
			continue
		}
		if m := fenceMatch(line, fenceLike); m != nil {
			inBlock = true
			block = &CodeBlock{Lang: m[2], Marker: lastMarker, Pos: pos(i), Section: section}
			lastMarker = ""
			continue
		}
		if m := headingMatch(line); m != nil && !strings.HasPrefix(strings.TrimSpace(line), "#!") && !linkOnly.MatchString(m[2]) {
			if m[3] != "" {
				anchor = m[3]
			}
			p.Sections = append(p.Sections, Section{Title: m[2], Level: len(m[1]), Pos: pos(i)})
			section = len(p.Sections) - 1
			continue
		}
		if m := markerMatch(line); m != nil {
			lastMarker = m[1]
			continue
		}
		if strings.Contains(line, "|") && i+1 < len(lines) && tableSep.MatchString(lines[i+1]) {
			t := Table{Header: splitRow(line), Pos: pos(i), Section: section}
			j := i + 2
			for ; j < len(lines) && (strings.Contains(lines[j], "|") && strings.TrimSpace(lines[j]) != "" || erbTag.MatchString(lines[j])); j++ {
				// An .erb source's <% if %> / <% end %> between rows continues the table: the
				// rendered page shows the rows on either side as one table.
				if tableSep.MatchString(lines[j]) || erbTag.MatchString(lines[j]) {
					continue
				}
				t.Rows = append(t.Rows, splitRow(lines[j]))
				t.RowPos = append(t.RowPos, pos(j))
			}
			p.Tables = append(p.Tables, t)
			i = j - 1
			continue
		}
		if strings.Contains(line, "window.requestUI(") {
			if ep, ok := parseRequestUI(lines, i); ok {
				ep.Pos = pos(i)
				p.Endpoints = append(p.Endpoints, ep)
				if section >= 0 && p.Sections[section].Declared == nil {
					decl := ep
					p.Sections[section].Declared = &decl
				}
			}
			continue
		}
		if m := requestHeadMatch(line); m != nil {
			lastMethodHeading = m[1]
		}
		p.scanEndpointLine(lines, i, pos(i), lastMethodHeading)
	}
	if inBlock {
		open := block.Pos
		p.Unclosed = &open
	}
	return p
}

// scanEndpointLine finds HTTP request lines, curl commands, URL headings and prose
// endpoints on line i.
func (p *Page) scanEndpointLine(lines []string, i int, pos Position, methodHeading string) {
	line := lines[i]
	// Each pattern runs only on lines holding its literal part: most lines hold none.
	if !strings.Contains(line, "HTTP/") && !strings.Contains(line, "curl") && !strings.Contains(line, "<h3>") && !strings.Contains(line, " request") {
		return
	}
	if m := httpLineRe.FindStringSubmatch(line); m != nil {
		host := "api.qiwi.com" // QIWI's examples omit Host only for API calls
		for j := i + 1; j < len(lines) && j < i+10 && strings.TrimSpace(lines[j]) != ""; j++ {
			if h, ok := strings.CutPrefix(strings.TrimSpace(lines[j]), "Host:"); ok {
				host = strings.TrimSpace(h)
			}
		}
		if path, ok := apiPath("https://" + host + m[2]); ok {
			p.Endpoints = append(p.Endpoints, Endpoint{Method: m[1], Path: path, Source: FromHTTP, Pos: pos})
		}
		return
	}
	if m := curlRe.FindStringSubmatch(line); m != nil {
		// The command continues on lines ending in a backslash and on option lines.
		cmd := m[1]
		for j := i + 1; j < len(lines) && j < i+40; j++ {
			next := strings.TrimSpace(lines[j])
			if !strings.HasPrefix(next, "-") && !strings.HasSuffix(strings.TrimSpace(lines[j-1]), "\\") {
				break
			}
			cmd += " " + next
		}
		u := urlRe.FindString(cmd)
		path, ok := apiPath(u)
		if !ok {
			return
		}
		ep := Endpoint{Method: http.MethodGet, Path: path, Source: FromCurl, Pos: pos, URL: u, Header: http.Header{}}
		if mm := curlMethod.FindStringSubmatch(cmd); mm != nil {
			ep.Method = mm[1]
		} else if curlData.MatchString(cmd) {
			ep.Method = http.MethodPost
		}
		for _, h := range curlHeader.FindAllStringSubmatch(cmd, -1) {
			if k, v, ok := strings.Cut(h[1], ":"); ok {
				ep.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		ep.Body = curlBody(lines, i)
		p.Endpoints = append(p.Endpoints, ep)
		return
	}
	if m := urlHeader.FindStringSubmatch(line); m != nil && methodHeading != "" {
		raw := tagRe.ReplaceAllStringFunc(m[1], func(tag string) string { return "" })
		raw = strings.ReplaceAll(raw, "bill_id", "{bill_id}")
		if path, ok := apiPath(raw); ok {
			p.Endpoints = append(p.Endpoints, Endpoint{Method: methodHeading, Path: path, Source: FromURLHeader, Pos: pos, URL: raw})
		}
		return
	}
	if m := proseRe.FindStringSubmatch(line); m != nil {
		u := strings.TrimRight(m[2], ".,;:)")
		if path, ok := apiPath(u); ok {
			p.Endpoints = append(p.Endpoints, Endpoint{Method: m[1], Path: path, Source: FromProse, Pos: pos, URL: u})
		}
	}
}

// curlBody reads the quoted argument of -d/--data/--data-raw, which may span lines, from
// the curl command starting at line i. It stops at the closing quote or the end of the block.
func curlBody(lines []string, i int) string {
	for j := i; j < len(lines) && j < i+40; j++ {
		m := curlDataArg.FindStringSubmatchIndex(lines[j])
		if m == nil {
			continue
		}
		quote := lines[j][m[2]:m[3]]
		rest := lines[j][m[3]:]
		var b strings.Builder
		for k := j; k < len(lines) && k < j+200; k++ {
			if k > j {
				rest = lines[k]
				if fenceRe.MatchString(rest) {
					break
				}
				b.WriteByte('\n')
			}
			if end := strings.Index(rest, quote); end >= 0 {
				b.WriteString(rest[:end])
				return strings.TrimSpace(b.String())
			}
			b.WriteString(rest)
		}
		return strings.TrimSpace(b.String())
	}
	return ""
}

// parseRequestUI reads window.requestUI(data, "kind", "path", "method", [...]).
func parseRequestUI(lines []string, i int) (Endpoint, bool) {
	var quoted []string
	for j := i; j < len(lines) && j < i+8; j++ {
		for _, m := range quotedRe.FindAllStringSubmatch(lines[j], -1) {
			quoted = append(quoted, m[1])
		}
		if strings.Contains(lines[j], ")") && len(quoted) >= 3 {
			break
		}
	}
	if len(quoted) < 3 {
		return Endpoint{}, false
	}
	method := strings.ToUpper(quoted[2])
	switch method {
	case http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodPatch:
	default:
		return Endpoint{}, false
	}
	return Endpoint{Method: method, Path: "/" + strings.TrimPrefix(quoted[1], "/"), Source: FromRequestUI}, true
}

// apiPath turns an API URL into a path without host, query and /partner prefix.
func apiPath(u string) (string, bool) {
	rest, ok := strings.CutPrefix(u, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(u, "http://"); !ok {
			return "", false
		}
	}
	host, path, _ := strings.Cut(rest, "/")
	if !apiHosts[host] {
		return "", false
	}
	path, _, _ = strings.Cut(path, "?")
	path = "/" + strings.TrimRight(path, "/")
	path = strings.TrimPrefix(path, "/partner")
	if path == "" {
		return "", false
	}
	return path, true
}

// MatchTemplate reports whether a documented path (concrete or templated) fits a spec path
// template: the same number of segments, equal literal segments, any value for {x}.
func MatchTemplate(template, path string) bool {
	template, path = strings.Trim(template, "/"), strings.Trim(path, "/")
	for {
		t, tRest, tMore := strings.Cut(template, "/")
		p, pRest, pMore := strings.Cut(path, "/")
		if !(strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}")) && t != p {
			return false
		}
		if tMore != pMore {
			return false // one has more segments
		}
		if !tMore {
			return true
		}
		template, path = tRest, pRest
	}
}
