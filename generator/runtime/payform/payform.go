package payform

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// Payment form hosts: the payin protocol's form and the Bill Payments API's form.
const (
	PayFormURL     = "https://payment.qiwi.com/create"
	BillPayFormURL = "https://oplata.qiwi.com/create"
)

// ErrPayForm is wrapped by pay form building errors.
var ErrPayForm = errors.New("qiwi: invalid pay form")

// PayFormKind says which of QIWI's two forms a PayForm links to; they take different
// parameters.
type PayFormKind int

// The two forms.
const (
	// PayinForm is the payin protocol's form, payment.qiwi.com (payments/_qiwi-form_en):
	// extras[...], readonly, currency and paymentMethod.
	PayinForm PayFormKind = iota
	// BillForm is the Bill Payments API's form, oplata.qiwi.com
	// (bill-payments/bill-payments_en#http): customFields[...], account and lifetime.
	BillForm
)

// lifetimeLayout is the form's YYYY-MM-DDThhmm.
const lifetimeLayout = "2006-01-02T1504"

// PayForm builds the link to QIWI's payment form that issues an invoice when the customer
// opens it: no API call is needed (payments/_qiwi-form_en#https-qiwi-form,
// bill-payments/bill-payments_en#http). A parameter the chosen form does not take is an
// error, not silently dropped.
type PayForm struct {
	// Kind is PayinForm unless set; a BaseURL of BillPayFormURL also means BillForm.
	Kind PayFormKind
	// BaseURL is the form's address: PayFormURL or BillPayFormURL by Kind.
	BaseURL string
	// PublicKey identifies the merchant's site. Required.
	PublicKey string
	// BillID is the invoice identifier; without it each opening creates a new invoice.
	BillID string
	// Amount is the order amount; without it the customer enters one.
	Amount *wiretype.Money
	// Currency is RUB by default; the docs also list EUR and USD. Payin form only.
	Currency string
	// Phone and Email identify the customer.
	Phone, Email string
	// Account is the customer's identifier in the merchant's system. Bill form only.
	Account string
	// Comment to the invoice.
	Comment string
	// SuccessURL is where the customer returns after paying.
	SuccessURL string
	// PaymentMethod suggested on the form: CARD (default) or SBP. Payin form only.
	PaymentMethod string
	// Lifetime is when the invoice expires unpaid; it is sent in Moscow time, minutes
	// precision. Bill form only.
	Lifetime time.Time
	// Extras are extra fields: cf1..cf5, themeCode, contract_id, customer_last_name, ...,
	// sent as extras[name] on the payin form and customFields[name] on the bill form.
	Extras map[string]string
	// ReadOnly names the extras the customer cannot edit, e.g. cf1. Payin form only.
	ReadOnly []string
}

// kind resolves the form from Kind and BaseURL.
func (f PayForm) kind() PayFormKind {
	if f.Kind == PayinForm && f.BaseURL == BillPayFormURL {
		return BillForm
	}
	return f.Kind
}

// URL returns the form link. Parameters are sorted, so equal forms give equal links.
func (f PayForm) URL() (string, error) {
	kind := f.kind()
	if kind != PayinForm && kind != BillForm {
		return "", fmt.Errorf("%w: unknown form kind %d", ErrPayForm, kind)
	}
	if f.PublicKey == "" {
		return "", fmt.Errorf("%w: publicKey is required", ErrPayForm)
	}
	// Parameters only one form takes.
	only := map[PayFormKind][]struct {
		name string
		set  bool
	}{
		PayinForm: {{"currency", f.Currency != ""}, {"paymentMethod", f.PaymentMethod != ""}, {"readonly", len(f.ReadOnly) > 0}},
		BillForm:  {{"account", f.Account != ""}, {"lifetime", !f.Lifetime.IsZero()}},
	}
	for k, params := range only {
		for _, p := range params {
			if p.set && k != kind {
				return "", fmt.Errorf("%w: the %s form takes no %s", ErrPayForm, kind, p.name)
			}
		}
	}
	base := f.BaseURL
	if base == "" {
		base = map[PayFormKind]string{PayinForm: PayFormURL, BillForm: BillPayFormURL}[kind]
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
	set("account", f.Account)
	set("comment", f.Comment)
	if f.SuccessURL != "" {
		if err := checkSuccessURL(f.SuccessURL); err != nil {
			return "", err
		}
		q.Set("successUrl", f.SuccessURL)
	}
	set("paymentMethod", f.PaymentMethod)
	if !f.Lifetime.IsZero() {
		q.Set("lifetime", f.Lifetime.In(wiretype.Moscow()).Format(lifetimeLayout))
	}
	extras := map[PayFormKind]string{PayinForm: "extras", BillForm: "customFields"}[kind]
	for k, v := range f.Extras {
		if k == "" || strings.ContainsAny(k, "[]") {
			return "", fmt.Errorf("%w: extra field name %q", ErrPayForm, k)
		}
		q.Set(extras+"["+k+"]", v)
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

// checkSuccessURL is the one check of a successUrl, for PayForm and AddPayURLOptions: an
// absolute http or https URL with a host. The form sends the customer there after paying,
// so a javascript: or data: URL, or a scheme-relative //host, is refused.
func checkSuccessURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%w: successUrl %q must be an absolute http or https URL", ErrPayForm, s)
	}
	return nil
}

// String names the form: "payin" or "bill".
func (k PayFormKind) String() string {
	switch k {
	case PayinForm:
		return "payin"
	case BillForm:
		return "bill"
	}
	return fmt.Sprintf("PayFormKind(%d)", int(k))
}

// PayURLOptions are the parameters the docs let a shop add to an invoice's payUrl
// (payments/_qiwi-form_en; bill-payments/bill-payments_en#option). Empty ones are left out.
type PayURLOptions struct {
	// SuccessURL is where the customer returns after paying (both forms).
	SuccessURL string
	// Lang is the payin form's language: ru (default) or en.
	Lang string
	// PaymentMethod is the payin form's suggested method: CARD or SBP.
	PaymentMethod string
	// PaySource is the bill form's preselected method: qw, card, mobile or sovest.
	PaySource string
	// AllowedPaySources limits the bill form to these methods (qw, card, mobile, sovest).
	AllowedPaySources []string
	// Lifetime is when the bill form's invoice expires unpaid, sent in Moscow time.
	Lifetime time.Time
}

// Values the docs list for the options that take a fixed set.
var (
	payURLLangs          = []string{"ru", "en"}
	payURLPaymentMethods = []string{"CARD", "SBP"}
	payURLPaySources     = []string{"qw", "card", "mobile", "sovest"}
)

// AddPayURLOptions adds options to an invoice's payUrl, keeping its own parameters. A value
// the docs do not list for an option is an error.
func AddPayURLOptions(payURL string, o PayURLOptions) (string, error) {
	u, err := url.Parse(payURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("%w: payUrl %q", ErrPayForm, payURL)
	}
	q := u.Query()
	if o.SuccessURL != "" {
		if err := checkSuccessURL(o.SuccessURL); err != nil {
			return "", err
		}
		q.Set("successUrl", o.SuccessURL)
	}
	for _, opt := range []struct {
		name, value string
		allowed     []string
	}{
		{"lang", o.Lang, payURLLangs},
		{"paymentMethod", o.PaymentMethod, payURLPaymentMethods},
		{"paySource", o.PaySource, payURLPaySources},
	} {
		if opt.value == "" {
			continue
		}
		if !slices.Contains(opt.allowed, opt.value) {
			return "", fmt.Errorf("%w: %s %q is none of %s", ErrPayForm, opt.name, opt.value, strings.Join(opt.allowed, ", "))
		}
		q.Set(opt.name, opt.value)
	}
	for _, s := range o.AllowedPaySources {
		if !slices.Contains(payURLPaySources, s) {
			return "", fmt.Errorf("%w: allowedPaySources %q is none of %s", ErrPayForm, s, strings.Join(payURLPaySources, ", "))
		}
	}
	if len(o.AllowedPaySources) > 0 {
		q.Set("allowedPaySources", strings.Join(o.AllowedPaySources, ","))
	}
	if !o.Lifetime.IsZero() {
		q.Set("lifetime", o.Lifetime.In(wiretype.Moscow()).Format(lifetimeLayout))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// AddSuccessURL appends successUrl to an invoice's payUrl, so that the customer returns to
// the shop after paying. It is AddPayURLOptions with only SuccessURL.
func AddSuccessURL(payURL, successURL string) (string, error) {
	if successURL == "" {
		return "", fmt.Errorf("%w: successUrl is empty", ErrPayForm)
	}
	return AddPayURLOptions(payURL, PayURLOptions{SuccessURL: successURL})
}
