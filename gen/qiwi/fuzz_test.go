package qiwi_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/qiwiruntime"
)

// FuzzNotification feeds notification bodies (seeded with every JSON example of the
// notification pages) to the parser and the verifier: they never panic, only reject with
// the documented sentinels, and whatever parses and carries its signed fields verifies after
// SignNotification.
func FuzzNotification(f *testing.F) {
	for _, file := range []string{"payments/_notifications_en.html.md.erb", "payments-ru/_notifications_ru.html.md", "bill-payments/bill-payments_en.html.md"} {
		page, err := docs.ParseFile(docsRoot + file)
		if err != nil {
			f.Fatal(err)
		}
		for _, b := range page.Blocks {
			if json.Valid([]byte(b.Text)) {
				f.Add([]byte(b.Text))
			}
		}
	}
	f.Add([]byte(billDocVectorBody))
	f.Add([]byte(`{"type":"PAYMENT","payment":{"paymentId":"p","createdDateTime":"2024-03-01T17:10:31.284+03:00","amount":{"value":"1.5","currency":"RUB"}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, parseErr := qiwi.ParseNotification(body)
		err := qiwi.VerifyNotification(http.Header{"Signature": {"00"}, "X-Api-Signature-Sha256": {"00"}}, body, "s")
		if err == nil {
			t.Fatalf("a made-up signature verified: %s", body)
		}
		if !errors.Is(err, qiwiruntime.ErrNotification) {
			t.Fatalf("rejection without the sentinel: %v", err)
		}
		header, signErr := qiwi.SignNotification(body, "s")
		if signErr != nil {
			return
		}
		if err := qiwi.VerifyNotification(header, body, "s"); err != nil {
			t.Fatalf("signed body does not verify: %v\n%s", err, body)
		}
		_ = parseErr // a body may be signable yet not fit the typed model (a wrong field type)
	})
}
