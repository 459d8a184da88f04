package apierr

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// Sentinels for errors.Is on errors returned by generated clients.
var (
	// ErrNotFound: the resource does not exist (HTTP 404 or a *.not.found error code).
	ErrNotFound = errors.New("qiwi: not found")
	// ErrUnauthorized: the API key was refused (HTTP 401/403 or auth.* error codes).
	ErrUnauthorized = errors.New("qiwi: unauthorized")
	// ErrValidation: QIWI refused the request's content (validation.* error codes, HTTP 400/422).
	ErrValidation = errors.New("qiwi: validation error")
	// ErrRateLimited: too many requests (HTTP 429).
	ErrRateLimited = errors.New("qiwi: rate limited")
	// ErrAlreadyDone: the operation was already performed, for example a repeated capture
	// answered payin.incorrect-method-invocation.
	ErrAlreadyDone = errors.New("qiwi: operation already performed")
	// ErrDeclined: the operation was declined, even when QIWI answered HTTP 200 with
	// status DECLINED or DECLINE.
	ErrDeclined = errors.New("qiwi: declined")
	// ErrServer: QIWI failed to process the request (HTTP 5xx).
	ErrServer = errors.New("qiwi: server error")
)

// ErrConfig is wrapped by the errors of a bad configuration: a client option or a
// notification handler option given a bad value, a nil option, a MemoryDeduplicator without
// room, and a call that needs an option that was not given (a payin call without WithSiteID,
// a payout without WithPayoutSigner). The client and the handler share it: an option is
// refused the same way wherever it is given.
var ErrConfig = errors.New("qiwi: invalid client configuration")

// APIError is QIWI's error answer: the HTTP status and every field of the error body.
// A 401 may come with an empty body; then only StatusCode is set.
type APIError struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int `json:"-"`
	// ServiceName names the QIWI service that answered (payin-core, invoicing-api, ...).
	ServiceName string `json:"serviceName,omitempty"`
	// ErrorCode is QIWI's machine-readable code, e.g. validation.error.
	ErrorCode string `json:"errorCode,omitempty"`
	// Description is the error description for the merchant.
	Description string `json:"description,omitempty"`
	// UserMessage is a message that may be shown to the customer.
	UserMessage string `json:"userMessage,omitempty"`
	// DateTime is when QIWI processed the request (payin protocol spelling).
	DateTime *wiretype.Timestamp `json:"dateTime,omitempty"`
	// Datetime is the same, as the Bill Payments API spells it.
	Datetime *wiretype.Timestamp `json:"datetime,omitempty"`
	// TraceID identifies the request in QIWI's logs; quote it to QIWI support.
	TraceID string `json:"traceId,omitempty"`
	// Cause details a validation error, e.g. {"amount": ["Incorrect payout amount"]}.
	Cause json.RawMessage `json:"cause,omitempty"`
	// Declined is set when the error reports a decline that arrived with HTTP 200.
	Declined bool `json:"-"`
	// DeclineStatus is the status value of such a decline (DECLINED or DECLINE).
	DeclineStatus string `json:"-"`
	// DeclineReason is the status reason of such a decline.
	DeclineReason string `json:"-"`

	present map[string]bool // members the decoded body had
}

// Error describes the failure without any secret: QIWI's error bodies carry none.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("qiwi: ")
	if e.Declined {
		fmt.Fprintf(&b, "operation %s", e.DeclineStatus)
		if e.DeclineReason != "" {
			fmt.Fprintf(&b, " (%s)", e.DeclineReason)
		}
		if e.Description != "" {
			fmt.Fprintf(&b, ": %s", e.Description)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	if e.ErrorCode != "" {
		fmt.Fprintf(&b, " %s", e.ErrorCode)
	}
	if e.Description != "" {
		fmt.Fprintf(&b, ": %s", e.Description)
	}
	if e.TraceID != "" {
		fmt.Fprintf(&b, " (traceId %s)", e.TraceID)
	}
	return b.String()
}

// CauseFields decodes Cause in its documented form, field name to messages. It returns nil
// when Cause is absent or has another shape.
func (e *APIError) CauseFields() map[string][]string {
	if len(e.Cause) == 0 {
		return nil
	}
	var m map[string][]string
	if json.Unmarshal(e.Cause, &m) != nil {
		return nil
	}
	return m
}

// The error codes the sentinels match, exactly: the codes the docs' examples and QIWI's SDKs
// show (the spec's ErrorCode enum lists them; a test keeps the two in step). An answer with
// another code matches by its HTTP status alone.
const (
	CodeValidation      = "validation.error"
	CodeNotFound        = "payin.resource.not.found"
	CodeUnauthorized    = "auth.unauthorized"
	CodeInternal        = "internal.error"
	CodeRefundAmount    = "refund.incorrect.amount"
	CodeIncorrectMethod = "payin.incorrect-method-invocation"
	// CodeInvoiceNotFound is the Bill Payments API's code for a bill it does not know (the
	// official Java and Node SDKs' tests expect it, whatever the HTTP status).
	CodeInvoiceNotFound = "api.invoice.not.found"
)

// Is makes errors.Is(err, ErrNotFound) and the other sentinels work on an *APIError: by the
// HTTP status, or by an exact error code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrDeclined:
		return e.Declined
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.ErrorCode == CodeNotFound || e.ErrorCode == CodeInvoiceNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden || e.ErrorCode == CodeUnauthorized
	case ErrValidation:
		return e.ErrorCode == CodeValidation || e.ErrorCode == CodeRefundAmount ||
			(e.ErrorCode == "" && (e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity))
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrAlreadyDone:
		return e.ErrorCode == CodeIncorrectMethod
	case ErrServer:
		return e.StatusCode >= 500 || e.ErrorCode == CodeInternal
	}
	return false
}

// DecodeAPIError builds the error for a non-2xx answer. The body is decoded leniently:
// an empty or non-JSON body still yields an *APIError with the status, and a member that does
// not decode (a malformed date, say) is skipped without losing the others.
func DecodeAPIError(statusCode int, body []byte) *APIError {
	e := &APIError{}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, e); err != nil {
			*e = APIError{Description: "undecodable error body"}
		}
	}
	e.StatusCode = statusCode
	return e
}

// errorMembers are the error body's members that UnmarshalJSON reads.
var errorMembers = []string{"serviceName", "errorCode", "description", "userMessage", "dateTime", "datetime", "traceId", "cause"}

func (e *APIError) member(name string) any {
	switch name {
	case "serviceName":
		return &e.ServiceName
	case "errorCode":
		return &e.ErrorCode
	case "description":
		return &e.Description
	case "userMessage":
		return &e.UserMessage
	case "dateTime":
		return &e.DateTime
	case "datetime":
		return &e.Datetime
	case "traceId":
		return &e.TraceID
	case "cause":
		return &e.Cause
	}
	return nil
}

// UnmarshalJSON decodes an error body member by member, remembering which members it had
// (an empty userMessage is not an absent one), and skipping members that do not decode.
func (e *APIError) UnmarshalJSON(data []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	e.present = map[string]bool{}
	for _, name := range errorMembers {
		raw, ok := fields[name]
		if !ok {
			continue
		}
		if json.Unmarshal(raw, e.member(name)) == nil {
			e.present[name] = true
			continue
		}
		// Skipped whole: a date that fails has already allocated its *Timestamp, which
		// would otherwise stay behind as a zero date and be written out as one.
		reflect.ValueOf(e.member(name)).Elem().SetZero()
	}
	return nil
}

// MarshalJSON writes the members the body had, and any set since, in a fixed order.
func (e APIError) MarshalJSON() ([]byte, error) {
	members := []struct {
		name  string
		value any
		set   bool
	}{
		{"serviceName", e.ServiceName, e.ServiceName != ""},
		{"errorCode", e.ErrorCode, e.ErrorCode != ""},
		{"description", e.Description, e.Description != ""},
		{"userMessage", e.UserMessage, e.UserMessage != ""},
		{"dateTime", e.DateTime, e.DateTime != nil},
		{"datetime", e.Datetime, e.Datetime != nil},
		{"traceId", e.TraceID, e.TraceID != ""},
		{"cause", e.Cause, len(e.Cause) > 0},
	}
	var b strings.Builder
	b.WriteByte('{')
	n := 0
	for _, m := range members {
		if !m.set && !e.present[m.name] {
			continue
		}
		data, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		fmt.Fprintf(&b, "%q:%s", m.name, data)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}
