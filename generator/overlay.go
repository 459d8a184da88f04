package generator

import (
	"context"
	"errors"
	"fmt"

	pbyaml "github.com/pb33f/go-yaml"
	highoverlay "github.com/pb33f/libopenapi/datamodel/high/overlay"
	"github.com/pb33f/libopenapi/datamodel/low"
	lowoverlay "github.com/pb33f/libopenapi/datamodel/low/overlay"
	"github.com/pb33f/libopenapi/overlay"

	"github.com/qiwigen/qiwigen/spec/located"
)

// parsedOverlay is one overlay document, read and checked.
type parsedOverlay struct {
	src     Source
	actions *pbyaml.Node // the actions sequence, for line numbers
	doc     *highoverlay.Overlay
}

// parseOverlay reads an Overlay 1.0 document and checks its shape.
func parseOverlay(src Source) (*parsedOverlay, error) {
	path := src.Name
	data, err := src.read()
	if err != nil {
		return nil, &InputError{File: path, Kind: ErrBadOverlay, Err: err}
	}
	// One parse, by the YAML library libopenapi reads overlays with: its nodes give the
	// positions of errors and actions, and libopenapi's overlay model is built from them.
	var node pbyaml.Node
	if err := pbyaml.Unmarshal(data, &node); err != nil {
		line, col := located.Position(data, err)
		return nil, &InputError{File: path, Line: line, Column: col, Kind: ErrBadOverlay, Err: err}
	}
	if len(node.Content) == 0 || node.Content[0].Kind != pbyaml.MappingNode {
		return nil, &InputError{File: path, Line: 1, Kind: ErrBadOverlay, Err: errors.New("not a YAML mapping")}
	}
	root := node.Content[0]
	if at, err := checkOverlayShape(root); err != nil {
		ie := &InputError{File: path, Kind: ErrBadOverlay, Err: err}
		if at != nil {
			ie.Line, ie.Column = at.Line, at.Column
		}
		return nil, ie
	}
	ov, err := overlayDocument(root)
	if err != nil {
		return nil, &InputError{File: path, Kind: ErrBadOverlay, Err: err}
	}
	return &parsedOverlay{src: src, actions: mappingValue(root, "actions"), doc: ov}, nil
}

// applyOverlays applies the overlays in order. A target that matches nothing is an error,
// not a warning: an overlay written for another version of the spec must not pass
// silently. The overlays are applied in one pass over the spec (their actions concatenated
// in order), which is what makes a long overlay chain cheap.
func applyOverlays(spec []byte, srcs []Source) ([]byte, error) {
	parsed, err := parseOverlays(srcs)
	if err != nil {
		return nil, err
	}
	return applyAll(spec, parsed)
}

// parseOverlays parses the overlays in order; the first error is the one reported.
func parseOverlays(srcs []Source) ([]*parsedOverlay, error) {
	parsed := make([]*parsedOverlay, len(srcs))
	for i, src := range srcs {
		p, err := parseOverlay(src)
		if err != nil {
			return nil, err
		}
		parsed[i] = p
	}
	return parsed, nil
}

// applyAll applies parsed overlays in order, in one pass. (Overlay 1.0 has no reusable
// components, which would need one pass per overlay: checkOverlayShape refuses them.)
func applyAll(spec []byte, parsed []*parsedOverlay) ([]byte, error) {
	if len(parsed) == 0 {
		return spec, nil
	}
	return applyParsed(spec, parsed)
}

// applyParsed applies the actions of the overlays, in order, in one pass.
func applyParsed(spec []byte, parsed []*parsedOverlay) ([]byte, error) {
	merged := *parsed[0].doc
	merged.Actions = nil
	owner := map[*highoverlay.Action]*parsedOverlay{}
	for _, p := range parsed {
		for _, a := range p.doc.Actions {
			owner[a] = p
			merged.Actions = append(merged.Actions, a)
		}
	}
	res, err := overlay.Apply(spec, &merged)
	if err != nil {
		ie := &InputError{File: parsed[0].src.Name, Kind: ErrBadOverlay, Err: err}
		var oe *overlay.OverlayError
		if errors.As(err, &oe) && oe.Action != nil {
			if p := owner[oe.Action]; p != nil {
				ie.File, ie.Line = p.src.Name, actionLine(p.actions, p.doc, oe.Action)
			}
		}
		return nil, ie
	}
	if len(res.Warnings) > 0 {
		w := res.Warnings[0]
		ie := &InputError{File: parsed[0].src.Name, Kind: ErrUnmatchedTarget, Pointer: w.Target, Err: errors.New(w.Message)}
		if p := owner[w.Action]; p != nil {
			ie.File, ie.Line = p.src.Name, actionLine(p.actions, p.doc, w.Action)
		}
		if len(res.Warnings) > 1 {
			ie.Err = fmt.Errorf("%s (and %d more unmatched targets)", w.Message, len(res.Warnings)-1)
		}
		return nil, ie
	}
	return res.Bytes, nil
}

// overlayDocument builds libopenapi's model of an overlay through its datamodel packages
// (low.BuildModel, the low model's Build, high.NewOverlay), as libopenapi.NewOverlayDocument
// does: importing the root package would compile libopenapi's whole document model (OpenAPI
// 2 and 3, index, resolver, what-changed) into the generator, which a consumer's first
// go generate pays for.
func overlayDocument(root *pbyaml.Node) (*highoverlay.Overlay, error) {
	var lowOv lowoverlay.Overlay
	if err := low.BuildModel(root, &lowOv); err != nil {
		return nil, err
	}
	if err := lowOv.Build(context.Background(), nil, root, nil); err != nil {
		return nil, err
	}
	return highoverlay.NewOverlay(&lowOv), nil
}

// actionLine finds the line of an action's target in the overlay file.
func actionLine(actions *pbyaml.Node, ov *highoverlay.Overlay, action *highoverlay.Action) int {
	if actions == nil || actions.Kind != pbyaml.SequenceNode {
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

func mappingValue(m *pbyaml.Node, key string) *pbyaml.Node {
	if m == nil || m.Kind != pbyaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
