package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
)

// Sentinels of notification verification; every error wraps ErrNotification and one of the
// others.
var (
	ErrNotification = errors.New("qiwi: notification rejected")
	// ErrSignatureMissing: the signature header is absent or empty.
	ErrSignatureMissing = errors.New("signature header missing")
	// ErrSignatureMismatch: the signature does not match the body and the secret.
	ErrSignatureMismatch = errors.New("signature mismatch")
	// ErrMalformedNotification: the body is not a notification of a known type.
	ErrMalformedNotification = errors.New("malformed notification")
	// ErrSecretMissing: the secret to verify with is empty. An HMAC with an empty key is one
	// anybody can compute, so nothing verifies until the secret is configured.
	ErrSecretMissing = errors.New("notification secret not configured")
)

// SignatureSpec says how one notification type is signed: the header carrying the
// lower-case hex HMAC-SHA256, and the fields, as JSON pointers into the body, whose values
// are joined with "|". AmountFields are formatted with two fraction digits (5 signs as 5.00);
// every other value is signed exactly as received.
type SignatureSpec struct {
	Type         string   // the notification type: PAYMENT, ..., or BILL
	Header       string   // the header carrying the signature, matched case-insensitively
	Fields       []string // JSON pointers of the signed values, in signing order
	AmountFields []string // the Fields formatted with two fraction digits
}

type notificationError struct {
	kind  error
	msg   string
	cause error // what decoding refused, nil if nothing did
}

func (e *notificationError) Error() string {
	return fmt.Sprintf("%v: %v: %s", ErrNotification, e.kind, e.msg)
}

func (e *notificationError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrNotification, e.kind}
	}
	return []error{ErrNotification, e.kind, e.cause}
}

func rejectf(kind error, format string, args ...any) error {
	return &notificationError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// DetectNotification finds the spec of a notification body: payin notifications name
// their type in "type"; the Bill Payments notification has a "bill" object instead.
func DetectNotification(specs []SignatureSpec, body []byte) (SignatureSpec, error) {
	spec, _, err := detect(specs, body)
	return spec, err
}

// detect decodes a body once and finds its spec; the decoded tree serves signedText.
func detect(specs []SignatureSpec, body []byte) (SignatureSpec, any, error) {
	tree, err := decodeTree(body)
	if err != nil {
		return SignatureSpec{}, nil, rejectf(ErrMalformedNotification, "%v", err)
	}
	spec, err := detectTree(specs, tree)
	return spec, tree, err
}

func detectTree(specs []SignatureSpec, tree any) (SignatureSpec, error) {
	top, ok := tree.(map[string]any)
	if !ok {
		return SignatureSpec{}, rejectf(ErrMalformedNotification, "body is not a JSON object")
	}
	typ := ""
	if raw, ok := top["type"]; ok {
		if typ, ok = raw.(string); !ok {
			return SignatureSpec{}, rejectf(ErrMalformedNotification, "type is not a string")
		}
	} else if _, ok := top["bill"]; ok {
		typ = "BILL"
	}
	for _, s := range specs {
		if s.Type == typ {
			return s, nil
		}
	}
	if typ == "" {
		return SignatureSpec{}, rejectf(ErrMalformedNotification, "no notification type")
	}
	return SignatureSpec{}, rejectf(ErrMalformedNotification, "unknown notification type %q", typ)
}

// SignedString is the text that the notification's signature covers.
func SignedString(spec SignatureSpec, body []byte) (string, error) {
	tree, err := decodeTree(body)
	if err != nil {
		return "", rejectf(ErrMalformedNotification, "%s notification: %v", spec.Type, err)
	}
	return signedText(spec, tree)
}

// signedText is SignedString on a decoded body.
func signedText(spec SignatureSpec, tree any) (string, error) {
	parts := make([]string, 0, len(spec.Fields))
	for _, ptr := range spec.Fields {
		v, err := jsonpointer.Get(tree, ptr)
		if err != nil {
			return "", rejectf(ErrMalformedNotification, "%s notification: %s: %v", spec.Type, ptr, err)
		}
		text, err := signedValue(v, slices.Contains(spec.AmountFields, ptr))
		if err != nil {
			return "", rejectf(ErrMalformedNotification, "%s notification: %s: %v", spec.Type, ptr, err)
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, "|"), nil
}

// signedValue is the text a value contributes to the signed string: a string's content, a
// number or boolean as written, an amount with two fraction digits (5 signs as 5.00).
func signedValue(v any, amount bool) (string, error) {
	if amount {
		var text string
		switch a := v.(type) {
		case json.Number:
			text = string(a)
		case string:
			text = a
		case nil:
			return "", fmt.Errorf("%w: null", wiretype.ErrInvalidMoney)
		default:
			return "", fmt.Errorf("%w: not a number or a string", wiretype.ErrInvalidMoney)
		}
		m, err := wiretype.ParseMoney(text)
		if err != nil {
			return "", err
		}
		return wiretype.NewMoneyFromMinor(m.Minor()).String(), nil
	}
	switch x := v.(type) {
	case nil:
		return "", errors.New("is null")
	case string:
		return x, nil
	case json.Number:
		return string(x), nil // as written
	case bool:
		return strconv.FormatBool(x), nil
	default:
		return "", errors.New("is not a scalar")
	}
}

// Sign computes the lower-case hex HMAC-SHA256 of text with the secret.
func Sign(text, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(text))
	return hex.EncodeToString(mac.Sum(nil))
}

// VerifyNotification checks a notification's signature: it decodes the body once (see
// ParseNotification for what makes a body malformed), detects the type, reads the signature
// from the type's header (matched case-insensitively), computes the HMAC of the signed fields
// and compares in constant time. The signature may be written in hex (either letter case) or
// in standard base64 (with or without padding): the Bill Payments API documents hex, the
// payin pages show only a base64-looking example ("J4WNfNZd***V5mv2w="); both carry the whole
// 32-byte HMAC, so accepting both weakens nothing.
func VerifyNotification(specs []SignatureSpec, header http.Header, body []byte, secret string) error {
	_, _, err := verifyTree(specs, header, body, secret)
	return err
}

// verifyTree is VerifyNotification, returning the spec and the decoded body.
func verifyTree(specs []SignatureSpec, header http.Header, body []byte, secret string) (SignatureSpec, any, error) {
	if secret == "" {
		return SignatureSpec{}, nil, rejectf(ErrSecretMissing, "the secret is empty")
	}
	spec, tree, err := detect(specs, body)
	if err != nil {
		return SignatureSpec{}, nil, err
	}
	// A missing signature is reported before the body's fields are read.
	got := strings.TrimSpace(headerValue(header, spec.Header))
	if got == "" {
		return SignatureSpec{}, nil, rejectf(ErrSignatureMissing, "%s notification without %s", spec.Type, spec.Header)
	}
	text, err := signedText(spec, tree)
	if err != nil {
		return SignatureSpec{}, nil, err
	}
	gotMAC, ok := decodeSignature(got)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(text))
	want := mac.Sum(nil)
	if !ok || !hmac.Equal(gotMAC, want) {
		return SignatureSpec{}, nil, rejectf(ErrSignatureMismatch, "%s notification: %s does not match", spec.Type, spec.Header)
	}
	return spec, tree, nil
}

// decodeSignature reads a 32-byte HMAC-SHA256 written in hex (64 digits, either case) or in
// standard base64 (44 characters with padding, 43 without). The lengths tell the encodings
// apart; anything else is no signature.
func decodeSignature(s string) ([]byte, bool) {
	var (
		b   []byte
		err error
	)
	switch len(s) {
	case 2 * sha256.Size:
		b, err = hex.DecodeString(s)
	case base64.StdEncoding.EncodedLen(sha256.Size):
		b, err = base64.StdEncoding.Strict().DecodeString(s)
	case base64.RawStdEncoding.EncodedLen(sha256.Size):
		b, err = base64.RawStdEncoding.Strict().DecodeString(s)
	default:
		return nil, false
	}
	return b, err == nil && len(b) == sha256.Size
}

// headerValue returns the first value of the named header, whatever the case of the keys:
// headers built by hand or by a serverless gateway may not be in canonical form.
func headerValue(header http.Header, name string) string {
	if v := header.Get(name); v != "" {
		return v
	}
	for k, vs := range header {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// SignNotification signs a notification body as QIWI would, for the user's own webhook
// tests: it returns the header to send with the body.
func SignNotification(specs []SignatureSpec, body []byte, secret string) (http.Header, error) {
	spec, tree, err := detect(specs, body)
	if err != nil {
		return nil, err
	}
	text, err := signedText(spec, tree)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(spec.Header, Sign(text, secret))
	return h, nil
}

// MalformedNotification wraps a decoding error of a notification body, naming the member
// at fault when the error is a ValueError. errors.Is matches ErrMalformedNotification and
// the cause (ErrInvalidMoney, ErrInvalidTimestamp, ...).
func MalformedNotification(typ string, body []byte, err error) error {
	return &notificationError{kind: ErrMalformedNotification, cause: err,
		msg: fmt.Sprintf("%s notification: %v", typ, wiretype.LocateError(body, err))}
}
