package jsonpointer

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
