package qiwi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/generator/qiwiruntime"
)

func ptr[T any](v T) *T { return &v }

// fakeQIWI answers the invoice request like the docs' example, and refuses an empty amount.
func fakeQIWI() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/partner/payin/v1/sites/test-01/bills/bad" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"serviceName":"payin-core","errorCode":"validation.error","description":"Validation error","userMessage":"Validation error","dateTime":"2024-03-13T16:49:59.166+03:00","traceId":"fd0e2a08c63ace83"}`)
			return
		}
		_ = body
		fmt.Fprint(w, `{"billId":"order-42","invoiceUid":"d875277b","amount":{"value":"100.00","currency":"RUB"},"status":{"value":"CREATED","changedDateTime":"2024-03-05T11:27:41"},"payUrl":"https://payment.qiwi.com/form/?invoice_uid=d875277b"}`)
	}))
}

// The README's snippet: create an invoice and send the customer to its payment form.
func Example() {
	srv := fakeQIWI()
	defer srv.Close()
	ctx := context.Background()

	client, err := qiwi.New("secret-api-key",
		qiwiruntime.WithSiteID("test-01"),
		qiwiruntime.WithBaseURL(srv.URL), // qiwiruntime.B2BBaseURL in production
	)
	if err != nil {
		panic(err)
	}
	amount, err := qiwiruntime.ParseMoney("100.00")
	if err != nil {
		panic(err)
	}
	for _, billID := range []string{"order-42", "bad"} {
		invoice, err := client.CreateInvoice(ctx, billID, qiwi.CreateInvoiceRequest{
			Amount:  &qiwi.Amount{Value: amount, Currency: qiwi.CurrencyRub},
			Comment: ptr("Order 42"),
		})
		var apiErr *qiwiruntime.APIError
		switch {
		case errors.Is(err, qiwiruntime.ErrValidation) && errors.As(err, &apiErr):
			fmt.Printf("refused: %s (traceId %s)\n", apiErr.Description, apiErr.TraceID)
		case err != nil:
			panic(err)
		default:
			fmt.Println("redirect to", *invoice.PayURL, "for", invoice.Amount.Value)
		}
	}
	// Output:
	// redirect to https://payment.qiwi.com/form/?invoice_uid=d875277b for 100.00
	// refused: Validation error (traceId fd0e2a08c63ace83)
}
