package generator

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"
)

// reexported is the runtime's everyday API, re-exported by the generated package so that a
// consumer's code imports its client package alone: construction and options, money and
// timestamps, errors and sentinels, the notification handler's options, pay-form links and
// test-mode data. It is the one hand list: each name's package and kind come from the
// runtime's sources, and every other name the runtime exports serves generated code only.
var reexported = []string{
	// transport: the client's options and call options.
	"Option", "Doer", "RetryPolicy", "Middleware", "RoundTripFunc", "CallInfo", "CallOption", "OperationInfo",
	"WithBaseURL", "WithPathPrefix", "WithSiteID", "WithHTTPClient", "WithTimeout", "WithUserAgent",
	"WithLogger", "WithRetry", "WithPayoutSigner", "WithDriftReporter", "WithMiddleware", "DefaultRetryPolicy",
	"CallTimeout", "CallHeader", "CallInfoFromContext",
	"DefaultBaseURL", "B2BBaseURL", "DefaultPathPrefix", "DefaultTimeout", "MinPayoutKeyBits",
	"ErrConfig", "ErrArgument", "ErrRedirect", "ErrAnswerTooLarge", "ErrUnknownOperation",
	// modeldiff: the drift reporter's type.
	"DriftReporter",
	// apierr: QIWI's error answer, its codes and sentinels.
	"APIError", "ErrNotFound", "ErrUnauthorized", "ErrValidation", "ErrRateLimited", "ErrAlreadyDone", "ErrDeclined", "ErrServer",
	"CodeValidation", "CodeNotFound", "CodeUnauthorized", "CodeInternal", "CodeRefundAmount", "CodeIncorrectMethod",
	"CodeInvoiceNotFound",
	// wiretype: money, timestamps and codes as the wire carries them.
	"ValueError", "ParseMoney", "NewMoneyFromMinor", "ParseTimestamp", "NewTimestamp", "NewNumericCode", "LocateValue",
	"ErrInvalidMoney", "ErrInvalidTimestamp", "ErrInvalidCode", "ErrAmountForm",
	// webhook: the notification handler's options and errors.
	"HandlerOption", "Deduplicator", "MemoryDeduplicator", "Reservation", "DecodedNotification",
	"QIWINetworks", "WithAllowedNetworks", "WithClientIP", "WithDeduplicator", "NewMemoryDeduplicator",
	"WithMaxBodyBytes", "WithReadTimeout", "WithNotificationDrift", "WithHandlerLogger",
	"DefaultMaxBodyBytes", "MaxMaxBodyBytes", "DefaultHandlerReadTimeout", "Reserved", "InFlight", "Handled",
	"ErrNotification", "ErrSignatureMissing", "ErrSignatureMismatch", "ErrMalformedNotification",
	"ErrSecretMissing", "ErrNotConfirmable", "ErrNotificationMismatch",
	// payform: pay-form links made without an API call.
	"PayForm", "PayFormKind", "PayURLOptions", "AddSuccessURL", "AddPayURLOptions",
	"PayinForm", "BillForm", "PayFormURL", "BillPayFormURL", "ErrPayForm",
	// testmode: the test mode's documented cards and amounts.
	"TestCards", "TestCardVisa", "TestCardMastercard", "TestCardMir", "TestCardUnionPay",
	"TestExpiryMonthDeclined", "TestExpiryMonthSucceedsAfterDelay", "TestExpiryMonthDeclinedAfterDelay",
	"TestCVV3DS", "TestHolderName3DS", "TestMaxAmount", "TestSBPAmountSuccess",
	"TestPayoutAmountSuccess", "TestPayoutAmountDeclined", "TestPayoutAmountDeclinedLater",
}

// aliasPass re-exports the runtime's names (reexported) in the generated package, leaving out any
// name the package already declares (a model an overlay named so keeps its name): types as
// aliases, constants as constants, functions as wrappers with the runtime's signature and
// doc comment (so that go doc shows them and nobody can reassign them), and error sentinels
// as variables, which errors.Is needs to be the runtime's own values. local are the runtime
// types the package already declares as aliases under their own name (type Money =
// wiretype.Money), which the wrappers' signatures use.
func aliasPass(api *runtimeAPI, pkg string, names []string, taken, local map[string]bool) (*jen.File, error) {
	f := jen.NewFile(pkg)
	f.HeaderComment(generatedHeader)
	importRuntime(f)
	byKind := map[token.Token][]string{}
	local = maps.Clone(local)
	for _, n := range names {
		kind, ok := api.kind[n]
		switch {
		case !ok:
			return nil, fmt.Errorf("the runtime exports no %s to re-export", n)
		case kind == token.VAR && !api.sentinels[n]:
			return nil, fmt.Errorf("runtime variable %s.%s is no error sentinel: re-export it as a function or a constant", api.home[n], n)
		case taken[n]:
			continue
		case kind == token.TYPE:
			local[n] = true
		}
		byKind[kind] = append(byKind[kind], n)
	}
	for _, n := range byKind[token.TYPE] {
		f.Commentf("%s is %s.%s.", n, api.home[n], n)
		f.Type().Id(n).Op("=").Add(rt(n))
	}
	if names := byKind[token.VAR]; len(names) > 0 {
		defs := make([]jen.Code, 0, len(names))
		for _, n := range names {
			defs = append(defs, jen.Commentf("%s is %s.%s: errors.Is matches either.", n, api.home[n], n), jen.Id(n).Op("=").Add(rt(n)))
		}
		f.Comment("The runtime's error sentinels, for errors.Is. They are variables only because errors.Is")
		f.Comment("compares values: reassigning one is not supported, and breaks the comparison.")
		f.Var().Defs(defs...)
	}
	if names := byKind[token.CONST]; len(names) > 0 {
		defs := make([]jen.Code, 0, len(names))
		for _, n := range names {
			defs = append(defs, jen.Commentf("%s is %s.%s.", n, api.home[n], n), jen.Id(n).Op("=").Add(rt(n)))
		}
		f.Const().Defs(defs...)
	}
	for _, n := range byKind[token.FUNC] {
		if err := wrapper(f, api.funcs[n], local); err != nil {
			return nil, fmt.Errorf("re-exporting %s.%s: %w", api.home[n], n, err)
		}
	}
	if !taken["Ptr"] {
		f.Comment("Ptr returns a pointer to v, for the optional members of requests: Comment: qiwi.Ptr(\"Order 42\").")
		f.Func().Id("Ptr").Types(jen.Id("T").Any()).Params(jen.Id("v").Id("T")).Op("*").Id("T").Block(jen.Return(jen.Op("&").Id("v")))
	}
	return f, nil
}

// wrapper writes a function of the generated package that calls the runtime function fn,
// with its signature and doc comment.
func wrapper(f *jen.File, fn runtimeFunc, local map[string]bool) error {
	d := fn.decl
	if d.Type.TypeParams != nil && len(d.Type.TypeParams.List) > 0 {
		return fmt.Errorf("a generic function cannot be wrapped")
	}
	conv := typeConverter{pkg: fn.pkg, imports: fn.imports, local: local}
	var params, args []jen.Code
	variadic := false
	for i, field := range d.Type.Params.List {
		t, err := conv.convert(field.Type)
		if err != nil {
			return err
		}
		names := field.Names
		if len(names) == 0 {
			names = []*ast.Ident{ast.NewIdent(fmt.Sprintf("p%d", i))}
		}
		ids := make([]jen.Code, 0, len(names))
		for j, n := range names {
			name := n.Name
			if name == "_" || slices.Contains(runtimePackages, name) {
				name = fmt.Sprintf("p%d_%d", i, j)
			}
			ids = append(ids, jen.Id(name))
			args = append(args, jen.Id(name))
		}
		params = append(params, jen.List(ids...).Add(t))
		_, variadic = field.Type.(*ast.Ellipsis)
	}
	var results []jen.Code
	if d.Type.Results != nil {
		for _, field := range d.Type.Results.List {
			t, err := conv.convert(field.Type)
			if err != nil {
				return err
			}
			if len(field.Names) == 0 {
				results = append(results, t)
			}
			for _, n := range field.Names {
				results = append(results, jen.Id(n.Name).Add(t))
			}
		}
	}
	if variadic {
		args[len(args)-1] = jen.Add(args[len(args)-1]).Op("...")
	}
	name := d.Name.Name
	if d.Doc != nil {
		for _, line := range strings.Split(strings.TrimRight(d.Doc.Text(), "\n"), "\n") {
			f.Comment(line)
		}
		f.Comment("")
	}
	f.Commentf("%s is %s.%s.", name, fn.pkg, name)
	call := jen.Qual(runtimeRoot+fn.pkg, name).Call(args...)
	body := jen.Return(call)
	if len(results) == 0 {
		body = call
	}
	f.Func().Id(name).Params(params...).Params(results...).Block(body)
	return nil
}

// typeConverter writes a type of a runtime function's signature in the generated package:
// the runtime's types under the package's own alias when it has one, qualified otherwise.
type typeConverter struct {
	pkg     string            // the runtime package the signature is in
	imports map[string]string // its file's imports
	local   map[string]bool   // runtime types the generated package aliases under their name
}

func (c typeConverter) runtimeType(pkg, name string) jen.Code {
	if c.local[name] && runtimeHome(name) == pkg {
		return jen.Id(name)
	}
	return jen.Qual(runtimeRoot+pkg, name)
}

func (c typeConverter) convert(e ast.Expr) (jen.Code, error) {
	switch e := e.(type) {
	case *ast.Ident:
		if ast.IsExported(e.Name) {
			return c.runtimeType(c.pkg, e.Name), nil
		}
		return jen.Id(e.Name), nil // a predeclared type: string, error, any, ...
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		if !ok {
			return nil, fmt.Errorf("type %s: unknown package", types.ExprString(e))
		}
		p, known := c.imports[x.Name]
		if !known {
			return nil, fmt.Errorf("type %s: unknown package", types.ExprString(e))
		}
		if rest, ok := strings.CutPrefix(p, runtimeRoot); ok {
			return c.runtimeType(rest, e.Sel.Name), nil
		}
		return jen.Qual(p, e.Sel.Name), nil
	case *ast.StarExpr:
		t, err := c.convert(e.X)
		return jen.Op("*").Add(t), err
	case *ast.Ellipsis:
		t, err := c.convert(e.Elt)
		return jen.Op("...").Add(t), err
	case *ast.ArrayType:
		t, err := c.convert(e.Elt)
		if e.Len == nil {
			return jen.Index().Add(t), err
		}
		n, ok := e.Len.(*ast.BasicLit)
		if !ok {
			return nil, fmt.Errorf("type %s: array length is not a literal", types.ExprString(e))
		}
		return jen.Index(jen.Op(n.Value)).Add(t), err
	case *ast.MapType:
		k, err := c.convert(e.Key)
		if err != nil {
			return nil, err
		}
		v, err := c.convert(e.Value)
		return jen.Map(k).Add(v), err
	case *ast.FuncType:
		var params, results []jen.Code
		for _, list := range []struct {
			fields *ast.FieldList
			into   *[]jen.Code
		}{{e.Params, &params}, {e.Results, &results}} {
			if list.fields == nil {
				continue
			}
			for _, field := range list.fields.List {
				t, err := c.convert(field.Type)
				if err != nil {
					return nil, err
				}
				for range max(1, len(field.Names)) {
					*list.into = append(*list.into, t)
				}
			}
		}
		return jen.Func().Params(params...).Params(results...), nil
	case *ast.InterfaceType:
		if e.Methods == nil || len(e.Methods.List) == 0 {
			return jen.Interface(), nil
		}
	}
	return nil, fmt.Errorf("type %s cannot be written in a wrapper", types.ExprString(e))
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

// runtimeAliases adds to into the types a parsed file declares as aliases of the runtime's
// type of the same name (type Money = wiretype.Money).
func runtimeAliases(file *ast.File, into map[string]bool) {
	for _, d := range file.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, s := range g.Specs {
			ts := s.(*ast.TypeSpec)
			sel, ok := ts.Type.(*ast.SelectorExpr)
			if !ts.Assign.IsValid() || !ok || sel.Sel.Name != ts.Name.Name {
				continue
			}
			if x, ok := sel.X.(*ast.Ident); ok && runtimeHome(ts.Name.Name) == x.Name {
				into[ts.Name.Name] = true
			}
		}
	}
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
