package modeldiff_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/generator/runtime/modeldiff"
)

type status struct {
	Value string `json:"value"`
}

type payment struct {
	PaymentID string `json:"paymentId"`
	Status    status `json:"status"`
}

// The members a model does not reproduce are listed by JSON pointer, sorted; null members
// count as absent; a member the model knows under another letter case is drift for an
// answer and an error where names must match exactly.
func TestCompareWithModel(t *testing.T) {
	body := []byte(`{"paymentId": "p1", "status": {"value": "COMPLETED", "new/one": 1}, "loyalty": {"points": 5}, "gone": null}`)
	var p payment
	require.NoError(t, json.Unmarshal(body, &p))
	assert.Equal(t, []string{"/loyalty", "/status/new~1one"}, modeldiff.UnknownMembers(body, &p))

	folded := []byte(`{"paymentID": "p1", "status": {"value": "COMPLETED"}}`)
	require.NoError(t, json.Unmarshal(folded, &p))
	assert.Equal(t, []string{"/paymentID"}, modeldiff.UnknownMembers(folded, &p))
	var tree any
	require.NoError(t, json.Unmarshal(folded, &tree))
	_, err := modeldiff.CompareWithModel(tree, &p, true)
	assert.ErrorContains(t, err, `member "paymentID" is "paymentId" in the model`)
	assert.Nil(t, modeldiff.UnknownMembers([]byte(`{broken`), &p))
}

func TestFoldName(t *testing.T) {
	assert.Equal(t, modeldiff.FoldName("K"), modeldiff.FoldName("\u212a"), "the Kelvin sign folds like K, as encoding/json matches it")
	assert.Equal(t, modeldiff.FoldName("paymentId"), modeldiff.FoldName("PAYMENTID"))
	assert.NotEqual(t, modeldiff.FoldName("paymentId"), modeldiff.FoldName("paymentIds"))
}
