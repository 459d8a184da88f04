package generator

import (
	"strings"

	"github.com/dave/jennifer/jen"
)

// operationPass writes the operation table, where each operation's facts stand once: a
// constant naming each row, the rows (transport.OperationInfo, read by the typed methods
// through the call helpers), Operations, which hands out a copy, Invoke, which calls an
// operation by its operationId, and the API interface every method of Client belongs to, so
// that tools dispatch without reflection and users substitute the client in their tests.
func operationPass(pkg string, ops []operation) *jen.File {
	f := jen.NewFile(pkg)
	f.HeaderComment(generatedHeader)
	importRuntime(f)

	consts := make([]jen.Code, 0, len(ops))
	for i, op := range ops {
		if i == 0 {
			consts = append(consts, jen.Id(opConst(op)).Op("=").Iota())
		} else {
			consts = append(consts, jen.Id(opConst(op)))
		}
	}
	rows := make([]jen.Code, 0, len(ops))
	for _, op := range ops {
		fields := jen.Dict{
			jen.Id("ID"):     jen.Lit(op.ID),
			jen.Id("Method"): jen.Lit(strings.ToUpper(op.Method)),
			jen.Id("Path"):   jen.Lit(op.Path),
		}
		if len(op.Params) > 0 {
			fields[jen.Id("PathParams")] = jen.Index().String().ValuesFunc(func(g *jen.Group) {
				for _, p := range op.Params {
					g.Lit(p.Name)
				}
			})
		}
		if len(op.args()) != len(op.Params) {
			fields[jen.Id("ConfigParams")] = jen.Index().Add(rt("ConfigParam")).ValuesFunc(func(g *jen.Group) {
				for _, p := range op.Params {
					if p.Config != "" {
						g.Values(jen.Dict{jen.Id("Name"): jen.Lit(p.Name), jen.Id("Value"): jen.Lit(p.Config)})
					}
				}
			})
		}
		if op.HasBody {
			fields[jen.Id("Request")] = jen.Lit(op.BodyType)
		}
		if r := resultName(op); r != "" {
			fields[jen.Id("Result")] = jen.Lit(r)
		}
		if op.Idempotent {
			fields[jen.Id("Idempotent")] = jen.True()
		}
		if op.Signed {
			fields[jen.Id("Signed")] = jen.True()
		}
		if len(op.Notifications) > 0 {
			fields[jen.Id("Notifications")] = jen.Index().String().ValuesFunc(func(g *jen.Group) {
				for _, n := range op.Notifications {
					g.Lit(n)
				}
			})
		}
		if op.ResolveAlreadyDone != "" {
			fields[jen.Id("ResolveAlreadyDone")] = jen.Lit(op.ResolveAlreadyDone)
		}
		rows = append(rows, jen.Id(opConst(op)).Op(":").Values(fields))
	}
	if len(ops) > 0 {
		f.Comment("The rows of operations, one per operation, in path order.")
		f.Const().Defs(consts...)
	}
	f.Comment("operations holds each operation's facts, as the spec declares them: the typed methods")
	f.Comment("call through their row, Operations copies it, Invoke dispatches on it. Nothing writes it.")
	f.Var().Id("operations").Op("=").Index(jen.Op("...")).Add(rt("OperationInfo")).Values(rows...)

	f.Comment("Operations lists the operations of this client, as the spec declares them, in path order.")
	f.Comment("The list is a copy: changing it changes nothing in the client.")
	f.Func().Id("Operations").Params().Index().Add(rt("OperationInfo")).Block(
		jen.Id("out").Op(":=").Make(jen.Index().Add(rt("OperationInfo")), jen.Len(jen.Id("operations"))),
		jen.For(jen.Id("i").Op(":=").Range().Id("operations")).Block(
			jen.Id("out").Index(jen.Id("i")).Op("=").Id("operations").Index(jen.Id("i")).Dot("Clone").Call(),
		),
		jen.Return(jen.Id("out")),
	)

	methods := make([]jen.Code, 0, len(ops)+1)
	invokers := make([]jen.Code, 0, len(ops))
	for _, op := range ops {
		methods = append(methods, jen.Id(op.GoName).Params(methodSignature(op)...).Params(resultTypes(op)...))
		invokers = append(invokers, jen.Line().Id(opConst(op)).Op(":").Add(helperCall(op, resultKind(op), "invoke")))
	}
	// ConfirmNotification (notificationPass) is a method of every client.
	methods = append(methods, jen.Id("ConfirmNotification").Params(
		jen.Qual("context", "Context"), jen.Id("Notification"), jen.Op("...").Add(rt("CallOption")),
	).Params(jen.Any(), jen.Error()))
	f.Comment("API is every call of Client: depend on it to substitute the client in your tests.")
	f.Type().Id("API").Interface(methods...)
	f.Var().Id("_").Id("API").Op("=").Parens(jen.Op("*").Id("Client")).Call(jen.Nil())
	f.Var().Id("_").Add(rt("Invoker")).Op("=").Parens(jen.Op("*").Id("Client")).Call(jen.Nil())

	invokeFunc := jen.Func().Params(jen.Qual("context", "Context"), jen.Op("*").Id("Client"), jen.Int(), jen.Index().String(), jen.Index().Byte()).Params(jen.Any(), jen.Error())
	f.Comment("invokers call each operation for Invoke, by its row of operations.")
	f.Var().Id("invokers").Op("=").Index(jen.Op("...")).Add(invokeFunc).Values(append(invokers, jen.Line())...)

	f.Comment("Invoke calls an operation by its operationId, with the path parameters other than the")
	f.Comment("configured ones in path order and the request body as JSON (empty: the zero body), and")
	f.Comment("returns the typed result (a pointer or a slice; nil for none). An unknown operationId")
	f.Comment("wraps ErrUnknownOperation; wrong arguments wrap ErrArgument.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("Invoke").Params(
		jen.Id("ctx").Qual("context", "Context"), jen.Id("operationID").String(), jen.Id("params").Index().String(), jen.Id("body").Index().Byte(),
	).Params(jen.Any(), jen.Error()).Block(
		jen.For(jen.Id("i").Op(":=").Range().Id("operations")).Block(
			jen.If(jen.Id("operations").Index(jen.Id("i")).Dot("ID").Op("==").Id("operationID")).Block(
				jen.Return(jen.Id("invokers").Index(jen.Id("i")).Call(jen.Id("ctx"), jen.Id("c"), jen.Id("i"), jen.Id("params"), jen.Id("body"))),
			),
		),
		jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit("%w: %q"), rt("ErrUnknownOperation"), jen.Id("operationID"))),
	)
	invokeHelpers(f)
	return f
}

// invokeHelpers writes Invoke's generic helpers, one per kind of result: each decodes the
// JSON body into the operation's request type and calls the operation as its method does.
func invokeHelpers(f *jen.File) {
	params := func() []jen.Code {
		return []jen.Code{
			jen.Id("ctx").Qual("context", "Context"), jen.Id("c").Op("*").Id("Client"), jen.Id("i").Int(),
			jen.Id("params").Index().String(), jen.Id("data").Index().Byte(),
		}
	}
	decode := func() []jen.Code {
		return []jen.Code{
			jen.List(jen.Id("body"), jen.Err()).Op(":=").Id("decodeBody").Types(jen.Id("Body")).Call(jen.Id("i"), jen.Id("params"), jen.Id("data")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		}
	}
	f.Comment("decodeBody checks Invoke's path parameters and decodes its JSON body into the request")
	f.Comment("type of the operation of row i (empty: the zero body); nil for an operation without one.")
	f.Func().Id("decodeBody").Types(jen.Id("Body").Any()).Params(jen.Id("i").Int(), jen.Id("params").Index().String(), jen.Id("data").Index().Byte()).Params(jen.Op("*").Id("Body"), jen.Error()).Block(
		jen.Id("op").Op(":=").Op("&").Id("operations").Index(jen.Id("i")),
		jen.If(jen.Err().Op(":=").Id("op").Dot("CheckArgs").Call(jen.Id("params")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Var().Id("b").Id("Body"),
		jen.If(jen.List(jen.Id("_"), jen.Id("none")).Op(":=").Any().Parens(jen.Op("&").Id("b")).Assert(jen.Op("*").Id("noBody")), jen.Id("none")).Block(jen.Return(jen.Nil(), jen.Nil())),
		jen.If(jen.Len(jen.Id("data")).Op(">").Lit(0)).Block(
			jen.If(jen.Err().Op(":=").Qual("encoding/json", "Unmarshal").Call(jen.Id("data"), jen.Op("&").Id("b")), jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit("%w: %s: the body does not decode into %s: %v"), rt("ErrArgument"), jen.Id("op").Dot("ID"), jen.Id("op").Dot("Request"), jen.Err())),
			),
		),
		jen.Return(jen.Op("&").Id("b"), jen.Nil()),
	)
	f.Comment("invokeObject is Invoke for an operation whose answer is one object.")
	f.Func().Id("invokeObject").Types(jen.Id("Resp"), jen.Id("Body").Any()).Params(params()...).Params(jen.Any(), jen.Error()).Block(append(decode(),
		jen.List(jen.Id("r"), jen.Err()).Op(":=").Id("callObject").Types(jen.Id("Resp")).Call(jen.Id("ctx"), jen.Id("c"), jen.Id("i"), jen.Id("params"), jen.Id("body"), jen.Nil()),
		jen.If(jen.Id("r").Op("==").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Id("r"), jen.Err()),
	)...)
	f.Comment("invokeValue is Invoke for an operation whose answer is a list or raw JSON.")
	f.Func().Id("invokeValue").Types(jen.Id("Resp").Op("~").Index().Id("E"), jen.Id("Body"), jen.Id("E").Any()).Params(params()...).Params(jen.Any(), jen.Error()).Block(append(decode(),
		jen.List(jen.Id("r"), jen.Err()).Op(":=").Id("callValue").Types(jen.Id("Resp")).Call(jen.Id("ctx"), jen.Id("c"), jen.Id("i"), jen.Id("params"), jen.Id("body"), jen.Nil()),
		jen.If(jen.Id("r").Op("==").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Id("r"), jen.Err()),
	)...)
	f.Comment("invokeNone is Invoke for an operation that answers no body.")
	f.Func().Id("invokeNone").Types(jen.Id("Body").Any()).Params(params()...).Params(jen.Any(), jen.Error()).Block(append(decode(),
		jen.Return(jen.Nil(), jen.Id("call").Call(jen.Id("ctx"), jen.Id("c"), jen.Id("i"), jen.Id("params"), jen.Id("body"), jen.Nil(), jen.Nil())),
	)...)
}

// resultName is the Go type name of an operation's result, "" for none.
func resultName(op operation) string {
	switch {
	case op.ResultRaw:
		return "json.RawMessage"
	case op.ResultList:
		return "[]" + op.Result
	default:
		return op.Result
	}
}

// methodSignature gives a typed method's parameter types.
func methodSignature(op operation) []jen.Code {
	params := []jen.Code{jen.Qual("context", "Context")}
	for range op.args() {
		params = append(params, jen.String())
	}
	if op.HasBody {
		params = append(params, jen.Id(op.BodyType))
	}
	return append(params, jen.Op("...").Add(rt("CallOption")))
}

// resultTypes are a typed method's results.
func resultTypes(op operation) []jen.Code {
	switch {
	case op.ResultRaw:
		return []jen.Code{jen.Qual("encoding/json", "RawMessage"), jen.Error()}
	case op.ResultList:
		return []jen.Code{jen.Index().Id(op.Result), jen.Error()}
	case op.Result != "":
		return []jen.Code{jen.Op("*").Id(op.Result), jen.Error()}
	}
	return []jen.Code{jen.Error()}
}
