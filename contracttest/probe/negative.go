package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/generator/runtime/transport"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
	"github.com/qiwigen/qiwigen/spec/ext"
)

// payoutSignatureHeader carries a payout's signature, as the generated client sets it
// (generator/runtime/transport).
const payoutSignatureHeader = "X-Digital-Sign"

// spoiled is a request body the spec refuses, and why.
type spoiled struct {
	member string // the JSON pointer spoiled
	what   string // what was done to it
	body   any
}

// negatives sends, for each operation with a request body, requests the spec refuses: each
// required member dropped, each of the wrong type, and an amount in a form the API refuses,
// as long as --max-requests allows. Each must be answered with a 4xx and QIWI's error
// object. Signed operations (payouts) are signed as the client signs them, with the site's
// payout key; without it they are left out.
func (p *probe) negatives(ctx context.Context) []exchange {
	var out []exchange
	for _, info := range operationsInOrder(p.ops) {
		if len(p.opts.Operations) > 0 && !slices.Contains(p.opts.Operations, info.ID) {
			continue
		}
		schema := p.requestSchema(info.ID)
		if schema == nil || schema.Value == nil || info.Signed && p.opts.PayoutKeys[p.site] == nil {
			continue
		}
		for _, bad := range p.spoil(info.Path, ownRequired(schema.Value), p.vals.body(schema, "")) {
			if ctx.Err() != nil || p.rec.spent() {
				return out
			}
			ex, ok := p.sendRaw(ctx, info.ID, info.Method, info.Path, bad)
			if ok {
				out = append(out, ex)
			}
		}
	}
	return out
}

// ownRequired returns the members a schema requires whatever its variants: its own required
// list and its allOf parts'.
func ownRequired(s *openapi3.Schema) []string {
	out := slices.Clone(s.Required)
	for _, part := range s.AllOf {
		if part.Value != nil {
			out = append(out, ownRequired(part.Value)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// spoil returns the refused variants of a valid body; required are the members the schema
// requires in every variant.
func (p *probe) spoil(path string, required []string, valid any) []spoiled {
	body, ok := valid.(map[string]any)
	if !ok {
		return nil
	}
	var out []spoiled
	clone := func() map[string]any {
		var c map[string]any
		data, _ := json.Marshal(body)
		_ = json.Unmarshal(data, &c)
		return c
	}
	for _, k := range required {
		dropped := clone()
		delete(dropped, k)
		out = append(out, spoiled{member: "/" + k, what: "required member dropped", body: dropped})
		wrong := clone()
		wrong[k] = wrongType(body[k])
		out = append(out, spoiled{member: "/" + k, what: "member of the wrong type", body: wrong})
	}
	if _, err := jsonpointer.Get(body, "/amount/value"); err == nil && p.money != nil {
		form, err := ext.RequestAmountForm(p.money, path)
		if err == nil {
			bad := clone()
			value := "1.5" // one fraction digit: what the two-digit form refuses
			if form != wiretype.AmountTwoFractionDigits {
				value = "1.505"
			}
			bad["amount"].(map[string]any)["value"] = value
			out = append(out, spoiled{member: "/amount/value", what: "amount in a form the API refuses (" + value + ")", body: bad})
		}
	}
	return out
}

// wrongType returns a value of another JSON type than v's.
func wrongType(v any) any {
	switch v.(type) {
	case string:
		return 12345
	case map[string]any, []any:
		return "probe"
	}
	return map[string]any{"probe": true}
}

// sendRaw sends a spoiled request past the generated client (which would refuse to encode
// it), with the key, and checks the answer is a 4xx.
func (p *probe) sendRaw(ctx context.Context, opID, method, path string, bad spoiled) (exchange, bool) {
	info := p.ops[opID]
	for _, param := range info.PathParams {
		value := p.vals.id()
		if slices.ContainsFunc(info.ConfigParams, func(c transportConfigParam) bool { return c.Name == param }) {
			value = p.site
		}
		path = strings.Replace(path, "{"+param+"}", url.PathEscape(value), 1)
	}
	data, err := json.Marshal(bad.body)
	if err != nil {
		return exchange{}, false
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(p.opts.BaseURL, "/")+"/partner"+path, bytes.NewReader(data))
	if err != nil {
		return exchange{}, false
	}
	req.Header.Set("Authorization", "Bearer "+p.key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if info.Signed {
		// Signed as the generated client signs: the spoiled body, so that the refusal is
		// the body's, not the signature's.
		sig, err := transport.SignPayoutBody(p.opts.PayoutKeys[p.site], data)
		if err != nil {
			return exchange{}, false
		}
		req.Header.Set(payoutSignatureHeader, sig)
	}
	resp, err := (&http.Client{Transport: p.rec, Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		p.rec.take()
		return exchange{}, false
	}
	resp.Body.Close()
	recorded := p.rec.take()
	if len(recorded) == 0 {
		return exchange{}, false
	}
	in := recorded[len(recorded)-1]
	in.Name = fmt.Sprintf("negative %s %s: %s", opID, bad.member, bad.what)
	ex := exchange{in: in, kind: KindNegative, member: bad.member, flow: -1}
	if status := in.Response.Status; status < 400 || status >= 500 {
		ex.extra = append(ex.extra, verdict.Finding{Severity: verdict.Fail, Verdict: "negative", Pointer: bad.member,
			Message: fmt.Sprintf("%s: request with %s %s answered %d, want a 4xx with QIWI's error", opID, bad.what, bad.member, status)})
	}
	return ex, true
}
