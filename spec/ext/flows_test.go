package ext_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/spec"
	"github.com/qiwigen/qiwigen/spec/ext"
)

// flowSpec is a minimal document with two operations and the flows given.
func flowSpec(flows string) []byte {
	return []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things/{thingId}:
    put:
      operationId: createThing
      parameters: [{name: thingId, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
    get:
      operationId: getThing
      parameters: [{name: thingId, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
x-qiwi-flows:
` + flows)
}

// The bundled spec declares its flows, each step an operation of the spec or a pay form.
func TestBundledFlows(t *testing.T) {
	flows, err := ext.FlowsOf(load(t, spec.Resolved))
	require.NoError(t, err)
	var names []string
	for _, f := range flows {
		names = append(names, f.Name)
		assert.NotEmpty(t, f.Steps, f.Name)
		assert.Empty(t, f.Unavailable, f.Name)
	}
	assert.Contains(t, names, "invoice-card-3ds-capture-refund")
	assert.Contains(t, names, "bill-pay-refund")
}

func TestFlowsOf(t *testing.T) {
	flows, err := ext.FlowsOf(load(t, flowSpec(`
- name: thing
  steps:
  - operationId: createThing
    body: {/amount/value: "1.00"}
  - operationId: getThing
    parameters: {thingId: $createThing.thingId}
    expect: {/id: "$createThing#/id"}
`)))
	require.NoError(t, err)
	require.Len(t, flows, 1)
	require.Len(t, flows[0].Steps, 2)
	assert.Equal(t, "createThing", flows[0].Steps[0].ID)
	assert.Equal(t, map[string]string{"thingId": "$createThing.thingId"}, flows[0].Steps[1].Parameters)
}

// A step declares the notifications it causes; their members may name the step itself.
func TestFlowsOfNotifies(t *testing.T) {
	flows, err := ext.FlowsOf(load(t, flowSpec(`
- name: thing
  steps:
  - operationId: createThing
    notifies:
    - {type: THING, /thing/thingId: $createThing.thingId, /thing/status: DONE}
    - {type: OTHER}
`)))
	require.NoError(t, err)
	require.Len(t, flows, 1)
	assert.Equal(t, []ext.FlowNotification{
		{Type: "THING", Members: map[string]string{"/thing/thingId": "$createThing.thingId", "/thing/status": "DONE"}},
		{Type: "OTHER", Members: map[string]string{}},
	}, flows[0].Steps[0].Notifies)
}

// A flow naming an operation the document lacks (an overlay dropped it) is kept, unavailable,
// and the document stays valid.
func TestFlowsOfUnavailable(t *testing.T) {
	doc := load(t, flowSpec("- name: a\n  steps:\n  - operationId: createThing\n  - operationId: dropped\n    parameters: {id: $createThing.thingId}\n"))
	require.NoError(t, ext.Check(doc))
	flows, err := ext.FlowsOf(doc)
	require.NoError(t, err)
	require.Len(t, flows, 1)
	assert.Equal(t, "step dropped: operationId dropped is not an operation of the spec", flows[0].Unavailable)
}

// A flow that names a later step, an unknown parameter or a bad
// expression is refused, naming where.
func TestFlowsOfRefuses(t *testing.T) {
	for flows, want := range map[string]string{
		"- name: a\n  steps:\n  - operationId: getThing\n    parameters: {thingId: $later.thingId}\n":                     `"$later.thingId" names no earlier step`,
		"- name: a\n  steps:\n  - operationId: getThing\n    parameters: {other: $new}\n":                                 "getThing has no path parameter other",
		"- name: a\n  steps:\n  - operationId: createThing\n  - operationId: getThing\n    expect: {/id: $createThing}\n": "is not $new",
		"- name: a\n  steps: []\n": "steps must be a non-empty list",
		"- name: a\n  steps:\n  - operationId: getThing\n    refused: maybe\n":                              "refused must be true or false",
		"- name: a\n  steps:\n  - operationId: getThing\n    colour: red\n":                                 "unknown member colour",
		"- name: a\n  steps:\n  - operationId: getThing\n    notifies: [{/id: x}]\n":                        "notifies[0] needs a type",
		"- name: a\n  steps:\n  - operationId: getThing\n    notifies: {type: T}\n":                         "notifies must be a non-empty list",
		"- name: a\n  steps:\n  - operationId: getThing\n    notifies: [{type: T, id: x}]\n":                `"id" is not a JSON pointer`,
		"- name: a\n  steps:\n  - operationId: getThing\n    notifies: [{type: T, /id: $getThing.other}]\n": "getThing has no path parameter other",
		"- name: a\n  steps:\n  - operationId: getThing\n    notifies: [{type: T, /id: $later#/id}]\n":      `"$later#/id" names no earlier step`,
	} {
		doc := load(t, flowSpec(flows))
		_, err := ext.FlowsOf(doc)
		assert.ErrorIs(t, err, ext.ErrInvalid, flows)
		assert.ErrorContains(t, err, want, flows)
		assertInvalid(t, ext.Check(doc), "/x-qiwi-flows", want)
	}
}
