//go:build unix

package store

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nosyncChild names the file the child process of TestNoSyncSurvivesKill writes.
const nosyncChild = "QIWIGEN_STORE_NOSYNC_CHILD"

// nosyncCommits is how many commits the child makes before it kills itself.
const nosyncCommits = 50

// NoSync reaches bbolt: its commits skip fsync, and without it they do not.
func TestNoSyncIsPassed(t *testing.T) {
	for _, noSync := range []bool{true, false} {
		db, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{NoSync: noSync})
		require.NoError(t, err)
		assert.Equal(t, noSync, db.NoSync())
		require.NoError(t, db.Close())
	}
}

// With NoSync, every commit made before the process is killed (SIGKILL: no Close, no
// flush) is in the file when it is opened again.
func TestNoSyncSurvivesKill(t *testing.T) {
	if path := os.Getenv(nosyncChild); path != "" {
		writeAndDie(path)
		return
	}
	path := filepath.Join(t.TempDir(), "killed.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoSyncSurvivesKill$", "-test.count=1")
	cmd.Env = append(os.Environ(), nosyncChild+"="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "%s", out)
	status, ok := exit.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	require.True(t, status.Signaled() && status.Signal() == syscall.SIGKILL, "the child was not killed: %v\n%s", err, out)

	db, err := Open(path, Options{})
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.View(func(tx *Tx) error {
		b := tx.Bucket([]byte("b"))
		require.NotNil(t, b)
		for i := range nosyncCommits {
			v, err := b.Get([]byte(fmt.Sprint(i)))
			require.NoError(t, err)
			assert.Equal(t, fmt.Sprint("v", i), string(v), "commit %d", i)
		}
		return nil
	}))
}

// writeAndDie makes nosyncCommits commits with NoSync, then kills its own process.
func writeAndDie(path string) {
	db, err := Open(path, Options{NoSync: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	for i := range nosyncCommits {
		if err := db.Queue(func(tx *Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("b"))
			if err != nil {
				return err
			}
			return b.Put([]byte(fmt.Sprint(i)), []byte(fmt.Sprint("v", i)))
		})(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal ends the process
}
