package sandbox

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/internal/syncbuf"
)

type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader("")), Header: http.Header{}, Request: r}, nil
}

// A notification whose address is no absolute http(s) URL with a host (a callbackUrl kept in
// a state file written before requests were checked) is not posted: the log says so once,
// with the reason and the URL without its query, and nothing is retried.
func TestUnusableCallbackIsLoggedNotSent(t *testing.T) {
	var log syncbuf.Buffer
	net := &countingTransport{}
	sb, err := New(Options{NotifySecret: "s", TimeScale: 1e6, NotifyClient: &http.Client{Transport: net},
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	require.NoError(t, err)
	now := sb.timestamp()
	for i, callback := range []string{"ftp://old.example/cb?secret=hush", "/relative?secret=hush", "javascript:alert(1)"} {
		st := newSite()
		id := string(rune('a' + i))
		st.Payments[id] = &payment{ID: id, Amount: 100, Status: "COMPLETED", Created: now, Changed: now,
			Captures: map[string]*operation{}, Refunds: map[string]*operation{}, Callback: callback}
		sb.sites["s-"+id] = st
		req := httptest.NewRequest(http.MethodPut, "/partner/payin/v1/sites/s-"+id+"/payments/"+id+"/captures/c-1", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer k")
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		sb.ServeHTTP(w, req)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	}
	require.NoError(t, sb.Close()) // waits for the deliveries

	out := log.String()
	assert.Zero(t, net.n.Load(), "nothing is posted to an unusable address")
	assert.NotContains(t, out, "hush", "no query in the log")
	assert.NotContains(t, out, "notification not delivered", "no retry\n%s", out)
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, `msg="notification not sent"`) {
			lines = append(lines, l)
		}
	}
	require.Len(t, lines, 3, out)
	assert.Contains(t, lines[0], "type=CAPTURE url=ftp://old.example/cb")
	assert.Contains(t, lines[0], "http:// or https://")
	assert.Contains(t, lines[1], "url=/relative")
	assert.Contains(t, lines[2], "url=javascript:alert(1)")
}
