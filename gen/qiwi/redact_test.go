package qiwi_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/qiwigen/qiwigen/generator/runtime/transport"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// A request body holding card data prints and logs without it, however it is printed.
func TestSecretsNeverPrint(t *testing.T) {
	const pan, cvv, token = "4111111111111111", "849", "tok-5c4b25xx93aa435d9cb8cd17"
	req := qiwi.CreatePaymentRequest{
		Amount: qiwi.Amount{Value: wiretype.NewMoneyFromMinor(100), Currency: qiwi.CurrencyRub},
		PaymentMethod: qiwi.PaymentMethod{Type: qiwi.PaymentMethodTypeCard, Pan: qiwi.Ptr(pan), Cvv2: qiwi.Ptr(cvv),
			HolderName: qiwi.Ptr("CARD HOLDER"), PaymentToken: qiwi.Ptr(token)},
	}
	var receiver qiwi.PayoutReceiverDataRequest
	require.NoError(t, receiver.FromPayoutReceiverDataCardRequest(qiwi.PayoutReceiverDataCardRequest{Pan: pan}))
	payout := qiwi.CreatePayoutRequest{Amount: req.Amount, ReceiverData: receiver}
	var logged strings.Builder
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	logger.Info("payment", "body", req, "method", req.PaymentMethod, "payout", payout)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("payment", "body", req)
	outputs := []string{logged.String()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		outputs = append(outputs, fmt.Sprintf(verb, req), fmt.Sprintf(verb, &req), fmt.Sprintf(verb, payout),
			fmt.Sprintf(verb, req.PaymentMethod), fmt.Sprintf(verb, receiver))
	}
	for _, out := range outputs {
		assert.NotContains(t, out, pan)
		assert.NotContains(t, out, token)
		assert.NotContains(t, out, `"849"`)
		assert.Contains(t, out, "***", "the secret's place is marked")
	}
	assert.Contains(t, fmt.Sprintf("%v", req), "CARD HOLDER", "members that are not secret still print")
	assert.Contains(t, fmt.Sprintf("%v", req), `"value":1.00`, "the amount's value is not a secret member")
}

// printVerbs are the fmt directives TestNoVerbPrintsTheKey tries: the usual ones, flags and
// widths, and verbs fmt answers with its bad-verb path, which prints a value field by field.
var printVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%o", "%b", "%t", "%c", "%U",
	"%e", "%g", "%10s", "%-40v", "%+q", "%#x", "% x", "%08d", "%p"}

// The client, its Caller, the options that carry the payout key, the notification handler
// and any struct holding them print no secret, whatever the verb, nor in an error, a slog
// record (JSON and text) or json.Marshal.
func TestNoVerbPrintsTheKey(t *testing.T) {
	const apiKey, secret = "SECRETKEY-5c4b25xx93aa435d9cb8", "notify-secret-0f9e8d7c6b5a"
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	signer := qiwi.WithPayoutSigner(key)
	client, err := qiwi.New(apiKey, qiwi.WithSiteID("site-1"), signer, qiwi.WithHTTPClient(&http.Client{}))
	require.NoError(t, err)
	handler := qiwi.NewNotificationHandler(secret, func(context.Context, qiwi.Notification) error { return nil })

	type holder struct { // a user's own struct, holding the client every way it can
		c  qiwi.Client
		p  *qiwi.Client
		C  qiwi.Client
		P  *qiwi.Client
		h  http.Handler
		cl transport.Caller
	}
	values := map[string]any{
		"*Client": client, "Client": *client, "*Caller": client.Caller(), "Caller": *client.Caller(),
		"option": signer, "options": []qiwi.Option{signer, qiwi.WithSiteID("x")},
		"handler": handler, "holder": holder{*client, client, *client, client, handler, *client.Caller()},
		"&holder": &holder{*client, client, *client, client, handler, *client.Caller()},
		"slice":   []any{client, *client}, "map": map[string]any{"c": client, "h": handler},
		"zero Client": qiwi.Client{}, "zero Caller": transport.Caller{},
	}
	secrets := []string{apiKey, secret, key.D.String(), key.D.Text(16), key.Primes[0].String(), key.Primes[0].Text(16)}
	for _, s := range []string{apiKey, secret} {
		secrets = append(secrets, hex.EncodeToString([]byte(s)), fmt.Sprintf("% x", s), fmt.Sprintf("%U", []rune(s)[:8]))
	}
	leaks := func(t *testing.T, what, out string) {
		t.Helper()
		lower := strings.ToLower(out)
		for _, s := range secrets {
			assert.NotContains(t, lower, strings.ToLower(s), "%s prints a secret: %.300s", what, out)
		}
		assert.NotContains(t, out, "PANIC", what)
	}
	for name, v := range values {
		for _, verb := range printVerbs {
			leaks(t, name+" "+verb, fmt.Sprintf(verb, v))
		}
		leaks(t, name+" in an error", fmt.Errorf("call failed with %s: %w", v, errors.New("x")).Error())
		var logged strings.Builder
		slog.New(slog.NewJSONHandler(&logged, nil)).Info("msg", "v", v)
		slog.New(slog.NewTextHandler(&logged, nil)).Info("msg", "v", v, slog.Any("any", v), slog.Group("g", "v", v))
		leaks(t, name+" in slog", logged.String())
		if data, err := json.Marshal(v); err == nil {
			leaks(t, name+" in JSON", string(data))
		}
	}
	assert.Contains(t, fmt.Sprintf("%v", client), "siteID: site-1", "what is not secret still prints")
	assert.Equal(t, fmt.Sprintf(printVerbs[3], client), fmt.Sprintf("%v", *client))
	assert.Equal(t, strconv.Quote(fmt.Sprint(client)), fmt.Sprintf(printVerbs[4], client), "%%q quotes the description")
	assert.Contains(t, fmt.Sprintf("%v", handler), "secret: ***")
}
