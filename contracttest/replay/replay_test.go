package replay

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/extract"
	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// sample takes a few doc examples of the capture section, one of them a doc defect, and one
// interaction whose answer breaks the spec.
func sample(t *testing.T) []fixture.Interaction {
	t.Helper()
	dir, err := docs.Locate()
	require.NoError(t, err)
	all, err := extract.Dir(filepath.Join(dir, "payments"), nil, nil)
	require.NoError(t, err)
	var out []fixture.Interaction
	for _, in := range all {
		if in.Provenance.Anchor == "capture_status" || in.Provenance.Anchor == "payment_status" && in.Response.Status == 200 {
			out = append(out, in)
		}
	}
	require.Len(t, out, 4)
	var broken fixture.Interaction
	for _, in := range out {
		if in.Provenance.Anchor == "capture_status" && in.Response.Status == 200 {
			broken = in
		}
	}
	r := *broken.Response
	r.Body = strings.Replace(r.Body, `"6.77"`, `"six"`, 1)
	broken.Response = &r
	broken.Name += " (amount broken)"
	return append(out, broken)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(want), string(got))
}

func TestReports(t *testing.T) {
	j, err := verdict.New(spec.Resolved)
	require.NoError(t, err)
	report := Run(context.Background(), j, sample(t), false)
	passed, failed, defects := report.Counts()
	assert.Equal(t, []int{3, 1, 1}, []int{passed, failed, defects})
	assert.False(t, report.OK())

	var text, junit, md bytes.Buffer
	require.NoError(t, report.WriteText(&text))
	require.NoError(t, report.WriteJUnit(&junit))
	doc, err := openapi3.NewLoader().LoadFromData(spec.Resolved)
	require.NoError(t, err)
	require.NoError(t, report.WriteMarkdown(&md, doc))
	golden(t, "report.txt.golden", text.Bytes())
	golden(t, "report.junit.xml.golden", junit.Bytes())
	golden(t, "report.md.golden", md.Bytes())

	cov := Coverage(doc, report)
	assert.Equal(t, 1, cov.Passing["getCapture 200"], "the broken copy does not count")
	assert.Equal(t, 1, cov.Passing["getCapture 500"])
	assert.Contains(t, cov.Uncovered(), "createInvoice")
	assert.NotContains(t, cov.Uncovered(), "getCapture")
}
