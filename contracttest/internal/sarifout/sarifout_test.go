package sarifout_test

import (
	"bytes"
	"testing"

	"github.com/owenrumney/go-sarif/v2/sarif"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/internal/sarifout"
	"github.com/qiwigen/qiwigen/contracttest/internal/sarifschema"
)

// A result with a suppression: go-sarif's own writer gives nulls the schema refuses; Write
// gives a log the schema accepts, the suppression's justification kept.
func TestWriteIsValidSARIF(t *testing.T) {
	rep, err := sarif.New(sarif.Version210)
	require.NoError(t, err)
	run := sarif.NewRunWithInformationURI("qiwicontract test", "https://github.com/qiwigen/qiwigen")
	run.AddRule("field-case")
	run.CreateResultForRule("field-case").WithLevel("error").WithMessage(sarif.NewTextMessage("a finding")).
		AddSuppression(sarif.NewSuppression("external").WithJustifcation("accepted"))
	rep.AddRun(run)

	var raw bytes.Buffer
	require.NoError(t, rep.PrettyWrite(&raw))
	assert.Error(t, sarifschema.Validate(raw.Bytes()), "go-sarif's own output, with nulls")

	var out bytes.Buffer
	require.NoError(t, sarifout.Write(&out, rep))
	require.NoError(t, sarifschema.Validate(out.Bytes()))
	assert.NotContains(t, out.String(), "null")
	assert.Contains(t, out.String(), `"justification": "accepted"`)
}
