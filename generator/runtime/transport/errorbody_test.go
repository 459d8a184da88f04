package transport

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An error answer matches its status's sentinel whatever its body: QIWI answers 401 with a
// body that is no error object, or none and no Content-Type. Evidence: the Java SDK's
// negative tests expect BadResponseException (no readable error object) for a 401 with a
// wrong key and for a 422 (QIWI-API/bill-payments-java-sdk
// src/test/java/com/qiwi/billpayments/sdk/BillPaymentsSdkNegativeScenariosTest.java @1b593923
// testClientWithIncorrectSecretKey, testCreateIncorrectBill; its BadResponseException.java says
// "empty body, HTTP status 401"); the spec's ClientError says "A 401 may come with an empty body".
func TestErrorAnswersMatchTheirStatusWhateverTheBody(t *testing.T) {
	bodies := []struct{ body, contentType string }{
		{"", ""},
		{"", "application/json"},
		{"null", "application/json"},
		{"[]", "application/json"},
		{`"Unauthorized"`, "application/json"},
		{`{"message":"Unauthorized","status":401}`, "application/json"},
		{`{"errorCode":5,"description":["x"]}`, "application/json"},
		{`{"errorCode":"auth.unauth`, "application/json"},
		{"<html><body>401 Authorization Required</body></html>", "text/html"},
		{"\xff\xfe not utf-8", "text/plain"},
	}
	statuses := map[int]error{
		http.StatusUnauthorized: apierr.ErrUnauthorized, http.StatusForbidden: apierr.ErrUnauthorized,
		http.StatusNotFound: apierr.ErrNotFound, http.StatusBadRequest: apierr.ErrValidation,
		http.StatusUnprocessableEntity: apierr.ErrValidation, http.StatusTooManyRequests: apierr.ErrRateLimited,
		http.StatusInternalServerError: apierr.ErrServer, http.StatusBadGateway: apierr.ErrServer,
	}
	for status, sentinel := range statuses {
		for _, b := range bodies {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if b.contentType != "" {
					w.Header().Set("Content-Type", b.contentType)
				} else {
					w.Header()["Content-Type"] = nil // no Content-Type at all
				}
				w.WriteHeader(status)
				_, _ = w.Write([]byte(b.body))
			}))
			c, err := NewCaller("key", WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithRetry(RetryPolicy{MaxAttempts: 1}))
			require.NoError(t, err)
			err = doCall(context.Background(), c, OperationInfo{ID: "getBill"}, testRequest{http.MethodGet, "/bill/v1/bills/b1", ""}, &payment{})
			srv.Close()
			assert.ErrorIs(t, err, sentinel, "HTTP %d with %q (%s)", status, b.body, b.contentType)
			var apiErr *apierr.APIError
			if assert.True(t, errors.As(err, &apiErr), "HTTP %d with %q: %v", status, b.body, err) {
				assert.Equal(t, status, apiErr.StatusCode)
			}
		}
	}
}
