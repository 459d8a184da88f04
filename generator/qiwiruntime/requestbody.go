package qiwiruntime

import (
	"fmt"
	"reflect"
)

// maxRequestDepth bounds the copy of a request body: generated models are trees far
// shallower than this, and a cycle built by hand must not exhaust the stack.
const maxRequestDepth = 64

var (
	moneyType     = reflect.TypeFor[Money]()
	timestampType = reflect.TypeFor[Timestamp]()
)

// RequestBody returns a copy of a request body in which every amount and timestamp has the
// form QIWI's requests must carry: amounts a JSON number with exactly two fraction digits
// (an amount decoded from a notification as 5, or from an answer as "6.77", is sent as
// 5.00 or 6.77), timestamps an explicit offset (a wire value without one, read as Moscow
// time, is sent with +03:00). body itself, and everything it points to, is left unchanged,
// so a decoded object can be passed back as it is: refunding a payment's full amount takes
// payment.Amount.
//
// An amount that is not positive, or a timestamp that was never set (the zero Timestamp),
// is an error wrapping ErrArgument: QIWI refuses both, and a zero value is most often a
// field the caller forgot.
//
// Generated clients call it on every request body.
func RequestBody[T any](body T) (T, error) {
	c := &canonicalizer{holds: map[reflect.Type]bool{}}
	v := reflect.ValueOf(&body).Elem()
	if !c.canHold(v.Type()) {
		return body, nil
	}
	out, ok := c.copy(v, 0).Interface().(T)
	if c.problem != nil {
		return body, c.problem
	}
	if !ok {
		return body, fmt.Errorf("%w: request body of type %T", ErrArgument, body)
	}
	return out, nil
}

// canonicalizer copies one request body; it remembers which types can hold an amount or a
// timestamp, and the first value a request cannot carry.
type canonicalizer struct {
	holds   map[reflect.Type]bool
	problem error
}

// canHold reports whether a value of type t can hold a Money or a Timestamp.
func (c *canonicalizer) canHold(t reflect.Type) bool {
	if known, ok := c.holds[t]; ok {
		return known
	}
	holds := reaches(t, map[reflect.Type]bool{})
	c.holds[t] = holds
	return holds
}

// reaches walks the types a value of type t can contain; visiting stops recursive types.
func reaches(t reflect.Type, visiting map[reflect.Type]bool) bool {
	if t == moneyType || t == timestampType {
		return true
	}
	if visiting[t] {
		return false
	}
	visiting[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return reaches(t.Elem(), visiting)
	case reflect.Interface:
		return true // anything may hide behind it
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && reaches(f.Type, visiting) {
				return true
			}
		}
	}
	return false
}

// copy copies v, replacing amounts and timestamps by their request form. Values that cannot
// hold either are shared, not copied.
func (c *canonicalizer) copy(v reflect.Value, depth int) reflect.Value {
	switch v.Type() {
	case moneyType:
		m, _ := v.Interface().(Money)
		if m.Minor() <= 0 && c.problem == nil {
			c.problem = fmt.Errorf("%w: amount %s is not positive", ErrArgument, m)
		}
		return reflect.ValueOf(m.Canonical())
	case timestampType:
		ts, _ := v.Interface().(Timestamp)
		if ts.IsZero() && c.problem == nil {
			c.problem = fmt.Errorf("%w: a timestamp is not set", ErrArgument)
		}
		return reflect.ValueOf(ts.requestForm())
	}
	if depth > maxRequestDepth || !c.canHold(v.Type()) {
		return v
	}
	out := reflect.New(v.Type()).Elem()
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(c.copy(v.Elem(), depth+1))
		return p
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out.Set(c.copy(v.Elem(), depth+1))
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out.Set(reflect.MakeSlice(v.Type(), v.Len(), v.Len()))
		for i := range v.Len() {
			out.Index(i).Set(c.copy(v.Index(i), depth+1))
		}
	case reflect.Array:
		for i := range v.Len() {
			out.Index(i).Set(c.copy(v.Index(i), depth+1))
		}
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out.Set(reflect.MakeMapWithSize(v.Type(), v.Len()))
		iter := v.MapRange()
		for iter.Next() {
			out.SetMapIndex(iter.Key(), c.copy(iter.Value(), depth+1))
		}
	case reflect.Struct:
		out.Set(v) // unexported fields come along as they are
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out.Field(i).Set(c.copy(v.Field(i), depth+1))
			}
		}
	default:
		return v
	}
	return out
}
