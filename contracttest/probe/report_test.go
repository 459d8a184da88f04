package probe

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A flow's reason that spans lines or holds a pipe stays in its row of the Markdown table.
func TestMarkdownFlowRowStaysOneRow(t *testing.T) {
	r := &Report{Flows: []FlowResult{{Name: "a|b", Steps: 2, Done: 1,
		Failures: []string{"step x (getPayment): answer:\x0a  /status | not an object"}}}}
	var buf bytes.Buffer
	require.NoError(t, r.WriteMarkdown(&buf))
	var rows []string
	for line := range strings.SplitSeq(buf.String(), "\n") {
		if strings.HasPrefix(line, "| a") {
			rows = append(rows, line)
		}
	}
	require.Len(t, rows, 1, buf.String())
	assert.Equal(t, `| a\|b | FAIL | 1 of 2 | step x (getPayment): answer:\x0a  /status \| not an object |`, rows[0])
}
