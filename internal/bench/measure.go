//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotpatch-go/hotpatch/internal/artifact"
)

// A figure is one row of the report.
type figure struct {
	name     string
	measured string // what was measured, in this run's units
	baseline string // the baseline, measured in the same run
	ratio    float64
	target   float64 // the ratio not to exceed; 0 for none
	note     string
}

type results struct {
	figures []figure
	details []string

	// reloadRSS and reloadThreads are what each idle reload added to the
	// process, in KB and threads.
	reloadRSS, reloadThreads []float64
}

func (r *results) add(f figure) {
	r.figures = append(r.figures, f)
	fmt.Fprintf(os.Stderr, "bench: %s: %.2f× (%s against %s)\n", f.name, f.ratio, f.measured, f.baseline)
}

func median(xs []float64) float64 { return percentile(xs, 50) }

func percentile(xs []float64, p float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(float64(len(s)-1)*p/100 + 0.5)
	return s[i]
}

// run measures the figures that want selects (all, if it selects none).
func run(samples, curve int, want func(figure int) bool) (*results, error) {
	r := &results{}
	m, err := newModule()
	if err != nil {
		return nil, err
	}
	defer removeFolder(m.dir)
	fmt.Fprintf(os.Stderr, "bench: building the benchmark library in %s\n", m.dir)
	if _, err := m.build(m.out); err != nil {
		return nil, err
	}
	if want(5) {
		if err := r.buildCost(m, "bench library"); err != nil {
			return nil, err
		}
		if err := r.heavyBuildCost(); err != nil {
			return nil, err
		}
		if _, err := m.build(m.out); err != nil {
			return nil, err
		}
	}
	lib, err := open(m.out)
	if err != nil {
		return nil, err
	}
	if want(1) {
		if err := r.unpatchedCall(lib); err != nil {
			return nil, err
		}
	}
	if err := m.setVersion(m.version + 1); err != nil {
		return nil, err
	}
	if _, err := m.build(m.out); err != nil {
		return nil, err
	}
	if err := awaitVersion(lib, m.version); err != nil {
		return nil, err
	}
	if want(2) {
		if err := r.patchedCall(lib, m); err != nil {
			return nil, err
		}
	}
	if want(3) {
		r.checkedCall(lib)
		r.checkedAgainstDefault(lib)
	}
	if want(12) {
		r.plainCall(lib)
	}
	if want(11) {
		if err := r.saveToLive(lib, m, samples); err != nil {
			return nil, err
		}
	}
	if want(9) || want(10) {
		if err := r.hostCalls(samples); err != nil {
			return nil, err
		}
	}
	if want(15) {
		if err := r.severalLibraries(); err != nil {
			return nil, err
		}
	}
	if want(4) || want(6) {
		if err := r.reloadLatency(lib, m, samples); err != nil {
			return nil, err
		}
	}
	if want(13) {
		if err := r.retiredCopies(lib, m, samples, "bench library"); err != nil {
			return nil, err
		}
	}
	if want(7) || want(8) {
		if err := r.keptState(samples); err != nil {
			return nil, err
		}
	}
	if want(6) {
		if err := r.copyCost(m); err != nil {
			return nil, err
		}
		if err := r.staticTLS(m); err != nil {
			return nil, err
		}
	}
	if want(14) {
		if err := r.memoryCurve(m, curve); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func awaitVersion(lib *library, v int) error {
	deadline := time.Now().Add(time.Minute)
	for lib.version() != v {
		if time.Now().After(deadline) {
			return fmt.Errorf("the library did not reach version %d", v)
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// rounds alternates two measurements and returns their medians.
func rounds(n int, a, b func() float64) (float64, float64) {
	var as, bs []float64
	for range n {
		as = append(as, a())
		bs = append(bs, b())
	}
	return median(as), median(bs)
}

// unpatchedCall: a marked function that has not been patched, against the
// same function unmarked; both are kept from being inlined.
func (r *results) unpatchedCall(lib *library) error {
	const n = 50_000_000
	lib.bench("BenchMarked", n/10) // warm up
	marked, plain := rounds(9, func() float64 { return lib.bench("BenchMarked", n) }, func() float64 { return lib.bench("BenchPlain", n) })
	r.add(figure{
		name:     "1. Unpatched call of a marked function",
		measured: fmt.Sprintf("%.2f ns", marked),
		baseline: fmt.Sprintf("%.2f ns, the same function unmarked, not inlined", plain),
		ratio:    marked / plain,
		note:     fmt.Sprintf("%+.2f ns a call (target ≤ 1 ns); the dispatch check is one atomic load and a branch: no lock, clock or system call", marked-plain),
	})
	return nil
}

// patchedCall: the same marked function, now patched into the newest copy,
// against a hand-written call from Go through a C function pointer into an
// exported function of another copy: another Go runtime.
func (r *results) patchedCall(lib *library, m *module) error {
	other := baselinePath(m, 0)
	data, err := os.ReadFile(m.out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(other), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(other, data, 0o755); err != nil {
		return err
	}
	second, err := open(other)
	if err != nil {
		return err
	}
	add := second.sym("HPAdd")
	cross := func() float64 {
		return lib.benchWith("BenchCross", 2_000_000, add)
	}
	cross()
	patched, base := rounds(9, func() float64 { return lib.bench("BenchMarked", 2_000_000) }, cross)
	r.add(figure{
		name:     "2. Patched call, default mode",
		measured: fmt.Sprintf("%.0f ns", patched),
		baseline: fmt.Sprintf("%.0f ns, Go → C function pointer → exported Go in a second runtime", base),
		ratio:    patched / base,
		target:   1.3,
	})
	return nil
}

// plainCall (figure 12): a patched call with a 16-byte string in and out,
// against the same patched call with integers; and the cost per KB of a
// longer string, against cloning it in Go, twice (in and out).
func (r *results) plainCall(lib *library) {
	const n = 1_000_000
	lib.benchSize("BenchString", n/10, 16)
	str, ints := rounds(9, func() float64 { return lib.benchSize("BenchString", n, 16) }, func() float64 { return lib.bench("BenchMarked", n) })
	r.add(figure{
		name:     "12. Patched call, default mode, 16-byte string in and out",
		measured: fmt.Sprintf("%.0f ns", str),
		baseline: fmt.Sprintf("%.0f ns, the same patched call with integers", ints),
		ratio:    str / ints,
		target:   1.5,
	})
	big, small := rounds(5, func() float64 { return lib.benchSize("BenchString", n/100, 64<<10) }, func() float64 { return lib.benchSize("BenchString", n/100, 16) })
	clone := median([]float64{lib.benchSize("BenchClone", n/100, 64<<10), lib.benchSize("BenchClone", n/100, 64<<10), lib.benchSize("BenchClone", n/100, 64<<10)})
	perKB := (big - small) / 64
	r.add(figure{
		name:     "12. Plain data, cost per KB in and out",
		measured: fmt.Sprintf("%.0f ns per KB", perKB),
		baseline: fmt.Sprintf("%.0f ns per KB, strings.Clone in and out", 2*clone/64),
		ratio:    perKB / (2 * clone / 64),
	})
}

// checkedCall: a checked call of a struct with a string, a slice, a map and
// a nested struct, against the codec's own encoding and decoding of the same
// argument and result.
func (r *results) checkedCall(lib *library) {
	const n = 200_000
	lib.bench("BenchChecked", n/10)
	checked, codec := rounds(9, func() float64 { return lib.bench("BenchChecked", n) }, func() float64 { return lib.bench("BenchMsgpack", n) })
	r.add(figure{
		name:     "3. Patched call, checked mode",
		measured: fmt.Sprintf("%.0f ns", checked),
		baseline: fmt.Sprintf("%.0f ns, msgpack Marshal+Unmarshal of the argument and the result", codec),
		ratio:    checked / codec,
		target:   1.5,
	})
}

// checkedAgainstDefault (figure 3): checked calls against default-mode
// calls of the same signature, both patched: two integers, and a struct
// with strings.
func (r *results) checkedAgainstDefault(lib *library) {
	const n = 1_000_000
	lib.bench("BenchCheckedAdd", n/10)
	for _, c := range []struct {
		signature      string
		checked, plain func() float64
	}{
		{"two integers", func() float64 { return lib.bench("BenchCheckedAdd", n) }, func() float64 { return lib.bench("BenchMarked", n) }},
		{"a struct of two strings and an integer in and out", func() float64 { return lib.benchSize("BenchRecord", n, 1) }, func() float64 { return lib.benchSize("BenchRecord", n, 0) }},
	} {
		checked, plain := rounds(9, c.checked, c.plain)
		r.add(figure{
			name:     "3. Patched call, checked mode, " + c.signature,
			measured: fmt.Sprintf("%.0f ns", checked),
			baseline: fmt.Sprintf("%.0f ns, the same call in the default mode", plain),
			ratio:    checked / plain,
			target:   2,
		})
	}
}

// reloadLatency: from the new build's file appearing, by rename into place,
// to the first call that runs the new body; against linking, loading and
// calling the same file directly, the least a reload can do: a process needs
// a file of its own to load, and the patcher links one too
// (artifact.LinkVerified). Idle, and with 8 threads calling.
func (r *results) reloadLatency(lib *library, m *module, samples int) error {
	stage := func() ([]stagedBuild, error) { return stageBuilds(m, samples) }
	if err := os.MkdirAll(filepath.Dir(baselinePath(m, 0)), 0o755); err != nil {
		return err
	}
	measure := func(name string, busy bool) error {
		builds, err := stage()
		if err != nil {
			return err
		}
		var stop atomic.Bool
		var wg sync.WaitGroup
		if busy {
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					runtime.LockOSThread()
					for !stop.Load() {
						lib.run("BenchObserve", 1000)
					}
				}()
			}
		}
		var ours, base, inside, rss, threads []float64
		for _, b := range builds {
			// Each baseline links a file of its own: the loader knows a
			// file by its inode, and hands back what it loaded for any
			// other link to it, as it would to the patcher.
			src := func(n int) (string, error) {
				p := filepath.Join(m.dir, "baseline", fmt.Sprintf("build-%d.so", n))
				return p, copyFile(b.lib, p)
			}
			own, err := src(100_000 + b.version)
			if err != nil {
				return err
			}
			d, err := lib.loadInside(own, baselinePath(m, 100_000+b.version))
			if err != nil {
				return err
			}
			inside = append(inside, float64(d.Microseconds()))

			if own, err = src(b.version); err != nil {
				return err
			}
			start := time.Now()
			copyPath := baselinePath(m, b.version)
			if err := os.Link(own, copyPath); err != nil {
				return err
			}
			l, err := open(copyPath)
			if err != nil {
				return err
			}
			if l.version() != b.version {
				return fmt.Errorf("baseline copy answers %d", l.version())
			}
			base = append(base, float64(time.Since(start).Microseconds()))

			time.Sleep(50 * time.Millisecond)
			rss0, th0 := procStatus()
			// The build appears once it is renamed into place: that rename
			// unlinks the previous build and frees its page cache, which
			// takes a few ms and is not the patcher's time.
			if err := os.Rename(b.lib, m.out); err != nil {
				return err
			}
			start = time.Now()
			if err := os.Rename(b.stamp, artifact.StampPath(m.out)); err != nil {
				return err
			}
			// The harness looks every 100 µs, not without pause: a
			// thread that spins would take one of the 2 CPUs from the
			// reload, and the baseline has none.
			for lib.version() != b.version {
				if time.Since(start) > time.Minute {
					return fmt.Errorf("build %d was not patched in", b.version)
				}
				time.Sleep(100 * time.Microsecond)
			}
			// The first call that ran the new body, on any thread: the
			// harness's own call may come later, when 8 threads compete.
			seen := lib.firstSeen(b.version)
			ours = append(ours, float64(seen.Sub(start).Microseconds()))
			time.Sleep(200 * time.Millisecond)
			rss1, th1 := procStatus()
			rss, threads = append(rss, rss1-rss0), append(threads, th1-th0)
		}
		stop.Store(true)
		wg.Wait()
		r.add(figure{
			name:     "4. Reload latency, " + name + ", p50",
			measured: fmt.Sprintf("%.1f ms", median(ours)/1000),
			baseline: fmt.Sprintf("%.1f ms, link + dlopen + first call of the same file", median(base)/1000),
			ratio:    median(ours) / median(base),
			target:   2,
		})
		r.add(figure{
			name:     "4. Reload latency, " + name + ", p95",
			measured: fmt.Sprintf("%.1f ms", percentile(ours, 95)/1000),
			baseline: fmt.Sprintf("%.1f ms, the same", percentile(base, 95)/1000),
			ratio:    percentile(ours, 95) / percentile(base, 95),
			target:   4,
			note: fmt.Sprintf("the same link + dlopen + first call made by Go code inside the library, whose runtime the patcher shares: p50 %.1f ms, p95 %.1f ms (the reload takes %.2f× and %.2f× that)",
				median(inside)/1000, percentile(inside, 95)/1000, median(ours)/median(inside), percentile(ours, 95)/percentile(inside, 95)),
		})
		if !busy {
			r.reloadRSS, r.reloadThreads = rss, threads
		}
		return nil
	}
	if err := measure("host idle", false); err != nil {
		return err
	}
	return measure("8 threads calling", true)
}

// copyFile copies src to dst the fastest way there is: io.Copy between two
// files copies inside the kernel (copy_file_range), without reading the data
// into the process.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// baselinePath names the copy that a baseline loads by hand. It is named as
// the patcher names its copies, so that it does not start a patcher of its
// own in this process, as a second library the host loaded would.
func baselinePath(m *module, n int) string {
	return artifact.CopyPath(filepath.Join(m.dir, "baseline", "libbench.so"), 0, n)
}

// procStatus returns this process's resident memory, in KB, and threads.
func procStatus() (rssKB, threads float64) {
	data, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rssKB = v
		case "Threads:":
			threads = v
		}
	}
	return rssKB, threads
}

// buildCost (figure 5): hotpatch build after a one-line edit, with the
// linker it picks and with the C compiler's default linker
// (HOTPATCH_LINKER=default), against plain go build with the default
// linker, on the library m; label names the library in the figures.
func (r *results) buildCost(m *module, label string) error {
	graph := filepath.Join(m.dir, "actiongraph.json")
	plainGraph := filepath.Join(m.dir, "actiongraph-plain.json")
	var plain, hot, hotDefault, analysis, compile, link, plainLink, probe, publish, list []float64
	linker := ""
	for i := range 6 {
		if err := m.setVersion(m.version + 1); err != nil {
			return err
		}
		start := time.Now()
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-debug-actiongraph="+plainGraph, "-o", filepath.Join(m.dir, "plain.so"), ".")
		cmd.Dir = m.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
		p := time.Since(start).Seconds()
		// The least any analysis costs: one go list run over the
		// package's dependencies.
		start = time.Now()
		cmd = exec.Command("go", "list", "-tags", "hotpatch", "-deps", "-json", ".")
		cmd.Dir = m.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go list: %v\n%s", err, out)
		}
		l := time.Since(start).Seconds()
		if err := m.setVersion(m.version + 1); err != nil {
			return err
		}
		start = time.Now()
		res, err := m.build(m.out, "-debug-actiongraph="+graph)
		if err != nil {
			return err
		}
		h := time.Since(start).Seconds()
		linker = res.Linker
		if err := m.setVersion(m.version + 1); err != nil {
			return err
		}
		os.Setenv("HOTPATCH_LINKER", "default")
		start = time.Now()
		_, err = m.build(m.out)
		hd := time.Since(start).Seconds()
		os.Unsetenv("HOTPATCH_LINKER")
		if err != nil {
			return err
		}
		if i == 0 {
			continue // warms the cache for all three
		}
		c, hl, err := compileAndLink(graph)
		if err != nil {
			return err
		}
		_, pl, err := compileAndLink(plainGraph)
		if err != nil {
			return err
		}
		plain, hot, hotDefault, list = append(plain, p), append(hot, h), append(hotDefault, hd), append(list, l)
		analysis = append(analysis, res.Analysis.Seconds())
		compile, link, plainLink = append(compile, c), append(link, hl), append(plainLink, pl)
		publish = append(publish, res.Publish.Seconds())
		probe = append(probe, res.Probe.Seconds())
	}
	baseline := fmt.Sprintf("%.2f s, go build -buildmode=c-shared of the same package, default linker", median(plain))
	fast := !strings.Contains(linker, "default")
	target := 1.10
	if fast {
		target = 0.80
	}
	r.add(figure{
		name:     "5. Build after a one-line edit, " + label + ", " + linker,
		measured: fmt.Sprintf("%.2f s", median(hot)),
		baseline: baseline,
		ratio:    median(hot) / median(plain),
		target:   target,
		note: fmt.Sprintf("hotpatch build: analysis %.2f s, compile %.2f s, link %.2f s, probe %.3f s, checksum and publish %.3f s. "+
			"What stands at the floor: plain go build links in %.2f s with the default linker. The analysis is warm (on disk, in the user's cache folder) when the imports did not change: "+
			"a cold one runs go list over the dependencies, which alone takes %.2f s",
			median(analysis), median(compile), median(link), median(probe), median(publish), median(plainLink), median(list)),
	})
	if fast {
		r.add(figure{
			name:     "5. Build after a one-line edit, " + label + ", HOTPATCH_LINKER=default",
			measured: fmt.Sprintf("%.2f s", median(hotDefault)),
			baseline: baseline,
			ratio:    median(hotDefault) / median(plain),
			target:   1.10,
			note:     "as on a machine with neither mold nor lld",
		})
	}
	if label == "bench library" {
		r.add(figure{
			name:     "5. The probe: loading each new build once in a process of its own",
			measured: fmt.Sprintf("%.3f s", median(probe)),
			baseline: fmt.Sprintf("%.2f s, the whole hotpatch build", median(hot)),
			ratio:    median(probe) / median(hot),
			target:   0.10,
			note:     "a build whose package initialisation panics is then never published: see README.md, \"A new build never takes the process down\"",
		})
	}
	return nil
}

// heavyBuildCost is buildCost on a library with heavy dependencies from the
// module proxy, a JavaScript engine and an expression engine.
func (r *results) heavyBuildCost() error {
	m, err := newModuleOf("testdata/heavy", "example.com/heavy", "libheavy.so")
	if err != nil {
		return fmt.Errorf("the heavy library, whose dependencies come from the module proxy: %w", err)
	}
	defer removeFolder(m.dir)
	fmt.Fprintf(os.Stderr, "bench: building the heavy library in %s\n", m.dir)
	if _, err := m.build(m.out); err != nil {
		return err
	}
	return r.buildCost(m, "heavy library (goja, expr)")
}

// compileAndLink sums the compile and link times that go build recorded in
// its action graph.
func compileAndLink(path string) (compile, link float64, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	var actions []struct {
		Mode                string
		Cmd                 []string
		TimeStart, TimeDone time.Time
	}
	if err := json.Unmarshal(data, &actions); err != nil {
		return 0, 0, err
	}
	for _, a := range actions {
		d := a.TimeDone.Sub(a.TimeStart).Seconds()
		switch {
		case a.Mode == "build" && a.Cmd != nil:
			compile += d
		case a.Mode == "link":
			link += d
		}
	}
	return compile, link, nil
}

// copyCost: the memory and threads that a reload added, against loading a
// copy of a plain build of the same library (no hotpatch runtime) by hand:
// what any Go runtime costs.
func (r *results) copyCost(m *module) error {
	plain := filepath.Join(m.dir, "plain", "libplain.so")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", plain, ".")
	cmd.Dir = m.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	var rss, threads []float64
	for i := range len(r.reloadRSS) {
		path := filepath.Join(m.dir, "plain", fmt.Sprintf("libplain-%d.so", i))
		if err := copyFile(plain, path); err != nil {
			return err
		}
		time.Sleep(50 * time.Millisecond)
		rss0, th0 := procStatus()
		l, err := open(path)
		if err != nil {
			return err
		}
		l.version() // waits for the copy's runtime to initialise
		time.Sleep(200 * time.Millisecond)
		rss1, th1 := procStatus()
		rss, threads = append(rss, rss1-rss0), append(threads, th1-th0)
	}
	r.add(figure{
		name:     "6. Memory per reload",
		measured: fmt.Sprintf("%+.1f MB RSS, %+.0f threads", median(r.reloadRSS)/1024, median(r.reloadThreads)),
		baseline: fmt.Sprintf("%+.1f MB RSS, %+.0f threads, a copy of a plain build of the same library loaded by hand", median(rss)/1024, median(threads)),
		ratio:    median(r.reloadRSS) / median(rss),
		note:     fmt.Sprintf("medians of %d reloads and %d plain loads; every copy is a Go runtime, which starts its own threads and can never be unloaded", len(r.reloadRSS), len(rss)),
	})
	return nil
}

// staticTLS counts how many 8-byte static TLS blocks, the size a Go library
// takes, a fresh C process can load: the copies a process can hold, of which
// the library itself is the first.
func (r *results) staticTLS(m *module) error {
	dir := filepath.Join(m.dir, "tls")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	filler := filepath.Join(dir, "filler.c")
	counter := filepath.Join(dir, "count.c")
	os.WriteFile(filler, []byte("__thread long filler_tls __attribute__((tls_model(\"initial-exec\")));\nlong filler_touch(void) { return ++filler_tls; }\n"), 0o644)
	os.WriteFile(counter, []byte(`#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
	char path[4096], cmd[9000];
	int n = 0;
	for (;; n++) {
		snprintf(path, sizeof path, "%s.%d", argv[1], n);
		snprintf(cmd, sizeof cmd, "cp '%s' '%s'", argv[1], path);
		if (system(cmd) != 0 || !dlopen(path, RTLD_NOW | RTLD_LOCAL)) break;
	}
	printf("%d\n", n);
	return 0;
}
`), 0o644)
	so := filepath.Join(dir, "libfiller.so")
	bin := filepath.Join(dir, "count")
	for _, args := range [][]string{{"-shared", "-fPIC", "-o", so, filler}, {"-o", bin, counter, "-ldl"}} {
		if out, err := exec.Command("cc", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("cc: %v\n%s", err, out)
		}
	}
	out, err := exec.Command(bin, so).Output()
	if err != nil {
		return err
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	r.details = append(r.details, fmt.Sprintf("Reloads until the limit: %d. A fresh C process on this machine has static TLS for %d Go libraries; the library itself is the first. GLIBC_TUNABLES=glibc.rtld.optional_static_tls raises it.", n-1, n))
	return nil
}
