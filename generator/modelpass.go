package generator

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/dave/jennifer/jen"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"

	"github.com/qiwigen/qiwigen/spec/ext"
)

// enumPass writes constants for every documented value of an open (x-extensible-enum)
// string type, a list of the values, and a Known function. The types stay plain strings so
// that values QIWI adds later decode without error.
func enumPass(pkg string, kept *openapi3.T) *jen.File {
	f := jen.NewFile(pkg)
	f.HeaderComment(generatedHeader)
	for _, name := range sortedSchemaNames(kept) {
		s := kept.Components.Schemas[name].Value
		if s == nil {
			continue
		}
		typeName := codegen.SchemaNameToTypeName(name)
		if values := extensibleEnum(s); len(values) > 0 {
			enumBlock(f, typeName, typeName, values)
		}
		props := make([]string, 0, len(s.Properties))
		for prop := range s.Properties {
			props = append(props, prop)
		}
		sort.Strings(props)
		for _, prop := range props {
			p := s.Properties[prop]
			if p.Ref != "" || p.Value == nil {
				continue
			}
			if values := extensibleEnum(p.Value); len(values) > 0 {
				enumBlock(f, typeName+codegen.ToCamelCaseWithInitialisms(prop), "string", values)
			}
		}
	}
	return f
}

func enumBlock(f *jen.File, prefix, goType string, values []string) {
	defs := make([]jen.Code, 0, len(values))
	lits := make([]jen.Code, 0, len(values))
	for _, v := range values {
		id := prefix + enumIdent(v)
		defs = append(defs, jen.Id(id).Id(goType).Op("=").Lit(v))
		lits = append(lits, jen.Id(id))
	}
	f.Comment(fmt.Sprintf("Documented values of %s. QIWI may send others; decoding accepts them.", prefix))
	f.Const().Defs(defs...)
	f.Comment(fmt.Sprintf("%sValues returns the documented values of %s, in the docs' order.", prefix, prefix))
	f.Func().Id(prefix + "Values").Params().Index().Id(goType).Block(
		jen.Return(jen.Index().Id(goType).Values(lits...)),
	)
	f.Comment(fmt.Sprintf("Known%s reports whether v is a documented value of %s; an unknown one is drift to report.", prefix, prefix))
	f.Func().Id("Known"+prefix).Params(jen.Id("v").Id(goType)).Bool().Block(
		jen.Switch(jen.Id("v")).Block(
			jen.Case(lits...).Block(jen.Return(jen.True())),
		),
		jen.Return(jen.False()),
	)
}

// extensibleEnum returns a schema's documented values; validation (ext.Check) has refused
// an ill-typed list, so an error here leaves the schema without constants.
func extensibleEnum(s *openapi3.Schema) []string {
	values, _, err := ext.EnumValues(s)
	if err != nil {
		return nil
	}
	return values
}

// enumIdent turns a wire value such as WAITING_3DS into an identifier part: Waiting3DS.
func enumIdent(v string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		lower := strings.ToLower(part)
		b.WriteString(strings.ToUpper(lower[:1]) + lower[1:])
	}
	if b.Len() == 0 {
		return "Empty"
	}
	return b.String()
}

// statusPass gives every model with a status object a QIWIStatus method, so that the
// runtime recognises a decline that arrives with HTTP 200.
func statusPass(pkg string, kept *openapi3.T) *jen.File {
	f := jen.NewFile(pkg)
	f.HeaderComment(generatedHeader)
	for _, name := range sortedSchemaNames(kept) {
		s := kept.Components.Schemas[name].Value
		if s == nil || s.Properties["status"] == nil {
			continue
		}
		statusRef := s.Properties["status"]
		statusName, ok := componentName(statusRef.Ref)
		if !ok || statusRef.Value == nil || statusRef.Value.Properties["value"] == nil {
			continue
		}
		st := statusRef.Value
		typeName := codegen.SchemaNameToTypeName(name)
		statusField := jen.Id("m").Dot("Status")
		var body []jen.Code
		if !slices.Contains(s.Required, "status") {
			body = append(body, jen.If(jen.Id("m").Dot("Status").Op("==").Nil()).Block(jen.Return(jen.Lit(""), jen.Lit(""), jen.Lit(""))))
		}
		body = append(body, jen.Id("st").Op(":=").Add(statusField))
		body = append(body, fieldString("value", "Value", st)...)
		reason := jen.Lit("")
		if st.Properties["reason"] != nil {
			body = append(body, fieldString("reason", "Reason", st)...)
			reason = jen.Id("reason")
		}
		message := jen.Lit("")
		if st.Properties["reasonMessage"] != nil {
			body = append(body, fieldString("message", "ReasonMessage", st)...)
			message = jen.Id("message")
		}
		body = append(body, jen.Return(jen.Id("value"), reason, message))
		f.Comment(fmt.Sprintf("QIWIStatus returns the status value, reason and reason message of the %s (%s).", typeName, statusName))
		f.Func().Params(jen.Id("m").Op("*").Id(typeName)).Id("QIWIStatus").Params().Params(
			jen.Id("value"), jen.Id("reason"), jen.Id("message").String(),
		).Block(body...)
	}
	return f
}

// fieldString declares local v := string(st.Field), minding optional (pointer) fields.
func fieldString(local, field string, st *openapi3.Schema) []jen.Code {
	prop := strings.ToLower(field[:1]) + field[1:]
	if slices.Contains(st.Required, prop) {
		return []jen.Code{jen.Id(local).Op("=").String().Call(jen.Id("st").Dot(field))}
	}
	return []jen.Code{jen.If(jen.Id("st").Dot(field).Op("!=").Nil()).Block(
		jen.Id(local).Op("=").String().Call(jen.Op("*").Id("st").Dot(field)),
	)}
}

func sortedSchemaNames(doc *openapi3.T) []string {
	if doc.Components == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(doc.Components.Schemas))
}
