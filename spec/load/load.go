// Package load reads an OpenAPI document (YAML or JSON) into kin-openapi's model, as
// openapi3.Loader.LoadFromData does, in about three quarters of its time.
//
// kin-openapi converts the YAML to JSON and decodes the whole document in one goroutine,
// and its document type decodes everything twice (once for its fields, once more for the
// root's extensions). Document converts the YAML the same way, then decodes the
// components, the paths and the rest at once, each with kin-openapi's own decoders, and
// resolves the references as LoadFromData does. Anything it cannot read that way (a
// document that is not a mapping, a decoding error) is read by LoadFromData, so errors are
// kin-openapi's own, word for word.
package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/yaml"
)

// Document loads an OpenAPI document without external references: the same document
// openapi3.NewLoader().LoadFromData(data) returns, or its error.
func Document(data []byte) (*openapi3.T, error) {
	doc, ok := split(data)
	if !ok {
		return kinLoad(data)
	}
	if err := openapi3.NewLoader().ResolveRefsIn(doc, nil); err != nil {
		return kinLoad(data) // kin-openapi's error, as its loader words it
	}
	return doc, nil
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

func kinLoad(data []byte) (*openapi3.T, error) {
	return openapi3.NewLoader().LoadFromData(data)
}

// split decodes the document's components, paths and other members on three goroutines.
// ok is false when any part fails: the caller then loads the document the slow way.
func split(data []byte) (doc *openapi3.T, ok bool) {
	// The conversion kin-openapi makes of YAML (timestamps stay strings), into the
	// document's members as JSON.
	var top map[string]json.RawMessage
	if _, err := yaml.Unmarshal(data, &top, yaml.DecodeOpts{DisableTimestamps: true}); err != nil || top == nil {
		return nil, false
	}
	componentsJSON, pathsJSON := top["components"], top["paths"]
	delete(top, "components")
	delete(top, "paths")
	rest, err := json.Marshal(top)
	if err != nil {
		return nil, false
	}
	doc = &openapi3.T{}
	var (
		components     openapi3.Components
		paths          openapi3.Paths
		errC, errP     error
		wg             sync.WaitGroup
		hasC, hasPaths = present(componentsJSON), present(pathsJSON)
	)
	if hasC {
		wg.Go(func() { errC = json.Unmarshal(componentsJSON, &components) })
	}
	if hasPaths {
		wg.Go(func() { errP = json.Unmarshal(pathsJSON, &paths) })
	}
	errR := json.Unmarshal(rest, doc)
	wg.Wait()
	if errC != nil || errP != nil || errR != nil {
		return nil, false
	}
	if hasC {
		doc.Components = &components
	}
	if hasPaths {
		doc.Paths = &paths
	}
	return doc, true
}

// present reports whether a member is there and not null: a null member decodes to nothing.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}
