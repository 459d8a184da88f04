package replay

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
)

// A live answer is compared with the recorded one: a status that differs says only that;
// members dropped and added, types and plain values are differences; identifiers, times,
// amounts written another way (a number or a string holding it) and scrubbed values are not.
func TestCompareResponses(t *testing.T) {
	recorded := fixture.Response{Status: 200, Body: `{"paymentId":"1811","billId":"b-1","createdDateTime":"2024-03-01T17:10:31+03:00",` +
		`"amount":{"value":"10.00","currency":"RUB"},"status":{"value":"WAITING"},"count":1,"gone":true,"pan":"REDACTED","payUrl":"https://x/1"}`}
	live := fixture.Response{Status: 200, Body: `{"paymentId":"9","billId":"b-2","createdDateTime":"2026-12-03T10:00:00.123+03:00",` +
		`"amount":{"value":10,"currency":"RUB"},"status":{"value":"COMPLETED"},"count":true,"extra":[],"pan":"4111","payUrl":"https://x/2"}`}
	assert.Equal(t, []string{
		`/count: boolean, recorded number (true, recorded 1)`,
		`/extra: member not recorded ([])`,
		`/gone: member missing (recorded true)`,
		`/status/value: "COMPLETED", recorded "WAITING"`,
	}, compareResponses(recorded, live))
	assert.Equal(t, []string{`status 404, recorded 200: payin.resource.not.found: Payment not found`},
		compareResponses(recorded, fixture.Response{Status: 404, Body: `{"dateTime":"2026-01-01T00:00:00+03:00","errorCode":"payin.resource.not.found","description":"Payment not found"}`}))
	assert.Equal(t, []string{`status 502, recorded 200: <html> bad gateway`}, compareResponses(recorded, fixture.Response{Status: 502, Body: "<html>\n bad gateway"}))
	assert.Equal(t, []string{"status 200, recorded 404"}, compareResponses(fixture.Response{Status: 404, Body: `{}`}, recorded))
	assert.Empty(t, compareResponses(fixture.Response{Status: 204}, fixture.Response{Status: 204}))
	assert.Equal(t, []string{`body: the other body: invalid character 'o' in literal null (expecting 'u')`},
		compareResponses(recorded, fixture.Response{Status: 200, Body: "not json"}))
}

// Compare sends the recorded request (its method, path, headers and body; the key given
// instead of the recorded Authorization) and reports the differences scrubbed: the key never
// shows. Notifications and doc defects are skipped.
func TestTargetCompare(t *testing.T) {
	const key = "staging-key-1a2b3c4d5e"
	var got *http.Request
	var gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		data, _ := io.ReadAll(r.Body)
		gotBody = string(data)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"paymentId":"p1","status":{"value":"DECLINED"},"note":"`+r.Header.Get("Authorization")+`"}`)
	}))
	defer srv.Close()
	target, err := NewTarget(srv.URL+"/", key, nil, false, nil)
	require.NoError(t, err)
	in := fixture.Interaction{Name: "create", Kind: fixture.API,
		Request: fixture.Request{Method: http.MethodPut, URL: "/partner/payin/v1/sites/s/payments/p1?x=1",
			Header: http.Header{"Authorization": {"Bearer REDACTED"}, "Content-Type": {"application/json"}}, Body: `{"amount":{"value":"1.00","currency":"RUB"}}`},
		Response: &fixture.Response{Status: 200, Body: `{"paymentId":"p1","status":{"value":"COMPLETED"}}`}}
	c := target.Compare(context.Background(), in)
	require.NotNil(t, got)
	assert.Equal(t, "/partner/payin/v1/sites/s/payments/p1?x=1", got.URL.RequestURI())
	assert.Equal(t, http.MethodPut, got.Method)
	assert.Equal(t, "Bearer "+key, got.Header.Get("Authorization"))
	assert.Equal(t, in.Request.Body, gotBody)
	assert.True(t, c.Differs())
	assert.Contains(t, c.Differences, `/status/value: "DECLINED", recorded "COMPLETED"`)
	var out bytes.Buffer
	require.NoError(t, WriteComparison(&out, c))
	assert.Contains(t, out.String(), "DIFFER create (live 200)")
	assert.NotContains(t, out.String(), key)
	assert.Contains(t, out.String(), "/note: member not recorded")

	note := in
	note.Kind, note.Response = fixture.Notification, nil
	assert.Equal(t, "a notification: QIWI sends it", target.Compare(context.Background(), note).Skipped)
	defect := in
	defect.Defects = []string{"a GET with a body"}
	assert.Equal(t, "a doc defect: a GET with a body", target.Compare(context.Background(), defect).Skipped)

	_, err = NewTarget("127.0.0.1:8080", "", nil, false, nil)
	assert.ErrorIs(t, err, ErrTarget)
}
