package probe

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/qiwigen/qiwigen/generator/runtime/transport"
)

// ErrPayoutKey is wrapped by every error about a payout signing key.
var ErrPayoutKey = errors.New("bad payout signing key")

// ParsePayoutKey reads the merchant's payout signing key: an RSA private key in PEM (PRIVATE
// KEY or RSA PRIVATE KEY) of at least transport.MinPayoutKeyBits. Errors never quote the key.
func ParsePayoutKey(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrPayoutKey)
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: not PKCS #1", ErrPayoutKey, block.Type)
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: not PKCS #8", ErrPayoutKey, block.Type)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%w: not an RSA key", ErrPayoutKey)
		}
		key = rk
	default:
		return nil, fmt.Errorf("%w: a PEM %q block, not PRIVATE KEY or RSA PRIVATE KEY", ErrPayoutKey, block.Type)
	}
	if bits := key.N.BitLen(); bits < transport.MinPayoutKeyBits {
		return nil, fmt.Errorf("%w: %d bits, fewer than %d", ErrPayoutKey, bits, transport.MinPayoutKeyBits)
	}
	return key, nil
}
