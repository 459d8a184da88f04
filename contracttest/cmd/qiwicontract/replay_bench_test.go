package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/extract"
	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/spec"
)

// replayProfile names the file where BenchmarkReplayCommand writes the CPU profile of its
// last run of the command on the smaller corpus: -args -replayprofile FILE.
var replayProfile = flag.String("replayprofile", "", "write the CPU profile of the replay command's last run on 20,000 interactions to `FILE`")

// BenchmarkReplayCommand stands for what CI runs on a large recording:
//
//	qiwicontract replay corpus.json
//
// on fixture files of 20,000 and 100,000 interactions made from the doc-extracted fixtures
// (the 178 examples of QIWI's pages, repeated under unique names; scrubbed, as extract
// writes them). Each iteration runs the real command as a child process (this test binary,
// through TestMain) on each size and reports interactions a second at each size, end to end
// and per CPU second (which a busy machine changes less), the peak resident memory at each
// size (getrusage's maximum RSS), and the bytes held per interaction: the RSS the extra
// 80,000 interactions add, divided by 80,000 (0 when memory is flat in the corpus). Goals:
// at least 5,000 interactions/s, the same at both sizes; bytes held per interaction near 0.
func BenchmarkReplayCommand(b *testing.B) {
	dir, err := docs.Locate()
	if err != nil {
		b.Skip(err)
	}
	notes, err := extract.Declarations(spec.Resolved)
	if err != nil {
		b.Fatal(err)
	}
	base, err := extract.Dir(dir, notes, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range base {
		fixture.Scrub(&base[i])
	}
	sizes := []int{20_000, 100_000}
	tmp := b.TempDir()
	corpus := map[int]string{}
	for _, n := range sizes {
		corpus[n] = filepath.Join(tmp, fmt.Sprintf("corpus-%d.json", n))
		writeCorpus(b, corpus[n], base, n)
	}
	wall := map[int]time.Duration{}
	cpu := map[int]time.Duration{}
	peak := map[int]int64{}
	for b.Loop() {
		for _, n := range sizes {
			cmd := exec.Command(os.Args[0], "replay", corpus[n])
			cmd.Env = append(os.Environ(), "QIWICONTRACT_RUN_COMMAND=1")
			if *replayProfile != "" && n == sizes[0] {
				cmd.Env = append(cmd.Env, "QIWICONTRACT_CPUPROFILE="+*replayProfile)
			}
			start := time.Now()
			err := cmd.Run()
			wall[n] += time.Since(start)
			if code := cmd.ProcessState.ExitCode(); code != 0 {
				b.Fatalf("%d interactions: exit %d: %v", n, code, err)
			}
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				peak[n] = max(peak[n], ru.Maxrss*1024) // kilobytes on Linux
			}
			cpu[n] += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
	}
	for _, n := range sizes {
		b.ReportMetric(float64(b.N*n)/wall[n].Seconds(), fmt.Sprintf("interactions/s@%dk", n/1000))
		b.ReportMetric(float64(b.N*n)/cpu[n].Seconds(), fmt.Sprintf("interactions/cpu-s@%dk", n/1000))
		b.ReportMetric(float64(peak[n])/(1<<20), fmt.Sprintf("peak-RSS-MiB@%dk", n/1000))
	}
	small, large := sizes[0], sizes[1]
	b.ReportMetric(float64(peak[large]-peak[small])/float64(large-small), "bytes-held/interaction")
}

// writeCorpus writes a fixture file of n interactions, base's repeated under unique names,
// one at a time: this process stays small, and a child's peak RSS (which starts at its
// parent's, as the child is forked) is its own.
func writeCorpus(b *testing.B, path string, base []fixture.Interaction, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(`{"interactions": [`)
	for i := range n {
		in := base[i%len(base)]
		in.Name = fmt.Sprintf("%s #%d", in.Name, i)
		data, err := json.MarshalIndent(in, "    ", "  ")
		if err != nil {
			b.Fatal(err)
		}
		if i > 0 {
			w.WriteString(",")
		}
		w.WriteString("\n    ")
		w.Write(data)
	}
	w.WriteString("\n]}\n")
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
