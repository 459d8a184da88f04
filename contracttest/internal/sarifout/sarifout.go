// Package sarifout writes a go-sarif report as the SARIF 2.1.0 schema accepts it, for the
// commands that write SARIF (drift, diff).
package sarifout

import (
	"encoding/json"
	"io"

	"github.com/owenrumney/go-sarif/v2/sarif"
)

// Write writes rep indented, without the null members go-sarif writes for absent optional
// ones (a suppression's status, location and guid), which the schema refuses.
func Write(w io.Writer, rep *sarif.Report) error {
	data, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(dropNulls(doc))
}

// dropNulls removes the null members of JSON objects, at any depth.
func dropNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if x == nil {
				delete(v, k)
			} else {
				v[k] = dropNulls(x)
			}
		}
	case []any:
		for i, x := range v {
			v[i] = dropNulls(x)
		}
	}
	return v
}
