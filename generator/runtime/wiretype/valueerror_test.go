package wiretype

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLocateValue(t *testing.T) {
	type amount struct {
		Value Money `json:"value"`
	}
	type refund struct {
		RefundID string    `json:"refundId"`
		Created  Timestamp `json:"createdDateTime"`
		Amount   amount    `json:"amount"`
	}
	type answer struct {
		Refunds []refund `json:"refunds"`
		Comment string   `json:"comment"`
	}
	for _, tt := range []struct {
		name, body, pointer string
		kind                error
	}{
		{"amount as a number", `{"refunds":[{"refundId":"r1","createdDateTime":"2021-02-05T11:31:40+03","amount":{"value":1.005}}]}`,
			"/refunds/0/amount/value", ErrInvalidMoney},
		{"amount as a string, second element", `{"refunds":[{"amount":{"value":"1.00"}},{"amount":{"value":"abc"}}]}`,
			"/refunds/1/amount/value", ErrInvalidMoney},
		{"timestamp no date", `{"comment":"x","refunds":[{"refundId":"x","createdDateTime":"yesterday"}]}`,
			"/refunds/0/createdDateTime", ErrInvalidTimestamp},
		{"a key with the same text is not the value", `{"refunds":[{"refundId":"r","createdDateTime":"refundId"}]}`,
			"/refunds/0/createdDateTime", ErrInvalidTimestamp},
		{"escaped key", `{"refunds":[{"createdDateTime":"a/b~c"}]}`, "/refunds/0/createdDateTime", ErrInvalidTimestamp},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var a answer
			err := json.Unmarshal([]byte(tt.body), &a)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.kind)
			ptr, ok := LocateValue([]byte(tt.body), err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, tt.pointer, ptr)
		})
	}
	_, ok := LocateValue([]byte(`{"a":1}`), errors.New("other"))
	assert.False(t, ok, "only value errors are located")
	_, ok = LocateValue([]byte(`{"a":`), &ValueError{Kind: ErrInvalidMoney, Text: "2"})
	assert.False(t, ok, "a broken body locates nothing, and does not panic")
}
