package replay_test

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/replay"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/runtime/transport"
	"github.com/qiwigen/qiwigen/spec"
)

// The README's snippet for a repository with its own generated client: gen/qiwi stands in
// for the shop's package, spec.Resolved for its resolved spec.
func Example_ownClient() {
	ctx := context.Background()
	judge, err := verdict.New(spec.Resolved, verdict.WithClient(verdict.ClientPackage{
		New:                func(key string, opts ...transport.Option) (any, error) { return qiwi.New(key, opts...) },
		ParseNotification:  func(b []byte) (verdict.Notification, error) { return qiwi.ParseNotification(b) },
		VerifyNotification: qiwi.VerifyNotification,
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	interactions := []fixture.Interaction{{
		Name: "capture status",
		Kind: fixture.API,
		Request: fixture.Request{Method: http.MethodGet, URL: "/partner/payin/v1/sites/test-01/payments/1811/captures/bxwd8096",
			Header: http.Header{"Authorization": {"Bearer " + fixture.Redacted}}},
		Response: &fixture.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: `{"captureId":"bxwd8096","createdDateTime":"2024-03-20T16:29:58.96+03:00","amount":{"currency":"RUB","value":"6.77"},"status":{"value":"COMPLETED"}}`},
	}}
	report := replay.Run(ctx, judge, interactions, false)
	_ = report.WriteText(os.Stdout)
	// Output:
	// PASS   capture status [getCapture]
	// 1 passed, 0 failed
}
