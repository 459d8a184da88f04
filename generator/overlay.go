package generator

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pb33f/libopenapi"
	highoverlay "github.com/pb33f/libopenapi/datamodel/high/overlay"
	"github.com/pb33f/libopenapi/overlay"
	"go.yaml.in/yaml/v3"
)

// applyOverlayFile applies one Overlay 1.0 document to the spec bytes. A target that
// matches nothing is an error, not a warning: an overlay written for another version of
// the spec must not pass silently.
func applyOverlay(spec []byte, src Source) ([]byte, error) {
	path := src.Name
	data, err := src.read()
	if err != nil {
		return nil, &InputError{File: path, Kind: ErrBadOverlay, Err: err}
	}
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		line, col := lineOf(err)
		return nil, &InputError{File: path, Line: line, Column: col, Kind: ErrBadOverlay, Err: err}
	}
	if len(node.Content) == 0 || node.Content[0].Kind != yaml.MappingNode {
		return nil, &InputError{File: path, Line: 1, Kind: ErrBadOverlay, Err: errors.New("not a YAML mapping")}
	}
	root := node.Content[0]
	if v := mappingValue(root, "overlay"); v == nil || !strings.HasPrefix(v.Value, "1.") {
		return nil, &InputError{File: path, Line: root.Line, Kind: ErrBadOverlay, Err: errors.New(`missing "overlay: 1.0.0"`)}
	}
	actions := mappingValue(root, "actions")
	ov, err := libopenapi.NewOverlayDocument(data)
	if err != nil {
		return nil, &InputError{File: path, Kind: ErrBadOverlay, Err: err}
	}
	res, err := overlay.Apply(spec, ov)
	if err != nil {
		ie := &InputError{File: path, Kind: ErrBadOverlay, Err: err}
		var oe *overlay.OverlayError
		if errors.As(err, &oe) && oe.Action != nil {
			ie.Line = actionLine(actions, ov, oe.Action)
		}
		return nil, ie
	}
	if len(res.Warnings) > 0 {
		w := res.Warnings[0]
		ie := &InputError{File: path, Kind: ErrUnmatchedTarget, Pointer: w.Target, Err: errors.New(w.Message)}
		if w.Action != nil {
			ie.Line = actionLine(actions, ov, w.Action)
		}
		if len(res.Warnings) > 1 {
			ie.Err = fmt.Errorf("%s (and %d more unmatched targets)", w.Message, len(res.Warnings)-1)
		}
		return nil, ie
	}
	return res.Bytes, nil
}

// actionLine finds the line of an action's target in the overlay file.
func actionLine(actions *yaml.Node, ov *highoverlay.Overlay, action *highoverlay.Action) int {
	if actions == nil || actions.Kind != yaml.SequenceNode {
		return 0
	}
	for i, a := range ov.Actions {
		if a == action && i < len(actions.Content) {
			if t := mappingValue(actions.Content[i], "target"); t != nil {
				return t.Line
			}
			return actions.Content[i].Line
		}
	}
	return 0
}

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
