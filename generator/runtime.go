package generator

import "github.com/dave/jennifer/jen"

// runtimeRoot is the import path under which the hand-written runtime's packages live.
const runtimeRoot = "github.com/qiwigen/qiwigen/generator/runtime/"

// runtimePackages are the runtime's packages, each with one job, in the order generated
// files name them.
var runtimePackages = []string{"wiretype", "apierr", "transport", "webhook", "payform", "testmode", "redact", "modeldiff"}

// runtimeHome names the runtime package of each identifier the generated code may use;
// TestRuntimeHomeMatchesTheRuntime checks it against the runtime's sources both ways.
var runtimeHome = map[string]string{
	// wiretype: values as the wire carries them: money, timestamps, numeric codes.
	"AmountForm":                  "wiretype",
	"AmountTwoFractionDigits":     "wiretype",
	"AmountUpToTwoFractionDigits": "wiretype",
	"ErrAmountForm":               "wiretype",
	"ErrInvalidCode":              "wiretype",
	"ErrInvalidMoney":             "wiretype",
	"ErrInvalidTimestamp":         "wiretype",
	"LocateError":                 "wiretype",
	"LocateValue":                 "wiretype",
	"Money":                       "wiretype",
	"Moscow":                      "wiretype",
	"NewMoneyFromMinor":           "wiretype",
	"NewNumericCode":              "wiretype",
	"NewTimestamp":                "wiretype",
	"NumericCode":                 "wiretype",
	"ParseMoney":                  "wiretype",
	"ParseTimestamp":              "wiretype",
	"Timestamp":                   "wiretype",
	"ValueError":                  "wiretype",
	// apierr: QIWI's error answer, its codes and the sentinels of its failures.
	"APIError":            "apierr",
	"CodeIncorrectMethod": "apierr",
	"CodeInternal":        "apierr",
	"CodeInvoiceNotFound": "apierr",
	"CodeNotFound":        "apierr",
	"CodeRefundAmount":    "apierr",
	"CodeUnauthorized":    "apierr",
	"CodeValidation":      "apierr",
	"DecodeAPIError":      "apierr",
	"ErrAlreadyDone":      "apierr",
	"ErrDeclined":         "apierr",
	"ErrNotFound":         "apierr",
	"ErrRateLimited":      "apierr",
	"ErrServer":           "apierr",
	"ErrUnauthorized":     "apierr",
	"ErrValidation":       "apierr",
	// transport: the caller generated methods go through: options, retries, signatures, the operation table.
	"B2BBaseURL":          "transport",
	"CallHeader":          "transport",
	"CallInfo":            "transport",
	"CallInfoFromContext": "transport",
	"CallOption":          "transport",
	"CallTimeout":         "transport",
	"Caller":              "transport",
	"DefaultBaseURL":      "transport",
	"DefaultPathPrefix":   "transport",
	"DefaultRetryPolicy":  "transport",
	"DefaultTimeout":      "transport",
	"Doer":                "transport",
	"ErrAnswerTooLarge":   "transport",
	"ErrArgument":         "transport",
	"ErrConfig":           "transport",
	"ErrRedirect":         "transport",
	"ErrUnknownOperation": "transport",
	"Invoker":             "transport",
	"Middleware":          "transport",
	"MinPayoutKeyBits":    "transport",
	"NewCaller":           "transport",
	"NewRequest":          "transport",
	"Operation":           "transport",
	"OperationInfo":       "transport",
	"Option":              "transport",
	"PathParam":           "transport",
	"RequestMoney":        "transport",
	"RequestTimestamp":    "transport",
	"RetryPolicy":         "transport",
	"RoundTripFunc":       "transport",
	"SignPayoutBody":      "transport",
	"WithBaseURL":         "transport",
	"WithDriftReporter":   "transport",
	"WithHTTPClient":      "transport",
	"WithLogger":          "transport",
	"WithMiddleware":      "transport",
	"WithPathPrefix":      "transport",
	"WithPayoutSigner":    "transport",
	"WithRetry":           "transport",
	"WithSiteID":          "transport",
	"WithTimeout":         "transport",
	"WithUserAgent":       "transport",
	// webhook: notification signatures and the handler that verifies, decodes and acknowledges.
	"DecodedNotification":       "webhook",
	"Deduplicator":              "webhook",
	"DefaultHandlerReadTimeout": "webhook",
	"DefaultMaxBodyBytes":       "webhook",
	"DetectNotification":        "webhook",
	"ErrMalformedNotification":  "webhook",
	"ErrNotConfirmable":         "webhook",
	"ErrNotificationMismatch":   "webhook",
	"ErrNotification":           "webhook",
	"ErrSecretMissing":          "webhook",
	"ErrSignatureMismatch":      "webhook",
	"ErrSignatureMissing":       "webhook",
	"Handled":                   "webhook",
	"HandlerOption":             "webhook",
	"InFlight":                  "webhook",
	"MalformedNotification":     "webhook",
	"MaxMaxBodyBytes":           "webhook",
	"MemoryDeduplicator":        "webhook",
	"NewMemoryDeduplicator":     "webhook",
	"NewNotificationHandler":    "webhook",
	"NotificationHandler":       "webhook",
	"NotificationValues":        "webhook",
	"MatchConfirmation":         "webhook",
	"OpenNotification":          "webhook",
	"ParseNotification":         "webhook",
	"QIWINetworks":              "webhook",
	"Reservation":               "webhook",
	"Reserved":                  "webhook",
	"Sign":                      "webhook",
	"SignNotification":          "webhook",
	"SignatureSpec":             "webhook",
	"SignedString":              "webhook",
	"VerifyNotification":        "webhook",
	"WithAllowedNetworks":       "webhook",
	"WithClientIP":              "webhook",
	"WithDeduplicator":          "webhook",
	"WithHandlerLogger":         "webhook",
	"WithMaxBodyBytes":          "webhook",
	"WithNotificationDrift":     "webhook",
	"WithReadTimeout":           "webhook",
	// payform: pay-form links made without an API call.
	"AddPayURLOptions": "payform",
	"AddSuccessURL":    "payform",
	"BillForm":         "payform",
	"BillPayFormURL":   "payform",
	"ErrPayForm":       "payform",
	"PayForm":          "payform",
	"PayFormKind":      "payform",
	"PayFormURL":       "payform",
	"PayURLOptions":    "payform",
	"PayinForm":        "payform",
	// testmode: the test mode's documented cards and amounts.
	"TestCVV3DS":                        "testmode",
	"TestCardMastercard":                "testmode",
	"TestCardMir":                       "testmode",
	"TestCardUnionPay":                  "testmode",
	"TestCardVisa":                      "testmode",
	"TestCards":                         "testmode",
	"TestExpiryMonthDeclined":           "testmode",
	"TestExpiryMonthDeclinedAfterDelay": "testmode",
	"TestExpiryMonthSucceedsAfterDelay": "testmode",
	"TestHolderName3DS":                 "testmode",
	"TestMaxAmount":                     "testmode",
	"TestPayoutAmountDeclined":          "testmode",
	"TestPayoutAmountDeclinedLater":     "testmode",
	"TestPayoutAmountSuccess":           "testmode",
	"TestSBPAmountSuccess":              "testmode",
	// redact: secrets hidden in what is printed and logged.
	"Format":       "redact",
	"Redact":       "redact",
	"RedactedJSON": "redact",
	"Traffic":      "redact",
	"NewTraffic":   "redact",
	"TrafficScrub": "redact",
	// modeldiff: a body compared with the model decoded from it.
	"CompareWithModel": "modeldiff",
	"DriftReporter":    "modeldiff",
	"FoldName":         "modeldiff",
	"UnknownMembers":   "modeldiff",
}

// rt is the runtime identifier name, qualified by the package that holds it. A name missing
// from runtimeHome yields code that does not compile, which the golden and build tests catch.
func rt(name string) *jen.Statement {
	return jen.Qual(runtimeRoot+runtimeHome[name], name)
}

// importRuntime names the runtime's packages in a generated file, as jennifer would
// otherwise guess them from their paths.
func importRuntime(f *jen.File) {
	for _, p := range runtimePackages {
		f.ImportName(runtimeRoot+p, p)
	}
}
