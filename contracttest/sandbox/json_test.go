package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encodingJSON is what encoding/json's Encoder writes for v (the sandbox's answers before
// appendJSON).
func encodingJSON(t testing.TB, v any) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	err := json.NewEncoder(&buf).Encode(v)
	return buf.Bytes(), err
}

// writeJSON answers the bytes encoding/json writes, for every kind of value the answers
// hold: objects nested in objects and arrays, nil ones, strings that need escaping (HTML,
// control characters, U+2028, invalid UTF-8, keys too), numbers, structs, []string and
// map[string][]string (written by encoding/json).
func TestWriteJSONIsEncodingJSON(t *testing.T) {
	type method struct {
		Type string `json:"type"`
		Pan  string `json:"maskedPan,omitempty"`
	}
	var sb Sandbox
	values := []any{
		map[string]any{},
		map[string]any{"amount": money(1234), "refund": amount{Currency: "<&>", Value: "x\u2028"}},
		map[string]any{"b": "2", "a": "1", "c": map[string]any{"z": nil, "y": true, "x": false}},
		map[string]any{"list": []any{"a", map[string]any{"k": "v"}, nil, []any{}}, "none": []any(nil), "nomap": map[string]any(nil)},
		map[string]any{"html": "<a href=\"x\">&</a>", "ctl": "a\tb\nc\x01\x7f", "line": "a\u2028b\u2029", "bad": "a\xffb", "ru": "заказ 1", `k"<>&\`: "key"},
		map[string]any{"value": json.Number("1.00"), "n": 5, "i64": int64(-7), "f": 0.5, "flags": []string{"SALE"}, "cause": map[string][]string{"amount.value": {"at most 10.00"}}},
		map[string]any{"paymentMethod": method{Type: "CARD", Pan: "425600******0003"}, "ptr": &method{Type: "TOKEN"}, "time": time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)},
		[]any{"top", 1},
		"just a string <&>",
		method{Type: "CARD"},
	}
	for _, v := range values {
		want, err := encodingJSON(t, v)
		require.NoError(t, err)
		w := httptest.NewRecorder()
		sb.writeJSON(w, http.StatusCreated, v)
		assert.Equal(t, string(want), w.Body.String())
		assert.Equal(t, http.StatusCreated, w.Code)
		assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	}
	// A value encoding/json refuses: the status, no body.
	w := httptest.NewRecorder()
	sb.writeJSON(w, http.StatusOK, map[string]any{"value": json.Number("1,00")})
	_, err := encodingJSON(t, map[string]any{"value": json.Number("1,00")})
	require.Error(t, err)
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Empty(t, w.Body.String())
}

// Any strings, as keys and values at any depth, are written as encoding/json writes them.
func FuzzAppendJSON(f *testing.F) {
	f.Add("paymentId", "order 1")
	f.Add("<key>", "a\u2028\xff\"\\&")
	f.Fuzz(func(t *testing.T, key, value string) {
		v := map[string]any{key: value, value: []any{key, map[string]any{value: key, "n": json.Number("1"), "amount": amount{Currency: key, Value: value}}}}
		want, err := encodingJSON(t, v)
		require.NoError(t, err)
		got, err := appendJSON(nil, v)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(append(got, '\n')))
	})
}
