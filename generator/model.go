package generator

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"

	"github.com/qiwigen/qiwigen/spec/ext"
	"github.com/qiwigen/qiwigen/spec/notification"
)

// operation is what the typed-client pass needs to know of one API operation.
type operation struct {
	ID          string // operationId as in the spec
	GoName      string // CreateInvoice
	Method      string
	Path        string
	Summary     string
	Description string
	DocURL      string
	Params      []pathParam // path parameters in path order
	HasBody     bool
	BodyType    string // Go type of the JSON request body: its component model, or the operation's alias
	Result      string // Go type of the 2xx JSON body; "" for none
	ResultList  bool   // the body is an array of Result
	ResultRaw   bool   // the body has an inline schema: returned as json.RawMessage
	Idempotent  bool
	Signed      bool // X-Digital-Sign
	// Notifications are the callbacks' names (notification types) the request may trigger.
	Notifications []string
	Deprecated    bool
	// ResolveAlreadyDone names the GET operation that fetches the existing object when QIWI
	// answers a repeated call with "already done" (x-qiwi-resolve-already-done).
	ResolveAlreadyDone string
}

type pathParam struct {
	Name   string // paymentId
	GoName string // paymentID (Go identifier for the argument)
	GoType string // PaymentID, or string for inline parameters
	// Config is the configuration value that fills the parameter (x-qiwi-config-param), ""
	// for one the caller gives.
	Config string
}

// args are the path parameters the caller gives, in path order: those the configuration
// does not fill.
func (o operation) args() []pathParam {
	var out []pathParam
	for _, p := range o.Params {
		if p.Config == "" {
			out = append(out, p)
		}
	}
	return out
}

// collectOperations lists the operations of the document that oapi-codegen filtered,
// sorted by path and method.
func collectOperations(kept *openapi3.T) ([]operation, error) {
	var ops []operation
	for path, item := range kept.Paths.Map() {
		for method, op := range item.Operations() {
			o, err := describeOperation(path, method, item, op)
			if err != nil {
				return nil, err
			}
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	return ops, nil
}

func describeOperation(path, method string, item *openapi3.PathItem, op *openapi3.Operation) (operation, error) {
	if op.OperationID == "" {
		return operation{}, fmt.Errorf("%s %s has no operationId", strings.ToUpper(method), path)
	}
	o := operation{
		ID:          op.OperationID,
		GoName:      codegen.ToCamelCaseWithInitialisms(op.OperationID),
		Method:      method,
		Path:        path,
		Summary:     op.Summary,
		Description: op.Description,
		Deprecated:  op.Deprecated,
		HasBody:     op.RequestBody != nil && op.RequestBody.Value != nil && op.RequestBody.Value.Content.Get("application/json") != nil,
		Idempotent:  method == http.MethodGet || method == http.MethodPut || method == http.MethodDelete,
	}
	resolve, err := ext.ResolveAlreadyDoneOf(op)
	if err != nil {
		return operation{}, fmt.Errorf("%s: %w", op.OperationID, err)
	}
	o.ResolveAlreadyDone = resolve
	if op.ExternalDocs != nil {
		o.DocURL = op.ExternalDocs.URL
	}
	if op.Security != nil {
		for _, req := range *op.Security {
			if _, ok := req["digitalSign"]; ok {
				o.Signed = true
			}
		}
	}
	params := map[string]*openapi3.ParameterRef{}
	for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
		if p.Value != nil && p.Value.In == openapi3.ParameterInPath {
			params[p.Value.Name] = p
		}
	}
	for _, seg := range strings.Split(path, "/") {
		if !strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") {
			continue
		}
		name := seg[1 : len(seg)-1]
		p, ok := params[name]
		if !ok {
			return operation{}, fmt.Errorf("%s %s: path parameter %q is not declared", strings.ToUpper(method), path, name)
		}
		goType := "string"
		if strings.HasPrefix(p.Ref, "#/components/parameters/") {
			goType = codegen.SchemaNameToTypeName(strings.TrimPrefix(p.Ref, "#/components/parameters/"))
		}
		config, _, err := ext.ConfigParamOf(p.Value)
		if err != nil {
			return operation{}, fmt.Errorf("%s %s: path parameter %s: %w", strings.ToUpper(method), path, name, err)
		}
		goName := codegen.ToCamelCaseWithInitialisms(name)
		goName = strings.ToLower(goName[:1]) + goName[1:]
		o.Params = append(o.Params, pathParam{Name: name, GoName: goName, GoType: goType, Config: string(config)})
	}
	for name, cb := range op.Callbacks {
		types := notification.CallbackTypes(cb)
		if len(types) == 0 {
			types = []string{name}
		}
		for _, typ := range types {
			if !slices.Contains(o.Notifications, typ) {
				o.Notifications = append(o.Notifications, typ)
			}
		}
	}
	sort.Strings(o.Notifications)
	if o.HasBody {
		o.BodyType = o.GoName + "JSONRequestBody"
		if name, ok := componentName(op.RequestBody.Value.Content.Get("application/json").Schema.Ref); ok {
			o.BodyType = codegen.SchemaNameToTypeName(name)
		}
	}
	for _, code := range []string{"200", "201", "202"} {
		resp := op.Responses.Value(code)
		if resp == nil || resp.Value == nil {
			continue
		}
		mt := resp.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil {
			break
		}
		o.Result, o.ResultList = schemaGoType(mt.Schema)
		o.ResultRaw = o.Result == ""
		break
	}
	return o, nil
}

// schemaGoType names the Go type of a response schema: a component type, a list of one, or
// json.RawMessage for inline schemas.
func schemaGoType(s *openapi3.SchemaRef) (string, bool) {
	if name, ok := componentName(s.Ref); ok {
		return codegen.SchemaNameToTypeName(name), false
	}
	if s.Value != nil && s.Value.Type.Is("array") && s.Value.Items != nil {
		if name, ok := componentName(s.Value.Items.Ref); ok {
			return codegen.SchemaNameToTypeName(name), true
		}
	}
	return "", false
}

func componentName(ref string) (string, bool) {
	const prefix = "#/components/schemas/"
	if strings.HasPrefix(ref, prefix) {
		return strings.TrimPrefix(ref, prefix), true
	}
	return "", false
}
