package redact

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func testTraffic() *Traffic {
	return NewTraffic("REDACTED", []string{".token", "createdToken.token", "cvv2", "pan", "paymentToken", "token.value"}, []string{"Signature"})
}

// Names are compared in any case, with stray spaces, "-" and "_" left out.
func TestTrafficDecidesByName(t *testing.T) {
	tr := testTraffic()
	for _, h := range []string{"Authorization", "authorization", " Proxy-Authorization", "X-API-KEY ", "x-digital-sign", "SIGNATURE", "Set-Cookie", "cookie", "X-Api-Signature-SHA256"} {
		assert.True(t, tr.Header(h), h)
	}
	for _, h := range []string{"Content-Type", "Accept", "X-Request-Id"} {
		assert.False(t, tr.Header(h), h)
	}
	for _, p := range []string{"access_token", "ACCESS_TOKEN", "api_key", "apiKey", "key", "token", "paymentToken", "payment_token", "cvv", "CVV2", "pan", "signature"} {
		assert.True(t, tr.Param(p), p)
	}
	for _, p := range []string{"amount", "siteId", "page"} {
		assert.False(t, tr.Param(p), p)
	}
	assert.True(t, tr.Member("paymentMethod", "Pan"))
	assert.True(t, tr.Member("card", "CVV2"))
	assert.True(t, tr.Member("Token", "Value"))
	assert.True(t, tr.Member("", "TOKEN"))
	assert.False(t, tr.Member("customer", "token"), "a token is secret at the top and in createdToken")
	assert.False(t, tr.Member("amount", "value"))
}

func TestTrafficCardNumbers(t *testing.T) {
	assert.True(t, isCard("4111111111111111"))
	assert.True(t, isCard("4111 1111 1111 1111"))
	assert.True(t, isCard("4256000000000003"))
	assert.False(t, isCard("4256000000000004"), "fails the Luhn check")
	assert.False(t, isCard("411111111111"), "12 digits")
	assert.False(t, isCard("41111111111111111111"), "20 digits")

	s := testTraffic().Scrub()
	assert.Equal(t, "card REDACTED, id 4256000000000004, REDACTED; xREDACTEDy",
		s.Text("card 4111111111111111, id 4256000000000004, 4111-1111-1111-1111; x4111111111111111y"))
	assert.Equal(t, "order 14111111111111111", testTraffic().Scrub().Text("order 14111111111111111"), "a longer run of digits is no card number")
	assert.Equal(t, `{"n":"REDACTED"}`, s.Body(`{"n":4111111111111111}`), "a card number written as a JSON number")
}

// Headers keep an authorization's scheme; other headers are scrubbed as text; what was
// hidden is hidden wherever else the exchange's text shows it.
func TestTrafficScrub(t *testing.T) {
	s := testTraffic().Scrub()
	h := http.Header{"authorization": {"Bearer k3y-0f-the-merchant"}, " X-Api-Key ": {"apikey-123456"},
		"Referer": {"https://shop/back?access_token=at-987654321&page=2"}, "Content-Type": {"application/json"}}
	s.Header(h)
	//lint:ignore SA1008 the scrubber must find a header whatever the case of its key
	assert.Equal(t, "Bearer REDACTED", h["authorization"][0])
	assert.Equal(t, "REDACTED", h[" X-Api-Key "][0])
	assert.Equal(t, "https://shop/back?access_token=REDACTED&page=2", h["Referer"][0])
	assert.Equal(t, "application/json", h["Content-Type"][0])

	assert.Equal(t, "amount=1.00&cvv2=REDACTED&PaymentToken=REDACTED", s.Body("amount=1.00&cvv2=123&PaymentToken=pt-5550001"))
	assert.Equal(t, `{"paymentMethod":{"Pan":"REDACTED","type":"CARD"},"x":[{"TOKEN":{"value":"REDACTED"}}]}`,
		s.Body(`{"paymentMethod":{"type":"CARD","Pan":"5555"},"x":[{"TOKEN":{"value":"v-1"}}]}`))
	assert.Equal(t, `{"a":1.00}`, s.Body(`{"a":1.00}`), "a body without secrets keeps its bytes")
	assert.Equal(t, `{"amount":{"value":"5.00"},"token":"REDACTED"}`, s.Body(`{"token":"abc","amount":{"value":"5.00"}}`))

	msg := s.Text(`body /paymentMethod/Pan added ("5555"); key k3y-0f-the-merchant, "123", at-987654321 and pt-5550001, token "abc" and "v-1"`)
	assert.Equal(t, `body /paymentMethod/Pan added ("REDACTED"); key REDACTED, "REDACTED", REDACTED and REDACTED, token "REDACTED" and "REDACTED"`, msg)
	assert.Equal(t, "line 123 of 1234", s.Text("line 123 of 1234"), "a short value is hidden only where quoted")
	assert.Equal(t, `{\"pan\":\"REDACTED\"}`, s.Text(`{\"pan\":\"5555\"}`), "Go-quoted JSON too")
	assert.Contains(t, s.Replaced(), "header authorization")
	assert.Contains(t, s.Replaced(), "field Pan")
	assert.Contains(t, s.Replaced(), "parameter cvv2")
}

// Text passes over text that holds no secret (dates, amounts, prose, identifiers, digits
// short of a card number) without the bearer and card regexps: nothing is allocated (at
// most one allocation is allowed for the race detector's instrumentation; the regexps took
// three).
func TestTextPassesPlainTextOver(t *testing.T) {
	s := testTraffic().Scrub()
	for _, text := range []string{"2018-03-05T11:27:41+03:00", "Мой комментарий к счёту от 2018-03-05, 100.00 RUB", "order 1234-5678-9012", "b1 d875277b-6f0f-445d-8a83-f62c7c07be77"} {
		assert.LessOrEqual(t, testing.AllocsPerRun(100, func() { _ = s.Text(text) }), 1.0, text)
	}
	assert.Equal(t, "pay REDACTED, Bearer REDACTED", s.Text("pay 4111 1111 1111 1111, Bearer abcdefgh1234"))
}

// The checks that let Text skip a regexp never skip one that would match.
func FuzzTextPrefilters(f *testing.F) {
	for _, seed := range []string{"", "Bearer abcdefgh", "BEARER  x", "bEaReR", "beare r", "bearerbearer", "Ｂearer",
		"4111111111111111", "4111 1111 1111 1", "4111-1111-1111-1234567", "4111 1111 1111 ", "411 1111 1111 1111",
		"1234567890123", "123456789012", "2018-03-05T11:27:41+03:00", "1111 2222-3333 4", "x1234 5678 9012 3456x", "٤١١١١١١١١١١١١١١١"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if bearer.MatchString(text) && !hasBearer(text) {
			t.Errorf("hasBearer(%q) is false, bearer matches", text)
		}
		if digits.MatchString(text) && !mayHoldCard(text) {
			t.Errorf("mayHoldCard(%q) is false, digits matches", text)
		}
	})
}

// A bearer credential in text is named in Replaced like every other value the scrub found and
// hid, so that a caller can tell from Replaced alone whether the scrub learnt a value (and
// must run the other parts again).
func TestTextNamesBearerCredential(t *testing.T) {
	s := testTraffic().Scrub()
	assert.Equal(t, "failed: Bearer REDACTED refused", s.Text("failed: Bearer abcdefgh1234 refused"))
	assert.Equal(t, []string{"bearer credential in text"}, s.Replaced())
	assert.Equal(t, "got REDACTED", s.Text("got abcdefgh1234"), "the credential is hidden wherever else it stands")
	assert.Equal(t, "Bearer REDACTED", s.Text("Bearer REDACTED"), "a credential already hidden is not found again")
	assert.Len(t, s.Replaced(), 1)
}
