package diff

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrRevision is wrapped by the errors of reading a document at a git revision (REV:path):
// not in a git work tree, an unknown revision, a path the revision lacks.
var ErrRevision = errors.New("cannot read the document at a git revision")

// ReadInput reads a document named as the command takes it: a file, or REV:path, the path at
// a git revision of the repository dir lies in (as git show takes it: from the repository's
// top, or ./path from dir). A name that is a file is a file, even with a colon in it.
func ReadInput(dir, name string) ([]byte, error) {
	file := name
	if !filepath.IsAbs(file) {
		file = filepath.Join(dir, name)
	}
	data, err := os.ReadFile(file)
	if err == nil {
		return data, nil
	}
	rev, path, ok := strings.Cut(name, ":")
	if !ok || rev == "" || path == "" || !errors.Is(err, os.ErrNotExist) || filepath.VolumeName(name) != "" {
		return nil, err
	}
	if _, err := git(dir, "rev-parse", "--is-inside-work-tree"); err != nil {
		return nil, fmt.Errorf("%s: %w: %s is not in a git work tree (%v)", name, ErrRevision, dir, err)
	}
	if _, err := git(dir, "rev-parse", "--verify", "--quiet", rev+"^{commit}"); err != nil {
		return nil, fmt.Errorf("%s: %w: unknown revision %q", name, ErrRevision, rev)
	}
	data, err = git(dir, "show", name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrRevision, err)
	}
	return data, nil
}

// git runs git in dir and returns its standard output; an error carries git's message.
func git(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("git %s: %s", args[0], msg)
		}
		return nil, fmt.Errorf("git %s: %w", args[0], err)
	}
	return stdout.Bytes(), nil
}
