// Package modeldiff compares a JSON body with the model decoded from it: the members the
// model does not reproduce are what QIWI added without notice (drift), and a member spelled
// in another letter case than the model's is told apart from the one the model knows.
package modeldiff

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/qiwigen/qiwigen/generator/runtime/jsonpointer"
)

// DriftReporter learns of answer members the generated model does not know: QIWI adds
// fields without notice, the client decodes leniently and drops them, and this hook lets a
// service log or count them. Pointers are JSON pointers into the answer body.
type DriftReporter func(ctx context.Context, operationID string, pointers []string)

// UnknownMembers lists the members of an answer body that encoding the decoded model does
// not reproduce; null members count as absent. A member spelled in another letter case than
// the model's is one of them: answers are not signed, so it is drift, not an attack.
func UnknownMembers(body []byte, decoded any) []string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var tree any
	if dec.Decode(&tree) != nil {
		return nil
	}
	unknown, err := CompareWithModel(tree, decoded, false)
	if err != nil {
		return nil
	}
	return unknown
}

// CompareWithModel walks the body's tree beside the model's own encoding and lists, sorted,
// the members the model does not reproduce (null members count as absent). With exactNames,
// a body member that the model knows under a name differing only in letter case is an error
// instead (encoding/json filled the member from it, while verification reads the exact
// name).
func CompareWithModel(tree, model any, exactNames bool) ([]string, error) {
	data, err := json.Marshal(model)
	if err != nil {
		return nil, err
	}
	var known any
	if err := json.Unmarshal(data, &known); err != nil {
		return nil, err
	}
	var unknown []string
	var walk func(ptr string, r, k any) error
	walk = func(ptr string, r, k any) error {
		switch rv := r.(type) {
		case map[string]any:
			kv, _ := k.(map[string]any)
			for _, name := range sortedKeys(rv) {
				child := rv[name]
				p := ptr + "/" + jsonpointer.Escape(name)
				if other, ok := kv[name]; ok {
					if err := walk(p, child, other); err != nil {
						return err
					}
					continue
				}
				if exactNames {
					folded := FoldName(name)
					for modelName := range kv {
						if FoldName(modelName) == folded {
							return fmt.Errorf("%s: member %q is %q in the model: names must match exactly", p, name, modelName)
						}
					}
				}
				if child != nil {
					unknown = append(unknown, p)
				}
			}
		case []any:
			kv, _ := k.([]any)
			for i, child := range rv {
				if i < len(kv) {
					if err := walk(ptr+"/"+strconv.Itoa(i), child, kv[i]); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	if err := walk("", tree, known); err != nil {
		return nil, err
	}
	sort.Strings(unknown)
	return unknown, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// FoldName maps a member name to a key that two names share exactly when encoding/json
// would take them for the same member: each rune becomes the smallest rune of its simple
// case-folding orbit (so "K", "k" and the Kelvin sign fold alike, as they do for
// strings.EqualFold).
func FoldName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < least {
				least = f
			}
		}
		b.WriteRune(least)
	}
	return b.String()
}
