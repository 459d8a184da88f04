package generator

import (
	"context"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	"github.com/qiwigen/qiwigen/spec/ext"
	"github.com/qiwigen/qiwigen/spec/load"
	"github.com/qiwigen/qiwigen/spec/located"
	"github.com/qiwigen/qiwigen/spec/notification"
)

// loadBase reads the base spec and checks that it is a YAML mapping. Its validity as
// OpenAPI is checked after the overlays (see blameInvalid).
func loadBase(src Source) ([]byte, error) {
	path := src.Name
	data, err := src.read()
	if err != nil {
		return nil, &InputError{File: path, Kind: ErrBadSpec, Err: err}
	}
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		line, col := located.Position(data, err)
		return nil, &InputError{File: path, Line: line, Column: col, Kind: ErrBadSpec, Err: err}
	}
	if len(node.Content) == 0 || node.Content[0].Kind != yaml.MappingNode {
		return nil, &InputError{File: path, Line: 1, Kind: ErrBadSpec, Err: fmt.Errorf("not a YAML mapping")}
	}
	return data, nil
}

// loadSpec parses spec bytes into a fresh kin-openapi document (without external
// references). Each consumer that mutates the document (oapi-codegen does) gets its own.
func loadSpec(data []byte) (*openapi3.T, error) {
	return load.Document(data)
}

// validate loads the spec and runs kin-openapi's validation; it returns the loaded document.
func validate(ctx context.Context, data []byte) (*openapi3.T, []notification.Declaration, error) {
	doc, err := loadSpec(data)
	if err != nil {
		return nil, nil, err
	}
	if err := doc.Validate(ctx, openapi3.EnableExamplesValidation()); err != nil {
		return nil, nil, err
	}
	// The notification declarations are part of a valid QIWI spec: signature code is
	// generated from them.
	notes, err := notification.Collect(doc)
	if err != nil {
		return nil, nil, err
	}
	// So are the other extensions of ours: each is read in one place (spec/ext), and an
	// unknown or ill-typed one is an error naming its pointer.
	if err := ext.Check(doc); err != nil {
		return nil, nil, err
	}
	return doc, notes, nil
}
