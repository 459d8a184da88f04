package qiwi_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/qiwigen/qiwigen/generator/runtime/webhook"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/extract"
	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// docsDir is the folder of QIWI's pages (docs.Locate); the test stops with how to get them.
func docsDir(t testing.TB) string {
	t.Helper()
	dir, err := docs.Locate()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func readVectors(t *testing.T) []extract.Vector {
	t.Helper()
	vs, err := extract.ReadVectors("testdata/signatures.tsv")
	require.NoError(t, err)
	return vs
}

// docNotification finds the first JSON example of the notification type in the section
// of the doc file named by source ("file#anchor").
func docNotification(t *testing.T, source, typ string) []byte {
	t.Helper()
	file, anchor, _ := strings.Cut(strings.Fields(source)[0], "#")
	page, err := docs.ParseFile(filepath.Join(docsDir(t), file))
	require.NoError(t, err)
	for _, b := range page.Blocks {
		if b.Pos.Anchor != anchor {
			continue
		}
		text := b.Text
		if i := strings.Index(text, "\n{"); i >= 0 && !strings.HasPrefix(strings.TrimSpace(text), "{") {
			text = text[i+1:]
		}
		var top map[string]json.RawMessage
		if json.Unmarshal([]byte(text), &top) != nil {
			continue
		}
		var got string
		_ = json.Unmarshal(top["type"], &got)
		if got == typ || (typ == "BILL" && top["bill"] != nil) {
			return []byte(text)
		}
	}
	t.Fatalf("no %s example in %s", typ, source)
	return nil
}

// billDocVectorBody is the notification of the Bill Payments docs' signature example, a
// JavaScript object there, written as JSON.
const billDocVectorBody = `{"bill":{"siteId":"test","billId":"test_bill","amount":{"value":1,"currency":"RUB"},"status":{"value":"PAID","datetime":"2018-03-01T11:16:12+03"},"customer":{},"customFields":{},"creationDateTime":"2018-03-01T11:15:39+03","expirationDateTime":"2018-04-15T11:15:39+03"},"version":"1"}`

func bodyFor(t *testing.T, v extract.Vector) []byte {
	if strings.Contains(v.Source, "notifications_auth") {
		return []byte(billDocVectorBody)
	}
	return docNotification(t, v.Source, v.Type)
}

func specFor(t *testing.T, typ string) webhook.SignatureSpec {
	for _, s := range qiwi.NotificationSignatures() {
		if s.Type == typ {
			return s
		}
	}
	t.Fatalf("no signature spec for %s", typ)
	return webhook.SignatureSpec{}
}

func TestSignatureVectors(t *testing.T) {
	vectors := readVectors(t)
	seen := map[string]bool{}
	for _, v := range vectors {
		t.Run(v.Type+" "+v.Source, func(t *testing.T) {
			seen[v.Type] = true
			body := bodyFor(t, v)
			spec := specFor(t, v.Type)

			text, err := webhook.SignedString(spec, body)
			require.NoError(t, err)
			assert.Equal(t, v.SignedText, text, "signed text")

			header := http.Header{}
			header.Set(spec.Header, v.Signature)
			assert.NoError(t, qiwi.VerifyNotification(header, body, v.Secret))

			// Header names match case-insensitively, as net/http canonicalises them.
			lower := http.Header{strings.ToLower(spec.Header): {v.Signature}}
			req, _ := http.NewRequest(http.MethodPost, "/", nil)
			for k, vals := range lower {
				req.Header[http.CanonicalHeaderKey(k)] = vals
			}
			assert.NoError(t, qiwi.VerifyNotification(req.Header, body, v.Secret))

			err = qiwi.VerifyNotification(header, body, v.Secret+"x")
			assert.ErrorIs(t, err, webhook.ErrSignatureMismatch)
			assert.ErrorIs(t, err, webhook.ErrNotification)

			err = qiwi.VerifyNotification(http.Header{}, body, v.Secret)
			assert.ErrorIs(t, err, webhook.ErrSignatureMissing)

			signed, err := qiwi.SignNotification(body, v.Secret)
			require.NoError(t, err)
			assert.Equal(t, v.Signature, signed.Get(spec.Header))

			n, err := qiwi.ParseNotification(body)
			require.NoError(t, err)
			assert.Equal(t, v.Type, n.NotificationType())

			if openssl, err := exec.LookPath("openssl"); err == nil {
				cmd := exec.Command(openssl, "dgst", "-sha256", "-hmac", v.Secret)
				cmd.Stdin = strings.NewReader(v.SignedText)
				out, err := cmd.Output()
				require.NoError(t, err)
				fields := strings.Fields(string(out))
				assert.Equal(t, v.Signature, fields[len(fields)-1], "openssl disagrees with the committed vector")
			}
		})
	}
	for _, typ := range []string{"PAYMENT", "CAPTURE", "REFUND", "CHECK_CARD", "TOKEN", "PAYOUT", "BILL"} {
		assert.True(t, seen[typ], "no vector for %s", typ)
	}
}

func hmacHex(text, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(text))
	return hex.EncodeToString(m.Sum(nil))
}

func TestSignatureEdgeCases(t *testing.T) {
	const secret = "edge-secret"
	tests := []struct {
		name string
		body string
		text string
	}{
		{"whole amount signs with two decimals", `{"payment":{"paymentId":"p1","createdDateTime":"2022-08-05T11:34:42+03:00","amount":{"value":5,"currency":"RUB"},"status":{"value":"SUCCESS"}},"type":"PAYMENT","version":"1"}`, "p1|2022-08-05T11:34:42+03:00|5.00"},
		{"amount sent as a string", `{"payment":{"paymentId":"p1","createdDateTime":"2022-08-05T11:34:42+03:00","amount":{"value":"5.1","currency":"RUB"},"status":{"value":"SUCCESS"}},"type":"PAYMENT","version":"1"}`, "p1|2022-08-05T11:34:42+03:00|5.10"},
		{"millisecond timestamp kept as received", `{"payment":{"paymentId":"p1","createdDateTime":"2024-03-01T17:10:31.284+03:00","amount":{"value":200.00,"currency":"RUB"},"status":{"value":"SUCCESS"}},"type":"PAYMENT","version":"1"}`, "p1|2024-03-01T17:10:31.284+03:00|200.00"},
		{"refund signs its refundId, not its paymentId", `{"refund":{"paymentId":"pay-9","refundId":"ref-1","createdDateTime":"2021-02-05T11:31:40+03","amount":{"value":0.5,"currency":"RUB"},"status":{"value":"SUCCESS"}},"type":"REFUND","version":"1"}`, "ref-1|2021-02-05T11:31:40+03|0.50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := qiwi.ParseNotification([]byte(tt.body))
			require.NoError(t, err)
			spec := specFor(t, n.NotificationType())
			text, err := webhook.SignedString(spec, []byte(tt.body))
			require.NoError(t, err)
			assert.Equal(t, tt.text, text)
			h := http.Header{}
			h.Set("Signature", hmacHex(tt.text, secret))
			assert.NoError(t, qiwi.VerifyNotification(h, []byte(tt.body), secret))
			// Headers from a gateway or built by hand may keep the wire's case.
			lower := http.Header{"signature": {hmacHex(tt.text, secret)}}
			assert.NoError(t, qiwi.VerifyNotification(lower, []byte(tt.body), secret))
		})
	}
}

func TestMalformedNotifications(t *testing.T) {
	h := http.Header{"Signature": {strings.Repeat("0", 64)}}
	for name, body := range map[string]string{
		"not JSON":            `{"type":`,
		"no type":             `{"payment":{}}`,
		"unknown type":        `{"type":"LOTTERY","version":"1"}`,
		"signed field absent": `{"payment":{"paymentId":"p"},"type":"PAYMENT","version":"1"}`,
		"amount too precise":  `{"payment":{"paymentId":"p","createdDateTime":"x","amount":{"value":1.005}},"type":"PAYMENT"}`,
		"array body":          `[1,2]`,
	} {
		t.Run(name, func(t *testing.T) {
			err := qiwi.VerifyNotification(h, []byte(body), "s")
			assert.ErrorIs(t, err, webhook.ErrMalformedNotification)
		})
	}
	// A refused value names its member.
	_, err := qiwi.ParseNotification([]byte(`{"refund":{"refundId":"r","createdDateTime":"later","amount":{"value":1}},"type":"REFUND"}`))
	assert.ErrorIs(t, err, webhook.ErrMalformedNotification)
	assert.ErrorIs(t, err, wiretype.ErrInvalidTimestamp)
	assert.Contains(t, err.Error(), `/refund/createdDateTime: qiwi: invalid timestamp: "later"`)

	// An empty secret verifies nothing: anybody can compute an HMAC with an empty key.
	forged := `{"payment":{"paymentId":"p","createdDateTime":"x","amount":{"value":1}},"type":"PAYMENT"}`
	emptyKey := http.Header{"Signature": {hmacHex("p|x|1.00", "")}}
	assert.ErrorIs(t, qiwi.VerifyNotification(emptyKey, []byte(forged), ""), webhook.ErrSecretMissing)
	// A signature that is not hex is a mismatch, not a crash.
	body := `{"payment":{"paymentId":"p","createdDateTime":"x","amount":{"value":1}},"type":"PAYMENT"}`
	assert.ErrorIs(t, qiwi.VerifyNotification(http.Header{"Signature": {"zz"}}, []byte(body), "s"), webhook.ErrSignatureMismatch)
}

func TestNotificationHandler(t *testing.T) {
	const secret = "handler-secret"
	body := docNotification(t, "payments/_notifications_en.html.md.erb#payment-callback", "PAYMENT")
	signed, err := qiwi.SignNotification(body, secret)
	require.NoError(t, err)

	var calls atomic.Int32
	fail := false
	handle := func(_ context.Context, n qiwi.Notification) error {
		calls.Add(1)
		p, ok := n.(*qiwi.PaymentNotification)
		require.True(t, ok)
		assert.Equal(t, "A22170834426031500000733E625FCB3", p.Payment.PaymentID)
		assert.Equal(t, "5.00", p.Payment.Amount.Value.String())
		if fail {
			return errors.New("database down")
		}
		return nil
	}
	send := func(h http.Handler, method string, header http.Header, b string, remote string) int {
		req := httptest.NewRequest(method, "/qiwi", strings.NewReader(b))
		for k, v := range header {
			req.Header[k] = v
		}
		if remote != "" {
			req.RemoteAddr = remote
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}

	dedup := memoryDedup(t, 100)
	h := qiwi.NewNotificationHandler(secret, handle, webhook.WithDeduplicator(dedup))
	assert.Equal(t, http.StatusOK, send(h, http.MethodPost, signed, string(body), ""))
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, http.StatusOK, send(h, http.MethodPost, signed, string(body), ""), "a redelivery is acknowledged")
	assert.Equal(t, int32(1), calls.Load(), "without calling the function again")

	h = qiwi.NewNotificationHandler(secret, handle)
	assert.Equal(t, http.StatusUnauthorized, send(h, http.MethodPost, http.Header{"Signature": {strings.Repeat("ab", 32)}}, string(body), ""))
	assert.Equal(t, http.StatusUnauthorized, send(h, http.MethodPost, http.Header{}, string(body), ""))
	assert.Equal(t, http.StatusBadRequest, send(h, http.MethodPost, signed, `{"type":`, ""))
	assert.Equal(t, http.StatusMethodNotAllowed, send(h, http.MethodGet, signed, "", ""))
	calls.Store(0)
	fail = true
	assert.Equal(t, http.StatusInternalServerError, send(h, http.MethodPost, signed, string(body), ""), "QIWI must send it again")
	assert.Equal(t, int32(1), calls.Load())
	fail = false

	// Members the models do not know are reported, and the notification is still handled.
	var drift []string
	reporting := qiwi.NewNotificationHandler(secret, handle, webhook.WithNotificationDrift(
		func(_ context.Context, op string, pointers []string) {
			drift = append(drift, op+" "+strings.Join(pointers, ","))
		}))
	extended := strings.Replace(string(body), `"type"`, `"loyalty":{"points":5},"type"`, 1)
	require.NotEqual(t, string(body), extended)
	extendedHeader, err := qiwi.SignNotification([]byte(extended), secret)
	require.NoError(t, err)
	calls.Store(0)
	assert.Equal(t, http.StatusOK, send(reporting, http.MethodPost, extendedHeader, extended, ""))
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, []string{"PAYMENT notification /payment/loyalty"}, drift)
	assert.Equal(t, http.StatusOK, send(reporting, http.MethodPost, signed, string(body), ""))
	assert.Len(t, drift, 1, "a notification the models know entirely reports nothing")

	unconfigured := qiwi.NewNotificationHandler("", handle)
	calls.Store(0)
	assert.Equal(t, http.StatusInternalServerError, send(unconfigured, http.MethodPost, signed, string(body), ""),
		"a missing secret is the receiver's fault: QIWI must send it again")
	assert.Equal(t, int32(0), calls.Load())

	qiwiOnly := qiwi.NewNotificationHandler(secret, handle, webhook.WithAllowedNetworks(webhook.QIWINetworks()...))
	assert.Equal(t, http.StatusForbidden, send(qiwiOnly, http.MethodPost, signed, string(body), "203.0.113.7:4000"))
	assert.Equal(t, http.StatusOK, send(qiwiOnly, http.MethodPost, signed, string(body), "91.232.230.17:4000"))
	local := qiwi.NewNotificationHandler(secret, handle, webhook.WithAllowedNetworks(netip.MustParsePrefix("127.0.0.0/8")))
	assert.Equal(t, http.StatusOK, send(local, http.MethodPost, signed, string(body), "127.0.0.1:1234"))
}
