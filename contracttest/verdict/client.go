package verdict

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
	"github.com/qiwigen/qiwigen/generator/runtime/transport"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
)

// replaySigner signs replayed payouts. The recorded signature cannot be reproduced (it was
// made with the merchant's key), so the check is that the client signs what it sends, through
// the crypto.Signer it is given, as with an HSM-backed key: the signer's public key is RSA of
// transport.MinPayoutKeyBits bits, and Sign, asked for a SHA-256 digest, returns that digest
// at the start of a signature of the key's size, the rest zero. No RSA operation is done: a
// replay pays for no key generation at start and no private-key operation per payout.
type replaySigner struct{}

// Public implements crypto.Signer. The modulus is 2^(MinPayoutKeyBits-1) + 1, a number of
// MinPayoutKeyBits bits that no one holds a private key for.
func (replaySigner) Public() crypto.PublicKey {
	return &rsa.PublicKey{N: new(big.Int).SetBit(big.NewInt(1), transport.MinPayoutKeyBits-1, 1), E: 65537}
}

// Sign implements crypto.Signer: digest, which must be SHA-256's, padded to the key's size.
func (replaySigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts.HashFunc() != crypto.SHA256 || len(digest) != sha256.Size {
		return nil, fmt.Errorf("replay signer: asked to sign a %d-byte %v digest, not SHA-256", len(digest), opts.HashFunc())
	}
	sig := make([]byte, transport.MinPayoutKeyBits/8)
	copy(sig, digest)
	return sig, nil
}

// clientVerdict replays the interaction through the generated client.
func (j *Judge) clientVerdict(ctx context.Context, in fixture.Interaction, b bodies, m *match, undoc undocumentedMembers) []Finding {
	opID := m.route.Operation.OperationID
	fail := func(ptr, format string, args ...any) Finding {
		return Finding{Severity: Fail, Verdict: "client", Pointer: ptr, Message: fmt.Sprintf(format, args...)}
	}
	var mu sync.Mutex
	var findings []Finding
	note := func(f Finding) {
		mu.Lock()
		findings = append(findings, f)
		mu.Unlock()
	}
	served := 0
	answer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served++
		first := served == 1
		mu.Unlock()
		if first {
			for _, f := range compareRequest(in, b.request, r, undoc) {
				note(f)
			}
		}
		for k, vs := range in.Response.Header {
			if strings.EqualFold(k, "Content-Length") {
				continue
			}
			w.Header()[k] = vs
		}
		w.WriteHeader(in.Response.Status)
		if _, err := io.WriteString(w, in.Response.Body); err != nil {
			return // the client hung up: it is judged by what it returned
		}
	})

	// The recorded answer is served in memory: no listener, no socket, so a replay of any
	// size costs the same per interaction.
	siteID, err := url.PathUnescape(m.params["siteId"])
	if err != nil {
		return []Finding{fail("", "siteId %q is not a valid escaped segment: %v", m.params["siteId"], err)}
	}
	opts := []transport.Option{transport.WithBaseURL(replayHost),
		transport.WithRetry(transport.RetryPolicy{MaxAttempts: 1}),
		transport.WithHTTPClient(&http.Client{Transport: inMemory{answer}})}
	if siteID != "" { // the Bill Payments API's paths carry none
		opts = append(opts, transport.WithSiteID(siteID))
	}
	if !strings.HasPrefix(in.Request.URL, "/partner/") {
		opts = append(opts, transport.WithPathPrefix(""))
	}
	if m.route.Operation.Security != nil {
		opts = append(opts, transport.WithPayoutSigner(replaySigner{}))
	}
	client, err := j.client.New("replay-key", opts...)
	if err != nil {
		return []Finding{fail("", "building the client: %v", err)}
	}
	inv, ok := client.(transport.Invoker)
	if !ok {
		return []Finding{fail("", "the generated client has no Invoke method: regenerate it with this qiwigen")}
	}
	// Path parameters in path order (siteId comes from the configuration), decoded: the
	// router hands over the segments as recorded, escaped, and the client escapes what it is
	// given.
	var params []string
	for _, seg := range strings.Split(m.route.Path, "/") {
		if !strings.HasPrefix(seg, "{") || seg == "{siteId}" {
			continue
		}
		raw := m.params[strings.Trim(seg, "{}")]
		id, err := url.PathUnescape(raw)
		if err != nil {
			return []Finding{fail("", "path parameter %q is not a valid escaped segment: %v", raw, err)}
		}
		params = append(params, id)
	}
	var body []byte
	if strings.TrimSpace(in.Request.Body) != "" {
		body = []byte(in.Request.Body)
	}
	result, callErr := inv.Invoke(ctx, opID, params, body)
	switch {
	case errors.Is(callErr, transport.ErrUnknownOperation):
		return []Finding{fail("", "the generated client has no method for %s", opID)}
	case errors.Is(callErr, transport.ErrArgument):
		// Refused before anything was sent: the arguments do not fit the typed method.
		return []Finding{fail("", "the recorded request does not fit the client: %v%s", callErr, bodyNote(b.request))}
	}

	status := in.Response.Status
	if status >= 200 && status < 300 {
		if callErr != nil && !errors.Is(callErr, apierr.ErrDeclined) {
			note(fail("", "the client failed on a %d answer: %v%s", status, callErr, bodyNote(b.response)))
			return findings
		}
		if result != nil && strings.TrimSpace(in.Response.Body) != "" {
			for _, f := range reencode(result, b.response, undoc.response) {
				note(f)
			}
		}
		return findings
	}
	var apiErr *apierr.APIError
	if !errors.As(callErr, &apiErr) {
		note(fail("", "a %d answer should surface as *apierr.APIError, got %v", status, callErr))
		return findings
	}
	if apiErr.StatusCode != status {
		note(fail("", "APIError.StatusCode is %d, the answer was %d", apiErr.StatusCode, status))
	}
	// An answer that is no error object (a 401 without a body, a gateway's page) is judged by
	// its status alone: the error carries no member to re-encode.
	if !undoc.notErrorShaped && strings.TrimSpace(in.Response.Body) != "" && b.response.whole {
		for _, f := range reencode(apiErr, b.response, undoc.response) {
			note(f)
		}
	}
	return findings
}

// reencode marshals what the client decoded and compares it with the recorded body: every
// member the model drops or changes is a finding, a dropped undocumented one a warning.
func reencode(v any, body *recorded, undoc map[string]bool) []Finding {
	if body.err != nil {
		return nil // the spec verdict reports a body that is no JSON
	}
	want := body.value
	data, err := json.Marshal(v)
	if err != nil {
		return []Finding{{Severity: Fail, Verdict: "client", Message: "the decoded model does not encode: " + err.Error()}}
	}
	got, err := decodeJSON(string(data))
	if err != nil {
		return []Finding{{Severity: Fail, Verdict: "client", Message: "the decoded model encodes to invalid JSON"}}
	}
	var out []Finding
	for _, d := range diffJSON(want, got, exact) {
		f := Finding{Severity: Fail, Verdict: "client", Pointer: d.Pointer, Message: "model round trip: " + d.String()}
		if d.Kind == "dropped" && undoc[d.Pointer] {
			f.Severity, f.Undocumented = Warn, true
			f.Message = "model drops an undocumented field"
		}
		out = append(out, f)
	}
	return out
}

// inMemory is a RoundTripper that serves each request with a handler in the same process,
// as a server would see it: the path parsed again from the request line.
type inMemory struct{ h http.Handler }

// RoundTrip implements http.RoundTripper.
func (t inMemory) RoundTrip(req *http.Request) (*http.Response, error) {
	u, err := url.ParseRequestURI(req.URL.RequestURI())
	if err != nil {
		return nil, err
	}
	server := req.Clone(req.Context())
	server.URL, server.RequestURI, server.Host = u, req.URL.RequestURI(), req.URL.Host
	if server.Body == nil {
		server.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, server)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// compareRequest checks the request the client sent against the recording. A recorded
// member the spec does not document (undoc) that the client's model drops is a warning, as
// the spec verdict reports it: the same policy for both.
//
// A recorded body that is blank or the JSON null matches a request without a body: the
// official SDKs send all three on GET and reject (see bodilessRequest). A recorded null for an
// optional member (see nullOptionalMembers) that the client sends otherwise is a warning.
func compareRequest(in fixture.Interaction, recordedBody *recorded, r *http.Request, notes undocumentedMembers) []Finding {
	var out []Finding
	fail := func(ptr, format string, args ...any) {
		out = append(out, Finding{Severity: Fail, Verdict: "client", Pointer: ptr, Message: "request: " + fmt.Sprintf(format, args...)})
	}
	if r.Method != in.Request.Method {
		fail("", "method %s, recorded %s", r.Method, in.Request.Method)
	}
	recorded, err := url.Parse(in.Request.URL)
	if err == nil {
		if r.URL.EscapedPath() != recorded.EscapedPath() {
			fail("", "path %s, recorded %s", r.URL.EscapedPath(), recorded.EscapedPath())
		}
		if !maps.EqualFunc(normQuery(r.URL.Query()), normQuery(recorded.Query()), slices.Equal) {
			fail("", "query %q, recorded %q", r.URL.RawQuery, recorded.RawQuery)
		}
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		fail("", "no Authorization: Bearer header")
	}
	body, _ := io.ReadAll(r.Body)
	if len(bytes.TrimSpace(body)) > 0 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		fail("", "Content-Type %q for a JSON body", r.Header.Get("Content-Type"))
	}
	if in.Request.Header.Get("X-Digital-Sign") != "" && r.Header.Get("X-Digital-Sign") == "" {
		fail("", "no X-Digital-Sign header on a signed request")
	}
	recordedText := strings.TrimSpace(in.Request.Body)
	sent := len(bytes.TrimSpace(body)) > 0
	if recordedText == "" || (recordedText == "null" && !sent) {
		return out
	}
	if recordedBody.err != nil {
		return out // the spec verdict names the recorded bytes it cannot read
	}
	want := recordedBody.value
	if !sent {
		fail("", "the client sent no body, the recording has %s", recordedBody.quoted())
		return out
	}
	got, err := decodeJSON(string(body))
	if err != nil {
		fail("", "the client's %s", unreadable(string(body)))
		return out
	}
	for _, d := range diffJSON(want, got, semantic) {
		if notes.nulls[d.Pointer] && d.Want == "null" {
			out = append(out, Finding{Severity: Warn, Verdict: "client", Pointer: d.Pointer,
				Message: "request: the client writes the optional member recorded as null as " + d.Got})
			continue
		}
		if d.Kind == "dropped" && notes.request[d.Pointer] {
			out = append(out, Finding{Severity: Warn, Verdict: "client", Pointer: d.Pointer, Undocumented: true,
				Message: "request: the model drops an undocumented field"})
			continue
		}
		fail(d.Pointer, "body %s", d.String())
	}
	return out
}

// bodyNote quotes a body that is no JSON, for the messages of calls that could not decode
// it; "" for a JSON body.
func bodyNote(body *recorded) string {
	if strings.TrimSpace(body.text) == "" {
		return ""
	}
	if why := body.unreadable(); why != "" {
		return " (" + why + ")"
	}
	return ""
}

func normQuery(q url.Values) url.Values {
	if len(q) == 0 {
		return nil
	}
	return q
}
