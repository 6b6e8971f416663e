//go:build linux

package main

/*
#include <stdlib.h>
#include <time.h>

static long long now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// spin_max calls f until *stop, keeping in *max the longest call since
// *max was last set to 0, as a host thread that calls the library does.
static void spin_max(void* f, int* stop, long long* max) {
	while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
		long long t0 = now_ns();
		((void (*)(void))f)();
		long long d = now_ns() - t0;
		if (d > __atomic_load_n(max, __ATOMIC_RELAXED)) __atomic_store_n(max, d, __ATOMIC_RELAXED);
	}
}

static long long load_ll(long long* p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static void store_ll(long long* p, long long v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static void store_int(int* p, int v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
*/
import "C"

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
)

// keptState: the figures of kept state (//hotpatch:keep). What kept state
// adds to a call, on one thread and on 8; the move of a world of about 10 MB
// encoded, against the codec's own encoding and decoding of it; and the
// pause that 8 calling threads see while a build applies.
func (r *results) keptState(samples int) error {
	m, err := newModuleOf("keptlib", "example.com/keptbench", "libkept.so")
	if err != nil {
		return err
	}
	defer removeFolder(m.dir)
	if _, err := m.build(m.out); err != nil {
		return err
	}
	lib, err := open(m.out)
	if err != nil {
		return err
	}

	const n = 20_000_000
	lib.bench("BenchKept", n/10)
	kept, plain := rounds(9, func() float64 { return lib.bench("BenchKept", n) }, func() float64 { return lib.bench("BenchPlainState", n) })
	delta := kept - plain
	verdict := "met"
	if delta > 5 {
		verdict = "missed"
	}
	r.add(figure{
		name:     "7. Unpatched call of a marked function that uses kept state",
		measured: fmt.Sprintf("%.2f ns", kept),
		baseline: fmt.Sprintf("%.2f ns, the same body unmarked, on state that is not kept", plain),
		ratio:    kept / plain,
		note:     fmt.Sprintf("%+.2f ns a call (target ≤ +5 ns, %s): the gate that keeps calls out while state moves adds nothing to the call path", delta, verdict),
	})

	one := cpuPerCall(lib, 1, n)
	eight := cpuPerCall(lib, 8, n)
	r.add(figure{
		name:     "7. The same call, 8 threads calling, CPU time per call",
		measured: fmt.Sprintf("%.2f ns", eight),
		baseline: fmt.Sprintf("%.2f ns, the same on 1 thread", one),
		ratio:    eight / one,
		target:   2,
		note:     "process CPU time over calls: on 2 CPUs, 8 threads cannot run at once, so wall time per call would say nothing about contention",
	})

	// Every apply from now on moves the world: about 10 MB encoded.
	size := lib.callLL("HPFill", 10<<20)
	builds, err := stageBuilds(m, samples)
	if err != nil {
		return err
	}
	// 8 threads call the marked function the whole time.
	stop := (*C.int)(C.calloc(1, C.size_t(unsafe.Sizeof(C.int(0)))))
	defer C.free(unsafe.Pointer(stop))
	maxes := make([]*C.longlong, 8)
	var wg sync.WaitGroup
	for i := range maxes {
		maxes[i] = (*C.longlong)(C.calloc(1, 8))
		defer C.free(unsafe.Pointer(maxes[i]))
		wg.Add(1)
		go func(max *C.longlong) {
			defer wg.Done()
			runtime.LockOSThread()
			C.spin_max(lib.sym("HPTick"), stop, max)
		}(maxes[i])
	}
	longest := func() float64 {
		var l C.longlong
		for _, m := range maxes {
			l = max(l, C.load_ll(m))
			C.store_ll(m, 0)
		}
		return float64(l) / 1e6
	}
	var moves, codecs, pauses, quiet []float64
	for _, b := range builds {
		// A window of the same length without an apply: the baseline.
		longest()
		time.Sleep(300 * time.Millisecond)
		quiet = append(quiet, longest())

		if err := publishStaged(m, b); err != nil {
			return err
		}
		deadline := time.Now().Add(time.Minute)
		for lib.version() != b.version {
			if time.Now().After(deadline) {
				return fmt.Errorf("build %d of the kept-state library was not applied", b.version)
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		pauses = append(pauses, longest())
		moves = append(moves, float64(lib.callLL("HPLastMove", 0))/1e6)
		codecs = append(codecs, float64(lib.callLL("HPCodec", 0))/1e6)
	}
	C.store_int(stop, 1)
	wg.Wait()
	label := fmt.Sprintf("kept-state library, a world of %.1f MB encoded", float64(size)/(1<<20))
	if err := r.retiredCopies(lib, m, max(4, samples/2), label); err != nil {
		return err
	}
	r.add(figure{
		name:     "8. Moving kept state of " + strconv.FormatFloat(float64(size)/(1<<20), 'f', 1, 64) + " MB encoded",
		measured: fmt.Sprintf("%.1f ms", median(moves)),
		baseline: fmt.Sprintf("%.1f ms, msgpack Marshal and Unmarshal of the same world in the copy that owns it", median(codecs)),
		ratio:    median(moves) / median(codecs),
		target:   1.5,
		note:     fmt.Sprintf("the move closes the gate, waits for calls in flight, encodes, copies through C memory, decodes; medians of %d applies with 8 threads calling", len(moves)),
	})
	r.add(figure{
		name:     "8. Longest call while a build with that state applies, 8 threads calling, p50",
		measured: fmt.Sprintf("%.1f ms", median(pauses)),
		baseline: fmt.Sprintf("%.1f ms, the longest call in as long a window without an apply", median(quiet)),
		ratio:    median(pauses) / median(quiet),
	})
	r.add(figure{
		name:     "8. Longest call while a build with that state applies, 8 threads calling, p95",
		measured: fmt.Sprintf("%.1f ms", percentile(pauses, 95)),
		baseline: fmt.Sprintf("%.1f ms, the same", percentile(quiet, 95)),
		ratio:    percentile(pauses, 95) / percentile(quiet, 95),
		note:     fmt.Sprintf("calls wait at the gate while the state moves (%.1f ms, above): the pause is the move", median(moves)),
	})
	return nil
}

// cpuPerCall returns the process's CPU time per call of BenchKept, with
// calls made by threads threads, n in all.
func cpuPerCall(lib *library, threads int, n int64) float64 {
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	var wg sync.WaitGroup
	for range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			lib.bench("BenchKept", n/int64(threads))
		}()
	}
	wg.Wait()
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	return float64(cpu.Nanoseconds()) / float64(n)
}

// A stagedBuild is a build made beside the output, to be published later by
// renames: builds made while host threads call would compete with them.
type stagedBuild struct {
	lib, stamp string
	version    int
}

// stageBuilds makes count builds of m, each one version up.
func stageBuilds(m *module, count int) ([]stagedBuild, error) {
	var s []stagedBuild
	for range count {
		if err := m.setVersion(m.version + 1); err != nil {
			return nil, err
		}
		dir := filepath.Join(m.dir, "stage", strconv.Itoa(m.version))
		res, err := m.build(filepath.Join(dir, filepath.Base(m.out)))
		if err != nil {
			return nil, err
		}
		s = append(s, stagedBuild{lib: res.Output, stamp: artifact.StampPath(res.Output), version: m.version})
	}
	return s, nil
}

// publishStaged publishes b at m's output, as hotpatch build does: the
// library by a rename, then its stamp.
func publishStaged(m *module, b stagedBuild) error {
	if err := os.Rename(b.lib, m.out); err != nil {
		return err
	}
	return os.Rename(b.stamp, artifact.StampPath(m.out))
}

// retiredCopies (figure 13): what each retired copy holds, as the growth
// of the process over reloads of the library m, idle: first with retired
// copies kept as they were (HOTPATCH_RETIRED=keep), then as they are,
// giving their kept values and heap back and running on one processor.
// label says what the library holds.
func (r *results) retiredCopies(lib *library, m *module, reloads int, label string) error {
	var rss, threads [2]float64
	for i, mode := range []string{"keep", ""} {
		os.Setenv("HOTPATCH_RETIRED", mode)
		builds, err := stageBuilds(m, reloads+1)
		if err != nil {
			return err
		}
		// The first reload retires a copy of the other mode.
		if err := publishStaged(m, builds[0]); err != nil {
			return err
		}
		if err := awaitVersion(lib, builds[0].version); err != nil {
			return err
		}
		time.Sleep(3 * time.Second) // until the first reload's garbage is collected and its copy released
		rss0, th0 := procStatus()
		for _, b := range builds[1:] {
			if err := publishStaged(m, b); err != nil {
				return err
			}
			if err := awaitVersion(lib, b.version); err != nil {
				return err
			}
			time.Sleep(300 * time.Millisecond)
		}
		time.Sleep(3 * time.Second)
		rss1, th1 := procStatus()
		rss[i], threads[i] = (rss1-rss0)/float64(reloads), (th1-th0)/float64(reloads)
	}
	os.Unsetenv("HOTPATCH_RETIRED")
	r.add(figure{
		name:     "13. Memory per retired copy, " + label,
		measured: fmt.Sprintf("%+.1f MB RSS, %+.1f threads", rss[1]/1024, threads[1]),
		baseline: fmt.Sprintf("%+.1f MB RSS, %+.1f threads, retired copies kept as they were (HOTPATCH_RETIRED=keep)", rss[0]/1024, threads[0]),
		ratio:    rss[1] / rss[0],
		note:     fmt.Sprintf("growth of the process over %d idle reloads, each of which retires the copy before it; what stands at the floor: a Go runtime never ends its threads, nor unmaps its code, and its sysmon and collector touch part of that code again", reloads),
	})
	return nil
}
