package generator

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

const (
	modulePath     = "github.com/qiwigen/qiwigen"
	releaseVersion = "v0.1.0"
)

// packRelease writes this checkout's tracked files as release v0.1.0 into a file-based
// module proxy, the way the go command fetches a published module.
func packRelease(t testing.TB, root string) string {
	t.Helper()
	proxy := t.TempDir()
	dir := filepath.Join(proxy, filepath.FromSlash(modulePath), "@v")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	require.NoError(t, err, "the release is packed from git's tracked files")
	var files []modzip.File
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		path := filepath.Join(root, name)
		info, err := os.Stat(path)
		if err != nil || !info.Mode().IsRegular() {
			continue // a file deleted in the working tree but not yet from the index
		}
		files = append(files, releaseFile{name: name, path: path, info: info})
	}
	var buf bytes.Buffer
	require.NoError(t, modzip.Create(&buf, module.Version{Path: modulePath, Version: releaseVersion}, files))
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	for name, data := range map[string][]byte{
		releaseVersion + ".zip":  buf.Bytes(),
		releaseVersion + ".mod":  mod,
		releaseVersion + ".info": []byte(fmt.Sprintf(`{"Version":%q,"Time":"2026-11-30T00:00:00Z"}`, releaseVersion)),
		"list":                   []byte(releaseVersion + "\n"),
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
	return proxy
}

// releaseFile is one tracked file of the checkout, for modzip.
type releaseFile struct {
	name, path string
	info       os.FileInfo
}

func (f releaseFile) Path() string                 { return filepath.ToSlash(f.name) }
func (f releaseFile) Lstat() (os.FileInfo, error)  { return f.info, nil }
func (f releaseFile) Open() (io.ReadCloser, error) { return os.Open(f.path) }

// readmeBlock returns the first fenced block of the given language after heading in the README.
func readmeBlock(t testing.TB, readme, heading, lang string) string {
	t.Helper()
	i := strings.Index(readme, heading)
	require.GreaterOrEqual(t, i, 0, "README has no %q", heading)
	m := regexp.MustCompile("(?s)```" + lang + "\n(.*?)```").FindStringSubmatch(readme[i:])
	require.NotNil(t, m, "no %s block after %q", lang, heading)
	return m[1]
}

// consumerEnv is the environment of a fresh consuming module: a module cache of its own that
// starts empty, so the run never depends on what this machine's cache holds, and every
// module fetched as a user's go command fetches it: this repository from the packed release,
// everything else through the machine's module proxy, checksums verified by the machine's
// checksum database except this module's (the README's GONOSUMDB, for a version the
// database does not know). The build cache is shared: it holds no module and is keyed by
// content; -trimpath keeps its keys free of the module cache's directory.
func consumerEnv(t testing.TB, goBin, releaseProxy string, extra ...string) []string {
	t.Helper()
	goEnv := func(name string) string {
		out, err := exec.Command(goBin, "env", name).Output()
		require.NoError(t, err)
		return strings.TrimSpace(string(out))
	}
	machineProxy := goEnv("GOPROXY")
	require.NotContains(t, []string{"", "off"}, machineProxy,
		"the consumer test fetches its modules through the module proxy; GOPROXY is %q", machineProxy)
	env := append(os.Environ(),
		"GOMODCACHE="+filepath.Join(t.TempDir(), "modcache"),
		"GOPROXY=file://"+filepath.ToSlash(releaseProxy)+","+machineProxy,
		"GONOSUMDB="+modulePath, "GOSUMDB="+goEnv("GOSUMDB"),
		"GOFLAGS=-modcacherw -trimpath", "GOWORK=off", "GOTOOLCHAIN=local", "GOPRIVATE=", "GONOPROXY=")
	return append(env, extra...)
}

// A fresh module, on an empty module cache, follows the README's "Generating a client in
// your own repository" to the letter, against this repository packed as a release: no
// copied go.sum, no -mod=mod. It generates, builds, and calls the generated client against a
// local server; then it adds qiwicontract as a tool, as "Contract checks in your own
// repository" says, and judges the fixtures the tool extracts from QIWI's pages.
func TestReadmeConsumerCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module")
	}
	goBin, err := exec.LookPath("go")
	require.NoError(t, err)
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git packs the release")
	}
	docsDir, err := docs.Locate()
	require.NoError(t, err)
	proxy := packRelease(t, root)

	readmeData, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	readme := string(readmeData)
	section := "## Generating a client in your own repository"
	generateLine := strings.TrimSpace(readmeBlock(t, readme, section, "go"))
	commands := readmeBlock(t, readme, section, "sh")
	overlay := readmeBlock(t, readme, section, "yaml")
	contractCommands := readmeBlock(t, readme, "### Contract checks in your own repository", "sh")

	// A local QIWI answering the payment status request.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"paymentId":"p1","amount":{"value":"5.00","currency":"RUB"},"status":{"value":"COMPLETED"}}`)
	})}
	go srv.Serve(ln)
	defer srv.Close()

	dir := t.TempDir()
	env := consumerEnv(t, goBin, proxy, "QIWI_URL=http://"+ln.Addr().String())
	run := func(args ...string) string {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s:\n%s", strings.Join(args, " "), out)
		return string(out)
	}
	runREADME := func(block string) string {
		var out strings.Builder
		for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
			words := strings.Fields(line)
			require.Equal(t, "go", words[0], "README command %q", line)
			out.WriteString(run(append([]string{goBin}, words[1:]...)...))
		}
		return out.String()
	}
	run(goBin, "mod", "init", "example.com/shop")
	for name, content := range map[string]string{
		"qiwi-overlay.yaml": overlay,
		"qiwi/generate.go":  "// Package qiwi is the shop's QIWI client.\npackage qiwi\n\n" + generateLine + "\n",
		"main.go": `package main

import (
	"context"
	"fmt"
	"os"

	"example.com/shop/qiwi"
)

func main() {
	client, err := qiwi.New("key", qiwi.WithBaseURL(os.Getenv("QIWI_URL")), qiwi.WithSiteID("s1"))
	if err != nil {
		panic(err)
	}
	p, err := client.GetPayment(context.Background(), "p1")
	if err != nil {
		panic(err)
	}
	order := "A-1"
	fields := qiwi.CustomFields{OrderNumber: &order}
	fmt.Println(p.Status.Value, p.Amount.Value, *fields.OrderNumber)
}
`,
	} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	runREADME(commands)
	run(goBin, "build", "./...")
	assert.Equal(t, "COMPLETED 5.00 A-1\n", run(goBin, "run", "."))
	// The shop's client differs from ours exactly as its overlay says.
	theirs, err := os.ReadFile(filepath.Join(dir, "qiwi", "client.gen.go"))
	require.NoError(t, err)
	ours, err := os.ReadFile(filepath.Join(root, "gen", "qiwi", "client.gen.go"))
	require.NoError(t, err)
	methods := regexp.MustCompile(`(?m)^func \(c \*Client\) (\w+)\(`)
	names := func(src []byte) map[string]bool {
		m := map[string]bool{}
		for _, s := range methods.FindAllSubmatch(src, -1) {
			m[string(s[1])] = true
		}
		return m
	}
	want := names(ours)
	delete(want, "CreatePayout")
	delete(want, "GetPayout")
	assert.Equal(t, want, names(theirs), "the shop's client lacks exactly the payout operations its overlay removes")

	// qiwicontract as the shop's tool: the fixtures it extracts from QIWI's pages pass.
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "fixtures"), 0o755))
	run(goBin, "get", "-tool", modulePath+"/contracttest/cmd/qiwicontract@"+releaseVersion)
	run(goBin, "tool", "qiwicontract", "extract", "--docs", docsDir, "--out", filepath.Join("fixtures", "docs.json"))
	out := runREADME(contractCommands)
	assert.Regexp(t, `(?m)^[1-9][0-9]* passed, 0 failed`, out)
	assert.FileExists(t, filepath.Join(dir, "junit.xml"))
}
