package generator

import (
	"context"
	"errors"
	"testing"

	qiwispec "github.com/qiwigen/qiwigen/spec"
)

// FuzzOverlay: an overlay, however broken, gives an *InputError naming its file, never a
// panic. Only loading, applying and validating run: code generation takes far longer and
// never sees an overlay.
func FuzzOverlay(f *testing.F) {
	// The fuzzed overlay applies to the resolved spec: the bundled overlays have run already,
	// which keeps each run short enough to fuzz.
	base := Source{Name: "spec/qiwi.resolved.yaml", Data: qiwispec.Resolved}
	spec := qiwispec.Resolved
	for _, seed := range []string{
		"overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.info\n    update: {description: x}\n",
		"overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.paths['/bill/v1/bills/{billId}'].get\n    remove: true\n",
		"overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $[\"x-webhooks\"].BILL.post[\"x-qiwi-notification\"]\n    update: {signedFields: [/nope]}\n",
		"overlay: 1.0.0\nactions: []\n",
		"overlay: 2.0.0\n",
		"- a\n- b\n",
		"overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $..[?(@.type=='object')]\n    update: {additionalProperties: false}\n",
		"overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactoins:\n  - target: $.info\n    udpate: {description: x}\n",
		"overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.info\n    update: {description: x}\n    remove: true\n",
		"overlay: 1.0.0\ninfo: {title: t, version: '1'}\nx-a: &a {target: $.info, remove: true}\nactions:\n  - <<: *a\n  - *a\n",
		"overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.components.schemas.CustomFields\n    update: {propreties: {n: {tpye: string}}}\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, overlay string) {
		src := Source{Name: "fuzz.yaml", Data: []byte(overlay)}
		srcs := []Source{src}
		out, err := applyOverlays(spec, srcs)
		if err == nil {
			if _, _, err = validate(context.Background(), out); err != nil {
				err = blameInvalid(context.Background(), Config{Spec: base, Overlays: srcs}, spec, err)
			}
		}
		if err == nil {
			return
		}
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Fatalf("not an InputError: %v", err)
		}
		if ie.File == "" {
			t.Fatalf("no file named: %v", err)
		}
	})
}
