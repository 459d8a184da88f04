package qiwiruntime

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// DriftReporter learns of answer members the generated model does not know: QIWI adds
// fields without notice, the client decodes leniently and drops them, and this hook lets a
// service log or count them. Pointers are JSON pointers into the answer body.
type DriftReporter func(ctx context.Context, operationID string, pointers []string)

// WithDriftReporter reports undocumented answer members. Finding them costs a second encoding
// of each answer, so it is off unless configured.
func WithDriftReporter(r DriftReporter) Option {
	return func(c *Caller) error { c.drift = r; return nil }
}

// unknownMembers lists the members of body that encoding the decoded model does not
// reproduce; null members count as absent.
func unknownMembers(body []byte, decoded any) []string {
	var raw any
	if json.Unmarshal(body, &raw) != nil {
		return nil
	}
	data, err := json.Marshal(decoded)
	if err != nil {
		return nil
	}
	var known any
	if json.Unmarshal(data, &known) != nil {
		return nil
	}
	var out []string
	var walk func(ptr string, r, k any)
	walk = func(ptr string, r, k any) {
		switch rv := r.(type) {
		case map[string]any:
			kv, _ := k.(map[string]any)
			for name, child := range rv {
				p := ptr + "/" + strings.ReplaceAll(strings.ReplaceAll(name, "~", "~0"), "/", "~1")
				other, ok := kv[name]
				if !ok {
					if child != nil {
						out = append(out, p)
					}
					continue
				}
				walk(p, child, other)
			}
		case []any:
			kv, _ := k.([]any)
			for i, child := range rv {
				if i < len(kv) {
					walk(ptr+"/"+strconv.Itoa(i), child, kv[i])
				}
			}
		}
	}
	walk("", raw, known)
	sort.Strings(out)
	return out
}
