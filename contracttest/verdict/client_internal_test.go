package verdict

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/generator/runtime/transport"
)

// The replay signer is one the client accepts for payouts (an RSA public key of the size the
// docs ask for) and signs a SHA-256 digest with no RSA work: the digest, padded to the key's
// size. A digest of another hash is refused, as an RSA key refuses one of the wrong size.
func TestReplaySigner(t *testing.T) {
	var s crypto.Signer = replaySigner{}
	pub, ok := s.Public().(*rsa.PublicKey)
	require.True(t, ok)
	assert.Equal(t, transport.MinPayoutKeyBits, pub.N.BitLen())
	_, err := transport.NewCaller("key", transport.WithPayoutSigner(s))
	require.NoError(t, err, "the client takes it as a payout signer")

	digest := sha256.Sum256([]byte(`{"amount":{"value":"1.00","currency":"RUB"}}`))
	sig, err := s.Sign(rand.Reader, digest[:], crypto.SHA256)
	require.NoError(t, err)
	assert.Len(t, sig, transport.MinPayoutKeyBits/8)
	assert.Equal(t, digest[:], sig[:sha256.Size])
	assert.Equal(t, make([]byte, len(sig)-sha256.Size), sig[sha256.Size:])
	again, err := transport.SignPayoutBody(s, []byte(`{"amount":{"value":"1.00","currency":"RUB"}}`))
	require.NoError(t, err)
	assert.NotEmpty(t, again, "the client's own signing path takes it")

	_, err = s.Sign(rand.Reader, digest[:20], crypto.SHA1)
	assert.ErrorContains(t, err, "not SHA-256")
	_, err = s.Sign(rand.Reader, digest[:20], crypto.SHA256)
	assert.ErrorContains(t, err, "not SHA-256")
}
