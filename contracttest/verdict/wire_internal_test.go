package verdict

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

// A readable body is judged without being decoded: replay asks this of every body it judges
// (twice, for the strict run), so decoding it was a tenth of replay's time.
func TestUnreadableDecodesNoReadableBody(t *testing.T) {
	body := `{"billId":"b1","amount":{"value":"1.00","currency":"RUB"},"customFields":{"a":"b","c":"d"},"status":{"value":"WAITING"}}`
	allocs := testing.AllocsPerRun(100, func() { _ = unreadable(body) })
	assert.LessOrEqual(t, allocs, 1.0, "the body is copied at most once, never decoded")
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
