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
	"github.com/qiwigen/qiwigen/spec/load"
	"github.com/qiwigen/qiwigen/spec/notification"
)

// ErrNoExamples is returned by Dir for a folder that yields no example: it holds no page,
// or no page holds an example.
var ErrNoExamples = errors.New("no examples")

// Declarations returns the notifications a resolved spec declares (notification.Collect), the
// notes Dir and Page recognize notification examples by.
func Declarations(spec []byte) ([]notification.Declaration, error) {
	doc, err := load.Spec(spec)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	notes, err := notification.Collect(doc)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	return notes, nil
}

// Dir extracts fixtures from every page under root. A rendered page (x.md) whose source
// (x.md.erb) is also present is skipped: the source holds the same examples and more. A
// folder without a page, or whose pages hold no example, is an error (ErrNoExamples). notes
// are the spec's notification declarations (Declarations): a notification example is one of
// their types, and a vector's signature goes in its type's signature header.
func Dir(root string, notes []notification.Declaration, vectors []Vector) ([]fixture.Interaction, error) {
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
		out = append(out, Page(p, filepath.ToSlash(rel), notes, vectors)...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w: %d pages read, none holds a request, response or notification example", root, ErrNoExamples, len(pages))
	}
	return out, nil
}

// Page extracts the fixtures of one parsed page; name is the page's name in provenance, notes
// and vectors are Dir's.
func Page(p *docs.Page, name string, notes []notification.Declaration, vectors []Vector) []fixture.Interaction {
	var out []fixture.Interaction
	for si, s := range p.Sections {
		blocks := sectionBlocks(p, si)
		if s.Declared != nil {
			out = append(out, declared(p, name, s, blocks)...)
		} else {
			out = append(out, curlSection(p, name, s, blocks)...)
		}
		out = append(out, notifications(name, s, blocks, notes, vectors)...)
	}
	return append(out, exchanges(p, name)...)
}

var (
	templateVar = regexp.MustCompile(`\{([^}]+)\}`)
	jsonComment = regexp.MustCompile(`(?m)^\s*//|\s//\s|/\*`)
)

var requestLine = regexp.MustCompile(`^\s*(GET|PUT|POST|DELETE|PATCH)\s+(\S+)\s+HTTP/\d(?:\.\d)?\s*$`)

var statusLine = regexp.MustCompile(`^\s*HTTP/\d(?:\.\d)?\s+(\d{3})`)
