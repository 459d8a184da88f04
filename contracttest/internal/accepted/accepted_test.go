package accepted_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/internal/accepted"
)

// entry is a user's entry type, with its own JSON tags.
type entry struct {
	ID      string `json:"id"`
	Kind    string `json:"kind,omitempty"`
	Subject string `json:"subject,omitempty"`
	Reason  string `json:"reason"`
}

var errTest = errors.New("invalid test file")

var format = accepted.Format[entry]{
	Err:    errTest,
	Noun:   "thing",
	ID:     func(e entry) string { return e.ID },
	Reason: func(e entry) string { return e.Reason },
}

// A file's entries come back in the file's order, each as the user's type reads it.
func TestParse(t *testing.T) {
	got, err := format.Parse("a.json", []byte(`{"findings": [
  {"id": "b", "kind": "k", "subject": "s", "reason": "why b"},
  {"id": "a", "reason": "why a"}
]}`))
	require.NoError(t, err)
	assert.Equal(t, []entry{{ID: "b", Kind: "k", Subject: "s", Reason: "why b"}, {ID: "a", Reason: "why a"}}, got)

	got, err = format.Parse("a.json", []byte(`{"findings": []}`+"\n\n"))
	require.NoError(t, err)
	assert.Empty(t, got)
}

// Every bad file is an error wrapping the user's sentinel and naming the file and the line, or
// the entry's JSON pointer; the user's noun names what an entry accepts.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{"{\"findings\": [\n  {\"id\": \"a\",,}]}", "a.json:2: invalid test file: invalid character ','"},
		{"{\"findings\": [\n\n  {\"id\": 5, \"reason\": \"r\"}]}", "a.json:3: invalid test file: findings.id must be a string"},
		{`{"findings": [], "extra": 1}`, `a.json: invalid test file: json: unknown field "extra"`},
		{`{"findings": [{"id": "a", "reason": "r", "note": ""}]}`, `a.json: invalid test file: json: unknown field "note"`},
		{`{"findings": [{"reason": "r"}]}`, "a.json: /findings/0/id: invalid test file: missing"},
		{`{"findings": [{"id": "a"}]}`, "a.json: /findings/0/reason: invalid test file: an accepted thing needs its reason"},
		{`{"findings": [{"id": "a", "reason": "r"}, {"id": "a", "reason": "s"}]}`, "a.json: /findings/1/id: invalid test file: a listed twice"},
		{"{\"findings\": []}\n\n{\"findings\": [{\"id\": \"a\"}]}\n", "a.json:3: invalid test file: content after the object"},
		{"{\"findings\": []}\nstray", "a.json:2: invalid test file: content after the object"},
		{"", "a.json: invalid test file: EOF"},
		{"{\"findings\": [\n", "a.json: invalid test file: unexpected EOF"},
	} {
		_, err := format.Parse("a.json", []byte(tc.data))
		require.Error(t, err, tc.data)
		assert.ErrorIs(t, err, errTest, tc.data)
		assert.True(t, strings.HasPrefix(err.Error(), tc.want), "%q: got %q, want it to start %q", tc.data, err, tc.want)
	}
}

// Read names the path in errors and returns the reading error as it is.
func TestRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ignore.json")
	require.NoError(t, os.WriteFile(path, []byte("{\"findings\": [\n  {\"id\": \"a\"}]}"), 0o600))
	_, err := format.Read(path)
	require.ErrorIs(t, err, errTest)
	assert.Contains(t, err.Error(), path+": /findings/0/reason")

	_, err = format.Read(filepath.Join(dir, "missing.json"))
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.NotErrorIs(t, err, errTest)
}

// Match accepts every finding an entry lists, with the entry's reason, and returns the entries
// listing no finding in the file's order.
func TestMatch(t *testing.T) {
	entries := []entry{{ID: "gone-2", Reason: "old"}, {ID: "x", Reason: "known"}, {ID: "gone-1", Reason: "older"}}
	ids := []string{"x", "y", "x"}
	accepted := map[int]string{}
	stale := format.Match(entries, len(ids), func(i int) string { return ids[i] }, func(i int, reason string) { accepted[i] = reason })
	assert.Equal(t, map[int]string{0: "known", 2: "known"}, accepted)
	assert.Equal(t, []entry{{ID: "gone-2", Reason: "old"}, {ID: "gone-1", Reason: "older"}}, stale)

	assert.Nil(t, format.Match(nil, len(ids), func(i int) string { return ids[i] }, func(int, string) { t.Fatal("nothing to accept") }))
	assert.Equal(t, entries, format.Match(entries, 0, func(int) string { t.Fatal("no finding"); return "" }, nil))
}

var lineRE = regexp.MustCompile(`^f\.json:(\d+): `)

// Whatever the file holds, Parse returns entries with an ID and a reason each, no ID twice, that
// read back the same once written; or an error wrapping the sentinel that names the file (and a
// line within it).
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"findings": [{"id": "a", "kind": "k", "subject": "s", "reason": "r"}]}`))
	f.Add([]byte("{\"findings\": [\n  {\"id\": \"a\", \"reason\": \"r\"},\n  {\"id\": \"a\", \"reason\": \"r\"}\n]}\n"))
	f.Add([]byte("{\"findings\": []} {}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := format.Parse("f.json", data)
		if err != nil {
			if !errors.Is(err, errTest) || !strings.HasPrefix(err.Error(), "f.json") {
				t.Fatalf("error without the sentinel or the file: %v", err)
			}
			if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
				line, _ := strconv.Atoi(m[1])
				if line < 1 || line > strings.Count(string(data), "\n")+1 {
					t.Fatalf("line %d outside the file's %d: %v", line, strings.Count(string(data), "\n")+1, err)
				}
			}
			return
		}
		seen := map[string]bool{}
		for i, e := range got {
			if e.ID == "" || e.Reason == "" || seen[e.ID] {
				t.Fatalf("entry %d: %+v accepted", i, e)
			}
			seen[e.ID] = true
		}
		out, err := json.Marshal(map[string][]entry{"findings": got})
		if err != nil {
			t.Fatal(err)
		}
		again, err := format.Parse("f.json", out)
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("%s reads back as %+v, %v; want %+v", out, again, err, got)
		}
	})
}
