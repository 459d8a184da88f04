package qiwiruntime

import (
	"bytes"
	"context"
	"encoding/json"
)

// DriftReporter learns of answer members the generated model does not know: QIWI adds
// fields without notice, the client decodes leniently and drops them, and this hook lets a
// service log or count them. Pointers are JSON pointers into the answer body.
type DriftReporter func(ctx context.Context, operationID string, pointers []string)

// WithDriftReporter reports undocumented answer members. Finding them costs a second encoding
// of each answer, so it is off unless configured.
func WithDriftReporter(r DriftReporter) Option {
	return func(c *Caller) error { c.drift = r; return nil }
}

// unknownMembers lists the members of an answer body that encoding the decoded model does
// not reproduce; null members count as absent. A member spelled in another letter case than
// the model's is one of them: answers are not signed, so it is drift, not an attack.
func unknownMembers(body []byte, decoded any) []string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var tree any
	if dec.Decode(&tree) != nil {
		return nil
	}
	unknown, err := compareWithModel(tree, decoded, false)
	if err != nil {
		return nil
	}
	return unknown
}
