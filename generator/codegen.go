package generator

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"go/parser"
	"go/scanner"
	"go/token"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/dave/jennifer/jen"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"golang.org/x/tools/imports"

	"github.com/qiwigen/qiwigen/spec/notification"
)

// generatorVersion is written into the "Code generated" header. It is fixed so that the
// header does not change with the build's VCS state.
const generatorVersion = "qiwigen"

// overrides holds the oapi-codegen templates we replace, each under its upstream file name
// (OutputOptions.UserTemplates): additional-properties.tmpl and
// union-and-additional-properties.tmpl are upstream's with the additional members decoded
// in sorted key order, so that a decode error names the same member on every run (see each
// template's own comment).
//
//go:embed additional-properties.tmpl union-and-additional-properties.tmpl
var overrides embed.FS

// userTemplates returns the overridden templates by file name, as
// OutputOptions.UserTemplates takes them.
func userTemplates() (map[string]string, error) {
	entries, err := overrides.ReadDir(".")
	if err != nil {
		return nil, fmt.Errorf("reading the template overrides: %w", err)
	}
	templates := make(map[string]string, len(entries))
	for _, e := range entries {
		data, err := overrides.ReadFile(e.Name())
		if err != nil {
			return nil, fmt.Errorf("reading the template override %s: %w", e.Name(), err)
		}
		templates[e.Name()] = string(data)
	}
	return templates, nil
}

// oapiCodegen guards oapi-codegen's package-global state (its options, initialisms and
// templates), which codegen.Generate sets and its naming functions read: generateCode holds
// it from the call to codegen.Generate until the last pass that names a type has run, so that
// concurrent Runs take turns there and nowhere else.
var oapiCodegen sync.Mutex

// generateCode runs oapi-codegen for models and the low-level client, then our own passes.
// full is the validated document; generation consumes it.
func generateCode(full *openapi3.T, decls []notification.Declaration, cfg Config) (map[string][]byte, error) {
	files := map[string][]byte{}
	// The runtime's exported names, which every pass qualifies runtime identifiers with.
	api, err := readRuntime()
	if err != nil {
		return nil, &InputError{File: cfg.Spec.Name, Kind: ErrGenerate, Err: fmt.Errorf("reading the runtime: %w", err)}
	}

	templates, err := userTemplates()
	if err != nil {
		return nil, &InputError{File: cfg.Spec.Name, Kind: ErrGenerate, Err: err}
	}
	// oapi-codegen filters and prunes the document it is given, in place, and keeps
	// package-global state, which oapiCodegen guards. We give it the validated document, which nothing else needs afterwards,
	// and let our passes read the same filtered document: it holds exactly the operations
	// and schemas the raw client has. PreserveOriginalOperationIdCasing keeps operationIds
	// as the spec spells them.
	doc := full
	version := generatorVersion
	conf := codegen.Configuration{
		PackageName: cfg.packageName(),
		Generate: codegen.GenerateOptions{
			Models: true, // the typed client pass writes every request itself
		},
		Compatibility: codegen.CompatibilityOptions{
			AlwaysPrefixEnumValues:                          true,
			PreserveOriginalOperationIdCasingInEmbeddedSpec: true,
		},
		OutputOptions: codegen.OutputOptions{
			NameNormalizer: string(codegen.NameNormalizerFunctionToCamelCaseWithInitialisms),
			// Keep every model: notification models are referenced only from x-webhooks,
			// which oapi-codegen does not follow.
			SkipPrune: true,
			// oapi-codegen's last step, goimports on its output, runs below beside our
			// passes, which read the models from the unformatted source.
			SkipFmt:             true,
			ExcludeTags:         cfg.excludeTags(),
			IncludeOperationIDs: cfg.IncludeOperations,
			ExcludeOperationIDs: cfg.ExcludeOperations,
			UserTemplates:       templates,
		},
		NoVCSVersionOverride: &version,
	}
	// Notifications come from the unfiltered spec (validation read them): a service that
	// leaves an operation out of its client may still receive that operation's notifications
	// (a payout made elsewhere), and their models stay (SkipPrune).
	dropVariants(doc)
	oapiCodegen.Lock()
	defer oapiCodegen.Unlock()
	src, err := codegen.Generate(doc, conf)
	if err != nil {
		return nil, &InputError{File: cfg.Spec.Name, Kind: ErrGenerate, Err: fmt.Errorf("oapi-codegen: %w", err)}
	}
	// Named after Generate, with the naming options it set.
	notes := notificationModels(decls)

	// Each file is rendered (jennifer formats it with go/format) and read back for the names
	// it declares on its own goroutine, as soon as its pass has built it: rendering is most
	// of the passes' cost, and the files share nothing. The passes themselves run here, one
	// after another (they call oapi-codegen's naming, which is package-global state). The
	// client, the longest to render, goes first; the others are built while it renders.
	pkg := cfg.packageName()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		rendered = map[string][]byte{}
		declared = map[string]map[string]bool{}
		failed   = map[string]error{}
	)
	render := func(name string, f *jen.File) {
		wg.Go(func() {
			var buf bytes.Buffer
			names := map[string]bool{}
			err := f.Render(&buf)
			if err == nil {
				err = declaredNames(buf.Bytes(), names)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed[name] = fmt.Errorf("%s: %w", name, err)
				return
			}
			rendered[name], declared[name] = buf.Bytes(), names
		})
	}
	stop := func(err error) (map[string][]byte, error) {
		wg.Wait() // no render outlives the call
		return nil, &InputError{File: cfg.Spec.Name, Kind: ErrGenerate, Err: err}
	}
	// The models, formatted as oapi-codegen formats them (goimports), while our passes run.
	var formatted []byte
	var formatErr error
	wg.Go(func() { formatted, formatErr = formatModels(conf.PackageName, src) })

	// Our passes read the operations oapi-codegen kept (it filtered doc in place) and their
	// details from the unfiltered document.
	ops, err := collectOperations(doc)
	if err != nil {
		return stop(err)
	}
	// The models file is parsed once, as oapi-codegen wrote it: for its types here, for its
	// names below.
	raw, err := parser.ParseFile(token.NewFileSet(), "raw.gen.go", src, parser.SkipObjectResolution)
	if err != nil {
		wg.Wait()
		if formatErr != nil { // oapi-codegen's own words for source it cannot format
			return stop(fmt.Errorf("oapi-codegen: %w", formatErr))
		}
		return stop(fmt.Errorf("reading the models: %w", err))
	}
	models := readModelTypes(raw)
	var bodies []string
	for _, op := range ops {
		if op.HasBody {
			bodies = append(bodies, op.BodyType)
		}
	}
	requestForm := requestFormPass(pkg, models, bodies)
	client, err := clientPass(pkg, ops)
	if err != nil {
		return stop(err)
	}
	render("client.gen.go", client)
	render("requestform.gen.go", requestForm)
	secrets, err := secretPass(pkg, doc)
	if err != nil {
		return stop(err)
	}
	render("secrets.gen.go", secrets)
	render("enums.gen.go", enumPass(pkg, doc))
	render("operations.gen.go", operationPass(pkg, ops))
	notify, err := notificationPass(pkg, notes, ops)
	if err != nil {
		return stop(err)
	}
	render("notifications.gen.go", notify)
	render("status.gen.go", statusPass(pkg, doc))

	// The runtime's everyday API, re-exported under names the package does not use yet.
	taken := map[string]bool{}
	declaredIn(raw, taken)
	wg.Wait()
	if formatErr != nil {
		return nil, &InputError{File: cfg.Spec.Name, Kind: ErrGenerate, Err: fmt.Errorf("oapi-codegen: %w", formatErr)}
	}
	files["raw.gen.go"] = rewriteHeader(string(formatted))
	if len(failed) > 0 { // the first file by name, so that the error does not depend on timing
		first := slices.Min(slices.Collect(maps.Keys(failed)))
		return nil, &InputError{File: cfg.Spec.Name, Kind: ErrGenerate, Err: failed[first]}
	}
	for name, data := range rendered {
		maps.Copy(taken, declared[name])
		files[name] = data
	}
	local := map[string]bool{}
	runtimeAliases(raw, local)
	aliases, err := aliasPass(api, pkg, reexported, taken, local)
	if err != nil {
		return nil, &InputError{File: cfg.Spec.Name, Kind: ErrGenerate, Err: fmt.Errorf("aliases.gen.go: %w", err)}
	}
	var buf bytes.Buffer
	if err := aliases.Render(&buf); err != nil {
		return nil, &InputError{File: cfg.Spec.Name, Kind: ErrGenerate, Err: fmt.Errorf("aliases.gen.go: %w", err)}
	}
	files["aliases.gen.go"] = buf.Bytes()
	return files, nil
}

// formatModels is oapi-codegen's last step, which the pipeline runs itself (SkipFmt):
// goimports on the generated source, its error worded as oapi-codegen words it.
func formatModels(pkg, src string) ([]byte, error) {
	out, err := imports.Process(pkg+".go", []byte(src), nil)
	if err == nil {
		return out, nil
	}
	var list scanner.ErrorList
	if errors.As(err, &list) && list.Len() > 0 && list[0].Pos.Line > 0 {
		return nil, fmt.Errorf("error formatting Go code at line %d: %w", list[0].Pos.Line, err)
	}
	return nil, fmt.Errorf("error formatting Go code: %w", err)
}

// rewriteHeader replaces oapi-codegen's package comment with the standard generated-code
// marker, so that the package documentation comes from one hand-written file.
func rewriteHeader(src string) []byte {
	if i := strings.Index(src, "\npackage "); i >= 0 {
		src = src[i+1:]
	}
	return []byte("// Code generated by qiwigen with oapi-codegen. DO NOT EDIT.\n\n" + src)
}
