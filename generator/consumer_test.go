package generator

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A consuming repository writes one //go:generate line and an overlay of its own; `go
// generate` must give it a client that differs from ours exactly as its overlay says.
func TestConsumingRepositoryGoGenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module")
	}
	goBin, err := exec.LookPath("go")
	require.NoError(t, err)
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	dir := t.TempDir()

	// go.mod: our requirements, so that nothing new needs resolving, plus a replace of
	// this module by the working tree.
	ourMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	mod := regexp.MustCompile(`(?m)^module .*$`).ReplaceAllString(string(ourMod), "module example.com/shop")
	mod += "\nrequire github.com/qiwigen/qiwigen v0.0.0\n\nreplace github.com/qiwigen/qiwigen => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)

	readmeOverlay, err := os.ReadFile("testdata/consumer/qiwi-overlay.yaml")
	require.NoError(t, err)
	files := map[string]string{
		"go.mod":            mod,
		"go.sum":            string(sum),
		"qiwi-overlay.yaml": string(readmeOverlay),
		"qiwi/generate.go": "// Package qiwi is the shop's QIWI client.\npackage qiwi\n\n" +
			"//go:generate go run github.com/qiwigen/qiwigen/generator/cmd/qiwigen -overlay ../qiwi-overlay.yaml -out .\n",
		"main.go": `package main

import (
	"fmt"

	"example.com/shop/qiwi"
)

func main() {
	order := "A-1"
	fields := qiwi.CustomFields{OrderNumber: &order}
	fmt.Println(*fields.OrderNumber)
}
`,
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	run := func(args ...string) string {
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
		return string(out)
	}
	run("generate", "./...")
	run("build", "./...")
	assert.Equal(t, "A-1\n", run("run", "."))

	theirs, err := os.ReadFile(filepath.Join(dir, "qiwi", "client.gen.go"))
	require.NoError(t, err)
	ours, err := os.ReadFile(filepath.Join(root, "gen", "qiwi", "client.gen.go"))
	require.NoError(t, err)
	methods := regexp.MustCompile(`(?m)^func \(c \*Client\) (\w+)\(`)
	names := func(src []byte) map[string]bool {
		m := map[string]bool{}
		for _, s := range methods.FindAllSubmatch(src, -1) {
			m[string(s[1])] = true
		}
		return m
	}
	want := names(ours)
	delete(want, "CreatePayout")
	delete(want, "GetPayout")
	assert.Equal(t, want, names(theirs), "the shop's client lacks exactly the payout operations")
}

// The README's overlay example is the overlay the consumer test generates with.
func TestReadmeOverlayIsTheConsumersOverlay(t *testing.T) {
	overlay, err := os.ReadFile("testdata/consumer/qiwi-overlay.yaml")
	require.NoError(t, err)
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	assert.Contains(t, string(readme), "```yaml\n"+string(overlay)+"```")
}
