package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/internal/gittest"
)

// billSpec returns the diff package's test spec (contracttest/diff/testdata/levelled.yaml):
// one operation, createBill, with Bill in its request and Answer in its answer; the tests
// edit it.
func billSpec(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "diff", "testdata", "levelled.yaml"))
	require.NoError(t, err)
	return string(data)
}

// specFiles writes the spec and two editions of it: one with a breaking change (comment
// made required), one with only a warning (an answer's maxLength relaxed).
func specFiles(t *testing.T) (old, breaking, warning string) {
	t.Helper()
	spec := billSpec(t)
	dir := t.TempDir()
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
		return path
	}
	return write("old.yaml", spec),
		write("breaking.yaml", strings.Replace(spec, "required: [amount]", "required: [amount, comment]", 1)),
		write("warning.yaml", strings.Replace(spec, "maxLength: 10", "maxLength: 20", 1))
}

// --fail-on sets the level that fails the run; --format the output; --json is --format json.
func TestDiffFailOnAndFormats(t *testing.T) {
	old, breaking, warning := specFiles(t)
	for _, tc := range []struct {
		args   []string
		status int
		out    string // the start of stdout, or a part of stderr for status 2
	}{
		{[]string{old, breaking}, 1, "BREAKING wire required changed: /components/schemas/Bill"},
		{[]string{old, breaking, "--fail-on", "never"}, 0, "BREAKING wire"},
		{[]string{old, warning}, 0, "warning       constraint changed"},
		{[]string{old, warning, "--fail-on", "warning"}, 1, "warning"},
		{[]string{old, breaking, "--format", "markdown"}, 1, "## Spec changes"},
		{[]string{old, breaking, "--format", "json"}, 1, "{\n  \"old\": "},
		{[]string{old, breaking, "--json"}, 1, "{\n  \"old\": "},
		{[]string{old, breaking, "--format", "junit"}, 1, "<?xml"},
		{[]string{old, breaking, "--format", "sarif"}, 1, "{\n  \"$schema\""},
		{[]string{old, breaking, "--format", "changelog"}, 1, "# Changelog\n\n## createBill\n\n- **BREAKING** request member made required"},
		{[]string{old, breaking, "--format", "changelog", "--lang", "ru"}, 1, "# Список изменений"},
		{[]string{old, breaking, "--format", "yaml"}, 2, `--format "yaml": want text, markdown, json, junit, sarif, changelog`},
		{[]string{old, breaking, "--json", "--format", "sarif"}, 2, "--json and --format sarif exclude each other"},
		{[]string{old, breaking, "--fail-on", "error"}, 2, `--fail-on "error": want breaking, warning or never`},
		{[]string{old, breaking, "--lang", "de"}, 2, `--lang "de": want en or ru`},
		{[]string{old, breaking, "--overlays", t.TempDir()}, 2, "no *.yaml file"},
	} {
		status, stdout, stderr := runOut(append([]string{"diff"}, tc.args...)...)
		assert.Equal(t, tc.status, status, "%v\n%s", tc.args, stderr)
		if tc.status == 2 {
			assert.Contains(t, stderr, tc.out, "%v", tc.args)
		} else {
			assert.True(t, strings.HasPrefix(stdout, tc.out), "%v: %.200s", tc.args, stdout)
		}
	}
}

// --ignore accepts changes by ID with a reason; an entry that matches nothing is reported
// stale; a bad file is an error naming it.
func TestDiffIgnore(t *testing.T) {
	old, breaking, _ := specFiles(t)
	status, stdout, _ := runOut("diff", old, breaking, "--format", "json")
	require.Equal(t, 1, status)
	id := stdout[strings.Index(stdout, `"id": "`)+7:]
	id = id[:strings.Index(id, `"`)]
	require.True(t, strings.HasPrefix(id, "request-member-made-required-"), id)

	dir := t.TempDir()
	ignore := filepath.Join(dir, "ignore.json")
	require.NoError(t, os.WriteFile(ignore, []byte(`{"findings": [
  {"id": "`+id+`", "kind": "request-member-made-required", "subject": "/components/schemas/Bill", "reason": "every client sends comment already"},
  {"id": "operation-removed-0badc0de", "reason": "gone long ago"}
]}`), 0o644))
	status, stdout, stderr := runOut("diff", old, breaking, "--ignore", ignore)
	assert.Equal(t, 0, status, stderr)
	assert.Contains(t, stdout, "accepted: every client sends comment already")
	assert.Contains(t, stdout, "stale ignore entry operation-removed-0badc0de")

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"findings": [{"id": "x"}]}`), 0o644))
	status, _, stderr = runOut("diff", old, breaking, "--ignore", bad)
	assert.Equal(t, 2, status)
	assert.Contains(t, stderr, bad+": /findings/0/reason")
}

// In a clone, diff HEAD~5:spec/qiwi.resolved.yaml spec/qiwi.resolved.yaml compares the
// spec five commits back with the working tree's; an unknown revision, or a folder outside
// git, is an error that says so.
func TestDiffGitRevisions(t *testing.T) {
	spec := billSpec(t)
	repo := gittest.Repo(t, "spec/qiwi.resolved.yaml", spec)
	for i := range 5 {
		require.NoError(t, os.WriteFile(filepath.Join(repo, "notes.txt"), []byte(strings.Repeat("x", i+1)), 0o644))
		gittest.Git(t, repo, "add", "notes.txt")
		gittest.Git(t, repo, "commit", "-q", "-m", "notes")
	}
	specPath := filepath.Join(repo, "spec", "qiwi.resolved.yaml")
	require.NoError(t, os.WriteFile(specPath, []byte(strings.Replace(spec, "required: [amount]", "required: [amount, comment]", 1)), 0o644))

	t.Chdir(repo)
	status, stdout, stderr := runOut("diff", "HEAD~5:spec/qiwi.resolved.yaml", "spec/qiwi.resolved.yaml")
	assert.Equal(t, 1, status, stderr)
	assert.Contains(t, stdout, "BREAKING wire required changed: /components/schemas/Bill")
	status, stdout, stderr = runOut("diff", "HEAD~5:spec/qiwi.resolved.yaml", "HEAD:spec/qiwi.resolved.yaml")
	assert.Equal(t, 0, status, stderr)
	assert.Contains(t, stdout, "0 changes")

	status, _, stderr = runOut("diff", "HEAD~6:spec/qiwi.resolved.yaml", "spec/qiwi.resolved.yaml")
	assert.Equal(t, 2, status)
	assert.Contains(t, stderr, `qiwicontract diff: OLD: HEAD~6:spec/qiwi.resolved.yaml: cannot read the document at a git revision: unknown revision "HEAD~6"`)

	t.Chdir(t.TempDir())
	status, _, stderr = runOut("diff", "HEAD~5:spec/qiwi.resolved.yaml", specPath)
	assert.Equal(t, 2, status)
	assert.Contains(t, stderr, "not in a git work tree")
}

// --overlays DIR: each change names the line of DIR's overlay that writes its node, the
// overlay named by its path in DIR.
func TestDiffOverlaysDir(t *testing.T) {
	old, breaking, _ := specFiles(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "10-bill.yaml"), []byte(`overlay: 1.0.0
info: {title: bill, version: '1'}
actions:
  - target: $.components.schemas
    update:
      Bill:
        required: [amount, comment]
`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an overlay"), 0o644))
	status, stdout, stderr := runOut("diff", old, breaking, "--overlays", dir, "--format", "json")
	require.Equal(t, 1, status, stderr)
	assert.Contains(t, stdout, `"overlay": "`+filepath.Join(dir, "10-bill.yaml")+`:6"`)
}

// diff's text output shows a control character from a document or the ignore file as an
// escape (\x1b, \x0d), so that a spec cannot drive the terminal; JSON keeps the text as it is.
func TestDiffTextShowsControlCharacters(t *testing.T) {
	old, _, _ := specFiles(t)
	dir := t.TempDir()
	hostile := filepath.Join(dir, "hostile.yaml")
	require.NoError(t, os.WriteFile(hostile, []byte(strings.Replace(billSpec(t),
		"enum: [CREATED, PAID]", `enum: [CREATED, PAID, "RE\e]0;owned\aFUNDED\r"]`, 1)), 0o644))

	status, stdout, stderr := runOut("diff", old, hostile)
	require.Equal(t, 1, status, stderr)
	assert.Contains(t, stdout, `RE\x1b]0;owned\x07FUNDED\x0d`)
	for _, c := range []string{"\x1b", "\a", "\r"} {
		assert.NotContains(t, stdout, c)
	}

	status, stdout, _ = runOut("diff", old, hostile, "--format", "json")
	require.Equal(t, 1, status)
	assert.Contains(t, stdout, `RE\u001b]0;owned\u0007FUNDED\r`, "JSON is unchanged")
	id := stdout[strings.Index(stdout, `"id": "`)+7:]
	id = id[:strings.Index(id, `"`)]

	// An accepted change's reason and a stale entry's subject come from the ignore file.
	ignore := filepath.Join(dir, "ignore.json")
	require.NoError(t, os.WriteFile(ignore, []byte(`{"findings": [
  {"id": "`+id+`", "reason": "known\r\u001b[2K"},
  {"id": "operation-removed-0badc0de", "kind": "operation-removed", "subject": "\u001b[31mgone", "reason": "gone long ago"}
]}`), 0o644))
	status, stdout, stderr = runOut("diff", old, hostile, "--ignore", ignore)
	require.Equal(t, 0, status, stderr)
	assert.Contains(t, stdout, `accepted: known\x0d\x1b[2K`)
	assert.Contains(t, stdout, `(operation-removed \x1b[31mgone)`)
	for _, c := range []string{"\x1b", "\a", "\r"} {
		assert.NotContains(t, stdout, c)
	}
}
