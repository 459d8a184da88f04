package qiwiruntime

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Payment form hosts: the payin protocol's form and the Bill Payments API's form.
const (
	PayFormURL     = "https://payment.qiwi.com/create"
	BillPayFormURL = "https://oplata.qiwi.com/create"
)

// ErrPayForm is wrapped by pay form building errors.
var ErrPayForm = errors.New("qiwi: invalid pay form")

// PayForm builds the link to QIWI's payment form that issues an invoice when the customer
// opens it: no API call is needed (payments/_qiwi-form_en#https-qiwi-form,
// bill-payments/bill-payments_en#http).
type PayForm struct {
	// BaseURL is PayFormURL by default; BillPayFormURL for the Bill Payments API.
	BaseURL string
	// PublicKey identifies the merchant's site. Required.
	PublicKey string
	// BillID is the invoice identifier; without it each opening creates a new invoice.
	BillID string
	// Amount is the order amount; without it the customer enters one.
	Amount *Money
	// Currency is RUB by default; the docs also list EUR and USD.
	Currency string
	// Phone and Email identify the customer.
	Phone, Email string
	// Comment to the invoice.
	Comment string
	// SuccessURL is where the customer returns after paying.
	SuccessURL string
	// PaymentMethod suggested on the form: CARD (default) or SBP.
	PaymentMethod string
	// Extras are extra fields: cf1..cf5, themeCode, contract_id, customer_last_name, ...
	Extras map[string]string
	// ReadOnly names the extras the customer cannot edit, e.g. cf1.
	ReadOnly []string
}

// URL returns the form link. Parameters are sorted, so equal forms give equal links.
func (f PayForm) URL() (string, error) {
	if f.PublicKey == "" {
		return "", fmt.Errorf("%w: publicKey is required", ErrPayForm)
	}
	base := f.BaseURL
	if base == "" {
		base = PayFormURL
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("%w: base URL %q", ErrPayForm, base)
	}
	q := url.Values{}
	q.Set("publicKey", f.PublicKey)
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("billId", f.BillID)
	if f.Amount != nil {
		if f.Amount.Minor() <= 0 {
			return "", fmt.Errorf("%w: amount %s must be positive", ErrPayForm, f.Amount)
		}
		q.Set("amount", f.Amount.String())
	}
	set("currency", f.Currency)
	set("phone", f.Phone)
	set("email", f.Email)
	set("comment", f.Comment)
	set("successUrl", f.SuccessURL)
	set("paymentMethod", f.PaymentMethod)
	for k, v := range f.Extras {
		if k == "" || strings.ContainsAny(k, "[]") {
			return "", fmt.Errorf("%w: extra field name %q", ErrPayForm, k)
		}
		q.Set("extras["+k+"]", v)
	}
	for _, name := range f.ReadOnly {
		if _, ok := f.Extras[name]; !ok {
			return "", fmt.Errorf("%w: read-only field %q is not among the extras", ErrPayForm, name)
		}
	}
	set("readonly", strings.Join(f.ReadOnly, ","))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// AddSuccessURL appends successUrl to an invoice's payUrl, so that the customer returns to
// the shop after paying.
func AddSuccessURL(payURL, successURL string) (string, error) {
	u, err := url.Parse(payURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("%w: payUrl %q", ErrPayForm, payURL)
	}
	s, err := url.Parse(successURL)
	if err != nil || s.Scheme == "" || s.Host == "" {
		return "", fmt.Errorf("%w: successUrl %q", ErrPayForm, successURL)
	}
	q := u.Query()
	q.Set("successUrl", successURL)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
