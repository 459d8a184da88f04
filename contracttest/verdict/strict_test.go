package verdict

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/extract"
	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/spec"
)

// withMember returns body with an undocumented member added to its top object and to each
// object below it; body itself when it is no JSON object.
func withMember(body string) string {
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		return body
	}
	var add func(any)
	add = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for _, c := range t {
				add(c)
			}
			t["zzUndocumented"] = "x"
		case []any:
			for _, c := range t {
				add(c)
			}
		}
	}
	if _, ok := v.(map[string]any); !ok {
		return body
	}
	add(v)
	out, _ := json.Marshal(v)
	return string(out)
}

// Where the strict validation is skipped (no closed object can meet a member it does not
// list), its findings from the published run's errors are those it would have found: on
// the documentation's examples, and on each with undocumented members added to its request,
// to its answer, or to both. Undocumented members are never skipped over.
func TestStrictFindingsWithoutTheStrictRun(t *testing.T) {
	base := docExamples(t)
	j, err := New(spec.Resolved)
	require.NoError(t, err)
	ctx := context.Background()
	var ins []fixture.Interaction
	for _, in := range base {
		if in.Kind != fixture.API || in.Response == nil {
			continue
		}
		ins = append(ins, in)
		for _, where := range []string{"request", "response", "both"} {
			c := in.Clone()
			if where != "response" {
				c.Request.Body = withMember(c.Request.Body)
			}
			if where != "request" {
				c.Response.Body = withMember(c.Response.Body)
			}
			ins = append(ins, c)
		}
	}
	skipped, undocumented := 0, 0
	for _, in := range ins {
		req, err := buildRequest(in)
		require.NoError(t, err)
		route, params, err := j.router.FindRoute(req)
		if err != nil {
			continue
		}
		b := readBodies(in)
		_, raw := j.validate(ctx, in, b, req, route, params, false)
		strictRoute, ok := j.strictRoute(route)
		require.True(t, ok)
		req, err = buildRequest(in)
		require.NoError(t, err)
		want, _ := j.validate(ctx, in, b, req, strictRoute, params, true)
		for _, f := range want {
			if f.Undocumented {
				undocumented++
			}
		}
		req, err = buildRequest(in)
		require.NoError(t, err)
		if !j.closedUnseen(strictRoute, req, in, b) {
			continue
		}
		skipped++
		assert.Equal(t, want, raw.strictFindings(strictRoute, in, b.response), "%s\n%s\n%s", in.Name, in.Request.Body, in.Response.Body)
	}
	assert.Positive(t, skipped, "documented examples skip the strict run")
	assert.Positive(t, undocumented, "the added members are found")
	t.Logf("%d interactions, %d without the strict run, %d undocumented findings", len(ins), skipped, undocumented)
}

// A member a closed object does not list, however deep, in an object, an array, a oneOf
// branch or an additionalProperties value, is met; one it lists is not.
func TestMeetsClosed(t *testing.T) {
	no := false
	closed := func(props map[string]*openapi3.SchemaRef) *openapi3.SchemaRef {
		return objectSchema(props, &no)
	}
	leaf := objectSchema(nil, nil)
	s := closed(map[string]*openapi3.SchemaRef{"a": leaf, "list": arraySchema(closed(map[string]*openapi3.SchemaRef{"b": leaf}))})
	for body, met := range map[string]bool{
		`{"a":1}`: false, `{"a":1,"x":2}`: true, `{"list":[{"b":1}]}`: false, `{"list":[{"b":1,"x":2}]}`: true,
		`[1]`: false, `"x"`: false,
	} {
		budget := 1000
		var v any
		require.NoError(t, json.Unmarshal([]byte(body), &v))
		assert.Equal(t, met, meetsClosed(s, v, &budget), body)
	}
	branchy := objectSchema(nil, nil)
	branchy.Value.OneOf = append(branchy.Value.OneOf, closed(map[string]*openapi3.SchemaRef{"a": leaf}), closed(map[string]*openapi3.SchemaRef{"b": leaf}))
	budget := 1000
	assert.True(t, meetsClosed(branchy, map[string]any{"a": 1.0}, &budget), "branch b does not list a")
	budget = 0
	assert.True(t, meetsClosed(leaf, map[string]any{}, &budget), "out of budget: met, to be safe")
}

func objectSchema(props map[string]*openapi3.SchemaRef, additional *bool) *openapi3.SchemaRef {
	s := openapi3.NewObjectSchema()
	s.Properties = props
	s.AdditionalProperties.Has = additional
	return s.NewRef()
}

func arraySchema(items *openapi3.SchemaRef) *openapi3.SchemaRef {
	s := openapi3.NewArraySchema()
	s.Items = items
	return s.NewRef()
}

// docExamples are the interactions extracted from the documentation's examples; the test is
// skipped where the docs are not beside the repository.
func docExamples(t *testing.T) []fixture.Interaction {
	t.Helper()
	dir, err := docs.Locate()
	if err != nil {
		t.Skip(err)
	}
	notes, err := extract.Declarations(spec.Resolved)
	require.NoError(t, err)
	ins, err := extract.Dir(dir, notes, nil)
	require.NoError(t, err)
	return ins
}
