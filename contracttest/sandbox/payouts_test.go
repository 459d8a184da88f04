package sandbox_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/sandbox"
)

// A payout key is read as QIWI asks merchants to send it (the PEM in base64) and as
// openssl writes it (PEM, PKIX or PKCS #1); anything else is refused with ErrPayoutKey.
func TestParsePayoutKey(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	pkix, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	require.NoError(t, err)
	pkixPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	smallDER, err := x509.MarshalPKIXPublicKey(&small.PublicKey)
	require.NoError(t, err)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	require.NoError(t, err)
	for _, c := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"PKIX PEM", pkixPEM, true},
		{"base64 of the PEM", []byte(base64.StdEncoding.EncodeToString(pkixPEM) + "\n"), true},
		{"PKCS #1 PEM", pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)}), true},
		{"1024 bits", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: smallDER}), false},
		{"EC key", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}), false},
		{"a private key", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), false},
		{"garbage", []byte("not a key"), false},
		{"base64 of garbage", []byte(base64.StdEncoding.EncodeToString([]byte("not a key"))), false},
	} {
		got, err := sandbox.ParsePayoutKey(c.data)
		if c.ok {
			require.NoError(t, err, c.name)
			assert.True(t, got.Equal(&key.PublicKey), c.name)
			continue
		}
		assert.ErrorIs(t, err, sandbox.ErrPayoutKey, c.name)
	}
}
