package transport

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
)

// RetryPolicy says how idempotent calls are retried: on network errors, HTTP 429 and 5xx,
// with exponential backoff and full jitter, honouring Retry-After. Non-idempotent calls
// (POST) are never retried, nor is a write answered 5xx with an error body, which QIWI may
// have processed.
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 disables retries.
	MaxAttempts int
	// BaseDelay is the backoff before the second attempt; it doubles for each further one.
	BaseDelay time.Duration
	// MaxDelay caps one wait, Retry-After included.
	MaxDelay time.Duration
	// Jitter returns a random duration in [0, d); nil uses math/rand/v2.
	Jitter func(d time.Duration) time.Duration
}

// DefaultRetryPolicy returns the policy clients start with: 3 attempts, 200ms base delay,
// waits of at most 10s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 3, BaseDelay: 200 * time.Millisecond, MaxDelay: 10 * time.Second}
}

// validate refuses a policy that cannot work: no attempt at all, or negative delays.
func (p RetryPolicy) validate() error {
	if p.MaxAttempts < 1 {
		return fmt.Errorf("%w: retry policy needs MaxAttempts of at least 1, not %d", apierr.ErrConfig, p.MaxAttempts)
	}
	if p.BaseDelay < 0 || p.MaxDelay < 0 {
		return fmt.Errorf("%w: retry policy delays must not be negative", apierr.ErrConfig)
	}
	return nil
}

func (p RetryPolicy) retryable(status int, err error) bool {
	if err != nil {
		// A network error is retried (the request may not have arrived); a configuration
		// error would fail again.
		return !errors.Is(err, apierr.ErrConfig) && !errors.Is(err, ErrAnswerTooLarge)
	}
	return status == http.StatusTooManyRequests || status >= 500
}

// delay is the wait after the given failed attempt (1-based).
func (p RetryPolicy) delay(attempt int, header http.Header) time.Duration {
	if ra, ok := retryAfter(header); ok {
		if p.MaxDelay > 0 && ra > p.MaxDelay {
			return p.MaxDelay
		}
		return ra
	}
	backoff := p.BaseDelay << (attempt - 1)
	if p.MaxDelay > 0 && (backoff > p.MaxDelay || backoff <= 0) {
		backoff = p.MaxDelay
	}
	if backoff <= 0 {
		return 0
	}
	jitter := p.Jitter
	if jitter == nil {
		jitter = func(d time.Duration) time.Duration { return rand.N(d) }
	}
	// Full jitter: half fixed, half random, so waits still grow.
	return backoff/2 + jitter(backoff/2+1)
}

// maxRetryAfter bounds what Retry-After can ask for before MaxDelay applies: a day, far
// below the point where seconds overflow a time.Duration.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads Retry-After as seconds or an HTTP date, at most maxRetryAfter.
func retryAfter(h http.Header) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		// A number of seconds; one beyond uint64 is as long as the longest.
		if err != nil || secs > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := time.Until(t)
		return min(max(d, 0), maxRetryAfter), true
	}
	return 0, false
}
