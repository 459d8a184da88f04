package generator

import (
	"go/ast"
	"go/parser"
	"go/token"

	"github.com/dave/jennifer/jen"
)

// The runtime's everyday API, re-exported by the generated package so that a consumer's
// code imports its client package alone: construction and options, money and timestamps,
// errors and sentinels, the notification handler's options, pay-form links and test-mode
// data. Everything else the runtime exports serves generated code (runtimeInternal).
var (
	aliasTypes = []string{
		"Option", "Doer", "RetryPolicy", "DriftReporter", "Middleware", "RoundTripFunc", "CallInfo", "CallOption", "APIError", "ValueError",
		"HandlerOption", "Deduplicator", "MemoryDeduplicator", "Reservation",
		"DecodedNotification", "OperationInfo",
		"PayForm", "PayFormKind", "PayURLOptions",
	}
	aliasFuncs = []string{
		"WithBaseURL", "WithPathPrefix", "WithSiteID", "WithHTTPClient", "WithTimeout", "WithUserAgent",
		"WithLogger", "WithRetry", "WithPayoutSigner", "WithDriftReporter", "WithMiddleware", "DefaultRetryPolicy",
		"CallTimeout", "CallHeader", "CallInfoFromContext",
		"ParseMoney", "NewMoneyFromMinor", "ParseTimestamp", "NewTimestamp", "NewNumericCode",
		"QIWINetworks", "WithAllowedNetworks", "WithClientIP", "WithDeduplicator", "NewMemoryDeduplicator",
		"WithMaxBodyBytes", "WithReadTimeout", "WithNotificationDrift", "WithHandlerLogger",
		"AddSuccessURL", "AddPayURLOptions", "TestCards", "LocateValue",
	}
	aliasVars = []string{
		"ErrNotFound", "ErrUnauthorized", "ErrValidation", "ErrRateLimited", "ErrAlreadyDone", "ErrDeclined",
		"ErrServer", "ErrConfig", "ErrArgument", "ErrRedirect", "ErrAnswerTooLarge",
		"ErrInvalidMoney", "ErrInvalidTimestamp", "ErrInvalidCode", "ErrAmountForm",
		"ErrNotification", "ErrSignatureMissing", "ErrSignatureMismatch", "ErrMalformedNotification",
		"ErrSecretMissing", "ErrNotConfirmable", "ErrNotificationMismatch", "ErrUnknownOperation", "ErrPayForm",
	}
	aliasConsts = []string{
		"DefaultBaseURL", "B2BBaseURL", "DefaultPathPrefix", "DefaultTimeout", "MinPayoutKeyBits",
		"DefaultMaxBodyBytes", "MaxMaxBodyBytes", "DefaultHandlerReadTimeout",
		"Reserved", "InFlight", "Handled", "PayinForm", "BillForm", "PayFormURL", "BillPayFormURL",
		"CodeValidation", "CodeNotFound", "CodeUnauthorized", "CodeInternal", "CodeRefundAmount", "CodeIncorrectMethod",
		"CodeInvoiceNotFound",
		"TestCardVisa", "TestCardMastercard", "TestCardMir", "TestCardUnionPay",
		"TestExpiryMonthDeclined", "TestExpiryMonthSucceedsAfterDelay", "TestExpiryMonthDeclinedAfterDelay",
		"TestCVV3DS", "TestHolderName3DS", "TestMaxAmount", "TestSBPAmountSuccess",
		"TestPayoutAmountSuccess", "TestPayoutAmountDeclined", "TestPayoutAmountDeclinedLater",
	}
	// runtimeInternal are the runtime's exported names that generated code calls and
	// consumers do not: the transport, request and notification plumbing.
	runtimeInternal = []string{
		"Caller", "NewCaller", "Operation", "PathParam", "NewRequest", "RequestMoney", "RequestTimestamp", "DecodeAPIError",
		"SignPayoutBody", "Redact", "RedactedJSON", "Format", "Traffic", "NewTraffic", "TrafficScrub",
		"SignatureSpec", "DetectNotification", "SignedString", "Sign",
		"VerifyNotification", "SignNotification", "ParseNotification", "OpenNotification", "MalformedNotification",
		"NotificationValues", "MatchConfirmation", "NotificationHandler", "NewNotificationHandler", "Invoker", "Money", "Timestamp", "NumericCode",
		// The runtime's packages use these among themselves.
		"CompareWithModel", "FoldName", "UnknownMembers", "LocateError", "Moscow",
		// The request amount rule the spec declares per API (x-qiwi-request-amount).
		"AmountForm", "AmountTwoFractionDigits", "AmountUpToTwoFractionDigits",
	}
)

// aliasPass re-exports the runtime's everyday API in the generated package, leaving out any
// name the package already declares (a model an overlay named so keeps its name).
func aliasPass(pkg string, taken map[string]bool) *jen.File {
	f := jen.NewFile(pkg)
	f.HeaderComment(generatedHeader)
	importRuntime(f)
	free := func(names []string) []string {
		var out []string
		for _, n := range names {
			if !taken[n] {
				out = append(out, n)
			}
		}
		return out
	}
	for _, n := range free(aliasTypes) {
		f.Commentf("%s is %s.%s.", n, runtimeHome[n], n)
		f.Type().Id(n).Op("=").Add(rt(n))
	}
	if names := free(aliasVars); len(names) > 0 {
		defs := make([]jen.Code, 0, len(names))
		for _, n := range names {
			defs = append(defs, jen.Commentf("%s is %s.%s: errors.Is matches either.", n, runtimeHome[n], n), jen.Id(n).Op("=").Add(rt(n)))
		}
		f.Var().Defs(defs...)
	}
	if names := free(aliasConsts); len(names) > 0 {
		defs := make([]jen.Code, 0, len(names))
		for _, n := range names {
			defs = append(defs, jen.Commentf("%s is %s.%s.", n, runtimeHome[n], n), jen.Id(n).Op("=").Add(rt(n)))
		}
		f.Const().Defs(defs...)
	}
	for _, n := range free(aliasFuncs) {
		f.Commentf("%s is %s.%s.", n, runtimeHome[n], n)
		f.Var().Id(n).Op("=").Add(rt(n))
	}
	if !taken["Ptr"] {
		f.Comment("Ptr returns a pointer to v, for the optional members of requests: Comment: qiwi.Ptr(\"Order 42\").")
		f.Func().Id("Ptr").Types(jen.Id("T").Any()).Params(jen.Id("v").Id("T")).Op("*").Id("T").Block(jen.Return(jen.Op("&").Id("v")))
	}
	return f
}

// declaredNames lists the top-level names a Go source file declares.
func declaredNames(src []byte, into map[string]bool) error {
	file, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	declaredIn(file, into)
	return nil
}

// declaredIn adds the package-level names a parsed file declares to into.
func declaredIn(file *ast.File, into map[string]bool) {
	for _, d := range file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				into[d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					into[s.Name.Name] = true
				case *ast.ValueSpec:
					for _, n := range s.Names {
						into[n.Name] = true
					}
				}
			}
		}
	}
}
