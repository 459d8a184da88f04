package transport

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
)

// Call builds the URL from the operation's row: the configured parameters from the
// configuration, the others from the arguments in path order, each escaped once; the body
// goes out as given, signed and retried as the row says.
func TestCallExpandsTheRow(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.EscapedPath()+" "+string(body)+" "+r.Header.Get("Content-Type"))
		mu.Unlock()
		io.WriteString(w, `{"id":"x"}`)
	}))
	defer srv.Close()
	c, _ := newTestCaller(t, srv)
	op := &OperationInfo{ID: "putThing", Method: "PUT", Path: "/payin/v1/sites/{siteId}/things/{thingId}/parts/{partId}",
		PathParams: []string{"siteId", "thingId", "partId"}, ConfigParams: []ConfigParam{{Name: "siteId", Value: ConfigSiteID}}}
	var out struct{ ID string }
	require.NoError(t, c.Call(context.Background(), op, []string{"t 1", "p/2"}, []byte(`{"a":1}`), &out))
	assert.Equal(t, "x", out.ID)
	noConfig := &OperationInfo{ID: "getBill", Method: "GET", Path: "/bill/v1/bills/{billId}", PathParams: []string{"billId"}}
	require.NoError(t, c.Call(context.Background(), noConfig, []string{"b1"}, nil, nil))
	assert.Equal(t, []string{
		`PUT /partner/payin/v1/sites/site-1/things/t%201/parts/p%2F2 {"a":1} application/json`,
		"GET /partner/bill/v1/bills/b1  ",
	}, seen)
}

// What Call refuses, it refuses before anything is sent, with an error that says why.
func TestCallRefusals(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("nothing should be sent, got %s %s", r.Method, r.URL)
	}))
	defer srv.Close()
	c, _ := newTestCaller(t, srv)
	noSite, err := NewCaller("test-key-0123456789", WithBaseURL(srv.URL))
	require.NoError(t, err)
	row := func(cfg ConfigValue) *OperationInfo {
		return &OperationInfo{ID: "getThing", Method: "GET", Path: "/sites/{siteId}/things/{thingId}",
			PathParams: []string{"siteId", "thingId"}, ConfigParams: []ConfigParam{{Name: "siteId", Value: cfg}}}
	}
	for _, tc := range []struct {
		name    string
		caller  *Caller
		op      *OperationInfo
		args    []string
		is      error
		message string
	}{
		{"too few arguments", c, row(ConfigSiteID), nil, ErrArgument, "getThing takes 1 path parameters, not 0"},
		{"too many arguments", c, row(ConfigSiteID), []string{"a", "b"}, ErrArgument, "getThing takes 1 path parameters, not 2"},
		{"empty argument", c, row(ConfigSiteID), []string{""}, ErrArgument, "getThing: thingId is empty"},
		{"dot-dot argument", c, row(ConfigSiteID), []string{".."}, ErrArgument, `thingId ".." would change the path`},
		{"siteId not configured", noSite, row(ConfigSiteID), []string{"t"}, apierr.ErrConfig, "getThing needs a siteId: configure WithSiteID"},
		{"unknown configuration value", c, row("shopId"), []string{"t"}, apierr.ErrConfig, `configuration value "shopId"`},
		{"unclosed template", c, &OperationInfo{ID: "bad", Method: "GET", Path: "/things/{thingId", PathParams: []string{"thingId"}}, []string{"t"}, ErrArgument, "unclosed parameter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.caller.Call(context.Background(), tc.op, tc.args, nil, nil)
			require.ErrorIs(t, err, tc.is)
			assert.ErrorContains(t, err, tc.message)
		})
	}
}

// Clone shares no slice with the row it copies.
func TestOperationInfoClone(t *testing.T) {
	row := OperationInfo{ID: "a", PathParams: []string{"siteId"}, ConfigParams: []ConfigParam{{Name: "siteId", Value: ConfigSiteID}}, Notifications: []string{"PAYMENT"}}
	c := row.Clone()
	assert.Equal(t, row, c)
	c.PathParams[0], c.ConfigParams[0].Value, c.Notifications[0] = "x", "x", "x"
	assert.Equal(t, "siteId", row.PathParams[0])
	assert.Equal(t, ConfigSiteID, row.ConfigParams[0].Value)
	assert.Equal(t, "PAYMENT", row.Notifications[0])
	assert.True(t, ConfigSiteID.Known())
	assert.False(t, ConfigValue("shopId").Known())
}
