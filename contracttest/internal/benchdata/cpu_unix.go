//go:build unix

package benchdata

import (
	"syscall"
	"time"
)

// CPU is the CPU time the process has used so far, user and system; 0 where it cannot be read.
func CPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
