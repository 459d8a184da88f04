package drift_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/drift"
	"github.com/qiwigen/qiwigen/generator"
	"github.com/qiwigen/qiwigen/spec"
)

// edition is one way an older edition of QIWI's pages differed from today's: every page that
// holds old holds new instead (each occurrence), and drift reports it as kind.
type edition struct {
	old, new string
	kind     drift.Kind
}

// olderEdition is the documented transformation that makes an older edition of the pages
// from the current ones (../shared/docs/qiwi): each edit is one change an edition of the docs
// makes, applied throughout the folder (English, Russian and the .erb sources alike), so that
// the older pages agree with themselves and disagree with today's spec.
var olderEdition = []edition{
	// An invoice's comment was a number.
	{`"comment": "Text comment"`, `"comment": 7`, drift.FieldType},
	// The payment link was spelt payURL.
	{"payUrl", "payURL", drift.FieldCase},
	// An invoice request took the page to return to after payment.
	{`"expirationDateTime": "2018-04-13T14:30:00+03:00",`, `"expirationDateTime": "2018-04-13T14:30:00+03:00",` + "\n" + `   "successUrl": "https://example.com/done",`, drift.FieldMissing},
	// A bill's comment was required (English and Russian parameter tables).
	{"comment | Invoice commentary|String(255)|-", "comment | Invoice commentary|String(255)|+", drift.RequiredDiffers},
	{"comment | Комментарий к счету|String(255)|-", "comment | Комментарий к счету|String(255)|+", drift.RequiredDiffers},
	// Bills had a HOLD status.
	{"WAITING | Invoice issued awaiting for payment| -\n", "WAITING | Invoice issued awaiting for payment| -\nHOLD | Invoice held| -\n", drift.EnumMissing},
	{"WAITING | Счет выставлен, ожидает оплаты| -\n", "WAITING | Счет выставлен, ожидает оплаты| -\nHOLD | Счет заморожен| -\n", drift.EnumMissing},
	// Completing a payment was .../confirm.
	{"{paymentId}/complete", "{paymentId}/confirm", drift.OperationPathChanged},
	{"payments/1811/complete", "payments/1811/confirm", drift.OperationPathChanged},
	// Notifications were sent again one time fewer after five minutes.
	{"* 3 попытки с отложенным временем по 5 минут", "* 2 попытки с отложенным временем по 5 минут", drift.RetrySchedule},
	// The PAYMENT signature listed the creation time first.
	{"payment.paymentId|payment.createdDateTime|payment.amount.value", "payment.createdDateTime|payment.paymentId|payment.amount.value", drift.SignedFields},
}

// writeOlderEdition copies the pages under src to a new folder with the olderEdition edits
// made, and checks that each edit changed some page.
func writeOlderEdition(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	used := make([]bool, len(olderEdition))
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text := string(data)
		for i, e := range olderEdition {
			if strings.Contains(text, e.old) {
				text, used[i] = strings.ReplaceAll(text, e.old, e.new), true
			}
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), []byte(text), 0o644)
	})
	require.NoError(t, err)
	for i, e := range olderEdition {
		require.True(t, used[i], "the edit %q changes no page: the pages changed", e.old)
	}
	return dst
}

func failingIDs(fs []drift.Finding) []string {
	var ids []string
	for _, f := range drift.Failing(fs) {
		ids = append(ids, f.ID)
	}
	return ids
}

// drift --suggest on an older edition of the pages writes an overlay that passes the
// generator's Overlay 1.0 check, applies after the bundled overlays as qiwigen -overlay
// applies it, and, applied, removes every finding it claims to fix, adding none.
func TestSuggestionFixesAnOlderEdition(t *testing.T) {
	current, err := docs.Locate()
	require.NoError(t, err)
	older := writeOlderEdition(t, current)

	inv, s, findings, err := drift.Run(older, spec.Resolved, nil)
	require.NoError(t, err)
	sg, err := s.Suggest(inv, findings)
	require.NoError(t, err)
	var overlay bytes.Buffer
	require.NoError(t, sg.WriteOverlay(&overlay))

	fixedKinds := map[drift.Kind]bool{}
	for _, f := range findings {
		if slices.Contains(sg.Fixed, f.ID) {
			fixedKinds[f.Kind] = true
		}
	}
	for _, e := range olderEdition {
		assert.True(t, fixedKinds[e.kind], "no %s finding fixed; unfixed: %s", e.kind, unfixed(sg))
	}

	base, bundled, err := generator.Bundled()
	require.NoError(t, err)
	out, err := generator.Run(context.Background(), generator.Config{
		Spec:        base,
		Overlays:    append(bundled, generator.Source{Name: "suggested.yaml", Data: overlay.Bytes()}),
		PackageName: "qiwi",
	})
	require.NoError(t, err, "the overlay:\n%s", overlay.String())

	_, _, after, err := drift.Run(older, out.Resolved, nil)
	require.NoError(t, err)
	left := failingIDs(after)
	for _, id := range sg.Fixed {
		assert.NotContains(t, left, id, "a finding the overlay claims to fix is still there")
	}
	before := failingIDs(findings)
	for _, f := range drift.Failing(after) {
		assert.Contains(t, before, f.ID, "the overlay made a new finding: %s %s", f.Kind, f.Message)
	}
	assert.Len(t, left, len(before)-len(sg.Fixed), "the findings left are the unfixed ones")
}

func unfixed(sg *drift.Suggestion) string {
	var b strings.Builder
	for _, u := range sg.Unfixed {
		b.WriteString("\n  " + string(u.Finding.Kind) + " " + u.Finding.Subject + ": " + u.Why)
	}
	return b.String()
}
