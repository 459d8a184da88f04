package webhook

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A member repeated with the same JSON value is one member; with another value, or under a
// name in another letter case, the body is malformed, naming the member.
func TestDecodeTreeRepeatedMembers(t *testing.T) {
	same := map[string]string{
		"string":                     `{"a":"CARD","a":"CARD"}`,
		"string escaped otherwise":   `{"a":"CARD","a":"\u0043ARD"}`,
		"number as written":          `{"a":1.50,"a": 1.50 }`,
		"true":                       `{"a":true,"a":true}`,
		"null":                       `{"a":null,"a":null}`,
		"object in another order":    `{"a":{"x":1,"y":[2]},"a":{"y":[2],"x":1}}`,
		"object with its own repeat": `{"a":{"x":1},"a":{"x":1,"x":1}}`,
		"empty object and array":     `{"a":{},"b":[],"a":{},"b":[]}`,
		"three times, deep":          `{"o":[{"p":{"a":"v","a":"v","a":"v"}}]}`,
	}
	for name, body := range same {
		t.Run("same/"+name, func(t *testing.T) {
			tree, err := decodeTree([]byte(body))
			require.NoError(t, err)
			require.NotNil(t, tree)
		})
	}
	tree, err := decodeTree([]byte(same["string escaped otherwise"]))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": "CARD"}, tree)

	other := map[string]struct{ body, err string }{
		"another string":         {`{"a":"CARD","a":"SBP"}`, `/a: member "a" repeats with another value`},
		"1 and 1.0":              {`{"a":1,"a":1.0}`, `/a: member "a" repeats with another value`},
		"100 and 1e2":            {`{"a":100,"a":1e2}`, `/a: member "a" repeats with another value`},
		"number and string":      {`{"a":1,"a":"1"}`, `/a: member "a" repeats with another value`},
		"null and false":         {`{"a":null,"a":false}`, `/a: member "a" repeats with another value`},
		"object with more":       {`{"a":{"x":1},"a":{"x":1,"y":2}}`, `/a: member "a" repeats with another value`},
		"object with fewer":      {`{"a":{"x":1,"y":2},"a":{"x":1}}`, `/a: member "a" repeats with another value`},
		"array in another order": {`{"a":[1,2],"a":[2,1]}`, `/a: member "a" repeats with another value`},
		"array longer":           {`{"a":[1],"a":[1,1]}`, `/a: member "a" repeats with another value`},
		"deep":                   {`{"o":[{"p":{"a":"v","a":"w"}}]}`, `/o/0/p/a: member "a" repeats with another value`},
		"another letter case":    {`{"type":"CARD","Type":"CARD"}`, `/Type: member "Type" repeats "type" in another letter case`},
		"Kelvin sign":            {`{"k":1,"` + "\u212a" + `":1}`, `member "` + "\u212a" + `" repeats "k" in another letter case`},
		"case after a repeat":    {`{"type":"CARD","type":"CARD","TYPE":"CARD"}`, `/TYPE: member "TYPE" repeats "type" in another letter case`},
	}
	for name, tt := range other {
		t.Run("other/"+name, func(t *testing.T) {
			_, err := decodeTree([]byte(tt.body))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}
