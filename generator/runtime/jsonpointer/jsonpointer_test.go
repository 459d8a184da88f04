package jsonpointer

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	for _, tokens := range [][]string{{"paths", "/a/{b}", "get"}, {"a~b", "~1", "/"}, {""}, {"plain"}} {
		ptr := Join(tokens...)
		assert.Equal(t, tokens, Split(ptr), ptr)
	}
	assert.Equal(t, "/paths/~1a~1b/get", Join("paths", "/a/b", "get"))
	assert.Equal(t, "/x/m~0n~1o", Append("/x", "m~n/o"))
	assert.Equal(t, "~01", Escape("~1"), "~ is escaped first, so ~1 is not read back as /")
	assert.Equal(t, "~1", Unescape("~01"))
	assert.Nil(t, Split(""))
}

func decode(t testing.TB, doc string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(doc), &v))
	return v
}

func TestGet(t *testing.T) {
	doc := decode(t, `{"payment":{"paymentId":"p-1","amount":{"value":5},"status":null},"items":[{"id":"a"},{"id":"b"}],
		"a/b":1,"m~n":2,"":3,"01":4}`)
	for ptr, want := range map[string]any{
		"/payment/paymentId":    "p-1",
		"/payment/amount/value": 5.0,
		"/payment/status":       nil,
		"/items/1/id":           "b",
		"/items/0":              map[string]any{"id": "a"},
		"/a~1b":                 1.0,
		"/m~0n":                 2.0,
		"/":                     3.0,
		"/01":                   4.0,
	} {
		got, err := Get(doc, ptr)
		require.NoError(t, err, ptr)
		assert.Equal(t, want, got, ptr)
	}
	whole, err := Get(doc, "")
	require.NoError(t, err)
	assert.Equal(t, doc, whole, `"" is the whole document`)
}

// A pointer that names no value says where the walk stopped; a malformed one says why.
func TestGetErrors(t *testing.T) {
	doc := decode(t, `{"payment":{"amount":{"value":"5.00"},"status":null,"ok":true},"items":[{"id":"a"},{"id":"b"}]}`)
	for ptr, want := range map[string]string{
		"/refund":                     `the document has no member "refund"`,
		"/payment/paymentId":          `/payment has no member "paymentId"`,
		"/payment/amount/value/x":     `/payment/amount/value is a string, not an object or array`,
		"/payment/status/value":       `/payment/status is null, not an object or array`,
		"/payment/ok/x":               `/payment/ok is a boolean, not an object or array`,
		"/items/2":                    `/items has no element "2" (it has 2)`,
		"/items/-":                    `/items has no element "-" (it has 2)`,
		"/items/01":                   `/items has no element "01" (it has 2)`,
		"/items/+1":                   `/items has no element "+1" (it has 2)`,
		"/items/-1":                   `/items has no element "-1" (it has 2)`,
		"/items/id":                   `/items has no element "id" (it has 2)`,
		"/items/99999999999999999999": `/items has no element "99999999999999999999" (it has 2)`,
	} {
		_, err := Get(doc, ptr)
		require.Error(t, err, ptr)
		assert.Equal(t, want, err.Error(), ptr)
		assert.ErrorIs(t, err, ErrNoValue, ptr)
		assert.NotErrorIs(t, err, ErrSyntax, ptr)
	}
	for ptr, want := range map[string]string{
		"payment":     `"payment" is not a JSON pointer: it does not start with "/"`,
		"/payment/~2": `"/payment/~2" is not a JSON pointer: a "~" is not followed by 0 or 1`,
		"/payment~":   `"/payment~" is not a JSON pointer: a "~" is not followed by 0 or 1`,
	} {
		_, err := Get(doc, ptr)
		require.Error(t, err, ptr)
		assert.Equal(t, want, err.Error(), ptr)
		assert.ErrorIs(t, err, ErrSyntax, ptr)
		assert.NotErrorIs(t, err, ErrNoValue, ptr)
	}
	_, err := Get(json.Number("5"), "/x")
	assert.EqualError(t, err, "the document is a number, not an object or array", "numbers decoded with UseNumber")
}

// Get finds every value of a document at the pointer Append builds for it, and any other
// pointer either finds a value or fails with ErrNoValue or ErrSyntax, never panics.
func FuzzGet(f *testing.F) {
	for _, seed := range [][2]string{
		{`{"payment":{"paymentId":"p-1","amount":{"value":"5.00"}}}`, "/payment/amount/value"},
		{`{"a/b":{"m~n":[1,{"":null}]}}`, "/a~1b/m~0n/1/"},
		{`[[0,1],[2]]`, "/1/0"},
		{`[1,2]`, "/01"},
		{`{"x":"y"}`, "/x/~2"},
		{`"text"`, ""},
		{`{"items":[]}`, "/items/-"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, text, ptr string) {
		var doc any
		if json.Unmarshal([]byte(text), &doc) != nil {
			return
		}
		var walk func(ptr string, v any)
		walk = func(ptr string, v any) {
			got, err := Get(doc, ptr)
			if err != nil {
				t.Fatalf("%s in %s: %v", ptr, text, err)
			}
			if !reflect.DeepEqual(got, v) {
				t.Fatalf("%s in %s: got %v, want %v", ptr, text, got, v)
			}
			switch node := v.(type) {
			case map[string]any:
				for k, child := range node {
					walk(Append(ptr, k), child)
				}
			case []any:
				for i, child := range node {
					walk(Append(ptr, strconv.Itoa(i)), child)
				}
			}
		}
		walk("", doc)
		if _, err := Get(doc, ptr); err != nil && !errors.Is(err, ErrNoValue) && !errors.Is(err, ErrSyntax) {
			t.Fatalf("%q in %s: %v wraps neither ErrNoValue nor ErrSyntax", ptr, text, err)
		}
	})
}
