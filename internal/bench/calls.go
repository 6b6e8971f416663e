//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
	return startCHostWith(m, []string{m.out}, env...)
}

// startCHostWith starts the C host with the arguments args: its libraries,
// with -together before them to load all before it calls any.
func startCHostWith(m *module, args []string, env ...string) (*cHost, error) {
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
	h := &cHost{cmd: exec.Command(bin, args...)}
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

// spinWindows are the spinning threads' windows of one kind: in each, the
// longest call in ms, and the calls over 1 ms per 100 ms.
type spinWindows struct{ longest, slow []float64 }

// p is the p-th percentile of the longest calls.
func (w spinWindows) p(p float64) float64 { return percentile(w.longest, p) }

// hostCalls: calls through exports as a C host makes them, before and after
// a patch, and the longest host call while a build applies, with 1 and 8
// host threads calling.
//
// The C host loads the library of a module of its own, which this process
// has not loaded: else this process's patcher would apply every build too,
// at the same time, on the same CPUs, and the figures would measure two
// processes applying.
func (r *results) hostCalls(samples int) error {
	m, err := newBuiltModule()
	if err != nil {
		return err
	}
	defer removeFolder(m.dir)
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
	// runtime they call into, for tens of milliseconds in any window,
	// unless the runtime has a P for each (rt/procs.go). The bursts run
	// again with AllocAdd, which allocates, so that its collector has
	// work, and both run again in a host whose environment sets
	// GOMAXPROCS to the runtime's default, one P per CPU, which patch
	// copies then keep: the processors' part.
	//
	// Each sample has three floors beside its windows, measured from the
	// same threads in the same host: a C function of the host that takes
	// as long as the plain export, which no Go runtime can beat; the plain
	// export itself, which hotpatch has no part in; and the same C
	// function while a build applies, which shows what the apply's work
	// on these CPUs costs threads that never enter Go.
	procs := 0
	for _, load := range []struct {
		threads, paceUS, procs int
		fn                     string
	}{
		{1, 0, 0, "MarkedAdd"}, {8, 0, 0, "MarkedAdd"}, {8, 1000, 0, "MarkedAdd"}, {8, 1000, 0, "AllocAdd"},
		{8, 1000, runtime.NumCPU(), "MarkedAdd"}, {8, 1000, runtime.NumCPU(), "AllocAdd"},
	} {
		threads := load.threads
		if load.procs != procs {
			// A host of its own, and one host only: two would apply
			// every build at once. It loads a build made for m.out: a
			// staged build watches the folder it was built in.
			procs = load.procs
			h.stop()
			if err := m.setVersion(m.version + 1); err != nil {
				return err
			}
			if _, err := m.build(m.out); err != nil {
				return err
			}
			var env []string
			if procs > 0 {
				env = append(env, fmt.Sprintf("GOMAXPROCS=%d", procs))
			}
			if h, err = startCHost(m, env...); err != nil {
				return err
			}
			if err := h.awaitVersion(m.version); err != nil {
				return err
			}
		}
		floors := load.fn == "MarkedAdd"
		perSample := 1
		if floors {
			perSample = 2 // an apply for the C floor too
		}
		builds, err := stageBuilds(m, perSample*samples)
		if err != nil {
			return err
		}
		next := func() stagedBuild {
			b := builds[0]
			builds = builds[1:]
			return b
		}
		if _, err := h.do(fmt.Sprintf("spin-start %d %d", threads, load.paceUS)); err != nil {
			return err
		}
		// window spins until done returns, and adds the longest call to
		// w, in ms, and the calls over 1 ms, per 100 ms: the windows with
		// an apply are shorter.
		var quiet, applying, cFloor, goFloor, cApplying spinWindows
		window := func(w *spinWindows, done func() error) error {
			h.number("spin-max")
			h.number("spin-slow")
			start := time.Now()
			if err := done(); err != nil {
				return err
			}
			w.longest = append(w.longest, h.number("spin-max")/1e6)
			w.slow = append(w.slow, h.number("spin-slow")*float64(100*time.Millisecond)/float64(time.Since(start)))
			return nil
		}
		sleep := func() error { time.Sleep(300 * time.Millisecond); return nil }
		apply := func(b stagedBuild) func() error {
			return func() error {
				if err := publishStaged(m, b); err != nil {
					return err
				}
				if err := h.awaitVersion(b.version); err != nil {
					return err
				}
				time.Sleep(100 * time.Millisecond)
				return nil
			}
		}
		spinC := fmt.Sprintf("spin-c %.0f", plain)
		for range samples {
			if floors {
				// The C function again, while a build applies: what the
				// apply's own work, on these CPUs, costs the host's
				// threads when no call enters Go.
				if _, err := h.do(spinC); err != nil {
					return err
				}
				if err := window(&cApplying, apply(next())); err != nil {
					return err
				}
			}
			windows := []struct {
				command string
				into    *spinWindows
			}{{spinC, &cFloor}, {"spin-fn PlainAdd", &goFloor}, {"spin-fn " + load.fn, &quiet}}
			if !floors {
				windows = windows[2:]
			}
			for _, w := range windows {
				if _, err := h.do(w.command); err != nil {
					return err
				}
				if err := window(w.into, sleep); err != nil {
					return err
				}
			}
			if err := window(&applying, apply(next())); err != nil {
				return err
			}
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
		if load.fn == "AllocAdd" {
			label += ", allocating 64 bytes a call"
		}
		if load.procs > 0 {
			label += fmt.Sprintf(", GOMAXPROCS=%d set, which patch copies keep", load.procs)
		}
		verdict := "met"
		if applying.p(95) > 2 {
			verdict = "**missed**"
		}
		r.add(figure{
			name:     "10. Longest host call while a build applies, " + label + ", p50",
			measured: fmt.Sprintf("%.2f ms", applying.p(50)),
			baseline: fmt.Sprintf("%.2f ms, the longest call in a window without an apply", quiet.p(50)),
			ratio:    applying.p(50) / quiet.p(50),
		})
		r.add(figure{
			name:     "10. Longest host call while a build applies, " + label + ", p95",
			measured: fmt.Sprintf("%.2f ms", applying.p(95)),
			baseline: fmt.Sprintf("%.2f ms, the same", quiet.p(95)),
			ratio:    applying.p(95) / quiet.p(95),
			note: fmt.Sprintf("target ≤ 2 ms at p95, %s; %d applies, windows of 300 ms without, from the publish to 100 ms after the apply with; calls over 1 ms per 100 ms, median: %.1f with an apply, %.1f without",
				verdict, len(applying.longest), median(applying.slow), median(quiet.slow)),
		})
		if !floors {
			continue
		}
		r.add(figure{
			name:     "10. Floor: longest host call of the plain export, no apply, " + label + ", p95",
			measured: fmt.Sprintf("%.2f ms", goFloor.p(95)),
			baseline: fmt.Sprintf("%.2f ms, a C function of the host that takes as long (%.0f ns), the same threads", cFloor.p(95), plain),
			ratio:    goFloor.p(95) / cFloor.p(95),
			note: fmt.Sprintf("what Go's own entry from C costs at the longest, with no hotpatch in the call, against what the OS scheduler alone costs; p50 %.2f ms against %.2f ms; calls over 1 ms per 100 ms, median: %.1f against %.1f",
				goFloor.p(50), cFloor.p(50), median(goFloor.slow), median(cFloor.slow)),
		})
		r.add(figure{
			name:     "10. Floor while a build applies: longest host call of a C function of the host, " + label + ", p95",
			measured: fmt.Sprintf("%.2f ms", cApplying.p(95)),
			baseline: fmt.Sprintf("%.2f ms, the same C function, no apply", cFloor.p(95)),
			ratio:    cApplying.p(95) / cFloor.p(95),
			note: fmt.Sprintf("what the apply's own work on these CPUs costs a host thread whose calls never enter Go, the floor of the target above; p50 %.2f ms against %.2f ms; calls over 1 ms per 100 ms, median: %.1f against %.1f",
				cApplying.p(50), cFloor.p(50), median(cApplying.slow), median(cFloor.slow)),
		})
		r.add(figure{
			name:     "10. Processors: longest host call of the patched export, no apply, " + label + ", p95",
			measured: fmt.Sprintf("%.2f ms", quiet.p(95)),
			baseline: fmt.Sprintf("%.2f ms, the plain export, in the original copy, with the runtime's default processors", goFloor.p(95)),
			ratio:    quiet.p(95) / goFloor.p(95),
			note: fmt.Sprintf("the patched calls run in the newest copy, which has a processor for each host thread unless GOMAXPROCS is set; windows alternated in one host; calls over 1 ms per 100 ms, median: %.1f against %.1f",
				median(quiet.slow), median(goFloor.slow)),
		})
	}
	r.details = append(r.details, strings.Join([]string{
		"For reference, the Rust crate this project began from (libhotpatch 1.1.0, release build), measured once with one C host in another run and not in this one:",
		"plain export 2.4 ns, marked before any patch 52–56 ns, marked and patched 65–68 ns, checked and patched 229–284 ns, longest host call during a reload 4.1 ms p50 and 8.2 ms p95.",
		"Go's own entry from C into an exported Go function, about 80 ns here, is the floor of every call into a Go library.",
	}, " "))
	return nil
}
