package extract

import (
	"encoding/json"
	"io"
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

// requestDefects are what makes a documented request body invalid: jsonDefects. How its
// amounts must be written is each API's rule, which the judge applies (the spec's
// x-qiwi-request-amount, checked by wiretype.AmountForm.Check): an example that breaks it
// fails there, not here.
func requestDefects(text string) []string {
	return jsonDefects(text)
}

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
