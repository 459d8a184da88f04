package verdict

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/spec"
)

// unreadable says the same as decoding does, whatever the body: one value, several, broken
// JSON, what follows a value, numbers no float64 holds.
func TestUnreadableAgreesWithDecoding(t *testing.T) {
	decoded := func(body string) string { // what unreadable said before it had a fast path
		if _, err := decodeJSON(body); err != nil {
			return "not JSON"
		}
		var rest any
		dec := json.NewDecoder(strings.NewReader(body))
		if dec.Decode(&rest) == nil && dec.More() {
			return "more than one"
		}
		return ""
	}
	for _, body := range []string{
		``, ` `, `{}`, ` {"a":1} `, `[1,2]`, `"s"`, `null`, `1e400`, `1e400 2`, `{} {}`, `{}}`, `{}]`,
		`{} x`, `{"a":`, `{'a':1}`, "{\"a\":\"\xff\"}", `<html></html>`, `a=1&b=2`, `{"a":1}` + "\n",
	} {
		why := unreadable(body)
		switch decoded(body) {
		case "":
			assert.Empty(t, why, "%q", body)
		case "not JSON":
			assert.Contains(t, why, "is not JSON", "%q", body)
		default:
			assert.Contains(t, why, "holds more than one JSON value", "%q", body)
		}
	}
}

// A recorded body, decoded once, answers what each reader of it asked encoding/json before:
// whole is json.Valid's verdict, unmarshals says whether json.Unmarshal reads it, and the
// value it reads is the shared value with its numbers as float64.
func TestRecordedReadsAsEncodingJSON(t *testing.T) {
	for _, body := range []string{
		``, ` `, `{}`, ` {"a":1} `, `[1,2]`, `"s"`, `null`, `1e400`, `[1e400]`, `1e400 2`, `{} {}`, `{}}`,
		`{}]`, `{} x`, `{"a":`, `{'a':1}`, "{\"a\":\"\xff\"}", `<html></html>`, `a=1&b=2`, `{"a":1}` + "\n",
		`{"a":{"b":[1,"x",null,true,-0.5e3]}}`, "\t{\"a\":1}\r\n ",
	} {
		r := readRecorded(body)
		assert.Equal(t, json.Valid([]byte(body)), r.whole, "%q", body)
		var want any
		err := json.Unmarshal([]byte(body), &want)
		require.Equal(t, err == nil, r.unmarshals(), "%q", body)
		if err == nil {
			assert.Equal(t, want, plain(r.value), "%q", body)
		}
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		var first any
		if err := dec.Decode(&first); err != nil {
			assert.EqualError(t, r.err, err.Error(), "%q", body)
		} else {
			assert.Equal(t, first, r.value, "%q", body)
		}
	}
}

// Each body of an interaction is decoded once, whatever reads it: judging the
// documentation's examples allocates on average fewer objects per interaction than when the
// readers decoded the bodies again each: 821 then (909 with -race); 682 with each body
// decoded once, payouts signed without RSA and leaves compared without encoding them (742
// with -race).
func TestJudgeDecodesEachBodyOnce(t *testing.T) {
	ins := docExamples(t)
	j, err := New(spec.Resolved)
	require.NoError(t, err)
	ctx := context.Background()
	total := 0.0
	for _, in := range ins {
		fixture.Scrub(&in)
		total += testing.AllocsPerRun(3, func() { j.Judge(ctx, in) })
	}
	perInteraction := total / float64(len(ins))
	t.Logf("%.0f allocations per interaction", perInteraction)
	limit := 760.0
	if raceEnabled {
		limit = 850
	}
	assert.Less(t, perInteraction, limit)
}

// Each operation the router finds in the published spec has its twin in the strict spec:
// the same path and method, the strict spec's own (closed) schemas.
func TestStrictRouteIsTheSameOperationOfTheStrictSpec(t *testing.T) {
	j, err := New(spec.Resolved)
	require.NoError(t, err)
	n := 0
	for path, item := range j.doc.Paths.Map() {
		for method, op := range item.Operations() {
			r, ok := j.strictRoute(&routers.Route{Spec: j.doc, Path: path, PathItem: item, Method: method, Operation: op})
			require.True(t, ok, "%s %s", method, path)
			assert.Same(t, j.strictDoc, r.Spec)
			assert.Same(t, j.strictDoc.Paths.Value(path).GetOperation(method), r.Operation)
			assert.Equal(t, op.OperationID, r.Operation.OperationID)
			assert.Equal(t, path, r.Path)
			n++
		}
	}
	assert.Len(t, j.strict, n)
	_, ok := j.strictRoute(&routers.Route{Operation: &openapi3.Operation{}})
	assert.False(t, ok, "an operation of no spec of the judge's")
}
