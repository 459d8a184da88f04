// Package webhook verifies, decodes and acknowledges QIWI's notifications: the signatures of
// both APIs (payin Signature, Bill Payments X-Api-Signature-SHA256; HMAC-SHA256 over the
// documented fields, compared in constant time), the lenient decoding that never lets a
// signed value differ from the model's, and NotificationHandler with QIWI's address ranges,
// body limits and a redelivery filter.
package webhook
