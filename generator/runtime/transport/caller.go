package transport

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
	"github.com/qiwigen/qiwigen/generator/runtime/modeldiff"
	"github.com/qiwigen/qiwigen/generator/runtime/redact"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// Default endpoints. The payin protocol answers on both hosts; the Bill Payments API on
// api.qiwi.com. Hosts that serve the API without the /partner prefix (such as the pay2me
// host) take WithPathPrefix("").
const (
	DefaultBaseURL    = "https://api.qiwi.com"
	B2BBaseURL        = "https://b2b-api.qiwi.com"
	DefaultPathPrefix = "/partner"
)

// maxResponseBytes bounds how much of an answer is read.
const maxResponseBytes = 16 << 20

// ErrArgument is wrapped by the error of a call made with an identifier that would change
// the path ("" makes "/bills//details", "." and ".." are resolved away) or with a request
// value QIWI cannot accept (an amount that is not positive, a timestamp never set): nothing
// is sent.
var ErrArgument = errors.New("qiwi: invalid argument")

// ErrRedirect is wrapped by the error of a call answered with a redirect: the client never
// follows one, since the next host would receive the API key (and a payout's signed body
// with its card number).
var ErrRedirect = errors.New("qiwi: redirect refused")

// ErrAnswerTooLarge is wrapped by the error of a call whose answer exceeds the size the
// client reads (16 MiB): no QIWI answer is near it, and a cut one would decode as garbage.
var ErrAnswerTooLarge = errors.New("qiwi: answer too large")

// errNoSigner is the error of a payout call on a Caller without WithPayoutSigner.
var errNoSigner = fmt.Errorf("%w: payout requests need WithPayoutSigner", apierr.ErrConfig)

// Doer sends HTTP requests; *http.Client is one.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// checkPathValue refuses, before anything is sent, a path parameter's value that would
// change the path: an empty one, or "." and ".." (URL resolution removes them).
func checkPathValue(opID, name, value string) error {
	switch value {
	case "":
		return fmt.Errorf("%w: %s: %s is empty", ErrArgument, opID, name)
	case ".", "..":
		return fmt.Errorf("%w: %s: %s %q would change the path", ErrArgument, opID, name, value)
	}
	return nil
}

// Caller performs API calls for a generated client: it adds authentication, the user agent
// and payout signatures, retries idempotent calls, and decodes answers and errors. It holds
// only its own configuration and is safe for concurrent use.
type Caller struct {
	// cred returns the API key and the payout signer. They live in a closure, out of reach of
	// reflection: fmt printing a struct that holds a Caller in an unexported field walks the
	// Caller's fields without calling its Format (a bad verb such as %s prints a pointer's
	// target field by field), and a func prints as an address.
	cred func() *credentials
	// headers are the values every request carries, built once: Accept and, when set,
	// User-Agent (Authorization is in cred). Each slice is full (len == cap), so a
	// RoundTripper appending to one copies it.
	acceptValue, agentValue []string
	baseURL                 string
	pathPrefix              string
	server                  string // baseURL + pathPrefix + "/", built once
	siteID                  string
	doer                    Doer
	// stopsRedirects: the doer is an *http.Client whose CheckRedirect the Caller set to
	// refuse redirects. Any other Doer may follow one, so its requests carry no GetBody.
	stopsRedirects bool
	timeout        time.Duration
	timeoutSet     bool // WithTimeout was given
	userAgent      string
	logger         *slog.Logger
	retry          RetryPolicy
	drift          modeldiff.DriftReporter
	sleep          func(context.Context, time.Duration) error
	middlewares    []Middleware
	// send is the middleware chain around the last step (sendStep), built once; nil
	// without middlewares, when an attempt goes straight to the doer.
	send http.RoundTripper
}

// credentials are the Caller's secrets.
type credentials struct {
	apiKey    string
	authValue []string      // {"Bearer " + apiKey}, built once, full (len == cap)
	signer    crypto.Signer // nil without WithPayoutSigner
}

// Option configures a Caller at construction.
type Option func(*Caller) error

// WithBaseURL sets scheme and host, e.g. B2BBaseURL or a test server's URL. A URL that is
// not http:// or https://, names no host, or carries a query or a fragment (which the API
// paths would be appended to) is an error.
func WithBaseURL(u string) Option {
	return func(c *Caller) error {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return fmt.Errorf("%w: base URL %q must start with http:// or https://", apierr.ErrConfig, u)
		}
		parsed, err := url.Parse(u)
		switch {
		case err != nil:
			return fmt.Errorf("%w: base URL %q: %w", apierr.ErrConfig, u, err)
		case parsed.Host == "":
			return fmt.Errorf("%w: base URL %q names no host", apierr.ErrConfig, u)
		case parsed.RawQuery != "" || parsed.ForceQuery || parsed.Fragment != "":
			return fmt.Errorf("%w: base URL %q carries a query or a fragment", apierr.ErrConfig, u)
		}
		c.baseURL = strings.TrimRight(u, "/")
		return nil
	}
}

// WithPathPrefix sets the prefix before the API paths; "/partner" by default, "" for hosts
// that serve the API at the root. A prefix must start with "/" (a trailing "/" is dropped:
// "/partner/" is "/partner"); one without it, or holding "?", "#", a space, a control
// character or a "." or ".." segment (URL resolution would move it), is an error.
func WithPathPrefix(p string) Option {
	return func(c *Caller) error {
		if p == "" {
			c.pathPrefix = ""
			return nil
		}
		if !strings.HasPrefix(p, "/") {
			return fmt.Errorf("%w: path prefix %q must start with /", apierr.ErrConfig, p)
		}
		if strings.ContainsFunc(p, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '?' || r == '#' }) {
			return fmt.Errorf("%w: path prefix %q holds a space, a control character, ? or #", apierr.ErrConfig, p)
		}
		trimmed := strings.TrimRight(p, "/")
		for seg := range strings.SplitSeq(trimmed, "/") {
			if seg == "." || seg == ".." {
				return fmt.Errorf("%w: path prefix %q holds a %q segment", apierr.ErrConfig, p, seg)
			}
		}
		c.pathPrefix = trimmed
		return nil
	}
}

// WithSiteID sets the merchant's siteId used by every payin call. An empty siteId, "." or
// ".." (which would change the path) is an error; a client for the Bill Payments API alone
// takes no WithSiteID.
func WithSiteID(id string) Option {
	return func(c *Caller) error {
		switch id {
		case "":
			return fmt.Errorf("%w: empty siteId", apierr.ErrConfig)
		case ".", "..":
			return fmt.Errorf("%w: siteId %q would change the path", apierr.ErrConfig, id)
		}
		c.siteID = id
		return nil
	}
}

// WithHTTPClient sends requests through doer instead of a default *http.Client. The doer
// keeps its own timeouts (an *http.Client's Timeout): the Caller adds a bound of its own to
// each attempt only when WithTimeout asks for one, as net/http leaves a client's policy to
// whoever made it.
func WithHTTPClient(doer Doer) Option {
	return func(c *Caller) error {
		if doer == nil {
			return fmt.Errorf("%w: nil HTTP client", apierr.ErrConfig)
		}
		c.doer = doer
		return nil
	}
}

// DefaultTimeout bounds each attempt of a Caller that makes its own *http.Client.
const DefaultTimeout = 30 * time.Second

// WithTimeout bounds each attempt of a call; the context bounds the whole call. Without it,
// an attempt is bounded by DefaultTimeout when the Caller makes its own *http.Client, and by
// the given client's own timeouts under WithHTTPClient. Zero means no bound of the Caller's
// own; a negative duration is an error.
//
// The bound is a context deadline on each request, which costs net/http a cancellable
// context per call (about 4% of a loopback round trip): a client whose Timeout already
// bounds its calls needs none.
func WithTimeout(d time.Duration) Option {
	return func(c *Caller) error {
		if d < 0 {
			return fmt.Errorf("%w: negative timeout %v", apierr.ErrConfig, d)
		}
		c.timeout, c.timeoutSet = d, true
		return nil
	}
}

// WithUserAgent sets the User-Agent header; a value with a control character is an error.
func WithUserAgent(ua string) Option {
	return func(c *Caller) error {
		if strings.ContainsFunc(ua, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return fmt.Errorf("%w: user agent %q holds a control character", apierr.ErrConfig, ua)
		}
		c.userAgent = ua
		return nil
	}
}

// WithLogger logs each attempt at debug level and retries at info level. Logs name the
// operation, method, path, status and duration, never headers or bodies. A nil logger is an
// error (without WithLogger the client logs nothing).
func WithLogger(l *slog.Logger) Option {
	return func(c *Caller) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", apierr.ErrConfig)
		}
		c.logger = l
		return nil
	}
}

// WithRetry replaces the retry policy; a policy without attempts or with negative delays
// is an error.
func WithRetry(p RetryPolicy) Option {
	return func(c *Caller) error {
		if err := p.validate(); err != nil {
			return err
		}
		c.retry = p
		return nil
	}
}

// MinPayoutKeyBits is the smallest RSA key the payout docs accept.
const MinPayoutKeyBits = 2048

// WithPayoutSigner signs payout request bodies with SHA256withRSA. signer is typically an
// *rsa.PrivateKey; an HSM-backed crypto.Signer works as well. Its public key must be RSA of
// at least MinPayoutKeyBits bits (payments-ru/_api-methods_ru#payout).
func WithPayoutSigner(signer crypto.Signer) Option {
	return func(c *Caller) error {
		if signer == nil {
			return fmt.Errorf("%w: nil payout signer", apierr.ErrConfig)
		}
		pub, ok := signer.Public().(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: payout signer holds a %T, not an RSA key", apierr.ErrConfig, signer.Public())
		}
		if bits := pub.N.BitLen(); bits < MinPayoutKeyBits {
			return fmt.Errorf("%w: payout RSA key has %d bits, at least %d are required", apierr.ErrConfig, bits, MinPayoutKeyBits)
		}
		c.cred().signer = signer
		return nil
	}
}

// NewCaller returns a Caller that authenticates with the API key. An empty key, a nil option
// or an option given a bad value is an error wrapping apierr.ErrConfig.
func NewCaller(apiKey string, opts ...Option) (*Caller, error) {
	cred := &credentials{apiKey: apiKey}
	c := &Caller{
		cred:       func() *credentials { return cred },
		baseURL:    DefaultBaseURL,
		pathPrefix: DefaultPathPrefix,
		userAgent:  "qiwigen-go",
		retry:      DefaultRetryPolicy(),
		sleep:      sleepContext,
	}
	for i, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("%w: option %d of %d is nil", apierr.ErrConfig, i+1, len(opts))
		}
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	if cred.apiKey == "" {
		return nil, fmt.Errorf("%w: empty API key", apierr.ErrConfig)
	}
	cred.authValue, c.acceptValue = []string{"Bearer " + cred.apiKey}, []string{"application/json"}
	if c.userAgent != "" {
		c.agentValue = []string{c.userAgent}
	}
	switch hc := c.doer.(type) {
	case nil:
		c.doer, c.stopsRedirects = &http.Client{CheckRedirect: refuseRedirect}, true
		if !c.timeoutSet {
			c.timeout = DefaultTimeout
		}
	case *http.Client:
		// A copy, so the caller's client keeps its own policy for its other uses.
		own := *hc
		own.CheckRedirect = refuseRedirect
		c.doer, c.stopsRedirects = &own, true
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	c.server = c.baseURL + c.pathPrefix + "/"
	if len(c.middlewares) > 0 {
		send, err := c.chain()
		if err != nil {
			return nil, err
		}
		c.send = send
	}
	return c, nil
}

// Server is the base URL with the path prefix and a trailing slash, the "server" the
// generated request builders resolve operation paths against.
func (c *Caller) Server() string { return c.server }

// newRequest builds one attempt of a call: its context, the method, the URL Call composed
// (each path parameter escaped once), and the encoded JSON body, nil for none.
func newRequest(ctx context.Context, method, url string, body []byte) (*http.Request, error) {
	if body == nil {
		return http.NewRequestWithContext(ctx, method, url, nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// refuseRedirect stops an *http.Client at a redirect: the 3xx answer comes back to the
// Caller, which reports it as ErrRedirect.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// String describes the Caller without its secrets: the server, the siteId and the API key
// redacted; never the payout signer.
func (c Caller) String() string {
	key := ""
	if c.cred != nil {
		key = redact.Redact(c.cred().apiKey)
	}
	return fmt.Sprintf("qiwi.Caller{server: %s, siteID: %s, apiKey: %s}", c.server, c.siteID, key)
}

// GoString is String, so that %#v does not print the API key either.
func (c Caller) GoString() string { return c.String() }

// Format is String for every fmt verb (%v, %+v, %#v, %s, %q, %x, %d, ...): without it,
// fmt prints a Caller held in an unexported field (as the generated Client holds it) field
// by field, API key and signer included.
func (c Caller) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }

// LogValue is String, so that slog does not log the API key.
func (c Caller) LogValue() slog.Value { return slog.StringValue(c.String()) }

// request is a call's method, full URL and encoded body (nil for none); each attempt
// makes its own *http.Request of it.
type request struct {
	method string
	url    string
	body   []byte
}

func (r request) make(ctx context.Context) (*http.Request, error) {
	return newRequest(ctx, r.method, r.url, r.body)
}

// do performs a call whose path parameters were checked. A non-2xx answer returns an
// *APIError. A 2xx answer whose status value is DECLINED or DECLINE decodes into out and
// also returns an *APIError that matches ErrDeclined.
func (c *Caller) do(ctx context.Context, op *OperationInfo, r request, out any, opts []CallOption) error {
	call, err := applyCallOptions(opts)
	if err != nil {
		return fmt.Errorf("qiwi: %s: %w", op.ID, err)
	}
	if op.Signed && c.cred().signer == nil {
		return fmt.Errorf("qiwi: %s: %w", op.ID, errNoSigner)
	}
	if call != nil && call.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, call.timeout)
		defer cancel()
	}
	for attempt := 1; ; attempt++ {
		actx, cancel := c.attemptContext(ctx)
		var st *attemptState
		if c.send != nil {
			st = &attemptState{info: CallInfo{Operation: op.ID, Attempt: attempt}, sign: op.Signed}
			actx = context.WithValue(actx, attemptKey{}, st)
		}
		req, err := r.make(actx)
		if err != nil {
			cancel()
			return fmt.Errorf("qiwi: %s: build request: %w", op.ID, err)
		}
		status, header, body, err := c.attempt(actx, op, req, call, st)
		cancel()
		if err == nil && status >= 300 && status < 400 {
			return fmt.Errorf("qiwi: %s: %w: HTTP %d to %s", op.ID, ErrRedirect, status, locationHost(req.URL, header.Get("Location")))
		}
		if err == nil && status >= 200 && status < 300 {
			err := decodeSuccess(op, body, out)
			if c.drift != nil && out != nil && len(body) > 0 {
				if unknown := modeldiff.UnknownMembers(body, out); len(unknown) > 0 {
					c.drift(ctx, op.ID, unknown)
				}
			}
			return err
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("qiwi: %s: %w", op.ID, ctxErr)
		}
		if !op.Idempotent || !c.retry.retryable(status, err) || attempt >= c.retry.MaxAttempts ||
			processedServerError(req.Method, status, body) {
			if err != nil {
				return fmt.Errorf("qiwi: %s: %w", op.ID, err)
			}
			return apierr.DecodeAPIError(status, body)
		}
		wait := c.retry.delay(attempt, header)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			if err != nil {
				return fmt.Errorf("qiwi: %s: %w (no time left to retry)", op.ID, err)
			}
			return apierr.DecodeAPIError(status, body)
		}
		c.logger.LogAttrs(ctx, slog.LevelInfo, "qiwi retry", slog.String("operation", op.ID),
			slog.Int("attempt", attempt), slog.Int("status", status), slog.Duration("wait", wait))
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("qiwi: %s: %w", op.ID, err)
		}
	}
}

// attemptContext is the context of one attempt: ctx bounded by the attempt timeout, or ctx
// itself when there is none.
func (c *Caller) attemptContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout > 0 {
		return context.WithTimeout(ctx, c.timeout)
	}
	return ctx, noCancel
}

func noCancel() {}

// authorize sets the headers every request carries: the key, Accept and the user agent.
func (c *Caller) authorize(req *http.Request) {
	req.Header["Authorization"] = c.cred().authValue
	req.Header["Accept"] = c.acceptValue
	if c.agentValue != nil {
		req.Header["User-Agent"] = c.agentValue
	}
}

// attempt sends one request, built with the attempt's context, with the call's headers, and
// reads its answer. With middlewares (st not nil), the request goes through them without its
// body, which st keeps for the last step; without, it goes straight to the doer.
func (c *Caller) attempt(ctx context.Context, op *OperationInfo, req *http.Request, call *callOptions, st *attemptState) (int, http.Header, []byte, error) {
	if call != nil {
		for _, h := range call.headers {
			req.Header[h.name] = []string{h.value}
		}
	}
	if st == nil {
		c.authorize(req)
		if op.Signed {
			if err := c.signRequest(req); err != nil {
				return 0, nil, nil, err
			}
		}
	} else {
		st.method, st.url = req.Method, *req.URL
		if req.Body != nil {
			st.body, st.getBody = req.Body, req.GetBody
			req.Body, req.GetBody = http.NoBody, nil
		}
	}
	debug := c.logger.Enabled(ctx, slog.LevelDebug)
	start := time.Now()
	var resp *http.Response
	var err error
	if st == nil {
		resp, err = c.sendGuarded(req)
	} else if resp, err = c.send.RoundTrip(req); err == nil && resp == nil {
		err = fmt.Errorf("%w: %w", apierr.ErrConfig, errNoAnswer)
	} else if err == nil && resp.Body == nil {
		resp.Body = http.NoBody
	}
	if err != nil {
		if debug {
			c.logger.LogAttrs(ctx, slog.LevelDebug, "qiwi call failed", slog.String("operation", op.ID),
				slog.String("method", req.Method), slog.String("path", req.URL.Path), slog.String("error", err.Error()))
		}
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := readBody(resp)
	if debug {
		c.logger.LogAttrs(ctx, slog.LevelDebug, "qiwi call", slog.String("operation", op.ID),
			slog.String("method", req.Method), slog.String("path", req.URL.Path),
			slog.Int("status", resp.StatusCode), slog.Duration("duration", time.Since(start)))
	}
	if err != nil {
		return 0, nil, nil, fmt.Errorf("read answer: %w", err)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// sendGuarded sends a request carrying the key through the doer and makes sure its answer
// is the sent URL's own. A Doer other than the Caller's *http.Client may follow redirects:
// it gets no GetBody, so net/http cannot send the body (a payout's card number) and its
// signature again to the redirect's target (it answers the 307 or 308 instead, which the
// Caller refuses), and an answer that comes from another URL than the one sent (the final
// request of redirects the Doer followed) is refused with ErrRedirect, never decoded.
func (c *Caller) sendGuarded(req *http.Request) (*http.Response, error) {
	if !c.stopsRedirects {
		req.GetBody = nil
	}
	resp, err := c.doer.Do(req)
	if err != nil || resp == nil || resp.Request == nil || resp.Request.URL == nil || req.URL == nil {
		return resp, err
	}
	if got := resp.Request.URL; resp.Request != req && *got != *req.URL {
		if resp.Body != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
			resp.Body.Close()
		}
		return nil, fmt.Errorf("%w: HTTP %d from %s: the HTTP client followed a redirect", ErrRedirect, resp.StatusCode, hostOf(got))
	}
	return resp, nil
}

// locationHost names where a redirect leads: the host of Location resolved against the
// request's URL, never its path or query (which may carry a token).
func locationHost(base *url.URL, location string) string {
	if location == "" {
		return "no Location"
	}
	u, err := url.Parse(location)
	if err != nil {
		return "an unreadable Location"
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	return hostOf(u)
}

// hostOf is a URL's scheme and host, quoted: "https://evil.example:8443".
func hostOf(u *url.URL) string {
	return strconv.Quote(u.Scheme + "://" + u.Host)
}

// processedServerError reports a 5xx answer to a write that carries an error body: the payin
// docs say the request may have been processed then, and to ask for the status instead of
// repeating it (payments/_statuses_en#http-errors). An empty 5xx body, or any 5xx to a read,
// is safe to repeat.
func processedServerError(method string, status int, body []byte) bool {
	return status >= 500 && method != http.MethodGet && len(bytes.TrimSpace(body)) > 0
}

// readBody reads the answer, in one allocation when the length is announced, to its end
// (so that net/http can reuse the connection); one longer than maxResponseBytes is
// ErrAnswerTooLarge.
func readBody(resp *http.Response) ([]byte, error) {
	if resp.ContentLength > maxResponseBytes {
		return nil, fmt.Errorf("%w: %d bytes announced", ErrAnswerTooLarge, resp.ContentLength)
	}
	if n := resp.ContentLength; n > 0 {
		body := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, body); err != nil {
			return nil, err
		}
		// The end: net/http reports it on the next read. A Doer whose body holds more than
		// it announced is read on, within the bound.
		var more [1]byte
		switch m, err := resp.Body.Read(more[:]); {
		case m == 0 && err == io.EOF:
			return body, nil
		case m == 0 && err != nil:
			return nil, err
		default:
			return readRest(resp.Body, append(body, more[:m]...))
		}
	}
	return readRest(resp.Body, nil)
}

// readRest reads the rest of an answer after what was read, within maxResponseBytes.
func readRest(r io.Reader, read []byte) ([]byte, error) {
	rest, err := io.ReadAll(io.LimitReader(r, maxResponseBytes+1-int64(len(read))))
	body := append(read, rest...)
	if err == nil && len(body) > maxResponseBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrAnswerTooLarge, maxResponseBytes)
	}
	return body, err
}

// signRequest signs the body with SHA256withRSA into X-Digital-Sign.
func (c *Caller) signRequest(req *http.Request) error {
	signer := c.cred().signer
	if signer == nil {
		return errNoSigner
	}
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return err
		}
		req.Body.Close()
	}
	sig, err := SignPayoutBody(signer, body)
	if err != nil {
		return err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.ContentLength = int64(len(body))
	req.Header.Set("X-Digital-Sign", sig)
	return nil
}

// SignPayoutBody returns the base64 SHA256withRSA (PKCS #1 v1.5) signature of body, the
// value of X-Digital-Sign.
func SignPayoutBody(signer crypto.Signer, body []byte) (string, error) {
	digest := sha256.Sum256(body)
	sig, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("qiwi: sign payout: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// statusReporter is implemented by generated models that carry an operation status.
type statusReporter interface {
	QIWIStatus() (value, reason, message string)
}

func decodeSuccess(op *OperationInfo, body []byte, out any) error {
	if out == nil || len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := decodeAnswer(body, out); err != nil {
		return fmt.Errorf("qiwi: %s: decode answer: %w", op.ID, wiretype.LocateError(body, err))
	}
	if sr, ok := out.(statusReporter); ok {
		value, reason, message := sr.QIWIStatus()
		if value == "DECLINED" || value == "DECLINE" {
			return &apierr.APIError{StatusCode: http.StatusOK, Declined: true, DeclineStatus: value,
				DeclineReason: reason, Description: message}
		}
	}
	return nil
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
