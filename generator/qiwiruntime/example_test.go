package qiwiruntime_test

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"

	"github.com/qiwigen/qiwigen/generator/qiwiruntime"
)

// The README's pay form snippet: a payment link without any API call.
func ExamplePayForm_URL() {
	amount, _ := qiwiruntime.ParseMoney("100")
	link, err := qiwiruntime.PayForm{
		PublicKey:  "5nAq6abtyCz4tcDj89e5w7Y5",
		BillID:     "order-42",
		Amount:     &amount,
		SuccessURL: "https://shop.example/paid",
		Extras:     map[string]string{"cf1": "Order_123"},
		ReadOnly:   []string{"cf1"},
	}.URL()
	fmt.Println(link, err)
	// Output: https://payment.qiwi.com/create?amount=100.00&billId=order-42&extras%5Bcf1%5D=Order_123&publicKey=5nAq6abtyCz4tcDj89e5w7Y5&readonly=cf1&successUrl=https%3A%2F%2Fshop.example%2Fpaid <nil>
}

// The README's successUrl snippet: send the customer back to the shop from an invoice's form.
func ExampleAddSuccessURL() {
	link, _ := qiwiruntime.AddSuccessURL("https://payment.qiwi.com/form?invoiceUid=d875277b", "https://shop.example/paid")
	fmt.Println(link)
	// Output: https://payment.qiwi.com/form?invoiceUid=d875277b&successUrl=https%3A%2F%2Fshop.example%2Fpaid
}

// The README's money snippet.
func ExampleMoney() {
	price, _ := qiwiruntime.ParseMoney("199.9")
	fee := qiwiruntime.NewMoneyFromMinor(150)
	fmt.Println(price, price.Add(fee), price.Minor())
	_, err := qiwiruntime.ParseMoney("1.005")
	fmt.Println(err)
	// Output:
	// 199.90 201.40 19990
	// qiwi: invalid money amount: "1.005" has more than two fraction digits
}

// The README's payout snippet: payouts are signed SHA256withRSA into X-Digital-Sign.
func ExampleWithPayoutSigner() {
	key, _ := rsa.GenerateKey(rand.Reader, 2048) // in production: the key registered with QIWI
	caller, err := qiwiruntime.NewCaller("api-key", qiwiruntime.WithSiteID("test-01"), qiwiruntime.WithPayoutSigner(key))
	fmt.Println(caller.Server(), err)
	// Output: https://api.qiwi.com/partner/ <nil>
}

// The README's payUrl options snippet: only card payments on a Bill Payments invoice's form.
func ExampleAddPayURLOptions() {
	link, err := qiwiruntime.AddPayURLOptions("https://oplata.qiwi.com/form?invoiceUid=606a5f75", qiwiruntime.PayURLOptions{
		AllowedPaySources: []string{"card"},
	})
	fmt.Println(link, err)
	// Output: https://oplata.qiwi.com/form?allowedPaySources=card&invoiceUid=606a5f75 <nil>
}
