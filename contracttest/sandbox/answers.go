package sandbox

import (
	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// The sandbox's answers, notifications and error bodies are typed values that encoding/json
// writes. Their members are the spec's, in the order of their JSON names (the order in which
// encoding/json writes a map's keys, and the generated models' order). The generated models
// of gen/qiwi are used where they write what the wire carries: the members without an
// amount or a timestamp (customer, paymentMethod, requirements, qrCode, receiverData) and
// the amounts QIWI sends as JSON numbers (qiwi.Amount). Elsewhere a small struct of the
// sandbox stands in, because:
//   - the payin API's answers write an amount's value as a string ("1.00"), where a
//     qiwi.Amount built in code writes a number (amount);
//   - the state keeps timestamps as their wire text, and a qiwi.Timestamp is built from a
//     text only by parsing it again (ParseTimestamp) to write the same text back, several
//     microseconds a timestamp: every object with a timestamp is the sandbox's, with the
//     text as a string.

// amount is an amount as the payin API's answers and the BILL notification write it:
// {"currency": "RUB", "value": "1.00"}, the value a string.
type amount struct {
	Currency string `json:"currency"`
	Value    string `json:"value"`
}

// money is an amount of minor units (kopecks) in roubles, as answers write it.
func money(minor int64) amount {
	return amount{Value: wiretype.NewMoneyFromMinor(minor).String(), Currency: qiwi.CurrencyRub}
}

// numberAmount is an amount as payin notifications and Bill Payments answers send it: a
// JSON number with two fraction digits, exact (a Money built in code writes that).
func numberAmount(minor int64, currency string) qiwi.Amount {
	return qiwi.Amount{Value: wiretype.NewMoneyFromMinor(minor), Currency: currency}
}

// opStatus is an operation's status in a payin answer or notification (qiwi.Status, its
// time a string).
type opStatus struct {
	ChangedDateTime string `json:"changedDateTime"`
	ReasonCode      string `json:"reasonCode,omitempty"`
	Value           string `json:"value"`
}

// errorBody is QIWI's error answer. apierr.APIError (qiwi.Error) is the client's reading of
// it: its members are in another order and its times are wiretype.Timestamps. The Bill
// Payments API spells the time datetime, the payin API dateTime: one of the two is set.
type errorBody struct {
	// Cause is {"field": ["message"]}.
	Cause       map[string][]string `json:"cause,omitempty"`
	DateTime    string              `json:"dateTime,omitempty"`
	Datetime    string              `json:"datetime,omitempty"`
	Description string              `json:"description"`
	ErrorCode   string              `json:"errorCode"`
	ServiceName string              `json:"serviceName"`
	TraceID     string              `json:"traceId"`
	UserMessage string              `json:"userMessage"`
}

// payinNotification is a payin notification's body: the object under its member (payment,
// capture, refund, payout, checkPaymentMethod: one of them set), the type beside it, and
// the version. The type is in the object too for PAYMENT, CAPTURE and REFUND only, as QIWI's
// tables have it (payments-ru/_notifications_ru.html.md.erb lines 273, 426, 583); the PAYOUT
// and CHECK_CARD examples and tables have it only beside the object (lines 673-704 and
// 706-730, 843-897 and 899-937).
type payinNotification struct {
	Capture            *captureNotice   `json:"capture,omitempty"`
	CheckPaymentMethod *cardCheckNotice `json:"checkPaymentMethod,omitempty"`
	Payment            *paymentNotice   `json:"payment,omitempty"`
	Payout             *payoutNotice    `json:"payout,omitempty"`
	Refund             *refundNotice    `json:"refund,omitempty"`
	Type               string           `json:"type"`
	Version            string           `json:"version"`
}
