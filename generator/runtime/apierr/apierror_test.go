package apierr_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

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
