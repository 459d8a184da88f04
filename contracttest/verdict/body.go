package verdict

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// recorded is a recorded body as the verdicts read it, decoded once per interaction: every
// check that reads the body (readable, the null-optional members, the amounts, the open
// enumerations, the strict check, the error shape, the client's round trip and request
// comparison) reads this one decoding and never changes it. kin-openapi's validation reads
// the bytes itself.
type recorded struct {
	text  string
	value any   // the first JSON value, numbers as json.Number; nil when err is set
	err   error // why the first JSON value does not decode
	// several: something follows the first value that a decoder would read as another
	// (json.Decoder.More), the first value's numbers all fitting a float64 (a first value
	// encoding/json cannot hold counts as the only one); whole: only white space follows
	// the first value (json.Valid's verdict).
	several, whole bool

	quoteOnce sync.Once // quote is quoteBody(text), made when a message first needs it
	quote     string
}

// readRecorded decodes text once, as json.Decoder with UseNumber reads it.
func readRecorded(text string) *recorded {
	r := &recorded{text: text}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if r.err = dec.Decode(&r.value); r.err != nil {
		r.value = nil
		return r
	}
	r.whole = strings.TrimLeft(text[dec.InputOffset():], " \t\r\n") == ""
	r.several = !r.whole && dec.More() && floats(r.value)
	return r
}

// readable reports whether the body is one JSON value, as unreadable does, without saying
// why.
func (r *recorded) readable() bool { return r.err == nil && !r.several }

// unreadable returns why the body is no JSON value, "" when it is one. Bytes that follow
// the value and that no decoder reads as another value ("{}}") do not count: the value
// is read.
func (r *recorded) unreadable() string {
	switch {
	case r.err != nil:
		return fmt.Sprintf("body %s is not JSON: %v", r.quoted(), r.err)
	case r.several:
		return fmt.Sprintf("body %s holds more than one JSON value", r.quoted())
	}
	return ""
}

// quoted returns the body as a message shows it (quoteBody), scrubbed once however many
// messages of both verdicts quote it.
func (r *recorded) quoted() string {
	r.quoteOnce.Do(func() { r.quote = quoteBody(r.text) })
	return r.quote
}

// unmarshals reports whether json.Unmarshal reads the body into an any: it is one JSON
// value with nothing after it, and every number fits a float64. The value it reads is
// plain(r.value).
func (r *recorded) unmarshals() bool {
	return r.err == nil && r.whole && floats(r.value)
}

// floats reports whether every number of v fits a float64, as json.Unmarshal requires.
func floats(v any) bool {
	switch tv := v.(type) {
	case json.Number:
		_, err := tv.Float64()
		return err == nil
	case map[string]any:
		for _, e := range tv {
			if !floats(e) {
				return false
			}
		}
	case []any:
		for _, e := range tv {
			if !floats(e) {
				return false
			}
		}
	}
	return true
}

// unreadable returns why text (a body no recording holds: the one the client sent) is no
// JSON value, "" when it is one.
func unreadable(text string) string { return readRecorded(text).unreadable() }
