package redact

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Traffic decides what is secret in recorded HTTP traffic, for every scrubber and report
// that keeps or shows it: credential headers in any case and with stray spaces, query
// parameters and form fields by name, JSON members by name (the spec's x-qiwi-secret members,
// matched case-insensitively, and the usual credential names), and card numbers (13 to 19
// digits passing the Luhn check) wherever they stand. It is the one decision-maker; a
// TrafficScrub applies it to one exchange. Names compare case-insensitively, without spaces,
// "-" or "_": "X-API-KEY ", "x_api_key" and "X-Api-Key" are one header, "api_key" and
// "apiKey" one parameter.
type Traffic struct {
	mark    string
	headers map[string]bool // folded header names
	params  map[string]bool // folded query parameter and form field names
	// JSON members: anywhere ("pan"), in a parent ("token.value"), at the top of a body
	// ("token"); folded.
	anywhere, inParent, atTop map[string]bool
	schemes                   map[string]bool // folded headers whose value keeps its scheme
}

// credentialHeaders carry credentials in any HTTP API: keys, signatures, cookies.
var credentialHeaders = []string{
	"Authorization", "Proxy-Authorization", "X-Api-Key", "Api-Key", "X-Auth-Token", "X-Access-Token",
	"X-Digital-Sign", "Signature", "X-Signature", "X-Api-Signature-SHA256", "Cookie", "Set-Cookie",
	"X-Csrf-Token", "X-Xsrf-Token",
}

// credentialParams are query parameters and form fields that carry credentials or card data.
var credentialParams = []string{
	"access_token", "refresh_token", "id_token", "api_key", "key", "token", "auth", "authorization",
	"password", "passwd", "secret", "client_secret", "signature", "sign", "sig",
	"paymentToken", "cvv", "cvv2", "cvc", "cvc2", "pan", "card_number",
}

// credentialMembers are JSON members that are secret in any body, beside the spec's own.
var credentialMembers = []string{
	"access_token", "refresh_token", "id_token", "api_key", "client_secret", "password", "cvv", "cvc", "cvc2", "card_number",
}

// fold is the form names are compared in: lower case, without spaces, "-" or "_".
func fold(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' || r == '_' {
			return -1
		}
		return unicode.ToLower(r)
	}, name)
}

// NewTraffic returns the decision of what is secret, with mark replacing each secret value.
// members are the spec's secret members as scrubbers match them in a body they know no model
// of: a name ("pan") wherever it stands, "parent.name" ("token.value") inside that parent,
// ".name" at the top of a body. headers are secret headers beside the credential headers
// every API has (the notification signature headers a spec declares).
func NewTraffic(mark string, members, headers []string) *Traffic {
	t := &Traffic{mark: mark, headers: map[string]bool{}, params: map[string]bool{},
		anywhere: map[string]bool{}, inParent: map[string]bool{}, atTop: map[string]bool{},
		schemes: map[string]bool{fold("Authorization"): true, fold("Proxy-Authorization"): true}}
	for _, h := range slices.Concat(credentialHeaders, headers) {
		t.headers[fold(h)] = true
	}
	for _, p := range credentialParams {
		t.params[fold(p)] = true
	}
	for _, m := range credentialMembers {
		t.anywhere[fold(m)] = true
	}
	for _, m := range members {
		switch parent, name, nested := strings.Cut(m, "."); {
		case nested && parent == "":
			t.atTop[fold(name)] = true
			t.params[fold(name)] = true
		case nested:
			t.inParent[fold(parent)+"."+fold(name)] = true
		default:
			t.anywhere[fold(m)] = true
			t.params[fold(m)] = true
		}
	}
	return t
}

// Mark is what replaces a secret value.
func (t *Traffic) Mark() string { return t.mark }

// Header reports whether a header is secret.
func (t *Traffic) Header(name string) bool { return t.headers[fold(name)] }

// Param reports whether a query parameter or form field is secret.
func (t *Traffic) Param(name string) bool { return t.params[fold(name)] }

// Member reports whether a JSON member, inside the member parent ("" at the top of a body),
// is secret.
func (t *Traffic) Member(parent, name string) bool {
	n := fold(name)
	return t.anywhere[n] || t.inParent[fold(parent)+"."+n] || (parent == "" && t.atTop[n])
}

// textMember reports whether a member is secret in text that shows JSON without its
// structure: a name secret anywhere or at the top.
func (t *Traffic) textMember(name string) bool {
	n := fold(name)
	return t.anywhere[n] || t.atTop[n]
}

// Scrub starts scrubbing one exchange.
func (t *Traffic) Scrub() *TrafficScrub {
	return &TrafficScrub{t: t, values: map[string]bool{}}
}

// TrafficScrub applies a Traffic decision to the parts of one exchange. It remembers every
// secret value it replaced, so that whatever else is said about the exchange (its name, a
// report's message quoting it) is scrubbed of the same values by Text. Run every part
// through it once, then again: the second pass hides in each part the values found in the
// others.
type TrafficScrub struct {
	t        *Traffic
	replaced []string
	values   map[string]bool
	sorted   []string // values, longest first; nil when values changed
}

// Replaced names what was replaced, in order: "header Authorization", "field pan",
// "parameter access_token", "bearer credential in text", "card number in text". Each value
// the scrub found secret in what it scrubbed is named where it was found (a value hidden
// because it was found before, or because it was given to Secret, is not). While Replaced
// stays empty the scrub has learnt no value from the exchange, and, given none by Secret,
// has changed nothing.
func (s *TrafficScrub) Replaced() []string { return s.replaced }

func (s *TrafficScrub) note(what string) { s.replaced = append(s.replaced, what) }

// Secret remembers a value known to be secret (a notification's signing key), so that Text
// hides it.
func (s *TrafficScrub) Secret(v string) {
	v = strings.TrimSpace(v)
	if v == "" || v == s.t.mark || strings.Trim(v, "*") == "" {
		return
	}
	if !s.values[v] {
		s.values[v] = true
		s.sorted = nil
	}
	if u, err := url.QueryUnescape(v); err == nil && u != v {
		s.Secret(u)
	}
}

// Header replaces the values of secret headers (keeping an authorization's scheme, "Bearer
// REDACTED", which replays check for) and scrubs the others as text.
func (s *TrafficScrub) Header(h http.Header) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		vs := h[k]
		if !s.t.Header(k) {
			for i, v := range vs {
				vs[i] = s.Text(v)
			}
			continue
		}
		changed := false
		for i, v := range vs {
			scheme, cred, ok := strings.Cut(strings.TrimSpace(v), " ")
			if ok && s.t.schemes[fold(k)] && isScheme(scheme) {
				if cred = strings.TrimSpace(cred); cred != s.t.mark {
					s.Secret(v)
					s.Secret(cred)
					vs[i], changed = scheme+" "+s.t.mark, true
				}
				continue
			}
			if strings.TrimSpace(v) != "" && v != s.t.mark {
				s.Secret(v)
				vs[i], changed = s.t.mark, true
			}
		}
		if changed {
			s.note("header " + strings.TrimSpace(k))
		}
	}
}

func isScheme(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') }) < 0
}

// Body scrubs a body: a JSON body member by member (its shape kept; only scalar values are
// secrets, an object or array under a secret name is walked), any other body as text (form
// fields by name, card numbers, known values).
func (s *TrafficScrub) Body(body string) string {
	if strings.TrimSpace(body) == "" {
		return body
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil || dec.More() {
		return s.Text(body)
	}
	changed := false
	v = s.value(v, "", &changed)
	if !changed {
		return body
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return s.Text(body)
	}
	return strings.TrimSuffix(out.String(), "\n")
}

func (s *TrafficScrub) value(v any, key string, changed *bool) any {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if s.t.Member(key, k) {
				switch child.(type) {
				case map[string]any, []any, nil:
				default:
					if str, ok := child.(string); ok && (str == s.t.mark || str == "") {
						continue
					}
					s.Secret(scalar(child))
					t[k], *changed = s.t.mark, true
					s.note("field " + k)
					continue
				}
			}
			t[k] = s.value(child, k, changed)
		}
		return t
	case []any:
		for i := range t {
			t[i] = s.value(t[i], key, changed)
		}
		return t
	case string:
		if out := s.Text(t); out != t {
			*changed = true
			return out
		}
	case json.Number:
		if isCard(string(t)) {
			s.Secret(string(t))
			s.note("card number in " + key)
			*changed = true
			return s.t.mark
		}
	}
	return v
}

func scalar(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return string(t)
	}
	return ""
}

var (
	// nameValue is a query parameter or form field: after the start, "?", "&", ";" or a
	// separator of prose.
	nameValue = regexp.MustCompile(`(^|[?&;\s"'(,])([A-Za-z0-9_.\-\[\]]+)=([^&;#\s"'<>)]*)`)
	// jsonMember is a JSON member with a scalar value, in text that quotes JSON.
	jsonMember = regexp.MustCompile(`"([^"\\]{1,64})"\s*:\s*("(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+\-]*)`)
	// bearer is a bearer credential in text.
	bearer = regexp.MustCompile(`(?i)\b(bearer)\s+([A-Za-z0-9\-._~+/]{8,}=*)`)
	// digits are the runs a card number may stand in: plain, or in groups of four.
	digits = regexp.MustCompile(`[0-9]{4}(?:[ -][0-9]{4}){2}[ -][0-9]{1,7}|[0-9]{13,}`)
)

// Text scrubs free text: the values this scrub replaced elsewhere in the exchange, query
// parameters and form fields and JSON members by name, bearer credentials, and card numbers.
func (s *TrafficScrub) Text(text string) string {
	if text == "" {
		return text
	}
	mark := s.t.mark
	if strings.Contains(text, "=") {
		text = nameValue.ReplaceAllStringFunc(text, func(m string) string {
			sub := nameValue.FindStringSubmatch(m)
			name := sub[2]
			if u, err := url.QueryUnescape(name); err == nil {
				name = u
			}
			if !s.t.Param(name) || sub[3] == "" || sub[3] == mark {
				return m
			}
			s.Secret(sub[3])
			s.note("parameter " + name)
			return sub[1] + sub[2] + "=" + mark
		})
	}
	if strings.Contains(text, `"`) {
		text = jsonMember.ReplaceAllStringFunc(text, func(m string) string {
			sub := jsonMember.FindStringSubmatch(m)
			if !s.t.textMember(sub[1]) || sub[2] == `"`+mark+`"` || sub[2] == `""` {
				return m
			}
			v := sub[2]
			if uq, err := unquoteJSON(v); err == nil {
				v = uq
			}
			s.Secret(v)
			s.note("field " + sub[1])
			return `"` + sub[1] + `":"` + mark + `"`
		})
	}
	if hasBearer(text) {
		text = bearer.ReplaceAllStringFunc(text, func(m string) string {
			sub := bearer.FindStringSubmatch(m)
			if sub[2] == mark {
				return m
			}
			s.Secret(sub[2])
			s.note("bearer credential in text")
			return sub[1] + " " + mark
		})
	}
	text = s.known(text)
	return s.cards(text)
}

// hasBearer reports whether text holds "bearer" in any case, as bearer needs to match: its
// letters have no case forms beyond ASCII's.
func hasBearer(text string) bool {
	for i := 0; i+len("bearer") <= len(text); i++ {
		if text[i]|0x20 == 'b' && strings.EqualFold(text[i:i+len("bearer")], "bearer") {
			return true
		}
	}
	return false
}

func unquoteJSON(q string) (string, error) {
	var v string
	err := json.Unmarshal([]byte(q), &v)
	return v, err
}

// known replaces the values this scrub found: a long value wherever it stands, a shorter
// one as a word of its own, one of three characters or fewer only where it is quoted.
func (s *TrafficScrub) known(text string) string {
	if s.sorted == nil && len(s.values) > 0 {
		for v := range s.values {
			s.sorted = append(s.sorted, v)
		}
		sort.Slice(s.sorted, func(i, j int) bool {
			if len(s.sorted[i]) != len(s.sorted[j]) {
				return len(s.sorted[i]) > len(s.sorted[j])
			}
			return s.sorted[i] < s.sorted[j]
		})
	}
	for _, v := range s.sorted {
		for _, form := range forms(v) {
			if !strings.Contains(text, form) {
				continue
			}
			switch {
			case len(v) >= 8:
				text = strings.ReplaceAll(text, form, s.t.mark)
			case len(v) >= 4:
				text = replaceWord(text, form, s.t.mark)
			}
		}
		for _, q := range []string{`"` + v + `"`, quoteGo(v)} {
			text = strings.ReplaceAll(text, q, `"`+s.t.mark+`"`)
		}
	}
	return text
}

// forms are the ways a value is written in text: as it is, JSON-escaped, Go-quoted and
// URL-encoded.
func forms(v string) []string {
	out := []string{v}
	add := func(f string) {
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if b, err := json.Marshal(v); err == nil {
		add(string(b[1 : len(b)-1]))
	}
	q := quoteGo(v)
	add(q[1 : len(q)-1])
	add(url.QueryEscape(v))
	add(url.PathEscape(v))
	return out
}

func quoteGo(v string) string { return strconv.Quote(v) }

// replaceWord replaces form where it stands as a word of its own: no letter or digit on
// either side.
func replaceWord(text, form, mark string) string {
	var b strings.Builder
	for {
		i := strings.Index(text, form)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		end := i + len(form)
		if (i == 0 || !isWordByte(text[i-1])) && (end == len(text) || !isWordByte(text[end])) {
			b.WriteString(text[:i])
			b.WriteString(mark)
		} else {
			b.WriteString(text[:end])
		}
		text = text[end:]
	}
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// cards replaces the card numbers in text: runs of 13 to 19 digits (or four-digit groups
// split by spaces or dashes) that pass the Luhn check, with no digit on either side.
func (s *TrafficScrub) cards(text string) string {
	if !mayHoldCard(text) {
		return text
	}
	locs := digits.FindAllStringIndex(text, -1)
	if locs == nil {
		return text
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		run := text[l[0]:l[1]]
		if (l[0] > 0 && isDigit(text[l[0]-1])) || (l[1] < len(text) && isDigit(text[l[1]])) || !isCard(run) {
			continue
		}
		b.WriteString(text[last:l[0]])
		b.WriteString(s.t.mark)
		last = l[1]
		s.Secret(run)
		s.note("card number in text")
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// mayHoldCard reports whether digits could match in text: a match has 13 digits or more,
// and either a run of 13 or more or a run of four followed by a space or dash and a digit.
// Most text (dates, amounts, identifiers) has neither, and is passed over without the regexp.
func mayHoldCard(text string) bool {
	total, run, shaped := 0, 0, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		if isDigit(c) {
			total++
			if run++; run >= 13 {
				shaped = true
			}
			continue
		}
		if run >= 4 && (c == ' ' || c == '-') && i+1 < len(text) && isDigit(text[i+1]) {
			shaped = true
		}
		run = 0
	}
	return shaped && total >= 13
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isCard reports whether s, without its spaces and dashes, is 13 to 19 digits passing the
// Luhn check.
func isCard(s string) bool {
	sum, n := 0, 0
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c == ' ' || c == '-' {
			continue
		}
		if !isDigit(c) {
			return false
		}
		d := int(c - '0')
		if n%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		n++
	}
	return n >= 13 && n <= 19 && sum%10 == 0
}
