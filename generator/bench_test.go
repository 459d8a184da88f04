package generator

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"github.com/stretchr/testify/require"
)

// oapiCodegenAlone is the baseline: oapi-codegen on the already resolved spec, with the
// configuration the pipeline uses, loaded as oapi-codegen loads a spec (kin-openapi's
// loader; the pipeline's own loader, spec/load, is part of what is measured against it).
func oapiCodegenAlone(b *testing.B, resolved []byte) {
	doc, err := openapi3.NewLoader().LoadFromData(resolved)
	require.NoError(b, err)
	version := generatorVersion
	_, err = codegen.Generate(doc, codegen.Configuration{
		PackageName:   "qiwi",
		Generate:      codegen.GenerateOptions{Models: true},
		Compatibility: codegen.CompatibilityOptions{AlwaysPrefixEnumValues: true, PreserveOriginalOperationIdCasingInEmbeddedSpec: true},
		OutputOptions: codegen.OutputOptions{
			NameNormalizer: string(codegen.NameNormalizerFunctionToCamelCaseWithInitialisms),
			SkipPrune:      true,
			ExcludeTags:    DefaultExcludeTags,
		},
		NoVCSVersionOverride: &version,
	})
	require.NoError(b, err)
}

// BenchmarkPipeline runs the whole pipeline (load, overlays, validation after each, code
// generation, our passes) and, in the same run, oapi-codegen alone on the resolved spec;
// it reports both times and their ratio. Both are timed alike in every iteration; nothing
// stops the timer. Goal: ratio at most 1.5, pipeline under 2 s.
func BenchmarkPipeline(b *testing.B) {
	resolved, err := os.ReadFile("../spec/qiwi.resolved.yaml")
	require.NoError(b, err)
	cfg := bundledConfig(b, b.TempDir())
	ctx := context.Background()

	var pipeline, baseline time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		_, err := Run(ctx, cfg)
		pipeline += time.Since(start)
		require.NoError(b, err)

		start = time.Now()
		oapiCodegenAlone(b, resolved)
		baseline += time.Since(start)
		n++
	}
	b.ReportMetric(float64(pipeline.Milliseconds())/float64(n), "pipeline-ms/op")
	b.ReportMetric(float64(baseline.Milliseconds())/float64(n), "oapi-codegen-ms/op")
	b.ReportMetric(float64(pipeline)/float64(baseline), "ratio")
}
