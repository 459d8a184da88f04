// Package extract turns the request, response and notification examples of QIWI's
// documentation into fixtures, through the one docs parser (contracttest/docs). Examples
// that are themselves wrong are kept and tagged with the defect, never repaired.
package extract

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/fixture"
)

// ErrNoExamples is returned by Dir for a folder that yields no example: it holds no page,
// or no page holds an example.
var ErrNoExamples = errors.New("no examples")

// Dir extracts fixtures from every page under root. A rendered page (x.md) whose source
// (x.md.erb) is also present is skipped: the source holds the same examples and more. A
// folder without a page, or whose pages hold no example, is an error (ErrNoExamples).
func Dir(root string, vectors []Vector) ([]fixture.Interaction, error) {
	pages, err := docs.ParseDir(root)
	if err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("%s: %w: no documentation page (*.md, *.md.erb, *.txt) under it", root, ErrNoExamples)
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
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w: %d pages read, none holds a request, response or notification example", root, ErrNoExamples, len(pages))
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

var (
	templateVar = regexp.MustCompile(`\{([^}]+)\}`)
	jsonComment = regexp.MustCompile(`(?m)^\s*//|\s//\s|/\*`)
	typeMember  = regexp.MustCompile(`"type"\s*:\s*"(PAYMENT|CAPTURE|REFUND|CHECK_CARD|TOKEN|PAYOUT)"\s*,?\s*"version"`)
)

var requestLine = regexp.MustCompile(`^\s*(GET|PUT|POST|DELETE|PATCH)\s+(\S+)\s+HTTP/\d(?:\.\d)?\s*$`)

var statusLine = regexp.MustCompile(`^\s*HTTP/\d(?:\.\d)?\s+(\d{3})`)
