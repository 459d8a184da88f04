package transport

import (
	"encoding/json"

	jsonv1 "github.com/go-json-experiment/json/v1"
)

// decodeAnswer decodes an answer body into its model. Decoding is most of a call's cost,
// so it goes through github.com/go-json-experiment/json/v1: encoding/json's semantics on
// the encoding/json/v2 engine (the module mirrors the standard library's v2, stable in Go
// 1.27; its v1 package is what encoding/json becomes there), the models' own UnmarshalJSON
// methods included, at a fraction of the cost. Whatever it refuses (or, were it to fail,
// panics on) is decoded again by encoding/json, whose result and error stand, so errors read
// as encoding/json words them. FuzzAnswerDecoders holds the two to the same result.
func decodeAnswer(body []byte, out any) (err error) {
	defer func() {
		if recover() != nil {
			err = json.Unmarshal(body, out)
		}
	}()
	if jsonv1.Unmarshal(body, out) == nil {
		return nil
	}
	return json.Unmarshal(body, out)
}
