package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/time/rate"

	"github.com/qiwigen/qiwigen/contracttest/store"
	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// State is QIWI's view of one operation, as the API tells it.
type State struct {
	// Found is false when the API does not know the operation.
	Found bool `json:"found"`
	// Status is the operation's status value: COMPLETED, DECLINED, ...
	Status string `json:"status,omitempty"`
	// Amount is the amount's wire text; Currency its ISO 4217 code.
	Amount   string `json:"amount,omitempty"`
	Currency string `json:"currency,omitempty"`
}

// API fetches QIWI's state of the operations a report lists. The command implements it with
// the generated client.
type API interface {
	// Payment returns the state of a payment.
	Payment(ctx context.Context, siteID, paymentID string) (State, error)
	// Refund returns the state of a refund of a payment.
	Refund(ctx context.Context, siteID, paymentID, refundID string) (State, error)
}

// final reports whether a status no longer changes (a cache keeps only those): settled, or
// QIWI's statuses of a declined, rejected or expired operation.
func final(status string) bool {
	switch qiwi.StatusValue(status) {
	case qiwi.StatusValueDeclined, qiwi.StatusValueDecline, qiwi.StatusValueRejected, qiwi.StatusValueExpired:
		return true
	}
	return settled(status)
}

// CachedAPI is an API behind a rate limit and, optionally, a cache in a bbolt file
// (contracttest/store, which checks the file and every value): a state that no longer
// changes is fetched once, so a rerun does not fetch it again. bbolt commits each write
// durably before it returns.
type CachedAPI struct {
	api     API
	limiter *rate.Limiter
	db      *store.DB // nil: no cache
	// Fetched counts the calls that reached the API.
	Fetched int
}

var cacheBucket = []byte("states")

// NewCachedAPI wraps api with at most perSecond calls a second and, when cachePath is not "",
// the cache in that file (created if absent).
func NewCachedAPI(api API, perSecond float64, cachePath string) (*CachedAPI, error) {
	if perSecond <= 0 {
		return nil, fmt.Errorf("reconcile: the API rate must be positive, not %v", perSecond)
	}
	c := &CachedAPI{api: api, limiter: rate.NewLimiter(rate.Limit(perSecond), 1)}
	if cachePath != "" {
		db, err := store.Open(cachePath, store.Options{Timeout: 5 * time.Second, Remedy: "delete it to start over: it is a cache, a rerun fetches again"})
		if err != nil {
			return nil, fmt.Errorf("reconcile: API cache: %w", err)
		}
		if err := db.Update(func(tx *store.Tx) error { _, err := tx.CreateBucketIfNotExists(cacheBucket); return err }); err != nil {
			db.Close()
			return nil, fmt.Errorf("reconcile: API cache %s: %w", cachePath, err)
		}
		c.db = db
	}
	return c, nil
}

// Close closes the cache file.
func (c *CachedAPI) Close() error {
	if c.db == nil {
		return nil
	}
	return c.db.Close()
}

// Payment implements API.
func (c *CachedAPI) Payment(ctx context.Context, siteID, paymentID string) (State, error) {
	return c.get(ctx, "payment\x00"+siteID+"\x00"+paymentID, func() (State, error) { return c.api.Payment(ctx, siteID, paymentID) })
}

// Refund implements API.
func (c *CachedAPI) Refund(ctx context.Context, siteID, paymentID, refundID string) (State, error) {
	return c.get(ctx, "refund\x00"+siteID+"\x00"+paymentID+"\x00"+refundID, func() (State, error) { return c.api.Refund(ctx, siteID, paymentID, refundID) })
}

func (c *CachedAPI) get(ctx context.Context, key string, fetch func() (State, error)) (State, error) {
	if c.db != nil {
		var cached []byte
		if err := c.db.View(func(tx *store.Tx) error {
			var err error
			cached, err = tx.Bucket(cacheBucket).Get([]byte(key))
			return err
		}); err != nil {
			return State{}, err
		}
		if cached != nil {
			var s State
			if err := json.Unmarshal(cached, &s); err == nil {
				return s, nil
			} // a damaged entry is fetched again
		}
	}
	if err := c.limiter.Wait(ctx); err != nil {
		return State{}, err
	}
	c.Fetched++
	s, err := fetch()
	if err != nil {
		return State{}, err
	}
	if c.db != nil && s.Found && final(s.Status) {
		data, err := json.Marshal(s)
		if err != nil {
			return State{}, err
		}
		if err := c.db.Update(func(tx *store.Tx) error { return tx.Bucket(cacheBucket).Put([]byte(key), data) }); err != nil {
			return State{}, err
		}
	}
	return s, nil
}

// ErrAPI is wrapped by the errors of fetching an operation's state.
var ErrAPI = errors.New("fetching QIWI's state failed")

// WithAPI makes the reconciler check each report payment and refund against QIWI's state too.
func (r *Reconciler) WithAPI(ctx context.Context, api API) *Reconciler {
	r.ctx, r.api = ctx, api
	return r
}

// checkAPI compares a settled report row with QIWI's state of the operation. A refund is
// looked up under its payment, which the ledger names.
func (r *Reconciler) checkAPI(row *Row, ledger int) error {
	var state State
	var err error
	switch row.Purpose {
	case PurposePayment:
		if row.PaymentID == "" {
			return nil
		}
		state, err = r.api.Payment(r.ctx, row.SiteID, row.PaymentID)
	case PurposeRefund:
		if ledger < 0 || r.ledger.parentID(ledger) == "" || row.PaymentID == "" {
			return nil // without its payment's ID the API cannot be asked
		}
		state, err = r.api.Refund(r.ctx, row.SiteID, r.ledger.parentID(ledger), row.PaymentID)
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s:%d: %w: %w", row.File, row.Line, ErrAPI, err)
	}
	switch {
	case !state.Found:
		r.differ(row, StatusMismatch, "settled in the report, unknown to the API", ledger)
		return nil
	case !settled(state.Status):
		r.differ(row, StatusMismatch, fmt.Sprintf("settled in the report, %s in the API", state.Status), ledger)
	}
	if state.Amount != "" {
		if amount, err := ParseAmount(state.Amount); err == nil && !abs(amount).Equal(abs(row.Sum)) {
			r.differ(row, AmountMismatch, fmt.Sprintf("the report says %s, the API %s", row.Sum, amount), ledger)
		}
	}
	if state.Currency != "" && row.Currency != "" && state.Currency != row.Currency {
		r.differ(row, CurrencyMismatch, fmt.Sprintf("the report says %s, the API %s", row.Currency, state.Currency), ledger)
	}
	return nil
}
