package wiretype

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNumericCode(t *testing.T) {
	for _, tc := range []struct {
		wire, text string
	}{
		{`"0123342"`, "0123342"},
		{`"123"`, "123"},
		{`123`, "123"},
		{`"RRN-1"`, "RRN-1"},
	} {
		var c NumericCode
		require.NoError(t, json.Unmarshal([]byte(tc.wire), &c), tc.wire)
		assert.Equal(t, tc.text, c.String())
		again, err := json.Marshal(c)
		require.NoError(t, err)
		assert.Equal(t, tc.wire, string(again), "re-encodes in the form received")
	}
	var p *NumericCode
	require.NoError(t, json.Unmarshal([]byte(`null`), &p))
	assert.Nil(t, p)
	for _, bad := range []string{`1.5`, `-3`, `1e3`, `true`, `{}`, `[]`} {
		var c NumericCode
		err := json.Unmarshal([]byte(bad), &c)
		assert.ErrorIs(t, err, ErrInvalidCode, bad)
	}
	built, err := json.Marshal(NewNumericCode("42"))
	require.NoError(t, err)
	assert.Equal(t, `"42"`, string(built))
}
