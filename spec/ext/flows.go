package ext

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Flows (document, list): QIWI's flows as state machines, each a list of steps naming
// operationIds and how earlier answers feed each step's parameters and body. The contract
// prober (contracttest/probe) walks them.
const Flows = "x-qiwi-flows"

// Flow is one declared flow.
type Flow struct {
	// Name identifies the flow in reports (card-payment-3ds).
	Name string
	// Description says what the flow does, for people.
	Description string
	// Steps run in order.
	Steps []FlowStep
	// Unavailable says why the flow cannot run ("" when it can): it names an operation the
	// document lacks, as a consumer's overlay that drops operations leaves it.
	Unavailable string
}

// FlowStep is one step of a flow: an operation called, or a pay form paid.
type FlowStep struct {
	// ID names the step for later steps' expressions; it defaults to the operationId.
	ID string
	// OperationID is the operation called; "" for a pay-form step.
	OperationID string
	// PayForm, for a step without an operation, is the expression of the URL of a pay form
	// the customer pays (a POST of the empty form, as the test mode's form takes it).
	PayForm string
	// Parameters are the path parameters other than the configured ones, by name, as
	// expressions; a parameter left out gets a fresh unique ID.
	Parameters map[string]string
	// Body sets request body members, by JSON pointer, to values: a string is an expression,
	// anything else is written as is. The rest of the body is generated from its schema.
	Body map[string]any
	// Expect are answer members, by JSON pointer, and the value each must have (an
	// expression).
	Expect map[string]string
	// Refused marks an operation the test mode refuses: the step expects QIWI's error
	// answer (a 4xx), and later steps cannot use its answer.
	Refused bool
	// Notifies are the notifications the step causes; a prober listening for notifications
	// waits for each and reports a missing one.
	Notifies []FlowNotification
}

// FlowNotification is a notification a step causes: its type (PAYMENT, BILL, ...) and the
// members, by JSON pointer into its body, that tell it apart from the others, each an
// expression as in Expect ("$STEP.PARAM" may name the step itself).
type FlowNotification struct {
	Type    string
	Members map[string]string
}

// Flow expressions: a string value in Parameters, Body or Expect is one of
//
//	$new                 a fresh unique ID
//	$STEP#/pointer       a member of step STEP's answer
//	$STEP.NAME           step STEP's path parameter NAME
//	$testmode.NAME       a value of the test mode (the prober knows the names)
//	anything else        itself
//
// ExprKind sorts them.
type ExprKind int

// Expression kinds.
const (
	ExprLiteral ExprKind = iota
	ExprNew
	ExprAnswer
	ExprParam
	ExprTestMode
)

// Expr is a parsed flow expression.
type Expr struct {
	Kind ExprKind
	// Step is the step referred to (ExprAnswer, ExprParam).
	Step string
	// Name is the pointer (ExprAnswer), the parameter (ExprParam) or the test-mode value's
	// name (ExprTestMode); for a literal, the text.
	Name string
}

// ParseExpr parses a flow expression.
func ParseExpr(s string) (Expr, error) {
	switch {
	case !strings.HasPrefix(s, "$"):
		return Expr{Kind: ExprLiteral, Name: s}, nil
	case s == "$new":
		return Expr{Kind: ExprNew}, nil
	case strings.HasPrefix(s, "$testmode."):
		name := strings.TrimPrefix(s, "$testmode.")
		if name == "" {
			return Expr{}, invalid("%q names no test-mode value", s)
		}
		return Expr{Kind: ExprTestMode, Name: name}, nil
	}
	if step, ptr, ok := strings.Cut(s[1:], "#"); ok {
		if step == "" || !strings.HasPrefix(ptr, "/") {
			return Expr{}, invalid("%q is not $STEP#/pointer", s)
		}
		return Expr{Kind: ExprAnswer, Step: step, Name: ptr}, nil
	}
	if step, name, ok := strings.Cut(s[1:], "."); ok && step != "" && name != "" {
		return Expr{Kind: ExprParam, Step: step, Name: name}, nil
	}
	return Expr{}, invalid("%q is not $new, $STEP#/pointer, $STEP.PARAM or $testmode.NAME", s)
}

// FlowsOf returns the document's flows, checked: unique names and step IDs, each step an
// operation or a pay form, each expression well formed and naming an earlier step, each
// parameter one of its operation's path parameters. A flow naming an operation the document
// lacks is kept, marked Unavailable: an overlay may drop operations.
func FlowsOf(doc *openapi3.T) ([]Flow, error) {
	raw, ok := doc.Extensions[Flows]
	if !ok {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, invalid("%s must be a list of flows", Flows)
	}
	ops := map[string]*openapi3.Operation{}
	params := map[string][]string{}
	if doc.Paths != nil {
		for _, path := range doc.Paths.InMatchingOrder() {
			item := doc.Paths.Value(path)
			for _, op := range item.Operations() {
				ops[op.OperationID] = op
				for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
					if p != nil && p.Value != nil && p.Value.In == openapi3.ParameterInPath {
						params[op.OperationID] = append(params[op.OperationID], p.Value.Name)
					}
				}
			}
		}
	}
	var flows []Flow
	names := map[string]bool{}
	for i, item := range list {
		at := fmt.Sprintf("%s[%d]", Flows, i)
		m, ok := item.(map[string]any)
		if !ok {
			return nil, invalid("%s must be an object with name, description and steps", at)
		}
		var f Flow
		f.Name, _ = m["name"].(string)
		f.Description, _ = m["description"].(string)
		if f.Name == "" || names[f.Name] {
			return nil, invalid("%s.name must be a unique non-empty string", at)
		}
		names[f.Name] = true
		steps, ok := m["steps"].([]any)
		if !ok || len(steps) == 0 {
			return nil, invalid("%s (%s).steps must be a non-empty list", at, f.Name)
		}
		seen := map[string]string{} // step ID → operationId
		for k, rawStep := range steps {
			sat := fmt.Sprintf("%s (%s).steps[%d]", at, f.Name, k)
			step, err := flowStep(sat, rawStep, ops, params, seen)
			if err != nil {
				return nil, err
			}
			seen[step.ID] = step.OperationID
			f.Steps = append(f.Steps, step)
			if step.OperationID != "" && ops[step.OperationID] == nil && f.Unavailable == "" {
				f.Unavailable = fmt.Sprintf("step %s: operationId %s is not an operation of the spec", step.ID, step.OperationID)
			}
		}
		flows = append(flows, f)
	}
	return flows, nil
}

// flowStep reads and checks one step.
func flowStep(at string, raw any, ops map[string]*openapi3.Operation, params map[string][]string, earlier map[string]string) (FlowStep, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return FlowStep{}, invalid("%s must be an object", at)
	}
	for k := range m {
		if !slices.Contains([]string{"id", "operationId", "payForm", "parameters", "body", "expect", "refused", "notifies"}, k) {
			return FlowStep{}, invalid("%s: unknown member %s", at, k)
		}
	}
	var s FlowStep
	s.OperationID, _ = m["operationId"].(string)
	s.PayForm, _ = m["payForm"].(string)
	s.ID, _ = m["id"].(string)
	if raw, ok := m["refused"]; ok {
		if s.Refused, ok = raw.(bool); !ok {
			return FlowStep{}, invalid("%s.refused must be true or false", at)
		}
	}
	switch {
	case (s.OperationID == "") == (s.PayForm == ""):
		return FlowStep{}, invalid("%s needs an operationId or a payForm, not both", at)
	}
	if s.ID == "" {
		s.ID = s.OperationID
	}
	if s.ID == "" {
		return FlowStep{}, invalid("%s: a payForm step needs an id", at)
	}
	if _, dup := earlier[s.ID]; dup {
		return FlowStep{}, invalid("%s: step id %s is used twice (give it an id)", at, s.ID)
	}
	check := func(where, text string) error {
		e, err := ParseExpr(text)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", at, where, err)
		}
		if e.Kind == ExprAnswer || e.Kind == ExprParam {
			op, ok := earlier[e.Step]
			if !ok {
				return invalid("%s.%s: %q names no earlier step", at, where, text)
			}
			if e.Kind == ExprParam && ops[op] != nil && !slices.Contains(params[op], e.Name) {
				return invalid("%s.%s: %q: %s has no path parameter %s", at, where, text, op, e.Name)
			}
		}
		return nil
	}
	if s.PayForm != "" {
		if err := check("payForm", s.PayForm); err != nil {
			return FlowStep{}, err
		}
	}
	var err error
	if s.Parameters, err = exprMap(m, "parameters", at); err != nil {
		return FlowStep{}, err
	}
	for name, text := range s.Parameters {
		if ops[s.OperationID] != nil && !slices.Contains(params[s.OperationID], name) {
			return FlowStep{}, invalid("%s.parameters: %s has no path parameter %s", at, s.OperationID, name)
		}
		if err := check("parameters."+name, text); err != nil {
			return FlowStep{}, err
		}
	}
	if s.Expect, err = exprMap(m, "expect", at); err != nil {
		return FlowStep{}, err
	}
	for ptr, text := range s.Expect {
		if !strings.HasPrefix(ptr, "/") {
			return FlowStep{}, invalid("%s.expect: %q is not a JSON pointer", at, ptr)
		}
		if err := check("expect."+ptr, text); err != nil {
			return FlowStep{}, err
		}
	}
	if raw, ok := m["body"]; ok {
		body, ok := raw.(map[string]any)
		if !ok || s.OperationID == "" {
			return FlowStep{}, invalid("%s.body must be an object of JSON pointers, on an operation step", at)
		}
		for ptr, v := range body {
			if !strings.HasPrefix(ptr, "/") {
				return FlowStep{}, invalid("%s.body: %q is not a JSON pointer", at, ptr)
			}
			if text, ok := v.(string); ok {
				if err := check("body."+ptr, text); err != nil {
					return FlowStep{}, err
				}
			}
		}
		s.Body = body
	}
	if s.Notifies, err = flowNotifications(at, m["notifies"], s, check, earlier); err != nil {
		return FlowStep{}, err
	}
	return s, nil
}

// flowNotifications reads a step's notifies: a list of objects, each a type and members by
// JSON pointer whose expressions may name the step itself (its answer and parameters).
func flowNotifications(at string, raw any, self FlowStep, check func(where, text string) error, earlier map[string]string) ([]FlowNotification, error) {
	if raw == nil {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok || len(list) == 0 {
		return nil, invalid("%s.notifies must be a non-empty list of {type: TYPE, /pointer: value}", at)
	}
	earlier[self.ID] = self.OperationID // the step's own answer and parameters
	defer delete(earlier, self.ID)
	var out []FlowNotification
	for i, item := range list {
		nat := fmt.Sprintf("notifies[%d]", i)
		m, ok := item.(map[string]any)
		typ, _ := m["type"].(string)
		if !ok || typ == "" {
			return nil, invalid("%s.%s needs a type (a notification type)", at, nat)
		}
		n := FlowNotification{Type: typ, Members: map[string]string{}}
		for _, ptr := range slices.Sorted(maps.Keys(m)) {
			if ptr == "type" {
				continue
			}
			text, ok := m[ptr].(string)
			if !strings.HasPrefix(ptr, "/") || !ok {
				return nil, invalid("%s.%s: %q is not a JSON pointer to a string expression", at, nat, ptr)
			}
			if err := check(nat+"."+ptr, text); err != nil {
				return nil, err
			}
			n.Members[ptr] = text
		}
		out = append(out, n)
	}
	return out, nil
}

// exprMap reads an object of strings.
func exprMap(m map[string]any, name, at string) (map[string]string, error) {
	raw, ok := m[name]
	if !ok {
		return nil, nil
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, invalid("%s.%s must be an object of strings", at, name)
	}
	out := make(map[string]string, len(obj))
	for k, v := range obj {
		text, ok := v.(string)
		if !ok {
			return nil, invalid("%s.%s.%s must be a string", at, name, k)
		}
		out[k] = text
	}
	return out, nil
}
