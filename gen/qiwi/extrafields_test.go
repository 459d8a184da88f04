package qiwi_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// Custom fields beyond the declared ones (typed additionalProperties) are decoded in key
// order: of several bad members, the error names the one that sorts first, on every run, so
// that a finding quoting it reads the same twice (replay's outputs are diffed in CI).
func TestCustomFieldsDecodeErrorIsDeterministic(t *testing.T) {
	body := []byte(`{"cf1":"ok","zeta":1,"mid":true,"alpha":[2]}`)
	texts := map[string]int{}
	for range 50 {
		var fields qiwi.CustomFields
		err := json.Unmarshal(body, &fields)
		require.Error(t, err)
		texts[err.Error()]++
	}
	require.Len(t, texts, 1, "one error text for one body: %v", texts)
	for text := range texts {
		assert.Contains(t, text, "error unmarshaling field alpha:", "the member that sorts first")
	}

	// Good extra members still land in AdditionalProperties, beside the declared ones.
	var fields qiwi.CustomFields
	require.NoError(t, json.Unmarshal([]byte(`{"cf1":"ok","b":"2","a":"1"}`), &fields))
	assert.Equal(t, map[string]string{"a": "1", "b": "2"}, fields.AdditionalProperties)
	require.NotNil(t, fields.Cf1)
	assert.Equal(t, "ok", *fields.Cf1)
}

// BenchmarkDecodeCustomFields decodes custom fields with five members beyond the declared
// ones: the cost of visiting them in key order.
func BenchmarkDecodeCustomFields(b *testing.B) {
	body := []byte(`{"cf1":"a","themeCode":"t","order":"A-1","shop":"s","lang":"ru","ref":"r","channel":"web"}`)
	for b.Loop() {
		var fields qiwi.CustomFields
		if err := json.Unmarshal(body, &fields); err != nil {
			b.Fatal(err)
		}
	}
}
