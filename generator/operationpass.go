package generator

import (
	"strings"

	"github.com/dave/jennifer/jen"
)

// operationPass writes the operation table (Operations), the Invoke dispatcher that calls a
// typed method by operationId, and the API interface every method of Client belongs to, so
// that tools dispatch without reflection and users substitute the client in their tests.
func operationPass(pkg string, ops []operation) *jen.File {
	f := jen.NewFile(pkg)
	f.HeaderComment(generatedHeader)
	importRuntime(f)

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
		rows = append(rows, jen.Values(fields))
	}
	f.Comment("Operations lists the operations of this client, as the spec declares them, in path order.")
	f.Func().Id("Operations").Params().Index().Add(rt("OperationInfo")).Block(
		jen.Return(jen.Index().Add(rt("OperationInfo")).Values(rows...)),
	)

	methods := make([]jen.Code, 0, len(ops))
	cases := make([]jen.Code, 0, len(ops))
	for _, op := range ops {
		sig, call, n := methodSignature(op)
		methods = append(methods, jen.Id(op.GoName).Params(sig...).Params(resultTypes(op)...))
		block := []jen.Code{
			jen.If(jen.Len(jen.Id("params")).Op("!=").Lit(n)).Block(jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(
				jen.Lit("%w: "+op.ID+" takes %d path parameters, not %d"), rt("ErrArgument"), jen.Lit(n), jen.Len(jen.Id("params"))))),
		}
		if op.HasBody {
			block = append(block,
				jen.Var().Id("b").Id(op.BodyType),
				jen.If(jen.Len(jen.Id("body")).Op(">").Lit(0)).Block(
					jen.If(jen.Err().Op(":=").Qual("encoding/json", "Unmarshal").Call(jen.Id("body"), jen.Op("&").Id("b")), jen.Err().Op("!=").Nil()).Block(
						jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit("%w: "+op.ID+": the body does not decode into "+op.BodyType+": %v"), rt("ErrArgument"), jen.Err())),
					),
				),
			)
		}
		if resultName(op) == "" {
			block = append(block, jen.Return(jen.Nil(), jen.Id("c").Dot(op.GoName).Call(call...)))
		} else {
			block = append(block,
				jen.List(jen.Id("r"), jen.Err()).Op(":=").Id("c").Dot(op.GoName).Call(call...),
				jen.If(jen.Id("r").Op("==").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
				jen.Return(jen.Id("r"), jen.Err()),
			)
		}
		cases = append(cases, jen.Case(jen.Lit(op.ID)).Block(block...))
	}
	f.Comment("API is every call of Client: depend on it to substitute the client in your tests.")
	f.Type().Id("API").Interface(methods...)
	f.Var().Id("_").Id("API").Op("=").Parens(jen.Op("*").Id("Client")).Call(jen.Nil())
	f.Var().Id("_").Add(rt("Invoker")).Op("=").Parens(jen.Op("*").Id("Client")).Call(jen.Nil())

	f.Comment("Invoke calls an operation by its operationId, with the path parameters other than siteId")
	f.Comment("in path order and the request body as JSON (empty: the zero body), and returns the typed result")
	f.Comment("(a pointer or a slice; nil for none). An unknown operationId wraps")
	f.Comment("ErrUnknownOperation; wrong arguments wrap ErrArgument.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("Invoke").Params(
		jen.Id("ctx").Qual("context", "Context"), jen.Id("operationID").String(), jen.Id("params").Index().String(), jen.Id("body").Index().Byte(),
	).Params(jen.Any(), jen.Error()).Block(
		jen.Switch(jen.Id("operationID")).Block(cases...),
		jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit("%w: %q"), rt("ErrUnknownOperation"), jen.Id("operationID"))),
	)
	return f
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

// methodSignature gives a typed method's parameters, the arguments Invoke calls it with,
// and how many path parameters Invoke takes.
func methodSignature(op operation) (params, call []jen.Code, n int) {
	params = []jen.Code{jen.Qual("context", "Context")}
	call = []jen.Code{jen.Id("ctx")}
	for _, p := range op.Params {
		if p.Name == "siteId" {
			continue
		}
		params = append(params, jen.String())
		call = append(call, jen.Id("params").Index(jen.Lit(n)))
		n++
	}
	if op.HasBody {
		params = append(params, jen.Id(op.BodyType))
		call = append(call, jen.Id("b"))
	}
	params = append(params, jen.Op("...").Add(rt("CallOption")))
	return params, call, n
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
