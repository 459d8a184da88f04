package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snapshot reads every file of dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		files[e.Name()] = string(data)
	}
	return files
}

func TestExitStatusAndUntouchedOutput(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"help", []string{"-h"}, 0, "Usage:"},
		{"no output dir", []string{}, 2, "-out is required"},
		{"unknown flag", []string{"-nope"}, 2, "flag provided but not defined"},
		{"malformed base spec", []string{"-spec", "../../testdata/bad/malformed-spec.yaml"}, 1, "malformed-spec.yaml:8: bad base spec"},
		{"unmatched overlay target", []string{"-overlay", "../../testdata/bad/overlay-unmatched.yaml"}, 1, "overlay-unmatched.yaml:9: overlay target matches nothing"},
		{"overlay not YAML", []string{"-overlay", "../../testdata/bad/overlay-not-yaml.yaml"}, 1, "overlay-not-yaml.yaml:7:21: bad overlay"},
		{"overlay makes the spec invalid", []string{"-overlay", "../../testdata/bad/overlay-invalid-result.yaml"}, 1, "overlay-invalid-result.yaml:8: invalid spec after overlays"},
		{"missing overlay file", []string{"-overlay", "../../testdata/bad/absent.yaml"}, 2, "absent.yaml"},
		{"missing overlay folder", []string{"-overlay", "../../testdata/no-such-folder"}, 2, "no-such-folder"},
		{"missing base spec", []string{"-spec", "../../testdata/bad/absent.yaml"}, 2, "absent.yaml: bad base spec"},
		{"overlay folder without overlays", []string{"-overlay", "../../testdata/tiny/golden"}, 2, "overlay folder ../../testdata/tiny/golden holds no overlay (no .yaml or .yml file)"},
		{"misspelt action key", []string{"-overlay", "../../testdata/bad/overlay-misspelt-action-key.yaml"}, 1, `overlay-misspelt-action-key.yaml:7:5: bad overlay: action 1: unknown key "udpate" (did you mean "update"?)`},
		{"misspelt schema key", []string{"-overlay", "../../testdata/bad/overlay-misspelt-schema-key.yaml"}, 1, `overlay-misspelt-schema-key.yaml:9: invalid spec after overlays at /components/schemas/CustomFields/propreties: schema "CustomFields"`},
		{"unknown operation to include", []string{"-include-operations", "createInvoce"}, 2, `"createInvoce" is not in the spec (did you mean createInvoice`},
		{"unknown operation to exclude", []string{"-exclude-operations", "getPaymnet"}, 2, `"getPaymnet" is not in the spec (did you mean getPayment`},
		{"unknown tag", []string{"-exclude-tags", "payout"}, 2, `"payout" is not in the spec (did you mean payouts`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			sentinel := filepath.Join(out, "client.gen.go")
			require.NoError(t, os.WriteFile(sentinel, []byte("package qiwi // earlier output\n"), 0o644))
			before := snapshot(t, out)
			args := tt.args
			if tt.name != "no output dir" && tt.name != "help" {
				args = append(args, "-out", out)
			}
			var stdout, stderr bytes.Buffer
			status := run(context.Background(), args, &stdout, &stderr)
			assert.Equal(t, tt.status, status, stderr.String())
			assert.Contains(t, stderr.String(), tt.stderr)
			if status != 0 {
				assert.Equal(t, before, snapshot(t, out), "the output directory must be left untouched")
			}
			if status == 1 {
				assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr.String()), "\n")+1, "one error line: %s", stderr.String())
			}
		})
	}
}

func TestGeneratesIntoDirectory(t *testing.T) {
	out := filepath.Join(t.TempDir(), "myqiwi")
	var stdout, stderr bytes.Buffer
	status := run(context.Background(), []string{"-out", out, "-exclude-operations", "createPayout,getPayout"}, &stdout, &stderr)
	require.Equal(t, 0, status, stderr.String())
	client, err := os.ReadFile(filepath.Join(out, "client.gen.go"))
	require.NoError(t, err)
	assert.Contains(t, string(client), "package myqiwi")
	assert.NotContains(t, string(client), "CreatePayout")
	assert.Contains(t, string(client), "func (c *Client) CreatePayment(")
}

func TestJSONReport(t *testing.T) {
	var stdout, stderr bytes.Buffer
	status := run(context.Background(), []string{"-json", "-overlay", "../../testdata/bad/overlay-unmatched.yaml", "-out", t.TempDir()}, &stdout, &stderr)
	assert.Equal(t, 1, status)
	var report map[string]any
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &report), stdout.String())
	assert.Equal(t, false, report["ok"])
	assert.Equal(t, "../../testdata/bad/overlay-unmatched.yaml", report["file"])
	assert.Equal(t, float64(9), report["line"])
	assert.Equal(t, "overlay target matches nothing", report["kind"])
	assert.Contains(t, report["pointer"], "no-such-thing")

	stdout.Reset()
	require.Equal(t, 0, run(context.Background(), []string{"-json", "-out", t.TempDir()}, &stdout, &stderr), stderr.String())
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &report))
	assert.Equal(t, true, report["ok"])
	assert.Contains(t, report["files"], "client.gen.go")
}

// An -out that names a file is a usage error, and the file is left as it was.
func TestOutMustBeADirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "client.go")
	require.NoError(t, os.WriteFile(file, []byte("package mine\n"), 0o644))
	var stdout, stderr bytes.Buffer
	status := run(context.Background(), []string{"-out", file}, &stdout, &stderr)
	assert.Equal(t, 2, status)
	assert.Contains(t, stderr.String(), "is a file, not a directory")
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, "package mine\n", string(data))
}

// An overlay folder is read as a user expects: its .yaml and .yml files together, in name
// order, so that an overlay in a .yml file is not lost; a folder without one is an error.
func TestOverlayFolder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, doc string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o644))
	}
	write("README.md", "not an overlay\n")
	write("20-drop.yml", `overlay: 1.0.0
info: {title: drop a payout, version: 1.0.0}
actions:
  - target: $.paths['/payin/v1/sites/{siteId}/payments/{paymentId}/payouts/{payoutId}']
    remove: true
`)
	// 30 must come after 10: its target is the property 10 adds.
	write("10-field.yaml", `overlay: 1.0.0
info: {title: add a field, version: 1.0.0}
actions:
  - target: $.components.schemas.CustomFields
    update:
      properties:
        orderNumber: {type: string, description: Shop order number.}
`)
	write("30-check.yml", `overlay: 1.0.0
info: {title: needs 10 first, version: 1.0.0}
actions:
  - target: $.components.schemas.CustomFields.properties.orderNumber
    update: {maxLength: 64}
`)
	paths, err := expandOverlay(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, "10-field.yaml"), filepath.Join(dir, "20-drop.yml"), filepath.Join(dir, "30-check.yml")}, paths)

	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"-overlay", dir, "-out", out}, &stdout, &stderr), stderr.String())
	client, err := os.ReadFile(filepath.Join(out, "client.gen.go"))
	require.NoError(t, err)
	assert.False(t, strings.Contains(string(client), "CreatePayout("), "the .yml overlay removed it")
	models, err := os.ReadFile(filepath.Join(out, "raw.gen.go"))
	require.NoError(t, err)
	assert.Contains(t, string(models), "OrderNumber", "the .yaml overlay added it")

	empty := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(empty, "sub.yaml"), 0o755)) // a folder is no overlay
	stdout.Reset()
	stderr.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"-json", "-overlay", empty, "-out", t.TempDir()}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "holds no overlay")
	var report map[string]any
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &report), stdout.String())
	assert.Equal(t, false, report["ok"])
	assert.Contains(t, report["error"], "holds no overlay")
}
