package transport

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// CallOption configures one call, after the client's options: every generated method takes
// them last, client.GetPayment(ctx, id, CallTimeout(5*time.Second)). A call given a bad
// option (a nil one, a negative timeout, a header the client sets itself) sends nothing and
// returns an error wrapping ErrArgument.
type CallOption func(*callOptions) error

// callOptions is what the CallOptions of one call ask for.
type callOptions struct {
	timeout time.Duration // 0: none of its own
	headers []callHeader
}

// callHeader is one header a call adds, its name in canonical form.
type callHeader struct{ name, value string }

// CallTimeout bounds the whole call, every attempt and the waits between them, as a context
// deadline would; the client's WithTimeout still bounds each attempt, and the call's context
// still bounds the call. Zero adds no bound; a negative duration is an error. A call that
// runs out of time returns an error wrapping context.DeadlineExceeded.
func CallTimeout(d time.Duration) CallOption {
	return func(o *callOptions) error {
		if d < 0 {
			return fmt.Errorf("%w: CallTimeout: negative timeout %v", ErrArgument, d)
		}
		o.timeout = d
		return nil
	}
}

// callerHeader reports the headers the Caller sets itself (key in canonical form): a call
// cannot replace them.
func callerHeader(key string) bool {
	switch key {
	case "Authorization", "X-Digital-Sign", "Accept", "User-Agent",
		"Content-Type", "Content-Length", "Host", "Transfer-Encoding":
		return true
	}
	return false
}

// CallHeader sends a header with every attempt of the call (an X-Request-Id, a trace
// header); a later CallHeader with the same name replaces it. The headers the client sets
// itself (Authorization, X-Digital-Sign, Accept, User-Agent, Content-Type, Content-Length,
// Host, Transfer-Encoding) are refused, as are names that are not HTTP tokens and values with
// control characters: the call returns an error naming the header, never its value.
func CallHeader(name, value string) CallOption {
	return func(o *callOptions) error {
		if !validHeaderName(name) {
			return fmt.Errorf("%w: CallHeader: %q is not a header name", ErrArgument, name)
		}
		key := http.CanonicalHeaderKey(name)
		if callerHeader(key) {
			return fmt.Errorf("%w: CallHeader: the client sets %s itself", ErrArgument, key)
		}
		if strings.ContainsFunc(value, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }) {
			return fmt.Errorf("%w: CallHeader: the value of %s holds a control character", ErrArgument, key)
		}
		for i, h := range o.headers {
			if h.name == key {
				o.headers[i].value = value
				return nil
			}
		}
		o.headers = append(o.headers, callHeader{key, value})
		return nil
	}
}

// validHeaderName reports whether name is an HTTP token (RFC 9110, section 5.6.2).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		b := name[i]
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0:
		default:
			return false
		}
	}
	return true
}

// applyCallOptions collects the options of one call; nil when there are none.
func applyCallOptions(opts []CallOption) (*callOptions, error) {
	if len(opts) == 0 {
		return nil, nil
	}
	o := &callOptions{}
	for i, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("%w: call option %d of %d is nil", ErrArgument, i+1, len(opts))
		}
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}
