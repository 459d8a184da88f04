package transport

import (
	"context"
	"errors"
)

// ErrUnknownOperation is wrapped by the error of Invoke for an operationId the generated
// client does not have (an operation its spec or filters left out).
var ErrUnknownOperation = errors.New("qiwi: unknown operation")

// OperationInfo describes one operation of a generated client, as its spec declares it: the
// generated operation table lists one per method, for tools that dispatch by operationId
// (the contract harness, drift checks, a sandbox) without reflection.
type OperationInfo struct {
	// ID is the spec's operationId (createRefund).
	ID string
	// Method is the HTTP method (PUT).
	Method string
	// Path is the path template after the path prefix (/payin/v1/sites/{siteId}/...).
	Path string
	// PathParams are the path parameters in path order, siteId included.
	PathParams []string
	// Request is the Go type of the JSON request body, "" for none.
	Request string
	// Result is the Go type of the answer ("[]Refund" for a list), "" for none.
	Result string
	// Idempotent operations are retried on network errors, 429 and 5xx.
	Idempotent bool
	// Signed operations carry an X-Digital-Sign signature of their body (payouts).
	Signed bool
	// Notifications are the notification types whose callbackUrl the request may set.
	Notifications []string
}

// Invoker calls an operation by its operationId: the generated Client implements it, with
// the path parameters other than siteId in path order and the request body as JSON.
type Invoker interface {
	Invoke(ctx context.Context, operationID string, pathParams []string, body []byte) (any, error)
}
