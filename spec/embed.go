// Package spec bundles the curated base spec, so that the generator can run from the module
// cache in a consuming repository without a checkout of this one.
package spec

import _ "embed"

// QIWI is spec/qiwi.yaml: the curated base spec, before overlays.
//
//go:embed qiwi.yaml
var QIWI []byte

// Name is the path the bundled spec is reported under in errors.
const Name = "spec/qiwi.yaml"

// Resolved is spec/qiwi.resolved.yaml: the spec after the project's overlays, the one the
// contract harness judges against.
//
//go:embed qiwi.resolved.yaml
var Resolved []byte

// DriftBaselineName is the path the bundled drift baseline is reported under.
const DriftBaselineName = "spec/drift-baseline.json"

// DriftBaseline is spec/drift-baseline.json: the documentation-drift findings accepted for the
// bundled spec, each with its reason (qiwicontract drift).
//
//go:embed drift-baseline.json
var DriftBaseline []byte
