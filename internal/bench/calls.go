//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A cHost is the benchmark's C host (chost/chost.c), running.
type cHost struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

// startCHost starts the C host on m's library, with env added to its
// environment.
func startCHost(m *module, env ...string) (*cHost, error) {
	src, _ := libFS.ReadFile("chost/chost.c")
	dir := filepath.Join(m.dir, "chost")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "chost.c"), src, 0o644); err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "chost")
	if out, err := exec.Command("cc", "-O2", "-o", bin, filepath.Join(dir, "chost.c"), "-ldl", "-lpthread").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("cc: %v\n%s", err, out)
	}
	h := &cHost{cmd: exec.Command(bin, m.out)}
	h.cmd.Env = append(os.Environ(), env...)
	h.cmd.Stderr = os.Stderr
	var err error
	if h.stdin, err = h.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := h.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	h.out = bufio.NewScanner(stdout)
	return h, h.cmd.Start()
}

func (h *cHost) do(command string) (string, error) {
	if _, err := fmt.Fprintln(h.stdin, command); err != nil {
		return "", err
	}
	if !h.out.Scan() {
		return "", fmt.Errorf("the C host exited on %q", command)
	}
	return h.out.Text(), nil
}

func (h *cHost) number(command string) float64 {
	s, err := h.do(command)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 0
	}
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

func (h *cHost) stop() {
	h.stdin.Close()
	h.cmd.Wait()
}

// awaitVersion waits until the C host's calls run version v.
func (h *cHost) awaitVersion(v int) error {
	deadline := time.Now().Add(time.Minute)
	for got := int(h.number("version")); got != v; got = int(h.number("version")) {
		if time.Now().After(deadline) {
			return fmt.Errorf("the C host did not reach version %d: its calls run version %d", v, got)
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// hostCalls: calls through exports as a C host makes them, before and after
// a patch, and the longest host call while a build applies, with 1 and 8
// host threads calling.
//
// The C host loads the library of a module of its own, which this process
// has not loaded: else this process's patcher would apply every build too,
// at the same time, on the same CPUs, and the figures would measure two
// processes applying.
func (r *results) hostCalls(samples int) error {
	m, err := newModule()
	if err != nil {
		return err
	}
	defer os.RemoveAll(m.dir)
	if _, err := m.build(m.out); err != nil {
		return err
	}
	h, err := startCHost(m)
	if err != nil {
		return err
	}
	defer func() { h.stop() }()
	if err := h.awaitVersion(m.version); err != nil {
		return err
	}
	const n = 5_000_000
	bench := func(name string) func() float64 {
		return func() float64 { return h.number(fmt.Sprintf("bench %s %d", name, n)) }
	}
	bench("MarkedAdd")()
	plain, unpatched := rounds(5, bench("PlainAdd"), bench("MarkedAdd"))
	r.add(figure{
		name:     "9. From a C host: marked export, before any patch",
		measured: fmt.Sprintf("%.1f ns", unpatched),
		baseline: fmt.Sprintf("%.1f ns, an export that nothing marks", plain),
		ratio:    unpatched / plain,
		note:     fmt.Sprintf("%+.1f ns a call: the entry point of a marked export reads a C slot and jumps", unpatched-plain),
	})
	if err := m.setVersion(m.version + 1); err != nil {
		return err
	}
	if _, err := m.build(m.out); err != nil {
		return err
	}
	if err := h.awaitVersion(m.version); err != nil {
		return err
	}
	bench("MarkedAdd")()
	bench("CheckedAdd")()
	patched, checked := rounds(5, bench("MarkedAdd"), bench("CheckedAdd"))
	r.add(figure{
		name:     "9. From a C host: marked export, patched",
		measured: fmt.Sprintf("%.1f ns", patched),
		baseline: fmt.Sprintf("%.1f ns, the same export before any patch", unpatched),
		ratio:    patched / unpatched,
		target:   1.3,
		note:     fmt.Sprintf("the host's call enters the newest copy's export straight from the entry point; the plain export costs %.1f ns", plain),
	})
	r.add(figure{
		name:     "9. From a C host: checked export, patched",
		measured: fmt.Sprintf("%.1f ns", checked),
		baseline: fmt.Sprintf("%.1f ns, the same signature patched in the default mode", patched),
		ratio:    checked / patched,
		target:   2,
		note:     "two integers in, one out",
	})
	// Threads that call without pause, and 8 threads that call in bursts
	// of 1,000 calls a millisecond apart, as a game's threads do once a
	// frame. 8 threads without pause on this machine's 2 CPUs wait for
	// the OS scheduler, and for one of the 2 processors (Ps) of the Go
	// runtime they call into, for tens of milliseconds in any window. The
	// last load runs the bursts in a host whose Go runtimes have 8
	// processors (GOMAXPROCS=8), to show the processors' part.
	for _, load := range []struct {
		threads, paceUS, procs int
	}{{1, 0, 0}, {8, 0, 0}, {8, 1000, 0}, {8, 1000, 8}} {
		threads := load.threads
		if load.procs > 0 {
			// A host of its own, and one host only: two would apply
			// every build at once. It loads a build made for m.out: a
			// staged build watches the folder it was built in.
			h.stop()
			if err := m.setVersion(m.version + 1); err != nil {
				return err
			}
			if _, err := m.build(m.out); err != nil {
				return err
			}
			if h, err = startCHost(m, fmt.Sprintf("GOMAXPROCS=%d", load.procs)); err != nil {
				return err
			}
			if err := h.awaitVersion(m.version); err != nil {
				return err
			}
		}
		builds, err := stageBuilds(m, samples)
		if err != nil {
			return err
		}
		if _, err := h.do(fmt.Sprintf("spin-start %d %d", threads, load.paceUS)); err != nil {
			return err
		}
		var quiet, applying, quietSlow, applyingSlow []float64
		for _, b := range builds {
			// Calls over 1 ms are counted per 100 ms: the windows with
			// an apply are shorter.
			h.number("spin-max")
			h.number("spin-slow")
			start := time.Now()
			time.Sleep(300 * time.Millisecond)
			quiet = append(quiet, h.number("spin-max")/1e6)
			quietSlow = append(quietSlow, h.number("spin-slow")*float64(100*time.Millisecond)/float64(time.Since(start)))
			start = time.Now()
			if err := publishStaged(m, b); err != nil {
				return err
			}
			if err := h.awaitVersion(b.version); err != nil {
				return err
			}
			time.Sleep(100 * time.Millisecond)
			applying = append(applying, h.number("spin-max")/1e6)
			applyingSlow = append(applyingSlow, h.number("spin-slow")*float64(100*time.Millisecond)/float64(time.Since(start)))
		}
		if _, err := h.do("spin-stop"); err != nil {
			return err
		}
		label := fmt.Sprintf("%d host thread", threads)
		if threads > 1 {
			label += "s"
		}
		if load.paceUS > 0 {
			label += " calling in bursts 1 ms apart"
		}
		if load.procs > 0 {
			label += fmt.Sprintf(", GOMAXPROCS=%d", load.procs)
		}
		verdict := "met"
		if percentile(applying, 95) > 2 {
			verdict = "**missed**"
		}
		r.add(figure{
			name:     "10. Longest host call while a build applies, " + label + ", p50",
			measured: fmt.Sprintf("%.2f ms", median(applying)),
			baseline: fmt.Sprintf("%.2f ms, the longest call in a window without an apply", median(quiet)),
			ratio:    median(applying) / median(quiet),
		})
		r.add(figure{
			name:     "10. Longest host call while a build applies, " + label + ", p95",
			measured: fmt.Sprintf("%.2f ms", percentile(applying, 95)),
			baseline: fmt.Sprintf("%.2f ms, the same", percentile(quiet, 95)),
			ratio:    percentile(applying, 95) / percentile(quiet, 95),
			note: fmt.Sprintf("target ≤ 2 ms at p95, %s; %d applies, windows of 300 ms without, from the publish to 100 ms after the apply with; calls over 1 ms per 100 ms, median: %.1f with an apply, %.1f without",
				verdict, len(applying), median(applyingSlow), median(quietSlow)),
		})
	}
	r.details = append(r.details, strings.Join([]string{
		"For reference, the Rust crate this project began from (libhotpatch 1.1.0, release build), measured once with one C host in another run and not in this one:",
		"plain export 2.4 ns, marked before any patch 52–56 ns, marked and patched 65–68 ns, checked and patched 229–284 ns, longest host call during a reload 4.1 ms p50 and 8.2 ms p95.",
		"Go's own entry from C into an exported Go function, about 80 ns here, is the floor of every call into a Go library.",
	}, " "))
	return nil
}
