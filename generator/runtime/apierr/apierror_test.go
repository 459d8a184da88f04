package apierr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
)

// Error answers match the sentinels by HTTP status or by an exact error code, never by a
// code that merely contains another; a broken body still yields the status.
func TestDecodeAPIErrorAndSentinels(t *testing.T) {
	for _, c := range []struct {
		status int
		body   string
		is     []error
		isNot  []error
	}{
		{404, `{"errorCode": "payin.resource.not.found"}`, []error{apierr.ErrNotFound}, []error{apierr.ErrServer, apierr.ErrValidation}},
		{400, `{"errorCode": "payin.resource.not.found"}`, []error{apierr.ErrNotFound}, []error{apierr.ErrValidation}},
		{400, `{"errorCode": "refund.incorrect.amount", "cause": {"amount": ["too much"]}}`, []error{apierr.ErrValidation}, []error{apierr.ErrNotFound}},
		{400, `{"errorCode": "payin.incorrect-method-invocation"}`, []error{apierr.ErrAlreadyDone}, []error{apierr.ErrValidation}},
		{400, `{"errorCode": "validation.error.extended"}`, nil, []error{apierr.ErrValidation}},
		{401, ``, []error{apierr.ErrUnauthorized}, []error{apierr.ErrServer}},
		{429, `not json`, []error{apierr.ErrRateLimited}, nil},
		{503, `{"errorCode": "internal.error", "dateTime": "2024-03-13T16:30:52.464+03:00"}`, []error{apierr.ErrServer}, []error{apierr.ErrDeclined}},
	} {
		err := apierr.DecodeAPIError(c.status, []byte(c.body))
		assert.Equal(t, c.status, err.StatusCode)
		for _, target := range c.is {
			assert.True(t, errors.Is(err, target), "%d %s is %v", c.status, c.body, target)
		}
		for _, target := range c.isNot {
			assert.False(t, errors.Is(err, target), "%d %s is not %v", c.status, c.body, target)
		}
	}
	e := apierr.DecodeAPIError(400, []byte(`{"errorCode": "refund.incorrect.amount", "cause": {"amount": ["too much"]}}`))
	assert.Equal(t, map[string][]string{"amount": {"too much"}}, e.CauseFields())
}

// Each sentinel by the HTTP status alone (an answer without a code), and each code the
// sentinels know whatever the status; errors.Is and errors.As see through wrapping.
func TestSentinelsByStatusAndCode(t *testing.T) {
	byStatus := map[int]error{
		403: apierr.ErrUnauthorized,
		404: apierr.ErrNotFound,
		422: apierr.ErrValidation,
		500: apierr.ErrServer,
		502: apierr.ErrServer,
	}
	for status, want := range byStatus {
		err := fmt.Errorf("get payment: %w", apierr.DecodeAPIError(status, nil))
		assert.ErrorIs(t, err, want, "%d", status)
		var api *apierr.APIError
		require.ErrorAs(t, err, &api)
		assert.Equal(t, status, api.StatusCode)
	}
	byCode := map[string]error{
		apierr.CodeValidation:      apierr.ErrValidation,
		apierr.CodeNotFound:        apierr.ErrNotFound,
		apierr.CodeInvoiceNotFound: apierr.ErrNotFound,
		apierr.CodeUnauthorized:    apierr.ErrUnauthorized,
		apierr.CodeInternal:        apierr.ErrServer,
		apierr.CodeRefundAmount:    apierr.ErrValidation,
		apierr.CodeIncorrectMethod: apierr.ErrAlreadyDone,
	}
	all := []error{apierr.ErrNotFound, apierr.ErrUnauthorized, apierr.ErrValidation, apierr.ErrRateLimited,
		apierr.ErrAlreadyDone, apierr.ErrDeclined, apierr.ErrServer}
	for code, want := range byCode {
		// 409 matches no sentinel by itself: only the code decides.
		err := apierr.DecodeAPIError(409, []byte(`{"errorCode":"`+code+`"}`))
		for _, s := range all {
			assert.Equal(t, s == want, errors.Is(err, s), "%s is %v", code, s)
		}
	}
	// A code with a validation status matches by the code, not by the status.
	assert.NotErrorIs(t, apierr.DecodeAPIError(400, []byte(`{"errorCode":"payin.unknown"}`)), apierr.ErrValidation)
	// A decline answered 200 matches ErrDeclined and nothing else.
	declined := &apierr.APIError{StatusCode: 200, Declined: true, DeclineStatus: "DECLINED", DeclineReason: "INSUFFICIENT_FUNDS"}
	for _, s := range all {
		assert.Equal(t, s == apierr.ErrDeclined, errors.Is(declined, s), "decline is %v", s)
	}
	assert.Equal(t, "qiwi: operation DECLINED (INSUFFICIENT_FUNDS)", declined.Error())
}

// The message names the status, code, description and trace ID; the body's members survive
// a round trip, an empty one included, and a member that does not decode is skipped.
func TestAPIErrorMessageAndRoundTrip(t *testing.T) {
	body := `{"serviceName":"payin-core","errorCode":"validation.error","description":"Validation error","userMessage":"","dateTime":"not a date","traceId":"t-1"}`
	e := apierr.DecodeAPIError(400, []byte(body))
	assert.Equal(t, "qiwi: HTTP 400 validation.error: Validation error (traceId t-1)", e.Error())
	assert.Nil(t, e.DateTime, "a malformed date is skipped")
	out, err := json.Marshal(e)
	require.NoError(t, err)
	assert.JSONEq(t, `{"serviceName":"payin-core","errorCode":"validation.error","description":"Validation error","userMessage":"","traceId":"t-1"}`, string(out))
	assert.Equal(t, "undecodable error body", apierr.DecodeAPIError(502, []byte("<html>")).Description)
}
