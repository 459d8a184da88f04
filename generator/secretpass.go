package generator

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/spec/ext"
)

// secretPass gives every model that holds a secret member (x-qiwi-secret), directly or through the models
// it contains, LogValue and GoString methods that print it with those members redacted, so
// that slog.Any(request) or fmt's %#v never show a card number, CVV or token.
func secretPass(pkg string, doc *openapi3.T) (*jen.File, error) {
	f := jen.NewFile(pkg)
	f.HeaderComment(generatedHeader)
	importRuntime(f)
	schemas := doc.Components.Schemas
	for _, name := range slices.Sorted(maps.Keys(schemas)) {
		s := schemas[name]
		if s == nil || s.Value == nil || s.Value.Extensions["x-go-type"] != nil ||
			len(s.Value.Properties) == 0 && len(s.Value.OneOf) == 0 && len(s.Value.AnyOf) == 0 {
			continue
		}
		secrets, err := secretPaths(schemas, name)
		if err != nil {
			return nil, err
		}
		if len(secrets) == 0 {
			continue
		}
		typ := codegen.SchemaNameToTypeName(name)
		// One list per model, which its three methods share.
		listName := "secretsOf" + typ
		f.Commentf("%s points at the secret members of %s.", listName, typ)
		f.Var().Id(listName).Op("=").Index().String().ValuesFunc(func(g *jen.Group) {
			for _, m := range secrets {
				g.Lit(m)
			}
		})
		list := jen.Id(listName)
		f.Comment(fmt.Sprintf("LogValue logs the %s as JSON with its secret members redacted.", typ))
		f.Func().Params(jen.Id("v").Id(typ)).Id("LogValue").Params().Qual("log/slog", "Value").Block(
			jen.Return(jen.Qual("log/slog", "StringValue").Call(rt("RedactedJSON").Call(jen.Id("v"), list.Clone()))),
		)
		f.Comment(fmt.Sprintf("String prints the %s for %%v and %%+v as JSON with its secret members redacted.", typ))
		f.Func().Params(jen.Id("v").Id(typ)).Id("String").Params().String().Block(
			jen.Return(rt("RedactedJSON").Call(jen.Id("v"), list.Clone())),
		)
		f.Comment(fmt.Sprintf("GoString prints the %s for %%#v as JSON with its secret members redacted.", typ))
		f.Func().Params(jen.Id("v").Id(typ)).Id("GoString").Params().String().Block(
			jen.Return(jen.Lit(typ).Op("+").Add(rt("RedactedJSON")).Call(jen.Id("v"), list)),
		)
	}
	rules, err := scrubRules(doc)
	if err != nil {
		return nil, err
	}
	f.Comment("SecretMembers are the members whose values are secret (x-qiwi-secret), as scrubbers")
	f.Comment("match them in a body they know no model of: a name (\"pan\") wherever it stands, or")
	f.Comment("\"parent.name\" (\"token.value\") where the name alone is also a member that is no secret, and")
	f.Comment("\".name\" for such a member at the top of a body.")
	f.Func().Id("SecretMembers").Params().Index().String().Block(
		jen.Return(jen.Index().String().ValuesFunc(func(g *jen.Group) {
			for _, r := range rules {
				g.Lit(r)
			}
		})),
	)
	return f, nil
}

// scrubRules names the secret members for a scrubber without models: the name alone where
// no property of that name is anything but secret, else parent.name for each property that
// refers to the schema holding it.
func scrubRules(doc *openapi3.T) ([]string, error) {
	schemas := doc.Components.Schemas
	secretIn := map[string][]string{} // member name -> schemas where it is secret
	plain := map[string]bool{}        // member names that are somewhere no secret
	for _, name := range slices.Sorted(maps.Keys(schemas)) {
		s := schemas[name]
		if s == nil || s.Value == nil {
			continue
		}
		for prop, ps := range s.Value.Properties {
			if ps == nil || ps.Value == nil {
				continue
			}
			secret, err := ext.IsSecret(ps.Value)
			if err != nil {
				return nil, fmt.Errorf("schema %s: %s: %w", name, prop, err)
			}
			if secret {
				secretIn[prop] = append(secretIn[prop], name)
			} else {
				plain[prop] = true
			}
		}
	}
	rules := map[string]bool{}
	for member, holders := range secretIn {
		if !plain[member] {
			rules[member] = true
			continue
		}
		for _, holder := range holders {
			referred := false
			for _, parent := range schemas {
				if parent == nil || parent.Value == nil {
					continue
				}
				for prop, ps := range parent.Value.Properties {
					if ps != nil && ps.Ref == "#/components/schemas/"+holder {
						rules[prop+"."+member] = true
						referred = true
					}
				}
			}
			if !referred {
				rules["."+member] = true // a body of its own: the member at the body's top
			}
		}
	}
	return slices.Sorted(maps.Keys(rules)), nil
}

// secretPaths lists the secret members a component schema holds, directly or through the
// schemas its properties, items, additional properties and allOf refer to, as JSON pointers
// in which "*" stands for any array element or map key, sorted.
func secretPaths(schemas openapi3.Schemas, name string) ([]string, error) {
	found := map[string]bool{}
	onStack := map[string]bool{}
	var walk func(s *openapi3.SchemaRef, prefix string) error
	walk = func(s *openapi3.SchemaRef, prefix string) error {
		if s == nil {
			return nil
		}
		if ref, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
			if onStack[ref] {
				return nil // a recursive schema: its members were listed one level up
			}
			onStack[ref] = true
			defer delete(onStack, ref)
			return walk(schemas[ref], prefix)
		}
		if s.Value == nil {
			return nil
		}
		for _, prop := range slices.Sorted(maps.Keys(s.Value.Properties)) {
			ps := s.Value.Properties[prop]
			path := jsonpointer.Append(prefix, prop)
			if ps != nil && ps.Value != nil {
				secret, err := ext.IsSecret(ps.Value)
				if err != nil {
					return fmt.Errorf("schema %s: %s: %w", name, path, err)
				}
				if secret {
					found[path] = true
					continue
				}
			}
			if err := walk(ps, path); err != nil {
				return err
			}
		}
		for _, subs := range [][]*openapi3.SchemaRef{s.Value.AllOf, s.Value.OneOf, s.Value.AnyOf} {
			for _, sub := range subs {
				if err := walk(sub, prefix); err != nil {
					return err
				}
			}
		}
		if err := walk(s.Value.Items, prefix+"/*"); err != nil {
			return err
		}
		return walk(s.Value.AdditionalProperties.Schema, prefix+"/*")
	}
	onStack[name] = true
	if err := walk(schemas[name], ""); err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(found)), nil
}
