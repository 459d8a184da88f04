package extract

import (
	"bufio"

	"fmt"
	"os"
	"strings"
)

// Vector is a known signature of a documented notification: the secret it was signed with
// and the signature, for the notification example of Source ("file#anchor") and Type.
type Vector struct {
	Type       string // notification type: PAYMENT, BILL, ...
	Source     string // the example's provenance, "file#anchor"
	Secret     string // the key it was signed with
	SignedText string // the text the signature covers, fields joined with "|"
	Signature  string // the lower-case hex HMAC-SHA256
}

// ReadVectors reads a tab-separated vector table: type, source, secret, signed text, HMAC.
func ReadVectors(path string) ([]Vector, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Vector
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 5 {
			return nil, fmt.Errorf("%s:%d: want 5 tab-separated columns (type, source, secret, signed text, signature), have %d", path, n, len(cols))
		}
		for i, name := range []string{"type", "source", "secret", "signed text", "signature"} {
			if strings.TrimSpace(cols[i]) == "" {
				return nil, fmt.Errorf("%s:%d: column %d (%s) is empty", path, n, i+1, name)
			}
		}
		if !isLowerHexSHA256(cols[4]) {
			return nil, fmt.Errorf("%s:%d: column 5 (signature) %q is not 64 lower-case hex digits", path, n, cols[4])
		}
		out = append(out, Vector{Type: cols[0], Source: strings.Fields(cols[1])[0], Secret: cols[2], SignedText: cols[3], Signature: cols[4]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// isLowerHexSHA256 reports whether s is a SHA-256 digest in lower-case hex, as QIWI sends it.
func isLowerHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
