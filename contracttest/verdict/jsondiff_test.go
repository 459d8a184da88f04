package verdict

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiffJSON(t *testing.T) {
	tests := []struct {
		name       string
		want, got  string
		mode       compareMode
		difference []string
	}{
		{"key order and space do not matter", `{"a": 1, "b": [1, 2]}`, `{"b":[1,2],"a":1}`, exact, nil},
		{"amount text matters on re-encoding", `{"value": "5.00"}`, `{"value": "5"}`, exact, []string{`/value changed from "5.00" to "5"`}},
		{"number text matters on re-encoding", `{"value": 5}`, `{"value": 5.00}`, exact, []string{`/value changed from 5 to 5.00`}},
		{"an amount compares by value in requests", `{"value": 200.00}`, `{"value": "200"}`, semantic, nil},
		{"different amounts differ", `{"value": 200.00}`, `{"value": "200.01"}`, semantic, []string{`/value changed from 200.00 to "200.01"`}},
		{"strings stay text in requests", `{"id": "007"}`, `{"id": "7"}`, semantic, []string{`/id changed from "007" to "7"`}},
		{"null is absence", `{"a": null, "b": 1}`, `{"b": 1}`, exact, nil},
		{"dropped and added", `{"a": 1, "n": {"x": true}}`, `{"a": 1, "n": {}, "z": 2}`, exact, []string{`/n/x dropped (recorded true)`, `/z added (2)`}},
		{"arrays by index", `[1, 2]`, `[1]`, exact, []string{`/1 dropped (recorded 2)`}},
		{"pointer escaping", `{"a/b": 1}`, `{}`, exact, []string{`/a~1b dropped (recorded 1)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := decodeJSON(tt.want)
			require.NoError(t, err)
			g, err := decodeJSON(tt.got)
			require.NoError(t, err)
			var got []string
			for _, d := range diffJSON(w, g, tt.mode) {
				got = append(got, d.String())
			}
			assert.Equal(t, tt.difference, got)
		})
	}
}

// Two decoded leaves compare exactly as their encodings do, without encoding the common
// ones: strings, numbers, booleans and null of any pairing.
func TestSameTextIsTheEncodingsEquality(t *testing.T) {
	values := []any{"a", "5", "", "é\u2028<>&", json.Number("5"), json.Number("5.0"), json.Number("-0"), true, false, nil,
		map[string]any{"a": json.Number("1")}, []any{"a"}, []any{}, map[string]any{}}
	for _, a := range values {
		for _, b := range values {
			ra, _ := json.Marshal(a)
			rb, _ := json.Marshal(b)
			assert.Equal(t, string(ra) == string(rb), sameText(a, b), "%#v %#v", a, b)
		}
	}
}
