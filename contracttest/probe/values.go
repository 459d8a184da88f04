package probe

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/generator/runtime/testmode"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
	"github.com/qiwigen/qiwigen/spec/ext"
)

// values makes the values of requests: from a seeded source, so that the same seed makes
// the same requests.
type values struct {
	rng  *rand.Rand
	seed uint64
	now  time.Time
	n    int    // IDs made so far
	card string // the test card of this run
}

func newValues(seed uint64, now time.Time) *values {
	v := &values{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), seed: seed, now: now}
	// A test card of a scheme the seed picks: every documented test card succeeds unless its
	// expiry month or CVV says otherwise.
	cards := testmode.TestCards()
	schemes := slices.Sorted(func(yield func(string) bool) {
		for k := range cards {
			if !yield(k) {
				return
			}
		}
	})
	list := cards[schemes[v.rng.IntN(len(schemes))]]
	v.card = list[v.rng.IntN(len(list))]
	return v
}

// id returns a fresh unique ID: the seed and a counter.
func (v *values) id() string {
	v.n++
	return fmt.Sprintf("probe-%x-%d", v.seed, v.n)
}

// testMode returns the test mode's value of that name.
func (v *values) testMode(name string) (any, error) {
	switch name {
	case "card":
		return v.card, nil
	case "expiry":
		// December (no test-mode outcome: testmode's months are 02 to 04), years ahead.
		return fmt.Sprintf("12/%02d", (v.now.Year()+3)%100), nil
	case "cvv":
		// Any CVV but the one that asks for 3-D Secure.
		for {
			cvv := fmt.Sprintf("%03d", v.rng.IntN(1000))
			if cvv != testmode.TestCVV3DS {
				return cvv, nil
			}
		}
	case "cvv-3ds":
		return testmode.TestCVV3DS, nil
	case "holder-3ds":
		return "PROBE " + strings.ToUpper(testmode.TestHolderName3DS), nil
	case "pares":
		return "probe-pares", nil
	case "max-amount":
		return testmode.TestMaxAmount, nil
	case "sbp-amount":
		return testmode.TestSBPAmountSuccess, nil
	case "payout-success":
		return testmode.TestPayoutAmountSuccess, nil
	case "payout-declined":
		return testmode.TestPayoutAmountDeclined, nil
	}
	return nil, fmt.Errorf("no test-mode value %q (card, expiry, cvv, cvv-3ds, holder-3ds, pares, max-amount, sbp-amount, payout-success, payout-declined)", name)
}

// amount returns a test-mode amount: from 1.00 to the test mode's largest, in whole roubles.
func (v *values) amount() string {
	max, err := wiretype.ParseMoney(testmode.TestMaxAmount)
	if err != nil || max.Minor() < 100 {
		return "1.00"
	}
	return wiretype.NewMoneyFromMinor(100 * (1 + v.rng.Int64N(max.Minor()/100))).String()
}

// moneyRef is the spec's Money schema, whose request form x-qiwi-request-amount gives.
const moneyRef = "#/components/schemas/Money"

// body generates a request body for a schema: required members always, optional plain
// members as the seed picks them, values that respect formats, enums, money and the test
// mode. callback, when set, fills a top-level callbackUrl member.
func (v *values) body(s *openapi3.SchemaRef, callback string) any {
	out := v.value(s, "", 0)
	if m, ok := out.(map[string]any); ok && callback != "" && s.Value != nil {
		if _, has := properties(s.Value)["callbackUrl"]; has {
			m["callbackUrl"] = callback
		}
	}
	return out
}

// properties returns the members of an object schema, its allOf parts' included.
func properties(s *openapi3.Schema) openapi3.Schemas {
	out := openapi3.Schemas{}
	for _, part := range s.AllOf {
		if part.Value != nil {
			for k, p := range properties(part.Value) {
				out[k] = p
			}
		}
	}
	for k, p := range s.Properties {
		out[k] = p
	}
	return out
}

// required returns the required members of an object schema: its own, its allOf parts', and
// the first oneOf branch's when the branches are x-qiwi-variants of its own members.
func required(s *openapi3.Schema) []string {
	out := slices.Clone(s.Required)
	for _, part := range s.AllOf {
		if part.Value != nil {
			out = append(out, required(part.Value)...)
		}
	}
	if _, variants, _ := ext.VariantsOf(s); variants {
		for _, branches := range [][]*openapi3.SchemaRef{s.OneOf, s.AnyOf} {
			if len(branches) > 0 && branches[0].Value != nil {
				out = append(out, branches[0].Value.Required...)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// value generates one value of a schema; name is the member's name.
func (v *values) value(ref *openapi3.SchemaRef, name string, depth int) any {
	if ref == nil || ref.Value == nil || depth > 8 {
		return "probe"
	}
	s := ref.Value
	if ref.Ref == moneyRef {
		return v.amount()
	}
	if _, variants, _ := ext.VariantsOf(s); !variants && len(s.Properties) == 0 && len(s.AllOf) == 0 {
		for _, branches := range [][]*openapi3.SchemaRef{s.OneOf, s.AnyOf} {
			if len(branches) > 0 {
				return v.value(branches[0], name, depth+1)
			}
		}
	}
	if values, ok, _ := ext.EnumValues(s); ok && len(values) > 0 {
		return values[v.rng.IntN(len(values))]
	}
	if len(s.Enum) > 0 {
		return s.Enum[v.rng.IntN(len(s.Enum))]
	}
	switch {
	case s.Type.Is(openapi3.TypeObject) || len(s.Properties) > 0 || len(s.AllOf) > 0:
		out := map[string]any{}
		props := properties(s)
		req := required(s)
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range props {
				if !yield(k) {
					return
				}
			}
		}) {
			p := props[k]
			switch {
			case slices.Contains(req, k):
				out[k] = v.value(p, k, depth+1)
			case plain(p) && !reference(k) && v.rng.IntN(2) == 0:
				out[k] = v.value(p, k, depth+1)
			}
		}
		return out
	case s.Type.Is(openapi3.TypeArray):
		return []any{v.value(s.Items, name, depth+1)}
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		lo, hi := 1.0, 10.0
		if s.Min != nil && *s.Min > lo {
			lo = *s.Min
		}
		if s.Max != nil && *s.Max < hi {
			hi = *s.Max
		}
		return int64(lo) + v.rng.Int64N(int64(hi-lo)+1)
	case s.Type.Is(openapi3.TypeBoolean):
		return v.rng.IntN(2) == 0
	}
	return v.text(ref, name)
}

// plain reports whether an optional member is one the probe may vary: a string of no
// format, pattern or enumeration, not secret.
func plain(ref *openapi3.SchemaRef) bool {
	s := ref.Value
	if s == nil || ref.Ref != "" || !s.Type.Is(openapi3.TypeString) || s.Format != "" || s.Pattern != "" || len(s.Enum) > 0 {
		return false
	}
	if secret, _ := ext.IsSecret(s); secret {
		return false
	}
	_, enum, _ := ext.EnumValues(s)
	return !enum
}

// reference reports whether a member names another object (billId, requestUid) or a place
// (callbackUrl, where notifications would go): the probe sets such members only as a flow
// or --callback-url says.
func reference(name string) bool {
	for _, suffix := range []string{"Id", "ID", "Uid", "Url", "URL", "_url"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// text generates a string member by its schema and, for the test mode's card members, its
// name.
func (v *values) text(ref *openapi3.SchemaRef, name string) any {
	s := ref.Value
	if secret, _ := ext.IsSecret(s); secret && name == "pan" {
		return v.card
	}
	switch name {
	case "expiryDate":
		e, _ := v.testMode("expiry")
		return e
	case "cvv2", "cvv":
		c, _ := v.testMode("cvv")
		return c
	}
	if s.Pattern != "" && strings.Contains(s.Pattern, "[0-9]{4}-[0-9]{2}-[0-9]{2}T") || s.Format == "date-time" {
		// A time ahead of the clock, in Moscow time as QIWI writes it.
		return v.now.Add(24 * time.Hour).In(wiretype.Moscow()).Format("2006-01-02T15:04:05-07:00")
	}
	var out string
	switch s.Format {
	case "email":
		out = "probe@example.com"
	case "uri", "url":
		out = "https://example.com/probe"
	default:
		out = "probe " + strconv.Itoa(v.rng.IntN(1000))
	}
	if s.MaxLength != nil && uint64(len(out)) > *s.MaxLength {
		out = out[:*s.MaxLength]
	}
	return out
}

// set sets the member at a JSON pointer of a body, making the objects on the way.
func set(body any, ptr string, value any) (any, error) {
	tokens := jsonpointer.Split(ptr)
	if len(tokens) == 0 {
		return value, nil
	}
	m, ok := body.(map[string]any)
	if !ok {
		if body != nil {
			return nil, fmt.Errorf("%s: the body is not an object", ptr)
		}
		m = map[string]any{}
	}
	child, err := set(m[tokens[0]], jsonpointer.Join(tokens[1:]...), value)
	if err != nil {
		return nil, err
	}
	m[tokens[0]] = child
	return m, nil
}

// text returns a JSON value as expressions compare it: strings as they are, numbers and
// the rest as JSON writes them.
func textOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "null"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// parseMoney reads an amount's text as minor units.
func parseMoney(s string) (int64, error) {
	m, err := wiretype.ParseMoney(s)
	if err != nil {
		return 0, err
	}
	return m.Minor(), nil
}

// jsonUnmarshal decodes JSON text.
func jsonUnmarshal(text string, v any) error { return json.Unmarshal([]byte(text), v) }
