// Package qiwiruntime is the hand-written support that every generated QIWI client imports:
// exact money amounts, timestamps that keep their wire text, and typed API errors.
//
// It has no global state. A client generated in another repository imports this package
// instead of copying it, so all clients share one implementation of the rules that bite:
// amounts are never floats, timestamps are re-encoded exactly as received, and QIWI's
// error body is surfaced field by field.
package qiwiruntime
