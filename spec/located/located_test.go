package located_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	pbyaml "github.com/pb33f/go-yaml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/qiwigen/qiwigen/spec/located"
)

// Position reads the place every parser the tools use reports: encoding/json's offsets (at
// the offending byte), a document that ends early (its last line), yaml.v3's "line N" and
// libopenapi's YAML library's "LN.CC"; nothing where there is none.
func TestPosition(t *testing.T) {
	parse := func(data string, into any) error { return json.Unmarshal([]byte(data), into) }
	var v struct {
		A []int `json:"a"`
	}
	for name, c := range map[string]struct {
		data      string
		err       error
		line, col int
	}{
		"JSON syntax":   {"{\n \"a\" 1}", parse("{\n \"a\" 1}", &v), 2, 6},
		"JSON type":     {"{\"a\":\n 5}", parse("{\"a\":\n 5}", &v), 2, 2},
		"JSON ends":     {"{\"a\": [\n\n", parse("{\"a\": [\n\n", &v), 2, 1},
		"decoder ends":  {"{\"a\": [\n1,\n\n", json.NewDecoder(strings.NewReader("{\"a\": [\n1,\n\n")).Decode(&v), 2, 0},
		"empty":         {"", parse("", &v), 0, 0},
		"yaml.v3":       {"a: [\nb", yaml.Unmarshal([]byte("a: b\n c: [\n"), &v), 2, 0},
		"yaml.v3 type":  {"", yaml.Unmarshal([]byte("x: 1\na: 5\n"), &v), 2, 0},
		"pb33f go-yaml": {"", pbyaml.Unmarshal([]byte("a:\n  - [\n"), &v), 3, 1},
		"no position":   {"", errors.New("something else"), 0, 0},
		"nil":           {"", nil, 0, 0},
	} {
		if c.err == nil && name != "nil" {
			t.Fatalf("%s: the parser accepted its input", name)
		}
		line, col := located.Position([]byte(c.data), c.err)
		assert.Equal(t, [2]int{c.line, c.col}, [2]int{line, col}, "%s: %v", name, c.err)
	}
	err := yaml.Unmarshal([]byte("a: b\n c: [\n"), &v)
	require.Error(t, err)
	assert.NotContains(t, located.Message(err), "yaml: line")
	assert.Contains(t, err.Error(), located.Message(err))
}

var errKind = errors.New("bad thing")

// The message says file, line and column, kind, pointer and cause, leaving out what is
// unknown; errors.Is matches the kind and the cause, errors.As finds both.
func TestError(t *testing.T) {
	cause := fmt.Errorf("cause: %w", io.ErrClosedPipe)
	for want, e := range map[string]*located.Error{
		"f.yaml:3:4: bad thing at /a/b: " + cause.Error(): {File: "f.yaml", Line: 3, Column: 4, Pointer: "/a/b", Kind: errKind, Err: cause},
		"f.yaml:3: bad thing: " + cause.Error():           {File: "f.yaml", Line: 3, Kind: errKind, Err: cause},
		"f.yaml: bad thing: the reason":                   {File: "f.yaml", Column: 4, Kind: errKind, Reason: "the reason", Err: cause},
		"f.yaml: at /x: the reason":                       {File: "f.yaml", Pointer: "/x", Reason: "the reason"},
		"f.yaml: bad thing":                               {File: "f.yaml", Kind: errKind},
	} {
		assert.Equal(t, want, e.Error())
	}
	var err error = fmt.Errorf("wrapped: %w", &located.Error{File: "f", Kind: errKind, Err: cause})
	assert.ErrorIs(t, err, errKind)
	assert.ErrorIs(t, err, io.ErrClosedPipe)
	var le *located.Error
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "f", le.File)
	assert.Empty(t, (&located.Error{File: "f"}).Unwrap())
}
