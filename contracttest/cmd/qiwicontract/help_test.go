package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/reconcile"
	"github.com/qiwigen/qiwigen/gen/qiwi"
)

var subcommands = []string{"replay", "extract", "diff", "drift", "reconcile", "sandbox", "probe", "proxy"}

// runOut runs the command and returns its status, standard output and standard error. The
// sandbox runs with its context already ended: one that starts serving when it should not
// stops at once (status 0) instead of serving for ever.
func runOut(args ...string) (int, string, string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if len(args) > 0 && (args[0] == "sandbox" || args[0] == "proxy") {
		cancel()
	}
	var stdout, stderr bytes.Buffer
	status := run(ctx, args, &stdout, &stderr)
	return status, stdout.String(), stderr.String()
}

// helpFlags are the flags a subcommand's help lists under "Flags:", from its FlagSet.
func helpFlags(t *testing.T, help string) []string {
	t.Helper()
	_, list, ok := strings.Cut(help, "\nFlags:\n")
	require.True(t, ok, "no Flags: in\n%s", help)
	list, _, _ = strings.Cut(list, "\n\n")
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^  --([a-z0-9-]+)`).FindAllStringSubmatch(list, -1) {
		names = append(names, m[1])
	}
	return names
}

// dashed are the --flags a text names.
func dashed(text string) []string {
	seen := map[string]bool{}
	var names []string
	for _, m := range regexp.MustCompile(`(?:^|[^\w-])--([a-z][a-z0-9-]*)`).FindAllStringSubmatch(text, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			names = append(names, m[1])
		}
	}
	sort.Strings(names)
	return names
}

// qiwicontract -h is the short list of subcommands, not every subcommand's flags.
func TestCommandList(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		status, stdout, stderr := runOut(args...)
		require.Equal(t, 0, status, args)
		assert.Empty(t, stderr)
		for _, name := range subcommands {
			assert.Regexp(t, `(?m)^  `+name+` +\S`, stdout, "%v lists %s", args, name)
		}
		assert.NotContains(t, stdout, "Flags:")
		assert.Empty(t, dashed(stdout), "no flag in the command list")
		assert.Less(t, strings.Count(stdout, "\n"), 25, "%v is short:\n%s", args, stdout)
		assert.Contains(t, stdout, "Exit status: 0 ok, 1 findings, 2 bad usage or unreadable input.")
	}
	status, _, stderr := runOut("help", "frobnicate")
	assert.Equal(t, 2, status)
	assert.Contains(t, stderr, `unknown command "frobnicate"`)
}

// SUB -h, SUB --help and help SUB show that subcommand only: a synopsis, a description, its
// flags, examples and the exit status; every flag the text names is one it has, and every
// example parses.
func TestSubcommandHelp(t *testing.T) {
	for _, name := range subcommands {
		status, help, stderr := runOut(name, "-h")
		require.Equal(t, 0, status, name)
		assert.Empty(t, stderr, name)
		for _, args := range [][]string{{name, "--help"}, {"help", name}} {
			status, stdout, _ := runOut(args...)
			assert.Equal(t, 0, status, args)
			assert.Equal(t, help, stdout, "%v shows what %s -h does", args, name)
		}
		assert.True(t, strings.HasPrefix(help, "usage: qiwicontract "+name+" "), help)
		for _, other := range subcommands {
			if other != name {
				assert.NotContains(t, help, "usage: qiwicontract "+other, "%s -h shows %s", name, other)
				assert.NotContains(t, help, "  qiwicontract "+other+" ", "%s -h shows an example of %s", name, other)
			}
		}
		assert.Contains(t, help, "\nExamples:\n  ")
		assert.Regexp(t, `\nExit status: 0 ok, 1 findings \([^)]+\), 2 bad usage or unreadable input\.\n$`, help)
		assert.Less(t, strings.Count(help, "\n"), 60, "%s -h:\n%s", name, help)
		flags := helpFlags(t, help)
		require.NotEmpty(t, flags, name)
		for _, f := range dashed(help) {
			assert.Contains(t, flags, f, "%s -h names --%s, which it does not have", name, f)
		}
		// Each example, with -h added, parses: its flags exist.
		_, examples, _ := strings.Cut(help, "\nExamples:\n")
		examples, _, _ = strings.Cut(examples, "\n\n")
		for _, line := range strings.Split(examples, "\n") {
			_, cmdline, ok := strings.Cut(line, "qiwicontract ")
			require.True(t, ok, line)
			status, _, stderr := runOut(append(strings.Fields(cmdline), "-h")...)
			assert.Equal(t, 0, status, "example %q: %s", line, stderr)
		}
	}
}

// The sandbox's help says what it serves and which notifications it sends, as the sandbox's
// code does: every notification type the code sends is named.
func TestSandboxHelpIsTrue(t *testing.T) {
	_, help, _ := runOut("sandbox", "-h")
	for _, s := range []string{"payin API", "tokenization API", "Bill Payments API", "payouts", "SBP QR codes", "--payout-key SITE=FILE", "answers 501"} {
		assert.Contains(t, help, s)
	}
	assert.NotContains(t, help, "Other operations answer 501")
	sources, err := filepath.Glob("../../sandbox/*.go")
	require.NoError(t, err)
	types := map[string]bool{}
	// The sandbox names each type by its generated constant; the constant's value is the
	// type's wire name.
	wireName := map[string]string{}
	for _, v := range qiwi.NotificationTypeValues() {
		wireName[strings.ReplaceAll(strings.ToLower(string(v)), "_", "")] = string(v)
	}
	notice := regexp.MustCompile(`&payinNotification\{Type: qiwi\.NotificationType(\w+)`)
	for _, f := range sources {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range notice.FindAllStringSubmatch(string(data), -1) {
			name, ok := wireName[strings.ToLower(m[1])]
			require.True(t, ok, "%s: qiwi.NotificationType%s is not a declared notification type", f, m[1])
			types[name] = true
		}
		if strings.Contains(string(data), `&billNotification{`) {
			types["BILL"] = true
		}
	}
	require.Len(t, types, 6, "the notification types the sandbox sends: %v", types)
	for typ := range types {
		assert.Regexp(t, `\b`+typ+`\b`, help, "the help names the %s notification", typ)
	}
}

// Flags may follow the arguments, for every subcommand that takes arguments; "--" ends them.
func TestFlagsAfterArguments(t *testing.T) {
	resolved := "../../../spec/qiwi.resolved.yaml"
	status, stdout, stderr := runOut("diff", resolved, resolved, "--json")
	require.Equal(t, 0, status, stderr)
	assert.True(t, strings.HasPrefix(stdout, "{"), "JSON: %.80s", stdout)

	in := fixture.Interaction{Name: "refund with a field QIWI added", Kind: fixture.API,
		Request: fixture.Request{Method: http.MethodGet, URL: "/partner/payin/v1/sites/test-01/payments/1811/refunds/r1",
			Header: http.Header{"Authorization": {"Bearer REDACTED"}}},
		Response: &fixture.Response{Status: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: `{"refundId":"r1","status":{"value":"COMPLETED"},"brandNewField":"x"}`}}
	dir := t.TempDir()
	require.NoError(t, fixture.Write(filepath.Join(dir, "f.json"), []fixture.Interaction{in}))
	status, stdout, _ = runOut("replay", dir, "--strict")
	assert.Equal(t, 1, status, "replay DIR --strict is strict:\n%s", stdout)
	status, stdout, _ = runOut("replay", dir, "--json", "--strict")
	assert.Equal(t, 1, status)
	assert.True(t, strings.HasPrefix(stdout, "["), "replay DIR --json writes JSON: %.80s", stdout)
	status, _, stderr = runOut("replay", dir, "--", "--strict")
	assert.Equal(t, 2, status, "after --, --strict is a PATH")
	assert.Contains(t, stderr, "--strict")

	report := filepath.Join(dir, "report.csv")
	require.NoError(t, os.WriteFile(report, []byte("TRANSACTION_ID;SUM;ID;PURPOSE\n1;10,00;P1;payment\n"), 0o644))
	ledger := filepath.Join(dir, "ledger.csv")
	require.NoError(t, os.WriteFile(ledger, []byte("paymentId,amount,status\nP1,10.00,COMPLETED\n"), 0o644))
	status, stdout, stderr = runOut("reconcile", report, "--ledger", ledger, "--format", "json")
	require.Equal(t, 0, status, stderr)
	assert.Contains(t, stdout, `{"kind":"summary","rows":1,"differences":0`)
}

// A subcommand that takes no arguments names the stray one and the flag it was likely meant
// for; one with the wrong number of arguments says what it wants.
func TestStrayArguments(t *testing.T) {
	docsDir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"extract", "--docs", docsDir, "docs.json"}, `qiwicontract extract takes no arguments: got "docs.json"; did you mean --out docs.json?`},
		{[]string{"extract", "--docs", docsDir, "docs.json", "--no-scrub"}, `got "docs.json"; did you mean --out docs.json?`},
		{[]string{"extract", docsDir}, `qiwicontract extract takes no arguments: got "` + docsDir + `"; did you mean --docs ` + docsDir + `?`},
		{[]string{"drift", docsDir}, `qiwicontract drift takes no arguments: got "` + docsDir + `"; did you mean --docs ` + docsDir + `?`},
		{[]string{"sandbox", "127.0.0.1:0"}, `qiwicontract sandbox takes no arguments: got "127.0.0.1:0"; did you mean --addr 127.0.0.1:0?`},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "127.0.0.1:0"}, `qiwicontract proxy takes no arguments: got "127.0.0.1:0"; did you mean --listen 127.0.0.1:0?`},
		{[]string{"proxy", "http://127.0.0.1:1"}, `did you mean --upstream http://127.0.0.1:1?`},
		{[]string{"diff", "a.yaml"}, `qiwicontract diff: want two arguments, OLD and NEW: got 1 "a.yaml"`},
		{[]string{"diff", "a.yaml", "b.yaml", "c.yaml"}, `got 3 "a.yaml" "b.yaml" "c.yaml"`},
		{[]string{"extract"}, "qiwicontract extract: --docs DIR is required"},
	} {
		status, stdout, stderr := runOut(tc.args...)
		assert.Equal(t, 2, status, tc.args)
		assert.Empty(t, stdout, tc.args)
		assert.Contains(t, stderr, tc.want, tc.args)
	}
}

// A flag a subcommand does not have is said in a few lines, with the synopsis, not the help
// of every subcommand.
func TestBadFlagIsBrief(t *testing.T) {
	for _, name := range subcommands {
		status, stdout, stderr := runOut(name, "--no-such-flag")
		assert.Equal(t, 2, status, name)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, "qiwicontract "+name+": flag provided but not defined: -no-such-flag")
		assert.Contains(t, stderr, "usage: qiwicontract "+name+" ")
		assert.Contains(t, stderr, `"qiwicontract help `+name+`"`)
		assert.LessOrEqual(t, strings.Count(stderr, "\n"), 3, stderr)
	}
}

// Every subcommand keeps the one exit convention, and its help states it: 0 after -h, 2 for
// a bad flag, a missing argument or an unreadable input. (0 and 1 on real input are checked
// by each subcommand's own test.)
func TestExitConvention(t *testing.T) {
	dir := t.TempDir()
	absent := filepath.Join(dir, "absent")
	emptyLedger := filepath.Join(dir, "ledger.csv")
	require.NoError(t, os.WriteFile(emptyLedger, nil, 0o644))
	report := filepath.Join(dir, "report.csv")
	require.NoError(t, os.WriteFile(report, []byte("TRANSACTION_ID;SUM;PURPOSE\n1;10;payment\n"), 0o644))
	two := map[string][][]string{
		"replay":    {{}, {absent}},
		"extract":   {{}, {"--docs", absent}, {"--docs", dir}},
		"diff":      {{}, {absent, absent}},
		"drift":     {{}, {"--docs", absent}},
		"reconcile": {{}, {"--report", report}, {"--report", report, "--ledger", absent}, {"--report", report, "--ledger", emptyLedger}},
		"sandbox":   {{"--addr", "no-such-host-or-port"}, {"--time-scale", "0"}},
		"probe": {{}, {"--base-url", "http://127.0.0.1:1"}, {"--base-url", "http://127.0.0.1:1", "--key", "no-equals"},
			{"--base-url", "http://127.0.0.1:1", "--key", "s=k", "--payout-key", "s=" + absent}, {"--base-url", "http://127.0.0.1:1", "--key", "s=k", "--operations", "noSuchOperation"}},
		"proxy": {{}, {"--upstream", "ftp://host"}, {"--upstream", "http://127.0.0.1:1", "--listen", "no-such-host-or-port"}},
	}
	for _, name := range subcommands {
		status, help, _ := runOut(name, "-h")
		assert.Equal(t, 0, status)
		assert.Contains(t, help, "Exit status: 0 ok, 1 findings")
		assert.Contains(t, help, "2 bad usage or unreadable input")
		require.NotEmpty(t, two[name], name)
		for _, args := range two[name] {
			status, stdout, stderr := runOut(append([]string{name}, args...)...)
			assert.Equal(t, 2, status, "%s %v: %s%s", name, args, stdout, stderr)
			assert.NotEmpty(t, stderr, "%s %v says why", name, args)
		}
	}
}

// extract on a folder that yields no example exits 2, as replay refuses a file without
// interactions, instead of writing {"interactions": null}.
func TestExtractWithoutExamples(t *testing.T) {
	empty := t.TempDir()
	out := filepath.Join(t.TempDir(), "docs.json")
	status, stdout, stderr := runOut("extract", "--docs", empty, "--out", out)
	assert.Equal(t, 2, status)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "qiwicontract extract: "+empty+": no examples: no documentation page")
	assert.NoFileExists(t, out)
	require.NoError(t, os.WriteFile(filepath.Join(empty, "about.md"), []byte("# About\n\nProse only.\n"), 0o644))
	status, stdout, stderr = runOut("extract", "--docs", empty)
	assert.Equal(t, 2, status)
	assert.NotContains(t, stdout, "interactions")
	assert.Contains(t, stderr, "1 pages read, none holds a request, response or notification example")
}

// The ledger's problems are said plainly by the command: an empty ledger, a header in
// another case or with another separator.
func TestReconcileLedgerMessages(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report.csv")
	require.NoError(t, os.WriteFile(report, []byte("TRANSACTION_ID;SUM;ID;PURPOSE\n1;10,00;P1;payment\n"), 0o644))
	for _, tc := range []struct{ ledger, want string }{
		{"", "ledger.csv: empty ledger: no header line"},
		{"PaymentID,Amount\nP1,10\n", "names are case-sensitive (or map it with --ledger-columns paymentId=PaymentID)"},
		{"paymentId;amount\nP1;10\n", "a CSV ledger is comma-separated"},
	} {
		ledger := filepath.Join(dir, "ledger.csv")
		require.NoError(t, os.WriteFile(ledger, []byte(tc.ledger), 0o644))
		status, _, stderr := runOut("reconcile", "--report", report, "--ledger", ledger)
		assert.Equal(t, 2, status)
		assert.Contains(t, stderr, tc.want)
		assert.NotContains(t, stderr, "EOF")
	}
}

// readmeSections splits the README's text by subcommand: a paragraph (or code block) whose
// first line names "qiwicontract SUB" starts SUB's text, which runs to the next such start or
// the next heading.
func readmeSections(t *testing.T, readme string) map[string]string {
	t.Helper()
	start := regexp.MustCompile(`qiwicontract (` + strings.Join(subcommands, "|") + `)\b`)
	sections := map[string]string{}
	current := ""
	paragraphStart, fenced := true, false
	for _, line := range strings.Split(readme, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```"):
			fenced = !fenced
			paragraphStart = true
			continue
		case trimmed == "":
			paragraphStart = true
			continue
		case !fenced && strings.HasPrefix(trimmed, "#"):
			current = ""
			paragraphStart = true
			continue
		}
		if paragraphStart {
			if m := start.FindStringSubmatch(line); m != nil {
				current = m[1]
			}
		}
		paragraphStart = false
		if current != "" {
			sections[current] += line + "\n"
		}
	}
	return sections
}

// The README's command reference and the help agree: every flag a subcommand's help lists is
// in the README's text for that subcommand, and every --flag that text names is one the
// subcommand has. The report's and the ledger's columns are in both.
func TestReadmeMatchesHelp(t *testing.T) {
	data, err := os.ReadFile("../../../README.md")
	require.NoError(t, err)
	sections := readmeSections(t, string(data))
	for _, name := range subcommands {
		text, ok := sections[name]
		require.True(t, ok, "the README has no text for qiwicontract %s", name)
		_, help, _ := runOut(name, "-h")
		flags := helpFlags(t, help)
		for _, f := range flags {
			assert.Contains(t, dashed(text), f, "qiwicontract %s -h lists --%s; the README does not name it for %s", name, f, name)
		}
		for _, f := range dashed(text) {
			assert.Contains(t, flags, f, "the README names --%s for qiwicontract %s, which has no such flag", f, name)
		}
	}
	_, help, _ := runOut("reconcile", "-h")
	required, optional := reconcile.ReportColumns()
	for _, col := range append(required, optional...) {
		assert.Contains(t, help, col, "reconcile -h")
		assert.True(t, strings.Contains(sections["reconcile"], "`"+col+"`"), "the README's reconcile text lacks the report column %s", col)
	}
	ledger := strings.Join(reconcile.LedgerColumns, ",")
	assert.Contains(t, help, ledger, "reconcile -h")
	assert.True(t, strings.Contains(sections["reconcile"], "`"+ledger+"`"), "the README's reconcile text lacks the ledger's columns %s", ledger)
	reqLine := regexp.MustCompile(`(?m)^\| required \|.*$`).FindString(sections["reconcile"])
	for _, col := range required {
		assert.Contains(t, reqLine, "`"+col+"`", "the README says %s is required", col)
		assert.Regexp(t, `required: +.*\b`+col+`\b`, help)
	}
}

// readmeSections finds the start of each subcommand's text and its end, and a flag in a
// paragraph of its own belongs to the subcommand before it.
func TestReadmeSections(t *testing.T) {
	readme := "# X\n\nIntro `qiwicontract` with --nothing.\n\n```sh\ngo run x/qiwicontract replay --a\n```\n\nMore --b.\n\n" +
		"`qiwicontract diff [--c] OLD NEW` compares, unlike `qiwicontract replay`.\n--d\n\n## Next\n\n--e\n"
	got := readmeSections(t, readme)
	assert.Equal(t, []string{"a", "b"}, dashed(got["replay"]))
	assert.Equal(t, []string{"c", "d"}, dashed(got["diff"]))
	assert.Len(t, got, 2)
}
