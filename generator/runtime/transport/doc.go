// Package transport is the plumbing generated methods call: the Caller with its options
// (key, base URL and path prefix, siteId, HTTP client, timeouts, logger, retries of
// idempotent calls, payout signatures in X-Digital-Sign, drift reports, middlewares around
// each attempt), the options of one call (CallTimeout, CallHeader), requests in the form QIWI
// requires (RequestMoney, RequestTimestamp), and the operation table's types. Consumers reach
// its options through their generated package.
package transport
