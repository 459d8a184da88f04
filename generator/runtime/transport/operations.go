package transport

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
)

// ErrUnknownOperation is wrapped by the error of Invoke for an operationId the generated
// client does not have (an operation its spec or filters left out).
var ErrUnknownOperation = errors.New("qiwi: unknown operation")

// OperationInfo describes one operation of a generated client, as its spec declares it. The
// generated client holds one per operation, in one table: its typed methods call through it
// (Caller.Call), its Operations function lists it, and its Invoke dispatches on it, for
// tools that call by operationId (the contract harness, drift checks, a sandbox) without
// reflection.
type OperationInfo struct {
	// ID is the spec's operationId (createRefund).
	ID string
	// Method is the HTTP method (PUT).
	Method string
	// Path is the path template after the path prefix (/payin/v1/sites/{siteId}/...).
	Path string
	// PathParams are the path parameters in path order, the configured ones included.
	PathParams []string
	// ConfigParams are the path parameters the client's configuration fills (siteId, from
	// WithSiteID), as the spec marks them (x-qiwi-config-param); the typed methods and Invoke
	// take the others, in path order.
	ConfigParams []ConfigParam
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
	// ResolveAlreadyDone is the operationId of the GET that reads the existing object when
	// QIWI answers a repeated call "already done" (x-qiwi-resolve-already-done), "" for none.
	ResolveAlreadyDone string
}

// ConfigValue names a value of the Caller's configuration that fills a path parameter, as
// the spec's x-qiwi-config-param names it.
type ConfigValue string

// ConfigSiteID is the merchant's siteId, set with WithSiteID.
const ConfigSiteID ConfigValue = "siteId"

// Known reports whether the Caller has the configuration value.
func (v ConfigValue) Known() bool { return v == ConfigSiteID }

// ConfigParam is a path parameter the client's configuration fills.
type ConfigParam struct {
	// Name is the path parameter (siteId).
	Name string
	// Value is the configuration value that fills it.
	Value ConfigValue
}

// Clone returns a copy of o that shares no slice with it, so that a table handed out can
// be changed without changing the client's own.
func (o OperationInfo) Clone() OperationInfo {
	o.PathParams = slices.Clone(o.PathParams)
	o.ConfigParams = slices.Clone(o.ConfigParams)
	o.Notifications = slices.Clone(o.Notifications)
	return o
}

// CheckArgs refuses, with ErrArgument, path arguments whose number is not that of the
// operation's path parameters other than the configured ones.
func (o *OperationInfo) CheckArgs(args []string) error {
	if want := len(o.PathParams) - len(o.ConfigParams); len(args) != want {
		return fmt.Errorf("%w: %s takes %d path parameters, not %d", ErrArgument, o.ID, want, len(args))
	}
	return nil
}

// configValue returns a configuration value, and the option that sets it.
func (c *Caller) configValue(v ConfigValue) (value, option string, ok bool) {
	switch v {
	case ConfigSiteID:
		return c.siteID, "WithSiteID", true
	}
	return "", "", false
}

// Call performs the operation op: args are its path parameters other than the configured
// ones, in path order (each escaped once into the path); body is the encoded JSON request
// body, nil for none; out receives the decoded 2xx body (nil for none); opts are the call's
// own options. Arguments that would change the path, or a configured value missing, are
// refused before anything is sent (ErrArgument, apierr.ErrConfig). A non-2xx answer returns
// an *APIError; a 2xx answer whose status value is DECLINED or DECLINE decodes into out and
// also returns an *APIError that matches ErrDeclined.
func (c *Caller) Call(ctx context.Context, op *OperationInfo, args []string, body []byte, out any, opts ...CallOption) error {
	u, err := c.expand(op, args)
	if err != nil {
		return err
	}
	return c.do(ctx, op, request{method: op.Method, url: u, body: body}, out, opts)
}

// expand is the call's URL: the server and op's path template with each parameter escaped
// once, the configured ones from the configuration and the others from args.
func (c *Caller) expand(op *OperationInfo, args []string) (string, error) {
	if err := op.CheckArgs(args); err != nil {
		return "", err
	}
	path := strings.TrimPrefix(op.Path, "/")
	var b strings.Builder
	n := len(c.server) + len(path)
	for _, a := range args {
		n += len(a)
	}
	b.Grow(n + 16)
	b.WriteString(c.server)
	next := 0
	for {
		open := strings.IndexByte(path, '{')
		if open < 0 {
			b.WriteString(path)
			return b.String(), nil
		}
		end := strings.IndexByte(path[open:], '}')
		if end < 0 {
			return "", fmt.Errorf("%w: %s: path template %q has an unclosed parameter", ErrArgument, op.ID, op.Path)
		}
		b.WriteString(path[:open])
		name := path[open+1 : open+end]
		path = path[open+end+1:]
		value, configured := "", false
		for _, p := range op.ConfigParams {
			if p.Name != name {
				continue
			}
			v, option, ok := c.configValue(p.Value)
			if !ok {
				return "", fmt.Errorf("%w: %s: %s comes from configuration value %q, which the client does not have", apierr.ErrConfig, op.ID, name, p.Value)
			}
			if v == "" {
				return "", fmt.Errorf("%w: %s needs a %s: configure %s", apierr.ErrConfig, op.ID, p.Value, option)
			}
			value, configured = v, true
		}
		if !configured {
			if next >= len(args) { // a template with more parameters than PathParams
				return "", fmt.Errorf("%w: %s: path template %q does not match its path parameters", ErrArgument, op.ID, op.Path)
			}
			value = args[next]
			next++
		}
		if err := checkPathValue(op.ID, name, value); err != nil {
			return "", err
		}
		b.WriteString(url.PathEscape(value))
	}
}

// Invoker calls an operation by its operationId: the generated Client implements it, with
// the path parameters other than the configured ones in path order and the request body as
// JSON.
type Invoker interface {
	Invoke(ctx context.Context, operationID string, pathParams []string, body []byte) (any, error)
}
