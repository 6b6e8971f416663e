package rt

/*
int hp_host_threads(void);
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Processors for host threads. A host thread that calls into a Go runtime
// takes one of its processors (Ps), and keeps it when the call returns to
// C, until the runtime's sysmon takes it back, 20 µs to 10 ms later
// (golang/go#57103). When more host threads call in than the runtime has
// Ps, the others wait as long. A runtime's default is one P per CPU, so a
// host with more calling threads than CPUs sees calls of milliseconds with
// no apply at all (BENCHMARKS.md, figure 10, 8 threads on 2 CPUs).
//
// A patch copy is a runtime that hotpatch starts, so the patcher gives it,
// before any host call reaches it, a P for each host thread that has called
// a marked export (threads.c), up to maxProcs. Where the environment sets
// GOMAXPROCS, that is the user's choice, and every copy keeps it. The
// original copy keeps its own Ps: the host started it.
//
// More Ps than CPUs also means a garbage collector with more workers, a
// quarter of the Ps, that take turns on the CPUs with the host's threads:
// figure 10 measures a library that allocates, with both.
const maxProcs = 64

// hostThreads returns how many threads have called a marked export of this
// copy's library.
func hostThreads() int { return int(C.hp_host_threads()) }

// wantProcs returns how many Ps a new patch copy needs at least for the host
// threads that call in, or 0 to leave its default.
func wantProcs() int {
	if processEnv("GOMAXPROCS") != "" {
		return 0
	}
	return min(hostThreads(), maxProcs)
}

// raiseProcs gives this copy at least n Ps, and returns how many it has.
func raiseProcs(n int) int {
	if n > runtime.GOMAXPROCS(0) {
		runtime.GOMAXPROCS(n)
	}
	return runtime.GOMAXPROCS(0)
}

// giveProcs readies the new patch copy whose
// hotpatch_v1_control is controlFn for the host threads that call in, before
// any of them does, so that its stop-the-world costs no host call: a P for
// each.
func (p *patcher) giveProcs(controlFn unsafe.Pointer, build string) {
	want := wantProcs()
	if want == 0 {
		return
	}
	resp := controlCopy(controlFn, controlRequest{Op: opProcs, Procs: want})
	if resp.Err != "" {
		p.log.Warn("hotpatch: the new copy keeps its default processors; host threads beyond them may wait for one", "build", build, "err", resp.Err)
		return
	}
	p.log.Debug("hotpatch: the new copy has a processor for each host thread that calls in", "build", build, "threads", want, "procs", resp.Procs)
}
