package replay

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/spec"
)

// planter builds recordings with random secrets in every place a recording keeps them, and
// remembers each secret it planted.
type planter struct {
	rng     *rand.Rand
	planted []string
}

// secret returns a new random secret: 12 to 24 characters a URL, JSON, XML and Go quoting
// all leave as they are.
func (p *planter) secret() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~"
	b := make([]byte, 12+p.rng.IntN(13))
	for i := range b {
		b[i] = alphabet[p.rng.IntN(len(alphabet))]
	}
	s := string(b)
	p.planted = append(p.planted, s)
	return s
}

// card returns a new random card number that passes the Luhn check.
func (p *planter) card() string {
	d := make([]int, 16)
	d[0] = 4
	for i := 1; i < 15; i++ {
		d[i] = p.rng.IntN(10)
	}
	sum := 0
	for i := 14; i >= 0; i-- { // from the digit left of the check digit: doubled first
		v := d[i]
		if (14-i)%2 == 0 {
			if v *= 2; v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	d[15] = (10 - sum%10) % 10
	var b strings.Builder
	for _, v := range d {
		b.WriteByte(byte('0' + v))
	}
	p.planted = append(p.planted, b.String())
	return b.String()
}

// variant writes a name in random case.
func (p *planter) variant(name string) string {
	b := []byte(name)
	for i, c := range b {
		if p.rng.IntN(2) == 0 {
			if 'a' <= c && c <= 'z' {
				b[i] = c - 'a' + 'A'
			} else if 'A' <= c && c <= 'Z' {
				b[i] = c - 'A' + 'a'
			}
		}
	}
	return string(b)
}

// spaced writes a header name in random case with stray spaces around it, sometimes.
func (p *planter) spaced(name string) string {
	name = p.variant(name)
	switch p.rng.IntN(4) {
	case 0:
		return " " + name
	case 1:
		return name + " "
	case 2:
		return "\t" + name + " "
	}
	return name
}

func (p *planter) pick(list []string) string { return list[p.rng.IntN(len(list))] }

// nest wraps a member in random depths of objects and arrays.
func (p *planter) nest(member string) string {
	for range p.rng.IntN(3) {
		if p.rng.IntN(2) == 0 {
			member = `"extra":{` + member + `}`
		} else {
			member = `"list":[{` + member + `}]`
		}
	}
	return member
}

var (
	credentialHeaders = []string{"Authorization", "Proxy-Authorization", "X-Api-Key", "X-Digital-Sign", "Signature",
		"X-Api-Signature-SHA256", "Cookie"}
	answerHeaders = []string{"Set-Cookie", "Signature", "X-Api-Key"}
	queryParams   = []string{"access_token", "api_key", "key", "token", "paymentToken", "cvv", "cvv2", "pan", "signature"}
	formFields    = []string{"cvv2", "paymentToken", "pan", "cvv", "access_token"}
	// secretMembers are the spec's x-qiwi-secret members (qiwi.SecretMembers) that stand
	// anywhere in a body.
	secretMembers = []string{"pan", "cvv2", "paymentToken", "smsCode", "pareq", "pares"}
)

// interaction plants secrets in one recording of a card payment.
func (p *planter) interaction(i int) fixture.Interaction {
	id := fmt.Sprintf("p%d", i)
	if p.rng.IntN(3) == 0 {
		id = p.card() // a card number in the path, and so in the name
	}
	u := "/partner/payin/v1/sites/test-01/payments/" + id
	if n := p.rng.IntN(3); n > 0 {
		var q []string
		for range n {
			q = append(q, p.variant(p.pick(queryParams))+"="+p.secret())
		}
		q = append(q, "page=1")
		p.rng.Shuffle(len(q), func(i, j int) { q[i], q[j] = q[j], q[i] })
		u += "?" + strings.Join(q, "&")
	}
	header := http.Header{"Content-Type": {"application/json"}}
	for range 1 + p.rng.IntN(3) {
		name := p.pick(credentialHeaders)
		value := p.secret()
		if strings.HasSuffix(name, "Authorization") && p.rng.IntN(2) == 0 {
			value = "Bearer " + value
		}
		header[p.spaced(name)] = []string{value}
	}
	var body string
	if p.rng.IntN(4) == 0 {
		fields := []string{"amount=10.00"}
		for range 1 + p.rng.IntN(3) {
			fields = append(fields, p.variant(p.pick(formFields))+"="+p.secret())
		}
		body = strings.Join(fields, "&")
	} else {
		members := []string{
			`"amount":{"value":"10.00","currency":"RUB"}`,
			`"paymentMethod":{"type":"CARD",` + p.nest(`"`+p.variant("pan")+`":"`+p.card()+`"`) + `,"expiryDate":"12/30",` +
				`"` + p.variant("cvv2") + `":"` + p.secret() + `","holderName":"CARD HOLDER"}`,
			`"comment":"paid with ` + p.card() + `"`,
		}
		for range p.rng.IntN(3) {
			members = append(members, p.nest(`"`+p.variant(p.pick(secretMembers))+`":"`+p.secret()+`"`))
		}
		if p.rng.IntN(2) == 0 {
			members = append(members, `"`+p.variant("token")+`":"`+p.secret()+`"`)
		}
		body = "{" + strings.Join(members, ",") + "}"
	}
	answer := http.Header{"Content-Type": {"application/json"}}
	if p.rng.IntN(2) == 0 {
		answer[p.spaced(p.pick(answerHeaders))] = []string{p.secret()}
	}
	answerBody := `{"paymentId":"` + id + `","amount":{"value":"10.00","currency":"RUB"},"status":{"value":"COMPLETED"},` +
		`"paymentMethod":{"type":"CARD","maskedPan":"411111******1111","` + p.variant("pan") + `":"` + p.card() + `"},` +
		`"createdToken":{"` + p.variant("token") + `":"` + p.secret() + `","name":"411111******1111"},` +
		`"` + p.variant("token") + `":{"` + p.variant("value") + `":"` + p.secret() + `"}}`
	name := "payment " + id
	if p.rng.IntN(2) == 0 {
		name += " with card " + p.card()
	}
	return fixture.Interaction{Name: name, Kind: fixture.API,
		Provenance: fixture.Provenance{Source: "har", File: "traffic.har", Entry: i + 1},
		Request:    fixture.Request{Method: http.MethodPut, URL: u, Header: header, Body: body},
		Response:   &fixture.Response{Status: 200, Header: answer, Body: answerBody}}
}

// notification plants a signing key and a signature in a notification.
func (p *planter) notification(i int) fixture.Interaction {
	return fixture.Interaction{Name: fmt.Sprintf("notification %d", i), Kind: fixture.Notification,
		Request: fixture.Request{Method: http.MethodPost, URL: "/qiwi-notify",
			Header: http.Header{p.spaced("Signature"): {p.secret()}, "Content-Type": {"application/json"}},
			Body: `{"type":"PAYMENT","payment":{"paymentId":"p1","` + p.variant("paymentToken") + `":"` + p.secret() + `",` +
				`"paymentMethod":{"type":"CARD","` + p.variant("pan") + `":"` + p.card() + `"}},"version":"1"}`},
		Secret: p.secret()}
}

// recorded passes interactions through the Recorder, as a recording of the client's traffic
// would, and returns the fixture file it writes.
func recorded(t *testing.T, ins []fixture.Interaction) []byte {
	t.Helper()
	byURL := map[string]*fixture.Response{}
	for _, in := range ins {
		if in.Response != nil {
			byURL[in.Request.URL] = in.Response
		}
	}
	rec := &fixture.Recorder{Source: "staging", Next: roundTrip(func(r *http.Request) (*http.Response, error) {
		answer := byURL[r.URL.RequestURI()]
		return &http.Response{StatusCode: answer.Status, Header: answer.Header.Clone(), Body: io.NopCloser(strings.NewReader(answer.Body)), Request: r}, nil
	})}
	for _, in := range ins {
		if in.Response == nil {
			continue
		}
		req, err := http.NewRequest(in.Request.Method, "https://api.qiwi.com"+in.Request.URL, strings.NewReader(in.Request.Body))
		require.NoError(t, err)
		req.Header = in.Request.Header.Clone()
		resp, err := rec.RoundTrip(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	path := filepath.Join(t.TempDir(), "staging.json")
	require.NoError(t, fixture.Write(path, rec.Interactions()))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// outputs writes a report in every format replay has.
func outputs(t *testing.T, r Report, doc *openapi3.T) map[string]string {
	t.Helper()
	var text, junit, md, js bytes.Buffer
	require.NoError(t, r.WriteText(&text))
	require.NoError(t, r.WriteJUnit(&junit))
	require.NoError(t, r.WriteMarkdown(&md, doc))
	require.NoError(t, r.WriteJSON(&js))
	return map[string]string{"text": text.String(), "junit": junit.String(), "markdown": md.String(), "json": js.String()}
}

// Random secrets planted in every place of a recording (credential headers in any case and
// spacing, query parameters, form fields, JSON members in any case and nested, card numbers
// in paths, names and free text, notification keys and signatures) appear in no output of
// replay (text, JUnit, Markdown, JSON), read directly or from a HAR file, nor in the fixture
// file the Recorder's traffic is written to.
func TestNoPlantedSecretInAnyOutput(t *testing.T) {
	j, err := verdict.New(spec.Resolved)
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(spec.Resolved)
	require.NoError(t, err)
	for seed := range uint64(8) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			p := &planter{rng: rand.New(rand.NewPCG(seed, 21))}
			var ins []fixture.Interaction
			for i := range 6 {
				ins = append(ins, p.interaction(i))
			}
			ins = append(ins, p.notification(6))
			har, err := fixture.MarshalHAR("https://api.qiwi.com", ins[:6])
			require.NoError(t, err)
			fromHAR, err := fixture.ParseHAR("traffic.har", har)
			require.NoError(t, err)

			out := outputs(t, Run(context.Background(), j, ins, false), doc)
			for name, text := range outputs(t, Run(context.Background(), j, fromHAR, true), doc) {
				out["HAR, "+name] = text
			}
			out["fixture file"] = string(recorded(t, ins))
			require.Contains(t, out["json"], `"findings"`, "the JSON output holds the findings")
			for name, text := range out {
				for _, s := range p.planted {
					if strings.Contains(text, s) {
						i := strings.Index(text, s)
						t.Errorf("%s shows the secret %q: …%s…", name, s, text[max(0, i-120):min(len(text), i+len(s)+40)])
					}
				}
			}
		})
	}
}
