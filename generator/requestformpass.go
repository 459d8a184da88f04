package generator

import (
	"fmt"
	"go/ast"
	"go/token"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
)

// The runtime's value types a request carries in request form: an amount with two fraction
// digits, a timestamp with an explicit offset.
var requestFormLeaves = map[string]string{"Money": "RequestMoney", "Timestamp": "RequestTimestamp"}

// modelTypes are the type declarations of the generated models, read from the models file.
type modelTypes map[string]ast.Expr

// readModelTypes reads the type declarations of the parsed models file.
func readModelTypes(file *ast.File) modelTypes {
	types := modelTypes{}
	for _, d := range file.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
			for _, s := range g.Specs {
				ts := s.(*ast.TypeSpec)
				types[ts.Name.Name] = ts.Type
			}
		}
	}
	return types
}

// requestFormPass writes, for every model a request body can hold that reaches an amount or
// a timestamp, a requestForm method: a copy of the value with every amount and timestamp in
// request form, the caller's value left as it was. Generated code, no reflection: the client
// calls it on each request body.
func requestFormPass(pkg string, types modelTypes, roots []string) *jen.File {
	f := jen.NewFile(pkg)
	f.HeaderComment(generatedHeader)
	importRuntime(f)
	memo := map[string]bool{}
	var needs func(e ast.Expr, seen map[string]bool) bool
	needs = func(e ast.Expr, seen map[string]bool) bool {
		switch t := e.(type) {
		case *ast.Ident:
			if _, ok := requestFormLeaves[t.Name]; ok {
				return true
			}
			if v, ok := memo[t.Name]; ok {
				return v
			}
			decl, ok := types[t.Name]
			if !ok || seen[t.Name] {
				return false
			}
			seen[t.Name] = true
			v := needs(decl, seen)
			memo[t.Name] = v
			return v
		case *ast.StarExpr:
			return needs(t.X, seen)
		case *ast.ArrayType:
			return needs(t.Elt, seen)
		case *ast.MapType:
			return needs(t.Value, seen)
		case *ast.StructType:
			for _, field := range t.Fields.List {
				if len(field.Names) > 0 && field.Names[0].IsExported() && needs(field.Type, seen) {
					return true
				}
			}
		}
		return false
	}
	// The structs reachable from the roots that need a method.
	var structs []string
	visited := map[string]bool{}
	var collect func(e ast.Expr)
	collect = func(e ast.Expr) {
		switch t := e.(type) {
		case *ast.Ident:
			decl, ok := types[t.Name]
			if !ok || visited[t.Name] || !needs(t, map[string]bool{}) {
				return
			}
			visited[t.Name] = true
			if st, ok := decl.(*ast.StructType); ok {
				structs = append(structs, t.Name)
				for _, field := range st.Fields.List {
					collect(field.Type)
				}
				return
			}
			collect(decl)
		case *ast.StarExpr:
			collect(t.X)
		case *ast.ArrayType:
			collect(t.Elt)
		case *ast.MapType:
			collect(t.Value)
		}
	}
	for _, r := range roots {
		collect(ast.NewIdent(r))
	}
	slices.Sort(structs)
	has := map[string]bool{}
	for _, s := range structs {
		has[s] = true
	}

	for _, name := range structs {
		st := types[name].(*ast.StructType)
		var body []jen.Code
		for _, field := range st.Fields.List {
			if len(field.Names) == 0 || !field.Names[0].IsExported() || !needs(field.Type, map[string]bool{}) {
				continue
			}
			ptr := jsonpointer.Join(jsonName(field))
			lv := func() *jen.Statement { return jen.Id("v").Dot(field.Names[0].Name) }
			body = append(body, convert(lv, field.Type, pointerFormat{format: strings.ReplaceAll(ptr, "%", "%%")}, types, has, 0)...)
		}
		f.Commentf("requestForm returns a copy of v with every amount and timestamp in the form requests carry.")
		f.Func().Params(jen.Id("v").Id(name)).Id("requestForm").Params().Params(jen.Id(name), jen.Error()).Block(
			append(body, jen.Return(jen.Id("v"), jen.Nil()))...,
		)
	}
	return f
}

// pointerFormat is the JSON pointer of a value inside the body being converted, as a format
// string with the loop indexes and keys as its arguments, for errors.
type pointerFormat struct {
	format string
	args   []jen.Code
}

func (p pointerFormat) child(format string, arg jen.Code) pointerFormat {
	return pointerFormat{format: p.format + format, args: append(slices.Clone(p.args), arg)}
}

// wrap returns err prefixed with the pointer: a leaf says "/a/b: ...", a nested model's error,
// already starting with its own pointer, is prefixed without a separator.
func (p pointerFormat) wrap(leaf bool) jen.Code {
	sep := ""
	if leaf {
		sep = ": "
	}
	args := append([]jen.Code{jen.Lit(p.format + sep + "%w")}, p.args...)
	return jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("v"), jen.Qual("fmt", "Errorf").Call(append(args, jen.Err())...)))
}

// convert writes the statements that put the value at lv (of type e) in request form,
// copying what it changes; ptr names it in errors.
func convert(lv func() *jen.Statement, e ast.Expr, ptr pointerFormat, types modelTypes, has map[string]bool, depth int) []jen.Code {
	switch t := e.(type) {
	case *ast.Ident:
		if fn, ok := requestFormLeaves[t.Name]; ok {
			return []jen.Code{jen.Block(
				jen.Var().Id("err").Error(),
				jen.List(lv(), jen.Id("err")).Op("=").Add(rt(fn)).Call(lv()),
				ptr.wrap(true),
			)}
		}
		if has[t.Name] {
			return []jen.Code{jen.Block(
				jen.Var().Id("err").Error(),
				jen.List(lv(), jen.Id("err")).Op("=").Add(lv()).Dot("requestForm").Call(),
				ptr.wrap(false),
			)}
		}
		if decl, ok := types[t.Name]; ok {
			if _, isStruct := decl.(*ast.StructType); !isStruct {
				return convert(lv, decl, ptr, types, has, depth)
			}
		}
		return nil
	case *ast.StarExpr:
		x := "x" + strconv.Itoa(depth)
		inner := convert(func() *jen.Statement { return jen.Id(x) }, t.X, ptr, types, has, depth+1)
		if len(inner) == 0 {
			return nil
		}
		return []jen.Code{jen.If(lv().Op("!=").Nil()).Block(append(append(
			[]jen.Code{jen.Id(x).Op(":=").Op("*").Add(lv())}, inner...),
			lv().Op("=").Op("&").Id(x))...)}
	case *ast.ArrayType:
		s, i := "s"+strconv.Itoa(depth), "i"+strconv.Itoa(depth)
		inner := convert(func() *jen.Statement { return jen.Id(s).Index(jen.Id(i)) }, t.Elt, ptr.child("/%d", jen.Id(i)), types, has, depth+1)
		if len(inner) == 0 {
			return nil
		}
		return []jen.Code{jen.If(lv().Op("!=").Nil()).Block(
			jen.Id(s).Op(":=").Qual("slices", "Clone").Call(lv()),
			jen.For(jen.Id(i).Op(":=").Range().Id(s)).Block(inner...),
			lv().Op("=").Id(s),
		)}
	case *ast.MapType:
		m, k, val := "m"+strconv.Itoa(depth), "k"+strconv.Itoa(depth), "e"+strconv.Itoa(depth)
		inner := convert(func() *jen.Statement { return jen.Id(val) }, t.Value, ptr.child("/%s", jen.Id(k)), types, has, depth+1)
		if len(inner) == 0 {
			return nil
		}
		return []jen.Code{jen.If(lv().Op("!=").Nil()).Block(
			jen.Id(m).Op(":=").Qual("maps", "Clone").Call(lv()),
			jen.For(jen.List(jen.Id(k), jen.Id(val)).Op(":=").Range().Id(m)).Block(append(inner, jen.Id(m).Index(jen.Id(k)).Op("=").Id(val))...),
			lv().Op("=").Id(m),
		)}
	}
	return nil
}

// jsonName is a struct field's JSON member name, from its tag.
func jsonName(field *ast.Field) string {
	if field.Tag != nil {
		tag, err := strconv.Unquote(field.Tag.Value)
		if err == nil {
			if name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ","); name != "" {
				return name
			}
		}
	}
	return fmt.Sprint(field.Names[0].Name)
}
