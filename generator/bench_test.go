package generator

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
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

// BenchmarkConsumerColdPath stands for a newcomer's first `go generate`: in a fresh module,
// on an empty module cache and an empty build cache, the README's commands (qiwigen as a
// tool, generate with the README's overlay, record the imports, build), against this
// repository packed as a release, every other module through the machine's module proxy.
// The baseline, in the same iteration and on caches as empty, is oapi-codegen's own path
// to a client from the same resolved spec: its CLI as a tool, generate models and client,
// record the imports (the spec's x-go-type names this module's runtime), build. It reports
// both times and their ratio (goal: at most 1.5). Each iteration downloads and compiles
// everything twice: run it with -benchtime 1x.
func BenchmarkConsumerColdPath(b *testing.B) {
	goBin, err := exec.LookPath("go")
	require.NoError(b, err)
	root, err := filepath.Abs("..")
	require.NoError(b, err)
	proxy := packRelease(b, root)
	readmeData, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(b, err)
	section := "## Generating a client in your own repository"
	generateLine := strings.TrimSpace(readmeBlock(b, string(readmeData), section, "go"))
	commands := strings.Split(strings.TrimSpace(readmeBlock(b, string(readmeData), section, "sh")), "\n")
	overlay := readmeBlock(b, string(readmeData), section, "yaml")
	resolved, err := os.ReadFile(filepath.Join(root, "spec", "qiwi.resolved.yaml"))
	require.NoError(b, err)
	oapiVersion := moduleVersion(b, root, "github.com/oapi-codegen/oapi-codegen/v2")

	// coldRun makes a fresh module with the given files and runs the commands in it on
	// empty caches, returning the time the commands took.
	coldRun := func(files map[string]string, commands []string) time.Duration {
		dir := b.TempDir()
		env := append(consumerEnv(b, goBin, proxy), "GOCACHE="+filepath.Join(b.TempDir(), "gocache"))
		for name, content := range files {
			path := filepath.Join(dir, name)
			require.NoError(b, os.MkdirAll(filepath.Dir(path), 0o755))
			require.NoError(b, os.WriteFile(path, []byte(content), 0o644))
		}
		start := time.Now()
		for _, line := range append([]string{"go mod init example.com/shop"}, commands...) {
			words := strings.Fields(line)
			cmd := exec.Command(goBin, words[1:]...)
			cmd.Dir, cmd.Env = dir, env
			out, err := cmd.CombinedOutput()
			require.NoError(b, err, "%s:\n%s", line, out)
		}
		return time.Since(start)
	}

	var ours, baseline time.Duration
	n := 0
	for b.Loop() {
		ours += coldRun(map[string]string{
			"qiwi-overlay.yaml": overlay,
			"qiwi/generate.go":  "package qiwi\n\n" + generateLine + "\n",
		}, append(commands, "go build ./..."))
		baseline += coldRun(map[string]string{
			"qiwi.resolved.yaml": string(resolved),
			"oapi-codegen.yaml":  "package: qiwi\ngenerate:\n  models: true\n  client: true\ncompatibility:\n  always-prefix-enum-values: true\noutput-options:\n  name-normalizer: ToCamelCaseWithInitialisms\n  exclude-tags: [undocumented]\noutput: client.gen.go\n",
			"qiwi/generate.go":   "package qiwi\n\n//go:generate go tool oapi-codegen -config ../oapi-codegen.yaml ../qiwi.resolved.yaml\n",
		}, []string{
			"go get -tool github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@" + oapiVersion,
			"go generate ./...",
			"go get ./...",
			"go build ./...",
		})
		n++
	}
	b.ReportMetric(ours.Seconds()/float64(n), "qiwigen-s/op")
	b.ReportMetric(baseline.Seconds()/float64(n), "oapi-codegen-s/op")
	b.ReportMetric(float64(ours)/float64(baseline), "ratio")
}

// moduleVersion is the version of a module this repository requires.
func moduleVersion(t testing.TB, root, path string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(path) + `\s+(v\S+)`).FindStringSubmatch(string(data))
	require.NotNil(t, m, "go.mod requires no %s", path)
	return m[1]
}
