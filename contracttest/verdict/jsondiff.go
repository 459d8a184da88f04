package verdict

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// Difference is one place where two JSON documents differ, by JSON pointer.
type Difference struct {
	Pointer string // where, in the recorded document
	Kind    string // "dropped", "added", "changed"
	Want    string // the recorded value (JSON), empty when added
	Got     string // the other value (JSON), empty when dropped
}

// String describes the difference for reports.
func (d Difference) String() string {
	switch d.Kind {
	case "dropped":
		return fmt.Sprintf("%s dropped (recorded %s)", d.Pointer, d.Want)
	case "added":
		return fmt.Sprintf("%s added (%s)", d.Pointer, d.Got)
	}
	return fmt.Sprintf("%s changed from %s to %s", d.Pointer, d.Want, d.Got)
}

// compareMode says how leaf values compare.
type compareMode int

const (
	// exact: numbers by their text, strings by their text ("5" is not "5.00").
	exact compareMode = iota
	// semantic: numbers by decimal value, and a number equals a string holding the same
	// decimal (an amount may travel either way).
	semantic
)

func decodeJSON(data string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// diffJSON compares want (recorded) with got. A member that is null on one side and absent
// on the other is no difference: QIWI's nulls and Go's omitted fields mean the same.
func diffJSON(want, got any, mode compareMode) []Difference {
	var out []Difference
	diffValue("", want, got, mode, &out)
	sort.Slice(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out
}

func render(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func diffValue(ptr string, want, got any, mode compareMode, out *[]Difference) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*out = append(*out, Difference{Pointer: ptrOrRoot(ptr), Kind: "changed", Want: render(want), Got: render(got)})
			return
		}
		for k, wv := range w {
			p := jsonpointer.Append(ptr, k)
			gv, present := g[k]
			switch {
			case !present && wv == nil:
			case !present:
				*out = append(*out, Difference{Pointer: p, Kind: "dropped", Want: render(wv)})
			default:
				diffValue(p, wv, gv, mode, out)
			}
		}
		for k, gv := range g {
			if _, present := w[k]; !present && gv != nil {
				*out = append(*out, Difference{Pointer: jsonpointer.Append(ptr, k), Kind: "added", Got: render(gv)})
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			*out = append(*out, Difference{Pointer: ptrOrRoot(ptr), Kind: "changed", Want: render(want), Got: render(got)})
			return
		}
		for i := 0; i < len(w) || i < len(g); i++ {
			p := ptr + "/" + strconv.Itoa(i)
			switch {
			case i >= len(g):
				*out = append(*out, Difference{Pointer: p, Kind: "dropped", Want: render(w[i])})
			case i >= len(w):
				*out = append(*out, Difference{Pointer: p, Kind: "added", Got: render(g[i])})
			default:
				diffValue(p, w[i], g[i], mode, out)
			}
		}
	default:
		if !leafEqual(want, got, mode) {
			*out = append(*out, Difference{Pointer: ptrOrRoot(ptr), Kind: "changed", Want: render(want), Got: render(got)})
		}
	}
}

func leafEqual(want, got any, mode compareMode) bool {
	if mode == exact {
		return sameText(want, got)
	}
	wstr, ws := want.(string)
	gstr, gs := got.(string)
	if ws && gs {
		// Two strings: text, even when both look like numbers; two timestamps: the instant,
		// whatever the precision or offset they are written with.
		return wstr == gstr || sameInstant(wstr, gstr)
	}
	wd, wok := decimal(want)
	gd, gok := decimal(got)
	if wok && gok {
		return wd.Equal(gd)
	}
	return render(want) == render(got)
}

// sameText reports whether two decoded JSON values are written alike (render): a string, a
// number, a boolean or null is compared as itself, without encoding it (decoded strings are
// UTF-8, which encoding writes one way); anything else by its encoding.
func sameText(want, got any) bool {
	switch w := want.(type) {
	case string:
		g, ok := got.(string)
		return ok && w == g
	case json.Number:
		g, ok := got.(json.Number)
		return ok && w == g
	case bool:
		g, ok := got.(bool)
		return ok && w == g
	case nil:
		return got == nil
	}
	return render(want) == render(got)
}

// sameInstant reports whether two strings are timestamps of the same instant.
func sameInstant(a, b string) bool {
	ta, err := wiretype.ParseTimestamp(a)
	if err != nil {
		return false
	}
	tb, err := wiretype.ParseTimestamp(b)
	return err == nil && ta.Time().Equal(tb.Time())
}

// decimal reads a JSON number, or a string holding a decimal, as Money. Values with more than
// two fraction digits do not count: they compare by text.
func decimal(v any) (wiretype.Money, bool) {
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = t
	default:
		return wiretype.Money{}, false
	}
	m, err := wiretype.ParseMoney(s)
	return m, err == nil
}

func ptrOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// DiffJSON compares two JSON documents as the client verdict compares a model's encoding
// with its recording: numbers by decimal value (a number equals a string holding the same
// amount), timestamps by instant, a member null on one side and absent on the other alike.
// It returns the differences sorted by pointer, or the error of a document that is not JSON.
func DiffJSON(recorded, other string) ([]Difference, error) {
	want, err := decodeJSON(recorded)
	if err != nil {
		return nil, fmt.Errorf("the recorded body: %w", err)
	}
	got, err := decodeJSON(other)
	if err != nil {
		return nil, fmt.Errorf("the other body: %w", err)
	}
	return diffJSON(want, got, semantic), nil
}
