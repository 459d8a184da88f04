package generator

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The head of a valid overlay, up to its actions.
const overlayHead = "overlay: 1.0.0\ninfo:\n  title: t\n  version: '1'\n"

// An overlay document that breaks the Overlay 1.0 schema (or holds an action that would
// change nothing) is refused with the line and column of the node at fault, before anything
// is applied: libopenapi's overlay model ignores unknown keys, so a misspelt one lost its
// change without a word.
func TestOverlayShape(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		at       string // "line:column" of the fault
		contains string
	}{
		{"misspelt actions", overlayHead + "actoins:\n  - target: $.info\n    remove: true\n",
			"5:1", `the overlay: unknown key "actoins" (did you mean "actions"?)`},
		{"unknown top-level key", overlayHead + "components: {}\nactions:\n  - target: $.info\n    remove: true\n",
			"5:1", `the overlay: unknown key "components"`},
		{"misspelt info key", "overlay: 1.0.0\ninfo:\n  titel: t\n  version: '1'\nactions:\n  - target: $.info\n    remove: true\n",
			"3:3", `info: unknown key "titel" (did you mean "title"?)`},
		{"misspelt update", overlayHead + "actions:\n  - target: $.info\n    udpate: {title: x}\n",
			"7:5", `action 1: unknown key "udpate" (did you mean "update"?)`},
		{"misspelt remove", overlayHead + "actions:\n  - target: $.info\n    update: {title: x}\n  - target: $.paths\n    remvoe: true\n",
			"9:5", `action 2: unknown key "remvoe" (did you mean "remove"?)`},
		{"version missing", "info:\n  title: t\n  version: '1'\nactions:\n  - target: $.info\n    remove: true\n",
			"1:1", `missing "overlay: 1.0.0"`},
		{"version unsupported", "overlay: 2.0.0\ninfo:\n  title: t\n  version: '1'\nactions:\n  - target: $.info\n    remove: true\n",
			"1:10", "overlay: 2.0.0 is not a version qiwigen reads"},
		{"version of a later Overlay", "overlay: 1.1.0\ninfo:\n  title: t\n  version: '1'\nactions:\n  - target: $.info\n    remove: true\n",
			"1:10", "overlay: 1.1.0 is not a version qiwigen reads"},
		{"version a number", "overlay: 1.0\ninfo:\n  title: t\n  version: '1'\nactions:\n  - target: $.info\n    remove: true\n",
			"1:10", "overlay: 1.0 is not a version qiwigen reads"},
		{"version a mapping", "overlay: {v: 1}\ninfo:\n  title: t\n  version: '1'\nactions:\n  - target: $.info\n    remove: true\n",
			"1:10", "overlay must be the version 1.0.0, not a mapping"},
		{"info missing", "overlay: 1.0.0\nactions:\n  - target: $.info\n    remove: true\n",
			"1:1", `missing "info"`},
		{"info title missing", "overlay: 1.0.0\ninfo:\n  version: '1'\nactions:\n  - target: $.info\n    remove: true\n",
			"3:3", "info has no title"},
		{"info version a number", "overlay: 1.0.0\ninfo:\n  title: t\n  version: 1\nactions:\n  - target: $.info\n    remove: true\n",
			"4:12", "info.version must be a string, not the number 1 (quote it"},
		{"extends not a string", overlayHead + "extends: [a]\nactions:\n  - target: $.info\n    remove: true\n",
			"5:10", "extends must be a string, not a list"},
		{"actions missing", overlayHead,
			"1:1", `missing "actions"`},
		{"actions empty", overlayHead + "actions: []\n",
			"5:10", "actions is empty"},
		{"actions not a list", overlayHead + "actions: {target: $.info}\n",
			"5:10", "actions must be a list of actions, not a mapping"},
		{"action not a mapping", overlayHead + "actions:\n  - $.info\n",
			"6:5", `action 1 must be a mapping with target and update or remove, not "$.info"`},
		{"neither update nor remove", overlayHead + "actions:\n  - target: $.info\n    description: nothing to do\n",
			"6:5", "action 1 has neither update nor remove"},
		{"both update and remove", overlayHead + "actions:\n  - target: $.info\n    update: {title: x}\n    remove: true\n",
			"8:13", "action 1 has both update and remove"},
		{"remove false alone", overlayHead + "actions:\n  - target: $.info\n    remove: false\n",
			"7:13", "action 1: remove: false without update changes nothing"},
		{"remove not a boolean", overlayHead + "actions:\n  - target: $.info\n    remove: 'yes'\n",
			"7:13", `action 1: remove must be true or false, not "yes"`},
		{"target missing", overlayHead + "actions:\n  - update: {title: x}\n",
			"6:5", "action 1 has no target"},
		{"target not a string", overlayHead + "actions:\n  - target: 3\n    remove: true\n",
			"6:13", "action 1: target must be a JSONPath string, not the number 3"},
		{"target not a JSONPath", overlayHead + "actions:\n  - target: components.schemas\n    remove: true\n",
			"6:13", `action 1: target "components.schemas" is not a JSONPath expression`},
		{"description not a string", overlayHead + "actions:\n  - target: $.info\n    description: {a: b}\n    remove: true\n",
			"7:18", "action 1: description must be a string, not a mapping"},
		{"misspelt key brought in by a merge key", overlayHead + "x-base: &b {target: $.info, udpate: {title: x}}\nactions:\n  - <<: *b\n",
			"5:29", `action 1: unknown key "udpate"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseOverlay(Source{Name: "shop.yaml", Data: []byte(tt.doc)})
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrBadOverlay), "%v", err)
			var ie *InputError
			require.True(t, errors.As(err, &ie))
			assert.ErrorContains(t, err, "shop.yaml:"+tt.at+": bad overlay: ")
			assert.ErrorContains(t, err, tt.contains)
		})
	}
}

// What the Overlay 1.0 schema allows is read: x- extensions on the document, its info and
// its actions, extends, descriptions, an update of any type, remove: true, anchors and merge
// keys.
func TestOverlayShapeAccepts(t *testing.T) {
	docs := map[string]string{
		"extensions everywhere": "overlay: 1.0.0\nx-owner: shop\ninfo:\n  title: t\n  version: 1.0.0\n  x-team: payments\nextends: ./qiwi.yaml\n" +
			"actions:\n  - target: $.info\n    description: d\n    x-ticket: 12\n    update: {title: x}\n  - target: $.paths\n    remove: true\n",
		"info description, as Overlay 1.1 allows": "overlay: 1.0.1\ninfo:\n  title: t\n  version: '1'\n  description: what it does\nactions:\n  - target: $.info\n    update: {title: x}\n",
		"update of a scalar, a list and null":     overlayHead + "actions:\n  - target: $.info.title\n    update: x\n  - target: $.tags\n    update: [{name: a}]\n  - target: $.info\n    update: null\n",
		"anchors and merge keys":                  overlayHead + "x-base: &b {target: $.info}\nactions:\n  - <<: *b\n    update: {title: x}\n  - target: $.info\n    update: *b\n",
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			p, err := parseOverlay(Source{Name: "shop.yaml", Data: []byte(doc)})
			require.NoError(t, err)
			assert.NotEmpty(t, p.doc.Actions)
		})
	}
}
