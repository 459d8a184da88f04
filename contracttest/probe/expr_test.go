package probe

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// $STEP#/pointer reads a member of an earlier step's answer; a member the answer lacks is an
// error naming the expression, the step, the pointer and where the answer stops.
func TestExprAnswerMember(t *testing.T) {
	p := &probe{}
	state := map[string]stepState{"bind": {answer: map[string]any{"paymentId": "p1", "createdToken": nil, "items": []any{"a"}}}}
	v, err := p.expr("$bind#/paymentId", state)
	require.NoError(t, err)
	assert.Equal(t, "p1", v)
	v, err = p.expr("$bind#/items/0", state)
	require.NoError(t, err)
	assert.Equal(t, "a", v)
	for text, want := range map[string]string{
		"$bind#/createdToken/token": `$bind#/createdToken/token: step bind's answer has no /createdToken/token: /createdToken is null, not an object or array`,
		"$bind#/status/value":       `$bind#/status/value: step bind's answer has no /status/value: the document has no member "status"`,
		"$bind#/items/1":            `$bind#/items/1: step bind's answer has no /items/1: /items has no element "1" (it has 1)`,
		"$pay#/paymentId":           `$pay#/paymentId: step pay did not answer`,
	} {
		_, err := p.expr(text, state)
		assert.EqualError(t, err, want, text)
	}
}
