//go:build !unix

package store

import (
	"os"
	"time"
)

// lock does nothing here: bbolt locks the file itself after the check.
func lock(*os.File, bool, time.Duration) error { return nil }
