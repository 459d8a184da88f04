//go:build !unix

package benchdata

import "time"

// CPU is the CPU time the process has used so far; 0 here, where it cannot be read.
func CPU() time.Duration { return 0 }
