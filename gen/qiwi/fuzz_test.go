package qiwi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/qiwigen/qiwigen/generator/runtime/webhook"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// FuzzNotification feeds notification bodies (seeded with every JSON example of the
// notification pages) to the parser and the verifier: they never panic, only reject with
// the documented sentinels, and whatever parses and carries its signed fields verifies after
// SignNotification.
func FuzzNotification(f *testing.F) {
	for _, file := range []string{"payments/_notifications_en.html.md.erb", "payments-ru/_notifications_ru.html.md", "bill-payments/bill-payments_en.html.md"} {
		page, err := docs.ParseFile(filepath.Join(docsDir(f), file))
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
		if !errors.Is(err, webhook.ErrNotification) {
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

// FuzzForgery signs a notification, edits its body (inserting the fuzzer's bytes at a
// position), and fails if the edited body still verifies with the original signature but
// decodes to other signed values, or to another type, than the original: what the user's
// function receives is what QIWI signed.
func FuzzForgery(f *testing.F) {
	for _, file := range []string{"payments/_notifications_en.html.md.erb", "payments-ru/_notifications_ru.html.md.erb"} {
		page, err := docs.ParseFile(filepath.Join(docsDir(f), file))
		if err != nil {
			f.Fatal(err)
		}
		for _, b := range page.Blocks {
			if json.Valid([]byte(b.Text)) {
				f.Add([]byte(b.Text), []byte(`"VALUE":9,`), uint(len(b.Text)/2))
			}
		}
	}
	for _, fg := range forgeries {
		// The seed edit is the forgery's inserted text at its position.
		i := 0
		for i < len(fg.genuine) && i < len(fg.forged) && fg.genuine[i] == fg.forged[i] {
			i++
		}
		added := len(fg.forged) - len(fg.genuine)
		if added > 0 {
			f.Add([]byte(fg.genuine), []byte(fg.forged[i:i+added]), uint(i))
		}
	}
	f.Fuzz(func(t *testing.T, body, edit []byte, pos uint) {
		header, err := qiwi.SignNotification(body, forgerySecret)
		if err != nil {
			return
		}
		original, err := qiwi.OpenNotification(header, body, forgerySecret)
		if err != nil {
			return // signable, yet not a notification the models accept
		}
		at := int(pos % uint(len(body)+1))
		edited := append(append(append([]byte{}, body[:at]...), edit...), body[at:]...)
		forged, err := qiwi.OpenNotification(header, edited, forgerySecret)
		if err != nil {
			if !errors.Is(err, webhook.ErrNotification) {
				t.Fatalf("rejection without the sentinel: %v", err)
			}
			return
		}
		if forged.NotificationType() != original.NotificationType() {
			t.Fatalf("the edit changed the type from %s to %s:\n%s", original.NotificationType(), forged.NotificationType(), edited)
		}
		if a, b := modelSigned(t, original), modelSigned(t, forged); a != b {
			t.Fatalf("the edit verified with other signed values: %q became %q:\n%s", a, b, edited)
		}
	})
}

// modelSigned is the text the signature covers, read from the decoded model itself.
func modelSigned(t *testing.T, n qiwi.Notification) string {
	t.Helper()
	data, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range qiwi.NotificationSignatures() {
		if spec.Type == n.NotificationType() {
			text, err := webhook.SignedString(spec, data)
			if err != nil {
				t.Fatalf("the model lost a signed value: %v", err)
			}
			return text
		}
	}
	t.Fatalf("no signature spec for %s", n.NotificationType())
	return ""
}

// FuzzAnswerDecoders holds the client's answer decoding to encoding/json's: for any body,
// the client accepts exactly what encoding/json accepts, and decodes it into the same model.
// Seeded with the docs' payment answers.
func FuzzAnswerDecoders(f *testing.F) {
	f.Add([]byte(paymentJSON))
	f.Add([]byte(`{"paymentId":"p","amount":{"value":5,"currency":"RUB"},"status":{"value":"COMPLETED"},"paymentMethod":{"rrn":null,"authCode":"0123342"}}`))
	f.Add([]byte(`{"PAYMENTID":"p","paymentId":"q","amount":{"value":"1.5"},"createdDateTime":"2024-03-01T17:10:31+03"}`))
	f.Add([]byte(`{"paymentId":"\u0070\ud800","flags":["SALE",null],"customFields":{"a":"b"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(bytes.TrimSpace(body)) == 0 {
			return // an empty answer decodes into nothing, by design
		}
		client, err := qiwi.New("key", qiwi.WithBaseURL("http://qiwi.test"), qiwi.WithSiteID("s"),
			qiwi.WithHTTPClient(&http.Client{Transport: cannedTransport{string(body)}}))
		if err != nil {
			t.Fatal(err)
		}
		got, clientErr := client.GetPayment(context.Background(), "p")
		var want qiwi.Payment
		wantErr := json.Unmarshal(body, &want)
		if wantErr != nil {
			if clientErr == nil {
				t.Fatalf("the client accepted what encoding/json refuses (%v): %q", wantErr, body)
			}
			return
		}
		if clientErr != nil && !errors.Is(clientErr, qiwi.ErrDeclined) {
			t.Fatalf("the client refused what encoding/json accepts: %v: %q", clientErr, body)
		}
		a, errA := json.Marshal(got)
		b, errB := json.Marshal(&want)
		if (errA == nil) != (errB == nil) || !bytes.Equal(a, b) {
			t.Fatalf("the client decoded %q\nas   %s (%v)\nnot  %s (%v)", body, a, errA, b, errB)
		}
	})
}
