package probe_test

import (
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/probe"
)

func TestParsePayoutKey(t *testing.T) {
	key := payoutKey(t)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	for _, block := range []*pem.Block{{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}, {Type: "PRIVATE KEY", Bytes: pkcs8}} {
		got, err := probe.ParsePayoutKey(pem.EncodeToMemory(block))
		require.NoError(t, err, block.Type)
		assert.True(t, key.Equal(got))
	}
	for data, want := range map[string]string{
		"not pem": "no PEM block",
		string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}})):      `a PEM "PUBLIC KEY" block`,
		string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte{1}})): "not PKCS #1",
	} {
		_, err := probe.ParsePayoutKey([]byte(data))
		assert.ErrorIs(t, err, probe.ErrPayoutKey)
		assert.ErrorContains(t, err, want)
	}
}
