package extract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/fixture"
)

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
