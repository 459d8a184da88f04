package verdict_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/qiwigen/qiwigen/generator/runtime/transport"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/spec"
)

// getCapture is the docs' capture status exchange (payments/_api-methods_en#capture_status).
var getCapture = fixture.Interaction{
	Name: "capture status",
	Kind: fixture.API,
	Request: fixture.Request{Method: http.MethodGet,
		URL:    "/partner/payin/v1/sites/test-01/payments/1811/captures/bxwd8096",
		Header: http.Header{"Authorization": {"Bearer " + fixture.Redacted}}},
	Response: &fixture.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: `{"captureId":"bxwd8096","createdDateTime":"2024-03-20T16:29:58.96+03:00","amount":{"currency":"RUB","value":"6.77"},"status":{"value":"COMPLETED","changedDateTime":"2024-03-20T16:29:58.963+03:00"}}`},
}

// A consuming repository judges with its own generated client: the verdict calls that
// client, and a client lacking the operation fails the interaction.
func TestWithClient(t *testing.T) {
	bundled := verdict.BundledClient()
	var built atomic.Int32
	counting := bundled
	counting.New = func(apiKey string, opts ...transport.Option) (any, error) {
		built.Add(1)
		return bundled.New(apiKey, opts...)
	}
	j, err := verdict.New(spec.Resolved, verdict.WithClient(counting))
	require.NoError(t, err)
	r := j.Judge(context.Background(), getCapture)
	assert.Empty(t, r.Findings)
	assert.Equal(t, int32(1), built.Load(), "the given client package is the one used")

	noCaptures := bundled
	noCaptures.New = func(string, ...transport.Option) (any, error) { return shopClient{}, nil }
	j, err = verdict.New(spec.Resolved, verdict.WithClient(noCaptures))
	require.NoError(t, err)
	r = j.Judge(context.Background(), getCapture)
	require.Len(t, r.Findings, 1)
	assert.Equal(t, "client: the generated client has no method for getCapture", r.Findings[0].String())

	type oldClient struct{} // generated before the operation table
	old := bundled
	old.New = func(string, ...transport.Option) (any, error) { return oldClient{}, nil }
	j, err = verdict.New(spec.Resolved, verdict.WithClient(old))
	require.NoError(t, err)
	r = j.Judge(context.Background(), getCapture)
	require.Len(t, r.Findings, 1)
	assert.Equal(t, "client: the generated client has no Invoke method: regenerate it with this qiwigen", r.Findings[0].String())

	broken := bundled
	broken.New = func(string, ...transport.Option) (any, error) { return nil, errors.New("no key") }
	j, err = verdict.New(spec.Resolved, verdict.WithClient(broken))
	require.NoError(t, err)
	r = j.Judge(context.Background(), getCapture)
	require.Len(t, r.Findings, 1)
	assert.Equal(t, "client: building the client: no key", r.Findings[0].String())

	_, err = verdict.New(spec.Resolved, verdict.WithClient(verdict.ClientPackage{}))
	assert.ErrorContains(t, err, "lacks New")
}

// shopClient is a client generated without captures: its Invoke knows no getCapture.
type shopClient struct{}

func (shopClient) Invoke(_ context.Context, id string, _ []string, _ []byte) (any, error) {
	return nil, fmt.Errorf("%w: %q", transport.ErrUnknownOperation, id)
}
