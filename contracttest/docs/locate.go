package docs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EnvDir names the environment variable that points at a folder of QIWI's documentation
// pages, overriding the default place.
const EnvDir = "QIWI_DOCS"

// ErrNoDocs is wrapped by Locate's error when the pages are not where they were looked for.
var ErrNoDocs = errors.New("QIWI's documentation pages are not there")

// Locate returns the folder of QIWI's documentation pages the tests read: $QIWI_DOCS when
// set, otherwise shared/docs/qiwi beside the checkout of this module (../shared from the
// module's root, found by walking up from the working directory to go.mod). A missing folder
// is an error that says how to get one.
func Locate() (string, error) {
	if dir := os.Getenv(EnvDir); dir != "" {
		return checkDir(dir, "$"+EnvDir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return checkDir(filepath.Join(dir, "..", "shared", "docs", "qiwi"), "the default place")
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("%w: no go.mod above %s to find ../shared from; set %s", ErrNoDocs, wd, EnvDir)
		}
	}
}

func checkDir(dir, what string) (string, error) {
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		return "", fmt.Errorf("%w: %s (%s) is no folder. Check out the project's shared/ folder beside this "+
			"repository (it holds docs/qiwi, QIWI's public payin and Bill Payments pages, MIT-licensed), or point %s at "+
			"a copy of those pages", ErrNoDocs, dir, what, EnvDir)
	}
	return filepath.Clean(dir), nil
}
