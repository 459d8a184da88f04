package sandbox_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/qiwigen/qiwigen/contracttest/sandbox"
	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// Test code that uses the client against the sandbox, in process.
func ExampleNew() {
	sb, err := sandbox.New(sandbox.Options{Keys: map[string]string{"test-01": "test-key"}})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(sb)
	defer srv.Close()

	client, err := qiwi.New("test-key", qiwi.WithSiteID("test-01"), qiwi.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	value, _ := qiwi.ParseMoney("10.00")
	payment, err := client.CreatePayment(context.Background(), "order-1", qiwi.CreatePaymentRequest{
		Amount: qiwi.Amount{Value: value, Currency: "RUB"},
		PaymentMethod: qiwi.PaymentMethod{Type: qiwi.PaymentMethodTypeCard, Pan: qiwi.Ptr(qiwi.TestCardVisa),
			ExpiryDate: qiwi.Ptr("05/30"), Cvv2: qiwi.Ptr(qiwi.TestCVV3DS), HolderName: qiwi.Ptr("CARD HOLDER")},
		Flags: &qiwi.Flags{"SALE"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(payment.Status.Value) // CVV 849 asks for 3-D Secure

	var done qiwi.CompletePaymentRequest
	done.ThreeDS.Pares = "pares-from-the-acs"
	payment, err = client.CompletePayment(context.Background(), "order-1", done)
	if err != nil {
		panic(err)
	}
	fmt.Println(payment.Status.Value, payment.CapturedAmount.Value)
	// Output:
	// WAITING
	// COMPLETED 10.00
}
