// Package sarifschema validates a SARIF log against the OASIS SARIF 2.1.0 JSON schema, for the
// tests of the commands that write SARIF (drift, diff). Only tests import it, so the schema is
// not linked into the commands.
//
// sarif-schema-2.1.0.json is the OASIS schema (errata01,
// https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json)
// as embedded in github.com/owenrumney/go-sarif/v3@v3.3.1, pkg/report/v210/sarif/schema.go
// (MIT); that copy also lets runs be null and types version as a string.
package sarifschema

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed sarif-schema-2.1.0.json
var schemaJSON []byte

// Validate reports why data is not a SARIF 2.1.0 log, or nil.
func Validate(data []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return fmt.Errorf("the SARIF schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		return fmt.Errorf("the SARIF schema: %w", err)
	}
	schema, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		return fmt.Errorf("the SARIF schema: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return schema.Validate(inst)
}
