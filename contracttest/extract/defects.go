package extract

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// jsonDefects describes what makes a documented JSON example invalid.
func jsonDefects(text string) []string {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	var defects []string
	if jsonComment.MatchString(text) {
		defects = append(defects, "comments inside JSON")
	}
	dec := json.NewDecoder(strings.NewReader(text))
	var v any
	if err := dec.Decode(&v); err != nil {
		defects = append(defects, "invalid JSON: "+err.Error())
		return defects
	}
	if _, err := dec.Token(); err != io.EOF {
		defects = append(defects, "more than one JSON value (prose or a second example in the block)")
	}
	if dups := duplicateKeys(text); len(dups) > 0 {
		defects = append(defects, "duplicate keys: "+strings.Join(dups, ", "))
	}
	return defects
}

// requestDefects are jsonDefects plus what a request body may not carry: an amount (an
// object with value and currency) whose value is not written with exactly two fraction
// digits, which QIWI refuses in requests.
func requestDefects(text string) []string {
	defects := jsonDefects(text)
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return defects
	}
	var walk func(node any)
	walk = func(node any) {
		switch n := node.(type) {
		case map[string]any:
			if value, ok := n["value"]; ok && n["currency"] != nil {
				if text := fmt.Sprint(value); !twoFractionDigits.MatchString(text) {
					defects = append(defects, fmt.Sprintf("a request amount written %s, not with two fraction digits as QIWI requires", text))
				}
			}
			for _, k := range slices.Sorted(maps.Keys(n)) {
				walk(n[k])
			}
		case []any:
			for _, e := range n {
				walk(e)
			}
		}
	}
	walk(v)
	return defects
}

var twoFractionDigits = regexp.MustCompile(`^-?[0-9]+\.[0-9]{2}$`)

// duplicateKeys lists members that appear twice in one object, as JSON pointers.
func duplicateKeys(text string) []string {
	dec := json.NewDecoder(strings.NewReader(text))
	var dups []string
	var walk func(ptr string) error
	walk = func(ptr string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k := kt.(string)
				if seen[k] {
					dups = append(dups, ptr+"/"+k)
				}
				seen[k] = true
				if err := walk(ptr + "/" + k); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(ptr + "/" + strconv.Itoa(i)); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	if walk("") != nil {
		return nil
	}
	sort.Strings(dups)
	return dups
}
