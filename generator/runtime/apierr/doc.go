// Package apierr is QIWI's error answer surfaced field by field (APIError: serviceName,
// errorCode, description, userMessage, dateTime, traceId, cause), the documented error codes
// as constants, and the sentinels errors.Is matches: ErrNotFound, ErrValidation, ErrDeclined
// (also for a decline that comes with HTTP 200), and the others.
package apierr
