package extract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/spec/notification"
)

// notifications extracts notification examples: JSON bodies with a top-level "type" and
// "version" (payin), or with every required member of a declared body that has no "type"
// member (Bill Payments: "bill" and "version"), from JSON blocks or HTTP request blocks of the
// section.
func notifications(name string, s docs.Section, blocks []docs.CodeBlock, notes []notification.Declaration, vectors []Vector) []fixture.Interaction {
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
		typ := notificationType(body, notes)
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
		i := slices.IndexFunc(notes, func(d notification.Declaration) bool { return d.Type == typ })
		for _, v := range vectors {
			if i >= 0 && v.Type == typ && v.Source == name+"#"+s.Pos.Anchor && !signed[typ] {
				signed[typ] = true
				in.Secret = v.Secret
				in.Request.Header.Set(notes[i].SignatureHeader, v.Signature)
			}
		}
		out = append(out, in)
	}
	return out
}

// notificationType is the type of the notification body is an example of, "" if it is none.
// A body with a "type" and a "version" is one of that type; a body that is not JSON is one of
// a declared type if its text holds that type member before "version".
func notificationType(body string, notes []notification.Declaration) string {
	var top map[string]json.RawMessage
	if json.Unmarshal([]byte(body), &top) != nil {
		// Tolerate a defective body: look for a declared type member textually.
		var types []string
		for _, d := range notes {
			if typed(d) {
				types = append(types, regexp.QuoteMeta(d.Type))
			}
		}
		if len(types) == 0 {
			return ""
		}
		typeMember, err := regexp.Compile(`"type"\s*:\s*"(` + strings.Join(types, "|") + `)"\s*,?\s*"version"`)
		if err != nil {
			return "" // cannot happen: the types are quoted
		}
		if m := typeMember.FindStringSubmatch(body); m != nil {
			return m[1]
		}
		return ""
	}
	var t string
	if raw, ok := top["type"]; ok && json.Unmarshal(raw, &t) == nil && top["version"] != nil {
		return t
	}
	for _, d := range notes {
		if !typed(d) && len(d.Body.Value.Required) > 0 && !slices.ContainsFunc(d.Body.Value.Required, func(m string) bool { return top[m] == nil }) {
			return d.Type
		}
	}
	return ""
}

// typed reports whether the declared body names its type in a "type" member; a body that does
// not (Bill Payments') is known by its required members.
func typed(d notification.Declaration) bool {
	return d.Body == nil || d.Body.Value == nil || d.Body.Value.Properties["type"] != nil
}
