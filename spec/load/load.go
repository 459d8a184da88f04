// Package load reads an OpenAPI document (YAML or JSON) into kin-openapi's model with
// kin-openapi's own loader, and refuses, for the tools that work from a spec, a document
// without components.
package load

import (
	"errors"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// Document loads an OpenAPI document without external references, references resolved:
// openapi3.NewLoader().LoadFromData(data), its document or its error.
func Document(data []byte) (*openapi3.T, error) {
	return openapi3.NewLoader().LoadFromData(data)
}

// ErrNoComponents is wrapped by Spec's error about a document without components.
var ErrNoComponents = errors.New("no components")

// Spec loads a spec the tools generate, judge or compare by (qiwigen, replay, drift): the
// document Document returns, refusing one without components (or with components: null),
// where the schemas they all read stand. The error wraps ErrNoComponents.
func Spec(data []byte) (*openapi3.T, error) {
	doc, err := Document(data)
	if err != nil {
		return nil, err
	}
	if doc.Components == nil {
		return nil, fmt.Errorf("%w: the document has no components member (or it is null), where the schemas are read from", ErrNoComponents)
	}
	return doc, nil
}
