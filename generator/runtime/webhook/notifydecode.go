package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/qiwigen/qiwigen/generator/runtime/modeldiff"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
)

// maxLenientRounds bounds how many refused unsigned members one notification may drop.
const maxLenientRounds = 16

// DecodedNotification is a notification decoded into its typed model.
type DecodedNotification struct {
	// Model is what newModel returned for the notification's type, filled from the body.
	Model any
	// Spec is the notification type's signature description.
	Spec SignatureSpec
	// Key identifies the notification by its type and signed values: a redelivery has the
	// same key whatever its unsigned members or formatting.
	Key string
	// Dropped lists, as JSON pointers, unsigned members whose value the model refused
	// (a string where a number belongs, an amount with three fraction digits): they are
	// left out of Model rather than refusing a notification whose signature verifies.
	Dropped []string
	// Unknown lists, as JSON pointers, members the model does not know (QIWI adds fields
	// without notice), Dropped included.
	Unknown []string
}

// ParseNotification decodes a notification body into the typed model newModel returns for
// its type (a pointer such as *PaymentNotification), without verifying its signature. The
// body is decoded once, by the rules verification reads it with: a member name repeated
// in another letter case or with another value, a member the model knows spelled in another
// letter case, invalid UTF-8 or data after the value make it malformed, so that the model
// holds exactly the values a signature covers; a member repeated with an identical value is
// one member (QIWI's PAYMENT examples repeat paymentMethod's "type"). Unsigned members the model refuses are dropped and
// listed (see DecodedNotification); a refused signed member makes the notification
// malformed. Errors wrap ErrNotification and ErrMalformedNotification.
func ParseNotification(specs []SignatureSpec, body []byte, newModel func(typ string) any) (*DecodedNotification, error) {
	spec, tree, err := detect(specs, body)
	if err != nil {
		return nil, err
	}
	return decodeModel(spec, tree, body, newModel)
}

// OpenNotification verifies a notification's signature and decodes it into its typed
// model, both from one decoding of the body, so the values verified and the values the
// model holds cannot differ. Errors are those of VerifyNotification and ParseNotification.
func OpenNotification(specs []SignatureSpec, header http.Header, body []byte, secret string, newModel func(typ string) any) (*DecodedNotification, error) {
	spec, tree, err := verifyTree(specs, header, body, secret)
	if err != nil {
		return nil, err
	}
	return decodeModel(spec, tree, body, newModel)
}

func decodeModel(spec SignatureSpec, tree any, body []byte, newModel func(string) any) (*DecodedNotification, error) {
	text, err := signedText(spec, tree)
	if err != nil {
		return nil, err
	}
	model := newModel(spec.Type)
	if model == nil {
		return nil, MalformedNotification(spec.Type, body, errors.New("no model for this type"))
	}
	out := &DecodedNotification{Spec: spec, Key: spec.Type + "|" + text}
	data := body
	err = json.Unmarshal(data, model)
	for round := 0; err != nil; round++ {
		ptr, ok := refusedMember(data, err)
		if !ok || round == maxLenientRounds || isSignedPointer(spec, ptr) || ptr == "" || ptr == "/type" {
			return nil, MalformedNotification(spec.Type, data, err)
		}
		if !removePointer(tree, ptr) {
			return nil, MalformedNotification(spec.Type, data, err)
		}
		out.Dropped = append(out.Dropped, ptr)
		if data, err = json.Marshal(tree); err != nil {
			return nil, MalformedNotification(spec.Type, body, err)
		}
		model = newModel(spec.Type)
		err = json.Unmarshal(data, model)
	}
	unknown, err := modeldiff.CompareWithModel(tree, model, true)
	if err != nil {
		return nil, rejectf(ErrMalformedNotification, "%s notification: %v", spec.Type, err)
	}
	out.Model = model
	out.Unknown = append(unknown, out.Dropped...)
	sort.Strings(out.Unknown)
	return out, nil
}

// isSignedPointer reports whether ptr is a signed field or holds one.
func isSignedPointer(spec SignatureSpec, ptr string) bool {
	for _, f := range spec.Fields {
		if f == ptr || strings.HasPrefix(f, ptr+"/") {
			return true
		}
	}
	return false
}

// refusedMember finds the JSON pointer of the member whose value decoding refused: a
// type mismatch by its offset, a refused amount, timestamp or code by its text.
func refusedMember(data []byte, err error) (string, bool) {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return pointerAtOffset(data, te.Offset)
	}
	return wiretype.LocateValue(data, err)
}

// pointerAtOffset returns the pointer of the value that ends at off (a scalar) or whose
// opening delimiter ends at off (an object or array): the offsets encoding/json reports in
// an UnmarshalTypeError. A value inside an array answers with the array's member, so that
// dropping it shifts no index.
func pointerAtOffset(data []byte, off int64) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []pointerFrame
	key, expectKey := "", false
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			expectKey = len(stack) > 0 && !stack[len(stack)-1].array
			continue
		}
		if expectKey {
			key, expectKey = tok.(string), false
			continue
		}
		ptr := ""
		inArray := false
		if n := len(stack); n > 0 {
			top := &stack[n-1]
			if top.array {
				ptr = top.ptr + "/" + strconv.Itoa(top.index)
				top.index++
				inArray = true
			} else {
				ptr = top.ptr + "/" + jsonpointer.Escape(key)
				expectKey = true
			}
		}
		if dec.InputOffset() == off {
			if inArray {
				return containingMember(stack), true
			}
			return ptr, true
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, pointerFrame{array: d == '[', ptr: ptr})
			expectKey = d == '{'
		}
	}
}

// pointerFrame is an open object or array while pointerAtOffset walks a body.
type pointerFrame struct {
	array bool   // an array, not an object
	ptr   string // the container's own pointer
	index int    // in an array, the next element's index
}

// containingMember is the pointer of the outermost array of the innermost run of nested
// arrays on the stack: the object member that holds them.
func containingMember(stack []pointerFrame) string {
	for i := len(stack) - 1; i >= 0; i-- {
		if stack[i].array && (i == 0 || !stack[i-1].array) {
			return stack[i].ptr
		}
	}
	return ""
}

// removePointer deletes the object member at ptr from a decoded tree.
func removePointer(tree any, ptr string) bool {
	i := strings.LastIndex(ptr, "/")
	if i < 0 {
		return false
	}
	parent, err := jsonpointer.Get(tree, ptr[:i])
	obj, ok := parent.(map[string]any)
	if err != nil || !ok {
		return false
	}
	name := jsonpointer.Unescape(ptr[i+1:])
	if _, ok := obj[name]; !ok {
		return false
	}
	delete(obj, name)
	return true
}

// ErrNotConfirmable is returned when no status request can confirm a notification: its type
// declares none (TOKEN), it lacks the values to call one with (a PAYOUT notification does not
// carry its paymentId), or the client was generated without that request.
var ErrNotConfirmable = errors.New("qiwi: no status request confirms this notification")

// NotificationValues reads values of a decoded notification model by JSON pointer, as
// strings, to call the status request that confirms it. A missing or non-scalar value is an
// error wrapping ErrNotConfirmable.
func NotificationValues(model any, pointers ...string) ([]string, error) {
	data, err := json.Marshal(model)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotConfirmable, err)
	}
	tree, err := decodeTree(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotConfirmable, err)
	}
	out := make([]string, 0, len(pointers))
	for _, ptr := range pointers {
		v, err := jsonpointer.Get(tree, ptr)
		if err == nil {
			var text string
			if text, err = signedValue(v, false); err == nil && text != "" {
				out = append(out, text)
				continue
			}
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrNotConfirmable, ptr, err)
	}
	return out, nil
}

// ErrNotificationMismatch is wrapped by the error of a confirmation whose answer differs
// from a signed value of the notification it confirms: the status request was made with an
// unsigned value (a REFUND's or CAPTURE's paymentId) that a forged copy changed, and found
// another operation. The error names the member that differs.
var ErrNotificationMismatch = errors.New("qiwi: the confirmed object differs from the notification's signed values")

// MatchConfirmation compares the answer of the status request that confirms a notification
// (a *Refund for a REFUND notification) with the notification's signed values (its spec's
// Fields): a signed member /refund/refundId is compared with the answer's /refundId, the
// member at the same place below the notification's object. Amounts compare as amounts
// (5 equals "5.00"), timestamps as instants; a member the answer does not carry is not
// compared, nor is the status (the answer's /status/...), which is what confirmation asks
// QIWI for. A difference, or no member compared at all, is an error wrapping
// ErrNotificationMismatch and naming the member.
func MatchConfirmation(spec SignatureSpec, notification, answer any) error {
	note, err := modelTree(notification)
	if err != nil {
		return fmt.Errorf("%w: %s notification: %w", ErrNotificationMismatch, spec.Type, err)
	}
	got, err := modelTree(answer)
	if err != nil {
		return fmt.Errorf("%w: %s notification: the answer: %w", ErrNotificationMismatch, spec.Type, err)
	}
	compared := 0
	for _, ptr := range spec.Fields {
		rest := ptr
		if i := strings.Index(ptr[min(1, len(ptr)):], "/"); i >= 0 {
			rest = ptr[i+1:]
		}
		if rest == ptr || rest == "/status" || strings.HasPrefix(rest, "/status/") {
			continue
		}
		want, err := jsonpointer.Get(note, ptr)
		if err != nil {
			return fmt.Errorf("%w: %s notification: %s: %v", ErrNotificationMismatch, spec.Type, ptr, err)
		}
		have, err := jsonpointer.Get(got, rest)
		if err != nil || have == nil {
			continue // the answer does not carry it
		}
		compared++
		if !sameSignedValue(want, have, slices.Contains(spec.AmountFields, ptr)) {
			return fmt.Errorf("%w: %s notification %s is %s, the confirming answer's %s is %s",
				ErrNotificationMismatch, spec.Type, ptr, showValue(want), rest, showValue(have))
		}
	}
	if compared == 0 {
		return fmt.Errorf("%w: %s notification: the confirming answer carries none of the signed members %s",
			ErrNotificationMismatch, spec.Type, strings.Join(spec.Fields, ", "))
	}
	return nil
}

// modelTree encodes a model and decodes it as a tree, numbers as written.
func modelTree(model any) (any, error) {
	data, err := json.Marshal(model)
	if err != nil {
		return nil, err
	}
	return decodeTree(data)
}

// sameSignedValue reports whether two values are the same signed value: equal amounts for
// an amount, else equal text or equal instants.
func sameSignedValue(a, b any, amount bool) bool {
	ta, errA := signedValue(a, false)
	tb, errB := signedValue(b, false)
	if errA != nil || errB != nil {
		return false
	}
	if amount {
		ma, errA := wiretype.ParseMoney(ta)
		mb, errB := wiretype.ParseMoney(tb)
		return errA == nil && errB == nil && ma.Minor() == mb.Minor()
	}
	if ta == tb {
		return true
	}
	if sa, err := wiretype.ParseTimestamp(ta); err == nil {
		sb, err := wiretype.ParseTimestamp(tb)
		return err == nil && sa.Time().Equal(sb.Time())
	}
	return false
}

// showValue writes a compared value for an error: quoted, cut to 64 bytes.
func showValue(v any) string {
	text, err := signedValue(v, false)
	if err != nil {
		return "not a scalar"
	}
	if len(text) > 64 {
		text = text[:64] + "..."
	}
	return strconv.Quote(text)
}
