package sandbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/sandbox"
	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// The client's retry policy against injected faults: a read is retried through a 503, a 429
// with Retry-After and a dropped connection; a POST is never retried.
func TestClientRetriesAgainstFaults(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{Faults: []sandbox.Fault{
		{Operation: "getPayment", Nth: 1, Status: http.StatusServiceUnavailable},
		{Operation: "getPayment", Nth: 2, Status: http.StatusTooManyRequests, RetryAfter: 1},
		{Operation: "getPayment", Nth: 3, Drop: true},
		{Operation: "completePayment", Nth: 1, Status: http.StatusBadGateway},
	}})
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	defer srv.Close()
	rec := &fixture.Recorder{Source: "faults", Next: srv.Client().Transport}
	client, err := qiwi.New("any-key", qiwi.WithSiteID("test-01"), qiwi.WithBaseURL(srv.URL), qiwi.WithHTTPClient(&http.Client{Transport: rec}),
		qiwi.WithRetry(qiwi.RetryPolicy{MaxAttempts: 4}))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = client.CreatePayment(ctx, "p", qiwi.CreatePaymentRequest{Amount: amount(t, "1.00"), PaymentMethod: card("05/30", qiwi.TestCVV3DS, "H")})
	require.NoError(t, err)

	p, err := client.GetPayment(ctx, "p")
	require.NoError(t, err, "the read goes through a 503, a 429 and a dropped connection")
	assert.Equal(t, "WAITING", string(p.Status.Value))

	var done qiwi.CompletePaymentRequest
	done.ThreeDS.Pares = "pares"
	_, err = client.CompletePayment(ctx, "p", done)
	var apiErr *qiwi.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadGateway, apiErr.StatusCode)

	count := map[string]int{}
	for _, in := range rec.Interactions() {
		count[in.Request.Method+" "+in.Request.URL[strings.LastIndex(in.Request.URL, "/"):]]++
	}
	assert.Equal(t, 1, count["POST /complete"], "a POST is never retried")
	assert.GreaterOrEqual(t, count["GET /p"], 3, "the read was retried")
}

func TestReadFaults(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		path := filepath.Join(dir, "faults.json")
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		return path
	}
	faults, err := sandbox.ReadFaults(write(`[{"operation": "getPayment", "every": 3, "status": 503, "retryAfter": 2}, {"operation": "createRefund", "probability": 0.1, "delay": "50ms"}]`))
	require.NoError(t, err)
	assert.Len(t, faults, 2)
	for text, want := range map[string]string{
		"[\n{\"operation\": \"getPayment\",,}]":                          "faults.json:2",
		`[{"operation": "getPayment", "nth": 1, "status": 404}]`:         "faults.json: /0:",
		`[{"operation": "getPayment", "status": 503}]`:                   "give nth, every or probability",
		`[{"nth": 1, "status": 503}]`:                                    "operation: missing",
		`[{"operation": "getPayment", "nth": 1, "delay": "forever"}]`:    "delay",
		`[{"operation": "getPayment", "nth": 1, "status": 503, "x": 1}]`: "unknown field",
	} {
		_, err := sandbox.ReadFaults(write(text))
		assert.ErrorIs(t, err, sandbox.ErrFaults, text)
		assert.ErrorContains(t, err, want, text)
	}
}
