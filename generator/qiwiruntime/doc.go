// Package qiwiruntime is the hand-written support that every generated QIWI client imports:
//
//   - Money and Timestamp: exact amounts that are never floats, and timestamps that keep
//     their wire text; RequestBody puts both in the form requests must carry.
//   - APIError and the sentinels (ErrNotFound, ErrValidation, ErrDeclined, ...): QIWI's
//     error body surfaced field by field, declines reported even when they come with 200.
//   - Caller and its options: authentication, base URL and path prefix, retries of
//     idempotent calls, payout signatures (X-Digital-Sign), a logger that never sees
//     secrets, and drift reports of members the models do not know.
//   - Notifications: signature verification for both APIs, the http.Handler that
//     verifies, decodes and acknowledges, QIWI's address ranges and redelivery filters.
//   - PayForm and AddPayURLOptions: payment form links without an API call.
//   - Test mode: the documented test cards and their behaviours.
//
// It has no global state. A client generated in another repository imports this package
// instead of copying it, so all clients share one implementation of the rules that bite.
package qiwiruntime
