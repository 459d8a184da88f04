package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
)

// writeJSON answers body as JSON (encoding/json's bytes, as appendJSON writes them), with
// status; a nil body answers the status alone. A body encoding/json refuses answers the
// status with no body.
func (s *Sandbox) writeJSON(w http.ResponseWriter, status int, body any) {
	if body == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	buf, _ := s.answers.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	data, err := appendJSON((*buf)[:0], body)
	w.WriteHeader(status)
	if err == nil {
		data = append(data, '\n')
		_, _ = w.Write(data) // the client went away: nothing to tell it
		*buf = data
	}
	s.answers.Put(buf)
}

// appendJSON appends v to buf as encoding/json encodes it (keys sorted, <, > and & escaped).
// The answers' own shapes, objects as map[string]any, []any, strings and amounts, are written here,
// without the reflection and the sorting of reflected keys that encoding/json spends most of
// an answer's time on; every other value (numbers, structs, []string...) by json.Marshal.
func appendJSON(buf []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			return append(buf, "null"...), nil
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		buf = append(buf, '{')
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, k)
			buf = append(buf, ':')
			var err error
			if buf, err = appendJSON(buf, v[k]); err != nil {
				return nil, err
			}
		}
		return append(buf, '}'), nil
	case []any:
		if v == nil {
			return append(buf, "null"...), nil
		}
		buf = append(buf, '[')
		for i, e := range v {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendJSON(buf, e); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	case string:
		return appendString(buf, v), nil
	case amount:
		buf = append(buf, `{"currency":`...)
		buf = appendString(buf, v.Currency)
		buf = append(buf, `,"value":`...)
		buf = appendString(buf, v.Value)
		return append(buf, '}'), nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(buf, data...), nil
}

// appendString appends s quoted: as it is when every byte is printable ASCII that needs no
// escape in JSON (nor in HTML: <, > and &), else as json.Marshal writes it.
func appendString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			data, _ := json.Marshal(s) // a string always encodes
			return append(buf, data...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}
