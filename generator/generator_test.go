package generator

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/spec"
	"github.com/qiwigen/qiwigen/spec/load"
	"github.com/qiwigen/qiwigen/spec/notification"
	"github.com/qiwigen/qiwigen/spec/spectest"
)

func bundledConfig(t testing.TB, outDir string) Config {
	t.Helper()
	base, ovs, err := Bundled()
	require.NoError(t, err)
	return Config{Spec: base, Overlays: ovs, OutputDir: outDir, PackageName: "qiwi"}
}

// The committed client and resolved spec must be what a fresh run produces.
func TestGeneratedCodeIsFresh(t *testing.T) {
	out, err := Run(context.Background(), bundledConfig(t, "../gen/qiwi"))
	require.NoError(t, err)

	resolved, err := os.ReadFile("../spec/qiwi.resolved.yaml")
	require.NoError(t, err)
	assert.True(t, bytes.Equal(out.Resolved, resolved), "spec/qiwi.resolved.yaml is stale: run `make generate`")

	for name, want := range out.Files {
		got, err := os.ReadFile(filepath.Join("../gen/qiwi", name))
		require.NoError(t, err, "gen/qiwi/%s is missing: run `make generate`", name)
		assert.True(t, bytes.Equal(want, got), "gen/qiwi/%s is stale: run `make generate`", name)
	}
	onDisk, err := filepath.Glob("../gen/qiwi/*.gen.go")
	require.NoError(t, err)
	for _, path := range onDisk {
		_, ok := out.Files[filepath.Base(path)]
		assert.True(t, ok, "%s is no longer generated: run `make generate`", path)
	}
}

func TestRunIsDeterministic(t *testing.T) {
	a, err := Run(context.Background(), bundledConfig(t, t.TempDir()))
	require.NoError(t, err)
	b, err := Run(context.Background(), bundledConfig(t, t.TempDir()))
	require.NoError(t, err)
	assert.Equal(t, a.Resolved, b.Resolved)
	assert.Equal(t, a.Files, b.Files)
}

func TestBadInput(t *testing.T) {
	base, ovs, err := Bundled()
	require.NoError(t, err)
	tests := []struct {
		name     string
		spec     Source
		overlays []Source
		kind     error
		want     []string // substrings of the message: file, line, detail
		not      string   // what the message must not say, if not empty
	}{
		{
			name: "malformed base spec",
			spec: Source{Name: "testdata/bad/malformed-spec.yaml"},
			kind: ErrBadSpec,
			want: []string{"testdata/bad/malformed-spec.yaml:8", "bad base spec"},
		},
		{
			name: "missing base spec",
			spec: Source{Name: "testdata/bad/no-such-spec.yaml"},
			kind: ErrBadSpec,
			want: []string{"testdata/bad/no-such-spec.yaml", "no such file"},
		},
		{
			name: "missing base spec is unreadable input",
			spec: Source{Name: "testdata/bad/no-such-spec.yaml"},
			kind: ErrUnreadable,
			want: []string{"testdata/bad/no-such-spec.yaml: bad base spec"},
		},
		{
			name:     "overlay target matches nothing",
			spec:     base,
			overlays: append(ovs, Source{Name: "testdata/bad/overlay-unmatched.yaml"}),
			kind:     ErrUnmatchedTarget,
			want:     []string{"testdata/bad/overlay-unmatched.yaml:9", "no-such-thing"},
		},
		{
			name:     "overlay is not YAML",
			spec:     base,
			overlays: append(ovs, Source{Name: "testdata/bad/overlay-not-yaml.yaml"}),
			kind:     ErrBadOverlay,
			want:     []string{"testdata/bad/overlay-not-yaml.yaml:7:21", "did not find expected ',' or ']'"},
		},
		{
			name:     "overlay without the overlay version",
			spec:     base,
			overlays: append(ovs, Source{Name: "testdata/bad/overlay-no-header.yaml"}),
			kind:     ErrBadOverlay,
			want:     []string{"testdata/bad/overlay-no-header.yaml:1", "overlay: 1.0.0"},
		},
		{
			name:     "overlay producing an invalid spec",
			spec:     base,
			overlays: append(ovs, Source{Name: "testdata/bad/overlay-invalid-result.yaml"}),
			kind:     ErrInvalidSpec,
			want:     []string{"testdata/bad/overlay-invalid-result.yaml:8", "at /paths/~1bill~1v1~1bills~1{billId}/get/responses/200/content/application~1json/schema/$ref", "NoSuchModel"},
		},
		{
			name:     "overlay producing a bad notification declaration",
			spec:     base,
			overlays: append(ovs, Source{Name: "testdata/bad/overlay-bad-notification.yaml"}),
			kind:     ErrInvalidSpec,
			want:     []string{"testdata/bad/overlay-bad-notification.yaml:8", "at /x-webhooks/BILL/post/x-qiwi-notification", "/bill/billUid is not a member of BillNotification"},
		},
		{
			name:     "overlay giving a property a type that is no type",
			spec:     base,
			overlays: append(ovs, Source{Name: "testdata/bad/overlay-bad-schema-type.yaml"}),
			kind:     ErrInvalidSpec,
			want:     []string{"testdata/bad/overlay-bad-schema-type.yaml:9", "at /components/schemas/CustomFields/properties/orderNumber/type", `unsupported 'type' value "strin"`},
		},
		{
			name:     "overlay with a misspelt action key",
			spec:     base,
			overlays: append(ovs, Source{Name: "testdata/bad/overlay-misspelt-action-key.yaml"}),
			kind:     ErrBadOverlay,
			want:     []string{"testdata/bad/overlay-misspelt-action-key.yaml:7:5", `action 1: unknown key "udpate" (did you mean "update"?)`},
		},
		{
			name:     "overlay with a misspelt schema key in the update of a schema others refer to",
			spec:     base,
			overlays: append(ovs, Source{Name: "testdata/bad/overlay-misspelt-schema-key.yaml"}),
			kind:     ErrInvalidSpec,
			want:     []string{"testdata/bad/overlay-misspelt-schema-key.yaml:9", "at /components/schemas/CustomFields/propreties", `schema "CustomFields": extra sibling fields: [propreties]`},
			not:      `"Bill"`,
		},
		{
			name:     "overlay with a misspelt keyword in a property",
			spec:     base,
			overlays: append(ovs, Source{Name: "testdata/bad/overlay-misspelt-property-key.yaml"}),
			kind:     ErrInvalidSpec,
			want:     []string{"testdata/bad/overlay-misspelt-property-key.yaml:9", "at /components/schemas/CustomFields/properties/orderNumber/tpye", `schema "CustomFields": extra sibling fields: [tpye]`},
			not:      `"Bill"`,
		},
		{
			name:     "missing overlay file",
			spec:     base,
			overlays: append(ovs, Source{Name: "testdata/bad/absent.yaml"}),
			kind:     ErrUnreadable,
			want:     []string{"testdata/bad/absent.yaml: bad overlay", "no such file"},
		},
		{
			name:     "overlay producing an ill-typed extension",
			spec:     base,
			overlays: append(ovs, Source{Name: "testdata/bad/overlay-bad-extension.yaml"}),
			kind:     ErrInvalidSpec,
			want:     []string{"testdata/bad/overlay-bad-extension.yaml:9", "at /components/schemas/PaymentMethod/properties/pan/x-qiwi-secret", "must be true or false"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Spec: tt.spec, Overlays: tt.overlays, OutputDir: t.TempDir()}
			out, err := Run(context.Background(), cfg)
			require.Error(t, err)
			assert.Nil(t, out)
			assert.True(t, errors.Is(err, tt.kind), "error %v is not %v", err, tt.kind)
			var ie *InputError
			require.True(t, errors.As(err, &ie))
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			if tt.not != "" {
				assert.NotContains(t, err.Error(), tt.not)
			}
			assert.Equal(t, 1, strings.Count(err.Error(), "\n")+1, "one line per error")
		})
	}
}

func TestFilters(t *testing.T) {
	cfg := bundledConfig(t, t.TempDir())
	cfg.IncludeOperations = []string{"createInvoice", "getInvoice"}
	out, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	client := string(out.Files["client.gen.go"])
	assert.Contains(t, client, "func (c *Client) CreateInvoice(")
	assert.Contains(t, client, "func (c *Client) GetInvoice(")
	assert.NotContains(t, client, "CreatePayment")
	notes := string(out.Files["notifications.gen.go"])
	doc, err := load.Spec(spec.Resolved)
	require.NoError(t, err)
	decls, err := notification.Collect(doc)
	require.NoError(t, err)
	require.NotEmpty(t, decls)
	for _, d := range decls {
		assert.True(t, regexp.MustCompile(`Type:\s+"`+d.Type+`"`).MatchString(notes), "a client without the operations still verifies %s notifications", d.Type)
	}

	cfg = bundledConfig(t, t.TempDir())
	cfg.IncludeUndocumented = true
	out, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Contains(t, string(out.Files["client.gen.go"]), "func (c *Client) ListSiteRefunds(", "undocumented operations come back on request")

	// Excluded tags add to the default: leaving payouts out keeps the undocumented ones out.
	cfg = bundledConfig(t, t.TempDir())
	cfg.ExcludeTags = []string{"payouts"}
	out, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	client = string(out.Files["client.gen.go"])
	assert.NotContains(t, client, "CreatePayout(")
	assert.NotContains(t, client, "ListSiteRefunds", "the default exclusion still holds")

	// A typo is an error naming the closest operations and tags, not a client without them.
	for _, tc := range []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.IncludeOperations = []string{"createInvoce"} }, `include-operations: "createInvoce" is not in the spec (did you mean createInvoice`},
		{func(c *Config) { c.ExcludeOperations = []string{"getPaymnet"} }, `exclude-operations: "getPaymnet" is not in the spec (did you mean getPayment`},
		{func(c *Config) { c.ExcludeTags = []string{"payout"} }, `exclude-tags: "payout" is not in the spec (did you mean payouts`},
	} {
		cfg = bundledConfig(t, t.TempDir())
		tc.mutate(&cfg)
		_, err = Run(context.Background(), cfg)
		assert.ErrorIs(t, err, ErrUnknownSelection)
		assert.ErrorContains(t, err, tc.want)
	}

	out, err = Run(context.Background(), bundledConfig(t, t.TempDir()))
	require.NoError(t, err)
	assert.NotContains(t, string(out.Files["client.gen.go"]), "ListSiteRefunds", "undocumented operations are left out by default")
}

func TestWriteReplacesOnlyGeneratedFiles(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "doc.go"), []byte("package qiwi\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "old.gen.go"), []byte("// Code generated by qiwigen. DO NOT EDIT.\n\npackage qiwi\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mock.gen.go"), []byte("// Code generated by MockGen. DO NOT EDIT.\npackage qiwi\n"), 0o644))
	out, err := Run(context.Background(), bundledConfig(t, dir))
	require.NoError(t, err)
	require.NoError(t, out.Write())
	_, err = os.Stat(filepath.Join(dir, "doc.go"))
	assert.NoError(t, err, "hand-written files stay")
	_, err = os.Stat(filepath.Join(dir, "old.gen.go"))
	assert.True(t, os.IsNotExist(err), "files an earlier run wrote go")
	_, err = os.Stat(filepath.Join(dir, "mock.gen.go"))
	assert.NoError(t, err, "other generators' files stay")
	for name := range out.Files {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(string(data), "// Code generated by qiwigen"), "%s header", name)
		assert.Contains(t, strings.SplitN(string(data), "\n", 2)[0], "DO NOT EDIT.")
	}
}

func TestPackageNames(t *testing.T) {
	for dir, want := range map[string]string{"gen/qiwi": "qiwi", "x/my-client": "myclient", "/tmp/002": "qiwi002", "out/type": "qiwitype", "a/B.c": "bc"} {
		assert.Equal(t, want, Config{OutputDir: dir}.packageName(), dir)
	}
	assert.Equal(t, "given", Config{OutputDir: "x/y", PackageName: "given"}.packageName())
	for _, bad := range []string{"my-client", "type", "1x"} {
		base, ovs, err := Bundled()
		require.NoError(t, err)
		_, err = Run(context.Background(), Config{Spec: base, Overlays: ovs, OutputDir: t.TempDir(), PackageName: bad})
		assert.ErrorContains(t, err, "is not a Go package name", bad)
	}
}

// A notification type and an operation only the spec names come out of generation: the model
// knows its type, the signature table its header and fields, the parser and the confirmation
// its model and status request, the client its method.
func TestAnExtraTypeAndOperationAreGenerated(t *testing.T) {
	data, err := spectest.WithSettlement()
	require.NoError(t, err)
	out, err := Run(context.Background(), Config{Spec: Source{Name: "settlement.yaml", Data: data}, OutputDir: t.TempDir(), PackageName: "qiwi"})
	require.NoError(t, err)
	notes := string(out.Files["notifications.gen.go"])
	typ := regexp.QuoteMeta(spectest.SettlementType)
	for _, re := range []string{
		`func \(\*` + spectest.SettlementComponent + `\) NotificationType\(\) string \{\s+return "` + typ + `"`,
		`Type:\s+"` + typ + `"`,
		`Header:\s+"` + regexp.QuoteMeta(spectest.SettlementHeader) + `"`,
		`Fields:\s+\[\]string\{"` + strings.Join(spectest.SettlementSignedFields(), `", "`) + `"\}`,
		`case "` + typ + `":\s+return new\(` + spectest.SettlementComponent + `\)`,
	} {
		assert.Regexp(t, re, notes)
	}
	assert.Contains(t, string(out.Files["client.gen.go"]), "func (c *Client) GetSettlement(")
	assert.Regexp(t, `case \*`+spectest.SettlementComponent+`:\s+v, err := webhook.NotificationValues\(n, "/settlement/settlementId"\)\s+[^}]+\}\s+got, err := c.GetSettlement\(`, notes, "the status request that confirms it")
}
